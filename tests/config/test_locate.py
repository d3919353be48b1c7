"""Which file is read: the same one Clawdbot reads, in the same order of precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from clawdbot_litellm.config.locate import CONFIG_FILENAME, config_path


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private HOME and no CLAWDBOT_* variables, whatever the developer's shell holds."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("CLAWDBOT_CONFIG_PATH", raising=False)
    monkeypatch.delenv("CLAWDBOT_STATE_DIR", raising=False)
    return home


def test_explicit_path_beats_both_variables(tmp_path: Path) -> None:
    environ = {
        "CLAWDBOT_CONFIG_PATH": str(tmp_path / "from-env.json"),
        "CLAWDBOT_STATE_DIR": str(tmp_path / "state"),
    }
    assert config_path(tmp_path / "given.json", environ) == tmp_path / "given.json"


def test_explicit_path_expands_tilde(home: Path) -> None:
    assert config_path("~/conf/clawdbot.json", {}) == home / "conf" / "clawdbot.json"


def test_empty_explicit_path_falls_through_to_the_environment(tmp_path: Path) -> None:
    environ = {"CLAWDBOT_CONFIG_PATH": str(tmp_path / "from-env.json")}
    assert config_path("", environ) == tmp_path / "from-env.json"


def test_config_path_variable_beats_state_dir(tmp_path: Path) -> None:
    environ = {
        "CLAWDBOT_CONFIG_PATH": str(tmp_path / "from-env.json"),
        "CLAWDBOT_STATE_DIR": str(tmp_path / "state"),
    }
    assert config_path(None, environ) == tmp_path / "from-env.json"


def test_config_path_variable_is_trimmed_and_expands_tilde(home: Path) -> None:
    environ = {"CLAWDBOT_CONFIG_PATH": "  ~/x/clawdbot.json5 \n"}
    assert config_path(None, environ) == home / "x" / "clawdbot.json5"


def test_blank_config_path_variable_is_ignored(tmp_path: Path) -> None:
    environ = {"CLAWDBOT_CONFIG_PATH": "   ", "CLAWDBOT_STATE_DIR": str(tmp_path / "state")}
    assert config_path(None, environ) == tmp_path / "state" / CONFIG_FILENAME


def test_state_dir_holds_clawdbot_json(tmp_path: Path) -> None:
    environ = {"CLAWDBOT_STATE_DIR": str(tmp_path / "state")}
    assert config_path(None, environ) == tmp_path / "state" / "clawdbot.json"


def test_state_dir_expands_tilde(home: Path) -> None:
    assert config_path(None, {"CLAWDBOT_STATE_DIR": "~/state"}) == home / "state" / "clawdbot.json"


def test_default_is_under_home(home: Path) -> None:
    assert config_path(None, {}) == home / ".clawdbot" / "clawdbot.json"


def test_process_environment_is_used_when_no_mapping_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAWDBOT_STATE_DIR", str(tmp_path / "state"))
    assert config_path() == tmp_path / "state" / "clawdbot.json"


def test_given_mapping_replaces_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    monkeypatch.setenv("CLAWDBOT_CONFIG_PATH", str(tmp_path / "ignored.json"))
    assert config_path(None, {}) == home / ".clawdbot" / "clawdbot.json"
