"""guard: stop hardcoded credentials and risky changes before they land."""

__version__ = "0.1.0"
