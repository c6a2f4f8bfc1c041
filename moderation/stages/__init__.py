"""The built-in screening stages, one a module."""
