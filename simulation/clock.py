"""The engine's event list (:class:`Clock`): timed callbacks in SimPy's order (instant, then creation), with
the arrivals read as a stream beside it."""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush
from itertools import count
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass


class Clock:
    """The engine's event list: callbacks in the order of their instant, and among callbacks due at the same
    instant in the order they were scheduled; *boundaries* (a shift ends, a wake-up, the end of a
    transition) before any callback at their instant.

    Windows are half-open (08:00-17:00 excludes 17:00), so an incident declared exactly when a shift
    ends must find it over: that is why boundaries come first. Each callback is kept with the instant it
    is due (``now + delay``) and a sequence number, in a binary heap: the order SimPy's event queue gives
    timeouts (instant, then creation), without an event object, a callback list and a step per callback.
    The engine only ever needed timed callbacks from SimPy (no processes, no resources), and its hot
    path is two of them per incident.
    """

    def __init__(self, start: float) -> None:
        self.now: float = start
        """The current simulation time (set when a callback runs, and after :meth:`run`)."""
        self.queue: list[tuple[float, int, Callable[[Any], None], Any]] = []
        """The heap of (instant, sequence number, callback, argument): what :meth:`after` pushes, and what a
        desk's hot path pushes onto directly, with a number from :attr:`order`."""
        self._due: list[tuple[float, int, Callable[[Any], None], Any]] = []
        self.order = count()
        """Sequence numbers: callbacks due at the same instant run in the order they were scheduled."""
        self._coming: tuple[float, int] | None = None
        """The instant and sequence number of the next arrival (None when there is none)."""
        self._times: list[float] = []
        self._jobs: list[int] = []
        self._services: list[int] = []
        self._routes: list[Callable[[int], None]] = []
        self._k = 0

    def after(self, delay: float, callback: Callable[[Any], None], argument: Any = None) -> None:
        """Call ``callback(argument)`` in ``delay`` hours (``delay`` >= 0, as SimPy's timeouts)."""
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        heappush(self.queue, (self.now + delay, next(self.order), callback, argument))

    def boundary(self, delay: float, callback: Callable[[Any], None], argument: Any = None) -> None:
        """Call ``callback(argument)`` in ``delay`` hours, before anything else scheduled for that instant."""
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        heappush(self._due, (self.now + delay, next(self.order), callback, argument))

    def declare(self, times: list[float], jobs: list[int], services: list[int],
                routes: list[Callable[[int], None]]) -> None:
        """Hand each of ``jobs`` to the route of its service (``routes[services[job]](job)``) at its time
        (``times[job]``), in the order of ``jobs``.

        Arrivals are a stream beside the heap, not entries in it: one is pending at a time, with the
        instant and sequence number a timeout scheduled when the one before it was handed on would have
        (``now + (time - now)``, then the next number), so ties with other callbacks fall exactly as they
        would in the heap. Those due at once (at or before the current time) are handed on at once.
        """
        self._times, self._jobs, self._services, self._routes = times, jobs, services, routes
        self._k = 0
        self._hand_on_due()

    def _hand_on_due(self) -> None:
        """Hand on the arrivals due by now from ``_k`` on, and make the next one pending."""
        times, jobs, services, routes = self._times, self._jobs, self._services, self._routes
        k, now = self._k, self.now
        while k < len(jobs):
            job = jobs[k]
            if times[job] > now:
                self._coming = (now + (times[job] - now), next(self.order))
                self._k = k
                return
            routes[services[job]](job)
            k += 1
        self._coming = None
        self._k = k

    def run(self, until: float) -> None:
        """Run every callback due before ``until`` (not those due at ``until`` itself); then the time is ``until``."""
        queue, due, order = self.queue, self._due, self.order
        times, jobs, services, routes = self._times, self._jobs, self._services, self._routes
        coming, k, n = self._coming, self._k, len(self._jobs)
        while True:
            if coming is not None and (not queue or coming < queue[0]) and not (due and due[0][0] <= coming[0]):
                at = coming[0]
                if at >= until:
                    break
                self.now = at
                job = jobs[k]
                routes[services[job]](job)
                k += 1
                coming = None
                while k < n:  # hand on those declared by now, and make the next one pending
                    job = jobs[k]
                    if times[job] > at:
                        coming = (at + (times[job] - at), next(order))
                        break
                    routes[services[job]](job)
                    k += 1
                continue
            if due and (not queue or due[0][0] <= queue[0][0]):
                at, _, callback, argument = heappop(due)
                if at >= until:
                    heappush(due, (at, _, callback, argument))
                    break
            elif queue:
                at, _, callback, argument = heappop(queue)
                if at >= until:
                    heappush(queue, (at, _, callback, argument))
                    break
            else:
                break
            self.now = at
            callback(argument)
        self._coming, self._k = coming, k
        self.now = until
