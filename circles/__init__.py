"""Circles: a real-time chat server for live peer-support circles."""

__version__ = "0.1.0"
