"""``clawdbot-litellm demo --keep`` in a real pseudo-terminal: the demo, then the interactive
session against the demo's own proxy, and nothing left running or on disk once it ends.

The installed console script runs as the child (its controlling terminal is the pty) with
``TMPDIR`` inside the test's directory, so "nothing left behind" is a directory listing; the
proxy's PID comes from the demo's own "Proxy ready ... (pid N)" line and is polled with a
deadline after the command exits.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pytest
from test_onboard_pty import Terminal, environment

# Captured at import, before the CLI tests' isolation clears CLAWDBOT_* variables.
PROXY = os.environ.get("CLAWDBOT_LITELLM_PROXY", "")
COMMAND = Path(sys.executable).parent / "clawdbot-litellm"  # the installed console script
START_TIMEOUT = 180.0  # the demo starts a real proxy first; the machine may be busy
GONE_TIMEOUT = 15.0
ANSWER = "Hello! This answer came from a real LiteLLM proxy on 127.0.0.1"
USER_CONFIG = '{ agents: { defaults: { model: "litellm/mine" } } }\n'


def _group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes in process group ``pgid``: the proxy and anything it spawned
    (the launcher starts it as the leader of its own group)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        state, group = fields[0], int(fields[2])
        if group == pgid and state != "Z":
            members.append(int(entry.name))
    return members


def _wait_gone(pgid: int, timeout: float = GONE_TIMEOUT) -> list[int]:
    """Poll until nothing of the group is alive, or the deadline; what is still there."""
    deadline = time.monotonic() + timeout
    while True:
        left = _group_members(pgid)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def _start(tmp_path: Path) -> tuple[Terminal, int, Path, Path]:
    """``demo --keep`` started on a pty, up to the session's first prompt; (terminal, proxy pid,
    TMPDIR, the user's own config)."""
    if not PROXY:
        pytest.skip("CLAWDBOT_LITELLM_PROXY is not set")
    assert COMMAND.is_file(), f"{COMMAND} is not installed (pip install -e .)"
    home = tmp_path / "home"
    user_config = home / ".clawdbot" / "clawdbot.json"
    user_config.parent.mkdir(parents=True)
    user_config.write_text(USER_CONFIG)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = environment(
        home,
        CLAWDBOT_LITELLM_PROXY=PROXY,
        LITELLM_API_KEY="sk-user-key-not-for-the-demo",
        TMPDIR=str(scratch),
    )
    term = Terminal(["demo", "--keep"], env, program=[str(COMMAND)])
    term.expect("Proxy ready at http://127.0.0.1:", timeout=START_TIMEOUT)
    ready = re.search(r"Proxy ready at http://127\.0\.0\.1:\d+ \(pid (\d+)\)", term.transcript)
    assert ready, term.transcript
    pid = int(ready.group(1))
    assert _group_members(pid), "the proxy named by the demo is not running"
    term.expect("All 10 checks passed (2 skipped).")
    term.expect("==> Keep chatting with the demo proxy's mock models")
    # The other mock models are configured first, so /model can switch to them.
    term.expect("$ clawdbot-litellm models sync --add-all")
    term.expect("+ litellm/claude-3-opus: ")
    term.expect("+ litellm/gpt-4o: ")
    term.expect("Try /model litellm/claude-3-opus, /usage or /help; Ctrl-D (or /exit) stops")
    term.expect("Chatting with litellm/gpt-4. /help lists commands; Ctrl-D leaves.")
    term.expect("> ")
    return term, pid, scratch, user_config


def _chat_and_usage(term: Terminal, pid: int) -> None:
    term.send("Tell me more")
    term.expect(ANSWER)
    term.expect("litellm/gpt-4: ")  # the turn's usage line: the answer is complete
    term.expect("> ")
    assert _group_members(pid), "the proxy stopped while the session was still open"
    term.send("/usage")
    term.expect("1 turns: ")
    usage = re.search(
        r"1 turns: (\d+) prompt \+ (\d+) completion tokens, cost \$\d+\.\d{6}", term.transcript
    )
    assert usage, term.transcript
    assert int(usage.group(1)) > 0
    assert int(usage.group(2)) > 0
    term.expect("> ")


def _after(term: Terminal, pid: int, scratch: Path, user_config: Path) -> None:
    assert term.wait() == 0, term.transcript
    out = term.transcript
    assert f"Stopped the proxy (pid {pid}); the temporary config goes with it." in out
    assert "Next: point your own config at your proxy" in out
    assert "Traceback" not in out
    assert "sk-user-key-not-for-the-demo" not in out
    assert not re.search(r"sk-demo-[0-9a-f]{32}", out)  # the demo key only ever masked
    assert _wait_gone(pid) == []
    written = re.search(r"Wrote (\S+clawdbot\.json) \(the key is masked here\):", out)
    assert written, out
    assert Path(written.group(1)).is_relative_to(scratch)
    # The temporary config and the proxy's working directory are both gone.
    assert list(scratch.iterdir()) == []
    assert user_config.read_text() == USER_CONFIG
    assert [p.name for p in user_config.parent.iterdir()] == ["clawdbot.json"]


@pytest.mark.live
def test_keep_chats_with_the_demo_proxy_until_exit_then_stops_it(tmp_path: Path) -> None:
    term, pid, scratch, user_config = _start(tmp_path)
    try:
        _chat_and_usage(term, pid)
        term.send("/model litellm/claude-3-opus")
        term.expect("Model: litellm/claude-3-opus (the history is kept)")
        term.send("And you?")
        term.expect("Hello from the claude-3-opus mock.")
        term.expect("> ")
        term.send("/exit")
        _after(term, pid, scratch, user_config)
    finally:
        term.close()


@pytest.mark.live
def test_keep_ends_on_ctrl_d_and_stops_the_proxy(tmp_path: Path) -> None:
    term, pid, scratch, user_config = _start(tmp_path)
    try:
        _chat_and_usage(term, pid)
        os.write(term.fd, b"\x04")  # Ctrl-D at an empty prompt: end of input
        _after(term, pid, scratch, user_config)
    finally:
        term.close()
