"""Queueing-theory formulas the engine is held to (Erlang C, Cobham) and scenario builders for them."""

from __future__ import annotations

from math import factorial

from sourcing.units import HOURS_PER_MONTH


def erlang_c(c: int, offered: float) -> float:
    """Probability that an arrival waits in an M/M/c queue with offered load ``offered`` = lambda/mu."""
    top = offered**c / factorial(c) * c / (c - offered)
    return top / (sum(offered**k / factorial(k) for k in range(c)) + top)


def erlang_c_wait(c: int, arrival_rate: float, service_rate: float) -> float:
    """Mean wait in queue of M/M/c."""
    return erlang_c(c, arrival_rate / service_rate) / (c * service_rate - arrival_rate)


def cobham_waits(c: int, rates: list[float], service_rate: float) -> list[float]:
    """Mean wait per class in a non-pre-emptive priority M/M/c queue (equal service rates), class 0 first."""
    total = sum(rates)
    base = erlang_c(c, total / service_rate) / (c * service_rate)
    waits, sigma_prev = [], 0.0
    for rate in rates:
        sigma = sigma_prev + rate / (c * service_rate)
        waits.append(base / ((1 - sigma_prev) * (1 - sigma)))
        sigma_prev = sigma
    return waits


def mmc_study(c: int, arrival_rate: float, mean_repair: str = "1h", mix: dict | None = None,
              preemption: bool = False, years: int = 1, name: str = "queue") -> dict:
    """A scenario that is an M/M/c queue: flat Poisson arrivals, c staff 24/7, exponential repair."""
    mix = mix or {"P3": "100%"}
    return {
        "name": name,
        "calendar": {"start": "2027-01-04", "horizon": f"{years}y"},
        "services": {
            "svc": {
                "users": 1000,
                "outage_cost_per_hour": {"business": "0 EUR", "off_hours": "0 EUR"},
                "incidents": {"per_month": arrival_rate * HOURS_PER_MONTH, "priorities": mix,
                              "weekly_profile": "flat"},
            }
        },
        "teams": {
            "desk": {
                "members": [{"count": c, "annual_cost": "50000 EUR", "shift": "24/7"}],
                "repair_time": {p: {"mean": mean_repair} for p in ("P1", "P2", "P3", "P4")},
                "preemption": preemption,
            }
        },
        "scenarios": [{"name": f"c={c}", "default": {"make": "desk"}}],
    }
