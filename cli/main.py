"""The console entry point (``sourcing = "cli.main:main"``): the application and its ``main`` live in
:mod:`cli.app`, the commands in the modules of their families."""

from __future__ import annotations

from .app import app, main

__all__ = ["app", "main"]

if __name__ == "__main__":  # pragma: no cover
    main()
