"""Isolation for the hardening tests: a fake HOME and none of our variables from the shell."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The proxy harness reads these lazily; everything else of ours is removed from the environment.
HARNESS_VARIABLES = frozenset({"CLAWDBOT_LITELLM_PROXY", "CLAWDBOT_LITELLM_REQUIRE_PROXY"})


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fake HOME outside the test's ``tmp_path`` and none of our variables from the shell."""
    for name in list(os.environ):
        if name.startswith(("CLAWDBOT_", "LITELLM_", "OPENAI_")) and name not in HARNESS_VARIABLES:
            monkeypatch.delenv(name)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    return home
