"""The run store: every batch, study, variant and replication in one DuckDB file (nothing to install or
start), written as replications finish.

Tables:

- ``runs``: one row per batch run: when, the package version, the seed, the command, the batch file and
  its SHA-256;
- ``studies``: one row per study x variant: its key (stable across runs of the same batch, so that
  ``--resume`` finds it), the base file and its SHA-256, the variant and its parameters, the resolved
  scenario (YAML), the replication plan and the control variates' expectations;
- ``results``: tidy results, one row per study x scenario x replication x subject x metric x priority x
  period;
- ``targets``: each study's monthly availability target per service and the share of months that must
  reach it (as the resolved scenario has them), so that a query can apply the targets as the report does;
- ``controls``: the control variates of each replication (variance reduction);
- ``done``: the replications finished, written in the same transaction as their rows, so that a batch
  killed at any moment (Ctrl-C, ``kill -9``, a power cut) loses no finished replication and leaves none
  half-written;
- ``ledgers``: the ledger of quantities of a simulated study's finished replications (a NumPy archive per
  task, :func:`simulation.ledger.to_bytes`), written with their rows, to value them at other prices;
- ``revaluations``: each study that was not simulated but re-valued from another study's ledger (its
  variant differs only in prices and judgements), and that study.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from sourcing import __version__

SCHEMA = "sourcing-store/1"
"""Written in the store's ``meta`` table; a store of another version, or a file that is not a store, is
refused with a clear message."""

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS runs (run_id INTEGER, created VARCHAR, version VARCHAR, seed BIGINT, command VARCHAR,
    batch_file VARCHAR, batch_sha256 VARCHAR, batch_name VARCHAR);
CREATE TABLE IF NOT EXISTS studies (study VARCHAR PRIMARY KEY, run_id INTEGER, file VARCHAR, file_sha256 VARCHAR,
    variant VARCHAR, parameters VARCHAR, scenario_yaml VARCHAR, replications INTEGER, precision DOUBLE,
    max_replications INTEGER, seed BIGINT, control_means VARCHAR, position INTEGER);
CREATE TABLE IF NOT EXISTS results (study VARCHAR, scenario VARCHAR, replication INTEGER, scope VARCHAR,
    subject VARCHAR, metric VARCHAR, priority VARCHAR, period VARCHAR, value DOUBLE);
CREATE TABLE IF NOT EXISTS controls (study VARCHAR, replication INTEGER, name VARCHAR, value DOUBLE);
CREATE TABLE IF NOT EXISTS targets (study VARCHAR, service VARCHAR, availability_target DOUBLE,
    months_at_target DOUBLE);
CREATE TABLE IF NOT EXISTS done (study VARCHAR, replication INTEGER, PRIMARY KEY (study, replication));
CREATE TABLE IF NOT EXISTS ledgers (study VARCHAR, first INTEGER, count INTEGER, data BLOB);
CREATE TABLE IF NOT EXISTS revaluations (study VARCHAR PRIMARY KEY, source VARCHAR);
"""


class StoreError(Exception):
    """A file that cannot be used as a run store, with what to do."""


class Store:
    """A run store opened for writing (the batch runner) or reading (reports, the app)."""

    def __init__(self, path: str | Path, read_only: bool = False) -> None:
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise StoreError(f"{self.path}: no such run store")
        try:
            self.db = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"{self.path}: not a run store (DuckDB cannot open it: {str(exc).splitlines()[0]})") \
                from None
        tables = {row[0] for row in self.db.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if tables and "meta" not in tables:
            self.db.close()
            raise StoreError(f"{self.path}: a DuckDB file, but not a run store (tables: {', '.join(sorted(tables))})")
        if "meta" in tables:
            found = self.db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if found is None or found[0] != SCHEMA:
                self.db.close()
                raise StoreError(f"{self.path}: a run store of another version ({found[0] if found else 'unknown'}; "
                                 f"this version reads {SCHEMA}): run the batch again into a new store")
        elif read_only:
            raise StoreError(f"{self.path}: an empty file, not a run store")
        else:
            self.db.execute(_TABLES)
            self.db.execute("INSERT INTO meta VALUES ('schema', ?)", [SCHEMA])
        if not read_only:
            self.db.execute(_TABLES)  # a store written before a table was added gets it (empty)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # ------------------------------------------------------------------ writing

    def begin_run(self, seed: int, command: str, batch_file: str, batch_sha256: str, batch_name: str) -> int:
        run_id = int(self.db.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchone()[0])
        self.db.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [run_id, datetime.now(UTC).isoformat(timespec="seconds"), __version__, seed, command,
                         batch_file, batch_sha256, batch_name])
        return run_id

    def known(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT study FROM studies").fetchall()}

    def add_study(self, run_id: int, position: int, planned, seed: int, control_means: dict[str, float]) -> None:
        """A study's row and its services' availability targets, in one transaction."""
        targets = [[planned.key, name, service.availability_target, service.months_at_target]
                   for name, service in planned.study.services.items() if service.availability_target is not None]
        with self._transaction():
            self.db.execute("INSERT INTO studies VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [planned.key, run_id, planned.file, planned.file_sha256, planned.variant,
                             json.dumps(planned.parameters, default=str), planned.resolved, planned.replications,
                             planned.precision, planned.max_replications, seed, json.dumps(control_means),
                             position])
            if targets:
                self.db.executemany("INSERT INTO targets VALUES (?, ?, ?, ?)", targets)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """Everything inside written together, or nothing (rolled back on any error or interruption)."""
        self.db.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def done(self, study: str) -> set[int]:
        return {row[0] for row in self.db.execute("SELECT replication FROM done WHERE study = ?", [study]).fetchall()}

    def add_revaluation(self, study: str, source: str) -> None:
        """Record that ``study`` is re-valued from ``source``'s ledger instead of simulated."""
        self.db.execute("INSERT INTO revaluations VALUES (?, ?) ON CONFLICT DO NOTHING", [study, source])

    def revaluations(self) -> dict[str, str]:
        """Each re-valued study and the study it was re-valued from."""
        return dict(self.db.execute("SELECT study, source FROM revaluations").fetchall())

    def has_ledger(self, study: str) -> bool:
        return self.db.execute("SELECT count(*) FROM ledgers WHERE study = ?", [study]).fetchone()[0] > 0

    def ledger(self, study: str):
        """The ledger of a study's finished replications (None if it kept none)."""
        from .ledger import concat, from_bytes

        found = self.db.execute("SELECT data FROM ledgers WHERE study = ? ORDER BY first", [study]).fetchall()
        return concat([from_bytes(bytes(row[0])) for row in found]) if found else None

    def write(self, study: str, rows: pd.DataFrame, controls: pd.DataFrame, ledger=None) -> int:
        """The rows of some finished replications, in one transaction with their 'done' marks (and their
        ledger, when given); replications already stored (a task run twice after a worker died) are skipped,
        so nothing is counted twice. Returns how many replications were written."""
        return self.write_many([(study, rows, controls, ledger)])[0]

    def write_many(self, parts: list[tuple]) -> list[int]:
        """:meth:`write` of several studies (study, rows, controls, ledger) in one transaction."""
        written = []
        with self._transaction():
            frames: dict[str, list[pd.DataFrame]] = {"results": [], "controls": [], "done": []}
            for study, rows, controls, ledger in parts:
                written.append(self._write(study, rows, controls, ledger, frames))
            for table, found in frames.items():
                if found:
                    frame = pd.concat(found, ignore_index=True) if len(found) > 1 else found[0]
                    self.db.register("incoming", frame)
                    self.db.execute(f"INSERT INTO {table} SELECT * FROM incoming")
                    self.db.unregister("incoming")
        return written

    def write_revalued(self, studies: list[str], rows: pd.DataFrame, values: np.ndarray,
                       controls: pd.DataFrame | None) -> None:
        """The rows of the same replications for several studies re-valued from one ledger, in one transaction
        with their 'done' marks: ``rows`` are the simulated study's, ``values`` one row of values per study (in
        the order of ``rows``). A study that already holds some of these replications (a resumed batch) is
        written through :meth:`write_many`, which skips them."""
        replications = sorted({int(r) for r in rows["replication"].unique()})
        found = self.db.execute("SELECT DISTINCT study FROM done WHERE replication IN (SELECT unnest(?)) AND "
                                "study IN (SELECT unnest(?))", [replications, studies]).fetchall()
        partly = {row[0] for row in found}
        if partly:
            parts = []
            for study, column in zip(studies, values):
                if study in partly:
                    fresh = rows.copy(deep=False)
                    fresh["value"] = column
                    parts.append((study, fresh, controls, None))
            self.write_many(parts)
        keep = [k for k, study in enumerate(studies) if study not in partly]
        if not keep:
            return
        count, n = len(keep), len(rows)
        columns = {"study": pd.Categorical.from_codes(np.repeat(np.arange(count), n), [studies[k] for k in keep])}
        for c in ("scenario", "replication", "scope", "subject", "metric", "priority", "period"):
            column = rows[c]
            if isinstance(column.dtype, pd.CategoricalDtype):
                columns[c] = pd.Categorical.from_codes(np.tile(column.cat.codes.to_numpy(), count),
                                                       column.cat.categories)
            else:
                columns[c] = np.tile(column.to_numpy(), count)
        columns["value"] = values[keep].ravel()
        frames = {"results": pd.DataFrame(columns),
                  "done": pd.DataFrame({"study": np.repeat([studies[k] for k in keep], len(replications)),
                                        "replication": np.tile(np.array(replications, dtype=np.int32), count)})}
        if controls is not None and len(controls):
            long = controls[controls["replication"].isin(replications)].melt(
                id_vars="replication", var_name="name", value_name="value")
            frames["controls"] = pd.DataFrame({
                "study": np.repeat([studies[k] for k in keep], len(long)),
                "replication": np.tile(long["replication"].to_numpy(), count),
                "name": np.tile(long["name"].to_numpy(), count), "value": np.tile(long["value"].to_numpy(), count)})
        with self._transaction():
            for table, frame in frames.items():
                self.db.register("incoming", frame)
                self.db.execute(f"INSERT INTO {table} SELECT * FROM incoming")
                self.db.unregister("incoming")

    def _write(self, study: str, rows: pd.DataFrame, controls: pd.DataFrame, ledger,
               frames: dict[str, list[pd.DataFrame]]) -> int:
        replications = sorted({int(r) for r in rows["replication"].unique()})
        already = self.done(study)
        fresh = [r for r in replications if r not in already]
        if fresh:
            part = rows[rows["replication"].isin(fresh)].copy()
            part.insert(0, "study", study)
            text = [c for c in ("scenario", "scope", "subject", "metric", "priority", "period")
                    if not isinstance(part[c].dtype, pd.CategoricalDtype)]  # categories go in as they are
            frames["results"].append(part[["study", "scenario", "replication", "scope", "subject", "metric", "priority",
                                "period", "value"]].astype({c: str for c in text}))
            if controls is not None and len(controls):
                long = controls[controls["replication"].isin(fresh)].melt(
                    id_vars="replication", var_name="name", value_name="value")
                long.insert(0, "study", study)
                frames["controls"].append(long[["study", "replication", "name", "value"]])
            frames["done"].append(pd.DataFrame({"study": study, "replication": np.array(fresh, dtype=np.int32)}))
            if ledger is not None:
                from .ledger import select, to_bytes

                keep = np.flatnonzero(np.isin(ledger.replications, fresh))
                part = select(ledger, keep) if len(keep) < len(ledger) else ledger
                self.db.execute("INSERT INTO ledgers VALUES (?, ?, ?, ?)",
                                [study, int(part.replications.min()), len(part), to_bytes(part)])
        return len(fresh)

    # ------------------------------------------------------------------ reading

    def studies(self) -> pd.DataFrame:
        return self.db.execute("SELECT * FROM studies ORDER BY run_id, position").df()

    def runs(self) -> pd.DataFrame:
        return self.db.execute("SELECT * FROM runs ORDER BY run_id").df()

    def rows(self, study: str) -> pd.DataFrame:
        """The tidy rows of a study (its finished replications only), as the simulation makes them."""
        frame = self.db.execute(
            "SELECT r.scenario, r.replication, r.scope, r.subject, r.metric, r.priority, r.period, r.value "
            "FROM results r JOIN done d ON r.study = d.study AND r.replication = d.replication "
            "WHERE r.study = ? ORDER BY r.replication", [study]).df()
        return frame

    def controls(self, study: str) -> pd.DataFrame | None:
        frame = self.db.execute("SELECT replication, name, value FROM controls WHERE study = ? ORDER BY replication",
                                [study]).df()
        if frame.empty:
            return None
        return frame.pivot_table(index="replication", columns="name", values="value", aggfunc="first"
                                 ).reset_index().rename_axis(columns=None)

    def control_means(self, study: str) -> dict[str, float]:
        found = self.db.execute("SELECT control_means FROM studies WHERE study = ?", [study]).fetchone()
        return json.loads(found[0]) if found and found[0] else {}

    def export(self, folder: Path, formats: Iterable[str] = ("parquet", "csv")) -> list[Path]:
        """Every table as Parquet and/or CSV files in ``folder`` (created)."""
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        present = {row[0] for row in self.db.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        for table in [t for t in ("runs", "studies", "targets", "results", "controls", "done", "revaluations")
                      if t in present]:
            for kind in formats:
                target = folder / f"{table}.{kind}"
                options = "(FORMAT PARQUET)" if kind == "parquet" else "(HEADER, DELIMITER ',')"
                self.db.execute(f"COPY {table} TO '{target.as_posix()}' {options}")
                written.append(target)
        return written
