"""The package version, in the lowest layer so every stage can stamp its outputs without importing the front door."""

__version__ = "0.1.0"
