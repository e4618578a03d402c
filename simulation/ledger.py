"""The ledger of quantities: what each replication simulated that money is made of, kept to be priced again.

A replication's cost lines are functions of prices applied to quantities the simulation measured: downtime
hours in and out of business hours per year, monthly availability, tickets and out-of-hours interventions
per contract and month, each GTR breach with its month, priority and hours late, hours worked on call and in
overtime, posts filled and departures per person and year, on-call duty and call-outs per year. Nothing the
engine does depends on a price, so these quantities are the same whatever the prices: a run keeps them (one
row per replication, as typed arrays) and :func:`simulation.metrics.value` prices them for any study whose
structure is the same (its *price* and *judgement* paths may differ, :mod:`sourcing.paths`). Every cost of
``run``, ``compare``, a batch, the what-if questions and the app comes from that one function: a run prices
its own ledger, a re-valuation prices a stored one, on the same replications (common random numbers by
construction).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np


@dataclass(frozen=True)
class ServiceLedger:
    """One service under one scenario: arrays with one row per replication."""

    downtime_business: np.ndarray
    """(replications, years) outage-equivalent hours inside business hours."""
    downtime_off: np.ndarray
    """(replications, years) outage-equivalent hours outside business hours."""
    availability_month: np.ndarray
    """(replications, months) availability in the agreed service time (against an availability target)."""
    sla_availability: np.ndarray | None = None
    """(replications, months) the SaaS platform's availability on the 24/7 clock (SLA credits), under SaaS."""


@dataclass(frozen=True)
class ContractLedger:
    """One managed-services contract under one scenario."""

    tickets: np.ndarray
    """(replications, months) tickets billed (escalations included)."""
    hno: np.ndarray
    """(replications, months) interventions started in the HNO window (billed at the multiplier)."""
    breach_replication: np.ndarray
    """Each GTR breach: its replication (position in the ledger), month, priority and covered hours late."""
    breach_month: np.ndarray
    breach_priority: np.ndarray
    breach_late: np.ndarray


@dataclass(frozen=True)
class TeamLedger:
    """One internal team under one scenario: (replications, people, years) and (replications, years)."""

    employed: np.ndarray
    """Share of each year each post was filled."""
    departures: np.ndarray
    overtime: np.ndarray
    """Overtime hours per person and year."""
    interventions: np.ndarray
    """Hours worked on call per person and year."""
    duty_weeks: np.ndarray
    """On-call duty held per year, in weeks of the on-call window."""
    callouts: np.ndarray
    """Call-outs per year."""


@dataclass(frozen=True)
class ScenarioLedger:
    """Everything of one scenario that its costs are made of, for some replications."""

    replications: int
    services: tuple[ServiceLedger, ...]
    """In the order of the study's services."""
    teams: dict[str, TeamLedger]
    """In the order the engine ran them."""
    contracts: dict[str, ContractLedger]
    """Managed-services contracts, by offer name."""


@dataclass(frozen=True)
class Ledger:
    """The ledger of a run: its replications' numbers and each scenario's quantities."""

    replications: np.ndarray
    scenarios: dict[str, ScenarioLedger]

    def __len__(self) -> int:
        return len(self.replications)

    def head(self, count: int) -> Ledger:
        """The first ``count`` replications."""
        return select(self, np.arange(min(count, len(self))))


def _join(records: list, offsets: list[int]) -> object:
    """Records of the same type joined replication-wise (breach positions shifted by ``offsets``)."""
    kind = type(records[0])
    out = {}
    for f in fields(kind):
        values = [getattr(r, f.name) for r in records]
        if f.name == "breach_replication":
            out[f.name] = np.concatenate([v + o for v, o in zip(values, offsets)])
        elif f.name.startswith("breach_"):
            out[f.name] = np.concatenate(values)
        else:
            out[f.name] = None if values[0] is None else np.concatenate(values, axis=0)
    return kind(**out)


def concat(ledgers: list[Ledger | None]) -> Ledger | None:
    """Ledgers of successive replications as one (in the order given); None if one of them is missing."""
    if not ledgers or any(x is None for x in ledgers):
        return None
    ledgers = [x for x in ledgers if len(x)] or ledgers[:1]
    if len(ledgers) == 1:
        return ledgers[0]
    sizes = [len(x) for x in ledgers]
    offsets = list(np.cumsum([0, *sizes[:-1]]))
    scenarios = {}
    for name, first in ledgers[0].scenarios.items():
        parts = [x.scenarios[name] for x in ledgers]
        scenarios[name] = ScenarioLedger(
            replications=sum(p.replications for p in parts),
            services=tuple(_join([p.services[k] for p in parts], offsets) for k in range(len(first.services))),
            teams={t: _join([p.teams[t] for p in parts], offsets) for t in first.teams},
            contracts={c: _join([p.contracts[c] for p in parts], offsets) for c in first.contracts},
        )
    return Ledger(np.concatenate([x.replications for x in ledgers]), scenarios)


def _pick(record: object, keep: np.ndarray) -> object:
    """A record's replications at positions ``keep``, its breaches renumbered to their new positions."""
    out = {}
    position = np.full(int(keep.max()) + 1 if len(keep) else 0, -1)
    position[keep] = np.arange(len(keep))
    mask = None
    for f in fields(record):
        value = getattr(record, f.name)
        if f.name == "breach_replication":
            inside = value < len(position)
            mask = inside & (position[np.where(inside, value, 0)] >= 0)
            out[f.name] = position[value[mask]]
        elif f.name.startswith("breach_"):
            out[f.name] = value
        else:
            out[f.name] = None if value is None else value[keep]
    if mask is not None:
        for name in ("breach_month", "breach_priority", "breach_late"):
            out[name] = out[name][mask]
    return replace(record, **out)


def select(ledger: Ledger, keep: np.ndarray) -> Ledger:
    """The replications at positions ``keep`` (in that order, increasing)."""
    keep = np.asarray(keep, dtype=int)
    scenarios = {name: ScenarioLedger(len(keep), tuple(_pick(s, keep) for s in sl.services),
                                      {t: _pick(v, keep) for t, v in sl.teams.items()},
                                      {c: _pick(v, keep) for c, v in sl.contracts.items()})
                 for name, sl in ledger.scenarios.items()}
    return Ledger(ledger.replications[keep], scenarios)


# --------------------------------------------------------------------------- on disk

def to_bytes(book: Ledger) -> bytes:
    """A ledger as a NumPy ``.npz`` archive (arrays only, no pickled objects): what a run folder and a run
    store keep to value a run again."""
    import io
    import json

    arrays: dict[str, np.ndarray] = {"replications": book.replications}
    index: dict[str, dict] = {}
    for name, scenario in book.scenarios.items():
        k = len(index)
        entry = {"name": name, "replications": scenario.replications, "services": [], "teams": [], "contracts": []}
        for group, records in (("services", list(enumerate(scenario.services))), ("teams", list(scenario.teams.items())),
                               ("contracts", list(scenario.contracts.items()))):
            for j, (label, record) in enumerate(records):
                entry[group].append(label)
                for f in fields(record):
                    value = getattr(record, f.name)
                    if value is not None:
                        arrays[f"s{k}.{group}.{j}.{f.name}"] = value
        index[str(k)] = entry
    arrays["index"] = np.frombuffer(json.dumps(index).encode(), dtype=np.uint8)
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


def from_bytes(data: bytes) -> Ledger:
    """The ledger :func:`to_bytes` wrote."""
    import io
    import json

    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    index = json.loads(arrays["index"].tobytes().decode())
    scenarios = {}
    for k, entry in index.items():
        def record(kind, group: str, j: int):
            values = {f.name: arrays.get(f"s{k}.{group}.{j}.{f.name}") for f in fields(kind)}
            return kind(**values)

        scenarios[entry["name"]] = ScenarioLedger(
            entry["replications"],
            tuple(record(ServiceLedger, "services", j) for j in range(len(entry["services"]))),
            {name: record(TeamLedger, "teams", j) for j, name in enumerate(entry["teams"])},
            {name: record(ContractLedger, "contracts", j) for j, name in enumerate(entry["contracts"])})
    return Ledger(arrays["replications"], scenarios)
