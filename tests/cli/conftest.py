"""Isolation for the CLI tests: no real HOME, no CLAWDBOT_* or LITELLM_* from the shell."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fake HOME of its own (outside ``tmp_path``, which is the test's) and none of our
    variables set."""
    for name in list(os.environ):
        if name.startswith(("CLAWDBOT_", "LITELLM_")):
            monkeypatch.delenv(name)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    return home
