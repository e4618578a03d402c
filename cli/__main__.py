"""``python -m cli``: the command line, as the ``sourcing`` script runs it."""

from .main import main

main()
