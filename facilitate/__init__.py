"""facilitate: run consultation sessions, transcribe offline, export only what was consented."""

__version__ = "0.1.0"
