"""docs/protocol.md names every role there is, wherever a frame carries one, and says
what each may do; ``Role.staff`` is the one place the server asks who sees what
facilitators see."""

from __future__ import annotations

import re

from protocol import Role
from tests.protocol.doc import section, subsections, tables


def _role_values(body: str) -> list[list[str]]:
    """The values listed in every ``role`` row of the tables in ``body``."""
    return [
        re.findall(r"`([a-z_]+)`", row[2])
        for table in tables(body)
        for row in table
        if row[0] == "`role`"
    ]


def test_every_role_row_lists_exactly_the_roles_there_are() -> None:
    frames = subsections("## Frame catalogue")
    for where in ("Values inside frames", "`message`", "`review`"):
        (values,) = _role_values(frames[where])
        assert values == [role.value for role in Role], where


def test_each_role_is_described() -> None:
    roles = section("#### Roles", subsections("## Frame catalogue")["Values inside frames"])
    described = re.findall(r"^- \*\*`([a-z]+)`\*\*", roles, flags=re.MULTILINE)
    assert described == [role.value for role in Role]


def test_staff_are_the_facilitators_and_clinicians_only() -> None:
    assert {role for role in Role if role.staff} == {Role.FACILITATOR, Role.CLINICIAN}
