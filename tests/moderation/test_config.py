"""Pipelines from TOML, the registry, plugins, and the screening command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from moderation import Action, Submission
from moderation.config import load
from moderation.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "docs" / "examples" / "links_plugin"

TWO_STAGES = """
[[stages]]
use = "tests.moderation.stagekit:Keyword"
budget_ms = 3
[stages.settings]
word = "secret"

[[stages]]
use = "tests.moderation.stagekit:Upper"
on_failure = "open"
"""


def test_a_pipeline_is_built_in_order_with_its_settings() -> None:
    config = load(TWO_STAGES)
    pipeline = config.pipeline()
    assert pipeline.names == ("keyword", "upper")
    assert pipeline.runs[0].budget_ms == 3
    assert pipeline.runs[1].on_failure.value == "open"
    assert config.pipeline("any circle") is pipeline  # no override: the shared one


async def test_a_circle_overrides_settings_and_switches_stages_off() -> None:
    config = load(
        TWO_STAGES
        + """
[circles.c_quiet]
disable = ["tests.moderation.stagekit:Upper"]
[circles.c_quiet.settings."tests.moderation.stagekit:Keyword"]
word = "hush"
"""
    )
    shared, own = config.pipeline(), config.pipeline("c_quiet")
    assert own.names == ("keyword",)
    assert (await own.screen(Submission.of("hush now"))).action is Action.BLOCK
    assert (await shared.screen(Submission.of("hush now"))).action is Action.REDACT  # Upper


@pytest.mark.parametrize(
    ("toml", "says"),
    [
        ("stages = 3", "stages: a list"),
        ("[[stages]]\nuse = 5", "stages\\[0\\].use"),
        ("[[stages]]\nuse = 'x'\ncolour = 1", "unknown key(s) colour"),
        ("[[stages]]\nuse = 'nope'", "stage 'nope': no built-in stage"),
        ("[[stages]]\nuse = 'nosuchmodule:X'", "cannot import nosuchmodule"),
        ("[[stages]]\nuse = 'tests.moderation.stagekit:Nope'", "has no Nope"),
        ("[[stages]]\nuse = 'tests.moderation.stagekit:NOT_A_FACTORY'", "is not a stage factory"),
        ("[[stages]]\nuse = 'tests.moderation.stagekit:Nameless'", "it has no name"),
        (
            "[[stages]]\nuse = 'tests.moderation.stagekit:Keyword'\n[stages.settings]\nwrd = 'x'",
            "stage 'tests.moderation.stagekit:Keyword'",
        ),
        ("[[stages]]\nuse = 'tests.moderation.stagekit:Keyword'\nbudget_ms = 0", "budget_ms"),
        (
            "[[stages]]\nuse = 'tests.moderation.stagekit:Keyword'\non_failure = 'maybe'",
            "on_failure",
        ),
        ("[circles.c1]\ndisable = ['ghost']", "no stage 'ghost'"),
        (
            "[[stages]]\nuse = 'tests.moderation.stagekit:Crisisish'\n[circles.c1]\n"
            "disable = ['tests.moderation.stagekit:Crisisish']",
            None,
        ),
        ("not toml [", "moderation configuration"),
        ("colour = 1", "unknown key(s) colour"),
    ],
)
def test_bad_configurations_say_where(toml: str, says: str | None) -> None:
    if says is None:
        load(toml)  # a stage merely *named* like crisis may be switched off
        return
    with pytest.raises(ConfigError, match=says.replace("(", r"\(").replace(")", r"\)")):
        load(toml)


def test_the_crisis_stage_cannot_be_switched_off_for_a_circle() -> None:
    from moderation import config as config_module

    toml = "[[stages]]\nuse = 'crisis'\n[circles.c1]\ndisable = ['crisis']"
    with pytest.raises(ConfigError, match="cannot be switched off"):
        config_module._circle("c1", {"disable": ["crisis"]}, {"crisis"})
    assert "crisis" in config_module.REQUIRED
    del toml


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example plugin of docs/moderation.md, installed (by pip) into a directory."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--no-build-isolation", "--no-index", "--target", str(target), str(PLUGIN)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return target


def _screen(
    lines: list[dict[str, object]], *args: str, site: Path | None = None
) -> list[dict[str, object]]:
    env = {**os.environ}
    if site is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT)])
    else:
        env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "moderation", "screen", *args],
        input="".join(json.dumps(line) + "\n" for line in lines),
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_the_example_plugin_installs_and_screens_through_its_entry_point(
    plugin_site: Path, tmp_path: Path
) -> None:
    config = tmp_path / "links.toml"
    config.write_text('[[stages]]\nuse = "links"\n[stages.settings]\nplaceholder = "[link]"\n')
    out = _screen(
        [{"id": "a", "text": "see https://example.org/x now"}, {"id": "b", "text": "no link"}],
        "--config", str(config),
        site=plugin_site,
    )  # fmt: skip
    assert out == [
        {"id": "a", "action": "redact", "risk": "none", "escalate": False, "tags": ["links"],
         "text": "see [link] now"},
        {"id": "b", "action": "allow", "risk": "none", "escalate": False, "tags": []},
    ]  # fmt: skip


def test_the_docs_show_the_example_plugin_as_it_is() -> None:
    doc = (ROOT / "docs" / "moderation.md").read_text()
    for path in (PLUGIN / "pyproject.toml", PLUGIN / "circles_links" / "__init__.py"):
        assert path.read_text().strip() in doc, path


def test_the_screening_command_answers_every_line_in_order(tmp_path: Path) -> None:
    config = tmp_path / "kit.toml"
    config.write_text(TWO_STAGES)
    out = _screen(
        [{"id": 1, "text": "hello"}, {"id": 2, "text": 7}, {"id": 3, "text": "a secret"}],
        "--config", str(config),
    )  # fmt: skip
    assert [line["id"] for line in out] == [1, 2, 3]
    assert out[1] == {"id": 2, "error": "'text' must be a string"}
    assert out[2]["action"] == "block"


def test_a_bad_configuration_is_exit_2_with_a_reason(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[[stages]]\nuse = 'nope'\n")
    done = subprocess.run(
        [sys.executable, "-m", "moderation", "screen", "--config", str(config)],
        input="", capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert done.returncode == 2
    assert "stage 'nope'" in done.stderr


@pytest.mark.parametrize("path", ["tests/moderation.toml", "benchmarks/moderation.toml"])
def test_the_relaxed_configurations_are_the_default_pipeline(path: str) -> None:
    from moderation.config import default_config

    relaxed, default = load(ROOT / path), default_config()
    assert [s.use for s in relaxed.stages] == [s.use for s in default.stages]
    changed = [s.use for s, d in zip(relaxed.stages, default.stages, strict=True) if s != d]
    assert changed == ["limits"]


def test_a_circle_cannot_switch_crisis_off_by_its_dotted_path() -> None:
    toml = (
        "[[stages]]\nuse = 'crisis'\n[circles.c1]\ndisable = ['moderation.stages.crisis:Crisis']\n"
    )
    with pytest.raises(ConfigError, match=r"circles\.c1"):
        load(toml)


def test_a_bad_circle_setting_names_the_circle() -> None:
    toml = "[[stages]]\nuse = 'crisis'\n[circles.c9.settings.crisis]\nhold_at = 'never'\n"
    with pytest.raises(ConfigError, match=r"circles\.c9: stage 'crisis'"):
        load(toml)
