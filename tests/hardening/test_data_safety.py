"""Writes never lose data: concurrent writers all land, a killed writer leaves the old or the new
file (whole and valid, never truncated), and every backup can be copied back and loaded.

The library-level race (20 forked processes through ``set_config_value``) is
``tests/config/test_edit.py::test_twenty_concurrent_processes_all_land``; here the same promise
is proven end to end, with 20 separate ``clawdbot-litellm config set`` processes.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from clawdbot_litellm.config.edit import BACKUPS, dump_config, edit_config
from clawdbot_litellm.config.resolve import load_config

PADDING = "x" * 16_000  # a long value, so writes take a while: kills land inside them too
BASE: dict[str, Any] = {
    "models": {
        "providers": {
            "litellm": {
                "baseUrl": "http://localhost:4000",
                "apiKey": "${LITELLM_API_KEY}",
                "models": [{"id": "gpt-4", "name": "GPT-4", "contextWindow": 128000}],
            }
        }
    },
}


def state(counter: int) -> dict[str, Any]:
    """The document after ``counter`` edits by the looping writer."""
    return {**BASE, "gateway": {"counter": counter, "padding": PADDING}}


def backups(path: Path) -> list[Path]:
    names = [f"{path.name}.bak"] + [f"{path.name}.bak.{n}" for n in range(1, BACKUPS)]
    return [path.with_name(name) for name in names if path.with_name(name).exists()]


def temp_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def assert_whole(path: Path) -> int:
    """``path`` holds exactly one of the writer's states, byte for byte; returns its counter."""
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    counter = data["gateway"]["counter"]
    assert text == dump_config(state(counter)), f"{path.name} is not a whole state"
    return int(counter)


# --- many writers at once -----------------------------------------------------------------------


def test_twenty_cli_processes_setting_different_paths_all_land(tmp_path: Path) -> None:
    path = tmp_path / "clawdbot.json"
    path.write_text(json.dumps(BASE, indent=2))
    env = {**os.environ, "LITELLM_API_KEY": "sk-not-used-0123456789"}
    command = [sys.executable, "-m", "clawdbot_litellm", "--config", str(path), "config", "set"]
    processes = [
        subprocess.Popen(
            [*command, f"channels.c{i}.enabled", "true"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(20)
    ]
    results = [process.communicate(timeout=120) for process in processes]
    failed = [
        err.decode()
        for process, (_, err) in zip(processes, results, strict=True)
        if process.returncode
    ]
    assert not failed, failed
    data = json.loads(path.read_text())
    assert data["channels"] == {f"c{i}": {"enabled": True} for i in range(20)}
    assert data["models"] == BASE["models"]  # and the ${VAR} reference kept
    assert len(backups(path)) == BACKUPS
    for backup in backups(path):  # each is a whole earlier version, loadable
        channels = json.loads(backup.read_text()).get("channels", {})
        assert len(channels) < 20
    assert temp_files(tmp_path) == []


# --- a writer killed at any moment -------------------------------------------------------------


def _edit_forever(target: str) -> None:
    """The writer: one counter increment after another, each a full validated edit."""
    while True:

        def bump(data: dict[str, Any]) -> dict[str, Any]:
            return state(data["gateway"]["counter"] + 1)

        edit_config(target, bump, environ={})


def test_a_writer_killed_at_random_moments_leaves_a_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "clawdbot.json"
    path.write_text(dump_config(state(0)))
    context = multiprocessing.get_context("fork")
    rng = random.Random(7)  # noqa: S311 - timing jitter, not a secret
    # Kill within about three edits of the start, measured on this machine now: a loaded machine
    # edits slower, and a fixed window would then kill most writers before their first write.
    started = time.monotonic()
    edit_config(path, lambda data: state(data["gateway"]["counter"] + 1), environ={})
    window = max(0.06, 3 * (time.monotonic() - started))
    rounds, advanced, mid_write = 60, 0, 0
    last = assert_whole(path)
    for _ in range(rounds):
        writer = context.Process(target=_edit_forever, args=(str(path),), daemon=True)
        writer.start()
        time.sleep(rng.uniform(0.0, window))
        assert writer.pid is not None
        os.kill(writer.pid, signal.SIGKILL)
        writer.join(10)
        assert writer.exitcode == -signal.SIGKILL
        mid_write += bool(temp_files(tmp_path))
        counter = assert_whole(path)  # the old file or a new one, never a torn one
        assert counter >= last
        advanced += counter > last
        last = counter
        for backup in backups(path):
            assert_whole(backup)
    assert advanced >= rounds // 3, "the writer hardly ever got to write; kills were too early"
    assert mid_write >= 1, "no kill landed inside a write; the test proved nothing"
    # The next edit is not blocked by a dead writer's lock and clears what the dead left behind.
    start = time.monotonic()
    edit_config(path, lambda data: state(data["gateway"]["counter"] + 1), environ={})
    assert time.monotonic() - start < 5
    assert assert_whole(path) == last + 1
    assert temp_files(tmp_path) == []
    load_config(path, environ={"LITELLM_API_KEY": "sk-not-used-0123456789"})


# --- backups ------------------------------------------------------------------------------------


def test_every_backup_is_the_previous_version_and_restores_by_copying(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hardening_support import run_cli

    monkeypatch.setenv("LITELLM_API_KEY", "sk-not-used-0123456789")
    path = tmp_path / "clawdbot.json"
    path.write_text("// hand-written, with a comment\n" + json.dumps(BASE, indent=2))
    versions = [path.read_bytes()]
    for port in range(1, 8):
        outcome = run_cli(["--config", str(path), "config", "set", "gateway.port", str(port)])
        assert outcome.exit_code == 0, outcome
        versions.append(path.read_bytes())
    # .bak is the version before the last edit, .bak.1 the one before it, and so on.
    expected = list(reversed(versions[:-1]))[:BACKUPS]
    assert [b.read_bytes() for b in backups(path)] == expected
    for backup in backups(path):
        restored = tmp_path / "restored" / "clawdbot.json"
        restored.parent.mkdir(exist_ok=True)
        shutil.copy(backup, restored)  # `cp clawdbot.json.bak clawdbot.json`
        config = load_config(restored)
        assert config.providers["litellm"].models[0].id == "gpt-4"
        assert config.resolve().ref.model == "gpt-4"


def test_a_refused_edit_writes_no_backup_and_leaves_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hardening_support import run_cli

    monkeypatch.setenv("LITELLM_API_KEY", "sk-not-used-0123456789")
    path = tmp_path / "clawdbot.json"
    path.write_text(json.dumps(BASE, indent=2))
    before = path.read_bytes()
    outcome = run_cli(
        [
            "--config",
            str(path),
            "config",
            "set",
            "models.providers.litellm.models[0].contextWindow",
            "0",
        ]
    )
    assert outcome.exit_code == 1
    assert path.read_bytes() == before
    assert backups(path) == []
