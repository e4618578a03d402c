"""Make, outsource or buy the service: the domain of the sourcing decision toolkit."""

__version__ = "0.1.0"
