from __future__ import annotations

import json
import logging

import pytest
import structlog

from circles.logging import configure_logging, exception_fields


def _raise(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:
        return caught


def test_exception_fields_name_the_error_and_where_never_its_message() -> None:
    fields = exception_fields(_raise(ValueError("what Ann said: MARKER-1")))
    assert fields["error"] == "ValueError"
    assert "MARKER-1" not in json.dumps(fields)
    assert any("test_logging.py" in where for where in fields["where"])  # type: ignore[union-attr]


def test_a_task_groups_failure_is_named_by_the_tasks_own_error() -> None:
    group = _raise(ExceptionGroup("tasks", [_raise(KeyError("MARKER-2"))]))
    fields = exception_fields(group)
    assert fields["error"] == "KeyError"
    assert "MARKER-2" not in json.dumps(fields)


def test_logs_are_json_lines_and_uvicorns_info_lines_are_not_kept(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, uvicorn_error = logging.getLogger(), logging.getLogger("uvicorn.error")
    levels = (root.level, uvicorn_error.level)
    configure_logging("info")
    try:
        structlog.get_logger("circles.test").info("node.started", backend="memory")
        logging.getLogger("uvicorn.error").info(
            '%s - "WebSocket /v1/circles/c_1/ws" [accepted]', "10.0.0.7:5511"
        )
        logging.getLogger("uvicorn.error").warning("something uvicorn warns about")
    finally:
        root.handlers.clear()
        root.setLevel(levels[0])
        uvicorn_error.setLevel(levels[1])
        structlog.reset_defaults()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(r["event"], r["level"]) for r in lines] == [
        ("node.started", "info"),
        ("something uvicorn warns about", "warning"),
    ]
    assert all("10.0.0.7" not in json.dumps(r) for r in lines)
