"""Role ``clinician`` minted by the operator (the HTTP API, behind the admin key, and
``circles token``), as a page's join link mints it for the professional paged."""

from __future__ import annotations

import os

import httpx
import pytest

from circles.auth import verify_token
from circles.cli import main
from circles.clock import SystemClock
from protocol import Role
from tests.support import ADMIN_KEY, SECRET, Client, node, open_circle

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


async def test_the_api_mints_a_clinician_token_for_the_admin_only() -> None:
    async with node() as n, httpx.AsyncClient(base_url=n.http) as http:
        circle = await open_circle(n.backend)
        url = f"/v1/circles/{circle.id}/tokens"
        body = {"name": "Dr Okafor", "role": "clinician", "member_id": "clinician:okafor"}
        assert (await http.post(url, json=body)).status_code == 401
        refused = await http.post(url, json={**body, "role": "doctor"}, headers=ADMIN)
        minted = await http.post(url, json=body, headers=ADMIN)
        assert minted.status_code == 201, minted.text
        assert minted.json()["role"] == "clinician"
        async with Client.connect(n.ws_url(circle.id)) as client:
            welcome = await client.hello(minted.json()["token"])
    assert refused.status_code == 400
    assert "clinician" in refused.json()["error"]["detail"]  # the roles there are, named
    assert (welcome.you.name, welcome.you.role) == ("Dr Okafor", Role.CLINICIAN)
    assert welcome.reviews == []  # the facilitators' view: nothing waits yet


def test_circles_token_mints_a_clinician(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("CIRCLES_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CIRCLES_SECRET", SECRET)
    args = ["token", "--circle", "c_abc", "--name", "Dr Okafor", "--role", "clinician"]
    assert main([*args, "--member", "clinician:okafor"]) == 0
    token = capsys.readouterr().out.strip()
    membership = verify_token(SECRET, "circles", token, SystemClock().now_ms())
    assert (membership.name, membership.role) == ("Dr Okafor", Role.CLINICIAN)
    with pytest.raises(SystemExit) as refused:
        main(["token", "--circle", "c_abc", "--name", "X", "--role", "doctor"])
    assert refused.value.code == 2
    assert "clinician" in capsys.readouterr().err
