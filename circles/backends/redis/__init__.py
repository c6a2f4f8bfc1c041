"""The Redis backend: many nodes, one circle. See :class:`RedisBackend`."""

from circles.backends.redis.backend import RedisBackend, RedisSettings

__all__ = ["RedisBackend", "RedisSettings"]
