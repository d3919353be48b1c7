"""Isolation for the CLI tests: no real HOME, no CLAWDBOT_* or LITELLM_* from the shell."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_HARNESS = frozenset({"CLAWDBOT_LITELLM_PROXY", "CLAWDBOT_LITELLM_REQUIRE_PROXY"})


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fake HOME of its own (outside ``tmp_path``, which is the test's) and none of our
    variables set."""
    for name in list(os.environ):
        # The proxy harness's own variables stay: the live/record fixtures read them lazily.
        if name.startswith(("CLAWDBOT_", "LITELLM_")) and name not in _HARNESS:
            monkeypatch.delenv(name)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture
def as_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """CliRunner's stdin stands in for a person at a terminal (test_onboard_pty.py drives a real
    one); without this, onboard refuses to prompt a stdin that is not a terminal."""
    monkeypatch.setattr("clawdbot_litellm.cli.onboard.stdin_is_terminal", lambda: True)
