"""The one-node benchmark's smoke workload, end to end: a real ``circles serve`` process,
real load-generator processes, the result file. Correctness only, no timing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SCRIPT = ROOT / "benchmarks" / "one_node.py"


def test_smoke_workload_loses_nothing_and_writes_its_result(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--workload",
            "smoke",
            "--runs",
            "1",
            "--settle",
            "0.2",
            "--out",
            str(tmp_path),
            "--tag",
            "test",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]

    path = tmp_path / "one_node-smoke-run1-test.json"
    assert path.is_file(), sorted(p.name for p in tmp_path.iterdir())
    doc = json.loads(path.read_text())
    assert doc["workload"] == "smoke"
    assert doc["backend"] == "memory"
    r = doc["result"]
    rooms, members, msgs = (doc["params"][k] for k in ("rooms", "members", "msgs"))
    assert r["connected"] == rooms * members
    assert r["sent"] == r["acked"] == r["appended"] == rooms * members * msgs
    # Circles echoes to the sender: every member gets every message of its room
    assert r["expected_deliveries"] == rooms * members * msgs * members
    assert r["received"] == r["expected_deliveries"]
    assert r["lost"] == 0
    assert r["reorders"] == 0
    assert r["id_gaps"] == 0
    assert r["id_backwards"] == 0
    assert r["slow_closes"] == 0
    assert r["end_reasons"] == ["complete"]
    assert r["server_log"]["tracebacks"] == 0
    # the Markdown row is printed on stdout
    assert "| smoke | 1 |" in done.stdout
    # the node's log lands beside the result
    assert (tmp_path / "one_node-smoke-run1-test.server.log").is_file()
