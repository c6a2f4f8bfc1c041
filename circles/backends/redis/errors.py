"""Redis failures that mean "not now", turned into the port's BackendUnavailable."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from redis import exceptions as redis_errors

from circles.backends.base import BackendUnavailable

__all__ = ["UNAVAILABLE_ERRORS", "unavailable_on_redis_errors"]

#: What Redis (or the network to it) raises while it cannot serve: retrying later helps.
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.BusyLoadingError,
    redis_errors.TryAgainError,
    redis_errors.ClusterDownError,
    redis_errors.MaxConnectionsError,
    OSError,
    TimeoutError,
)


@contextlib.contextmanager
def unavailable_on_redis_errors() -> Iterator[None]:
    """Raise BackendUnavailable for the failures above; let bugs through unchanged."""
    try:
        yield
    except UNAVAILABLE_ERRORS as exc:
        raise BackendUnavailable(f"redis: {type(exc).__name__}") from exc
