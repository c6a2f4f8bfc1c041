"""Backends: the ports the hub is written against, and their implementations."""
