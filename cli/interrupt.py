"""Ctrl-C: the simulation and its workers stop at once, the command says so and leaves nothing written."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

from .output import fail

_CTRL_C = threading.Event()
"""Set by Ctrl-C: Python swallows a KeyboardInterrupt raised while a finaliser runs ("Exception ignored
in ..."), so the run checks this too, at each step and at its end."""


def _on_ctrl_c(signum, frame) -> None:
    _CTRL_C.set()
    raise KeyboardInterrupt


def stop_if_asked() -> None:
    """Raise KeyboardInterrupt if Ctrl-C was pressed and its exception was lost on the way."""
    if _CTRL_C.is_set():
        raise KeyboardInterrupt


@contextmanager
def interruptible():
    """Ctrl-C stops the simulation and its workers at once, says so, and leaves nothing written."""
    _CTRL_C.clear()
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, _on_ctrl_c) if main else None
    try:
        yield
        stop_if_asked()
    except KeyboardInterrupt:
        fail("interrupted: the simulation and its workers are stopped; nothing was written", code=130)
    except ValueError as exc:  # a run refused by its budget (replications x rows too large for memory)
        fail(str(exc))
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)
