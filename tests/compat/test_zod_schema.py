"""Clawdbot ``src/config/zod-schema.ts`` and ``zod-schema.agent-defaults.ts`` (early 2026): the
strict objects on the way to what this package edits refuse unknown keys, so a typo there makes
Clawdbot refuse the whole file. This package reports such keys (``config validate``, ``doctor``)
and refuses an edit that would create one, with a did-you-mean.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from compat_support import read_json, run, write_json

from clawdbot_litellm.config.clawdbot_schema import (
    AGENT_DEFAULTS_KEYS,
    TOP_LEVEL_KEYS,
    did_you_mean,
    unknown_key_problems,
)
from clawdbot_litellm.config.edit import set_config_value
from clawdbot_litellm.doctor import run_checks
from clawdbot_litellm.errors import ConfigValidationError, Problem

BASE: dict[str, Any] = {
    "models": {
        "providers": {
            "litellm": {
                "baseUrl": "http://127.0.0.1:9",
                "api": "openai-completions",
                "models": [{"id": "gpt-4", "name": "GPT-4"}],
            }
        }
    },
    "agents": {"defaults": {"model": {"primary": "litellm/gpt-4"}}},
    "channels": {"whatsapp": {"allowFrom": ["+15555550123"], "someFutureKey": {"x": 1}}},
}


@pytest.mark.parametrize(
    ("path", "guess"),
    [
        # the three typos from issue #15
        ("agents.default.model.primary", "agents.defaults"),
        ("agent.defaults.model.primary", "agents"),
        ("agents.defaults.model.primry", "agents.defaults.model.primary"),
        # more levels Clawdbot keeps strict
        ("agents.defaults.modell", "agents.defaults.model"),
        (
            "agents.defaults.models[litellm/gpt-4].alais",
            "agents.defaults.models[litellm/gpt-4].alias",
        ),
        ("models.mdoe", "models.mode"),
        ("Gateway.port", "gateway"),
    ],
)
def test_an_edit_creating_a_key_clawdbot_refuses_is_refused(
    tmp_path: Path, path: str, guess: str
) -> None:
    config = write_json(tmp_path / "c.json", BASE)
    before = config.read_bytes()
    result = run(["--config", str(config), "config", "set", path, "litellm/gpt-4"])
    assert result.exit_code == 1
    assert f"did you mean {guess}?" in result.stderr
    assert "Clawdbot's schema refuses it" in result.stderr
    assert "Traceback" not in result.output
    assert config.read_bytes() == before


def test_keys_already_in_the_file_are_problems_in_validate_and_doctor(
    tmp_path: Path, loopback_allowed: None
) -> None:
    doc = json.loads(json.dumps(BASE))
    doc["agents"]["default"] = {"model": {"primary": "litellm/gpt-4"}}
    config = write_json(tmp_path / "c.json", doc)
    result = run(["--config", str(config), "config", "validate"])
    assert result.exit_code == 1
    assert "- agents.default: unknown key 'default'" in result.output
    checks = {c.name: c for c in run_checks(config, environ={}, timeout=0.5)}
    schema = checks["config schema"]
    assert schema.ok is False
    assert "agents.default: unknown key 'default'" in schema.detail


def test_an_unrelated_edit_of_a_file_with_such_a_key_still_works(tmp_path: Path) -> None:
    # Only problems the edit creates are refused; an old one stays reported, not blocking.
    doc = json.loads(json.dumps(BASE))
    doc["agents"]["default"] = {}
    config = write_json(tmp_path / "c.json", doc)
    set_config_value("agents.defaults.model.fallbacks", [], config=config)
    assert read_json(config)["agents"]["defaults"]["model"]["fallbacks"] == []


def test_sections_below_are_clawdbots_and_not_judged() -> None:
    # channels.* belongs to Clawdbot: never judged here (its schema moves too fast to copy).
    assert unknown_key_problems(BASE) == []


def test_every_known_top_level_and_defaults_key_passes() -> None:
    doc: dict[str, Any] = {key: {} for key in TOP_LEVEL_KEYS}
    doc["agents"] = {"defaults": {key: {} for key in AGENT_DEFAULTS_KEYS}, "list": []}
    assert unknown_key_problems(doc) == []


def test_problem_wording() -> None:
    assert unknown_key_problems({"agent": {}}) == [
        Problem("agent", "unknown key 'agent': Clawdbot's schema refuses it; did you mean agents?")
    ]
    (problem,) = unknown_key_problems({"zzzz": 1})
    assert problem.message.startswith("unknown key 'zzzz': Clawdbot's schema refuses it; remove it")


@pytest.mark.parametrize(
    ("key", "guess"), [("Models", "models"), ("defualts", "defaults"), ("qqq", None)]
)
def test_did_you_mean(key: str, guess: str | None) -> None:
    assert did_you_mean(key, {"models", "defaults", "list"}) == guess


def test_library_edit_refusal_names_the_path(tmp_path: Path) -> None:
    config = write_json(tmp_path / "c.json", BASE)
    with pytest.raises(ConfigValidationError) as caught:
        set_config_value("agents.defaults.model.primry", "x", config=config)
    assert [p.path for p in caught.value.problems] == ["agents.defaults.model.primry"]
