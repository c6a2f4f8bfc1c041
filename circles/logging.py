"""Structured JSON logs, through structlog, for our logs and the libraries' alike.

Logs never carry message text: frames hide text in their ``repr``, errors describe
without quoting, and tracebacks are rendered without local variables (structlog would
otherwise include them, and a local may hold a message).
"""

from __future__ import annotations

import logging
import sys
import traceback

import structlog

__all__ = ["configure_logging", "exception_fields"]


def exception_fields(exc: BaseException, frames: int = 6) -> dict[str, object]:
    """Log fields for an exception *without its message*: the type and where it was
    raised. An exception's message may quote a member's text (a stage that fails
    on some input, for instance), so it never goes into a log."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]  # a task group's failure: name the task's own error
    stack = traceback.extract_tb(exc.__traceback__)[-frames:]
    return {
        "error": type(exc).__name__,
        "where": [f"{frame.filename}:{frame.lineno}:{frame.name}" for frame in stack],
    }


def configure_logging(level: str = "info") -> None:
    """Send every log record, ours and the libraries', to stderr as one JSON object."""
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            ),
            structlog.processors.JSONRenderer(),
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # uvicorn's info lines name the client's address beside the circle's path; an IP
    # address tied to a support circle is not ours to keep. Its warnings still show.
    logging.getLogger("uvicorn.error").setLevel(max(logging.WARNING, root.level))
    # httpx logs each request's full URL at info, and a receiver's URL may carry its key
    # (a hook's path, an ?apiKey=): only their warnings are kept.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
