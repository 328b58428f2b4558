"""ParkDesk: the back-office desktop client for parking operations."""

__version__ = "0.1.0"
