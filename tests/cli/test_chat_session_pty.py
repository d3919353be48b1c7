"""The interactive ``chat`` session through a real pseudo-terminal, against the real proxy.

The child's controlling terminal is the pty, so Ctrl-C is a real SIGINT from the terminal
driver (the byte ``\\x03``) and readline is really active.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_onboard_pty import Terminal, environment

MODELS = [
    {"id": "gpt-4", "name": "GPT-4", "contextWindow": 128000, "cost": {"input": 30, "output": 60}},
    {"id": "claude-3-opus", "name": "Opus", "contextWindow": 200000, "maxTokens": 4096},
    {"id": "slow-stream", "name": "Slow", "contextWindow": 128000},
    {"id": "rate-limited", "name": "Limited", "contextWindow": 128000},
]


def write_config(home: Path, base_url: str) -> None:
    path = home / ".clawdbot" / "clawdbot.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    provider = {"baseUrl": base_url, "apiKey": "${LITELLM_API_KEY}", "models": MODELS}
    document = {
        "agents": {"defaults": {"model": {"primary": "litellm/gpt-4"}}},
        "models": {"providers": {"litellm": provider}},
    }
    path.write_text(json.dumps(document))


@pytest.mark.live
def test_a_session_in_a_terminal(tmp_path: Path, litellm_proxy: Any) -> None:  # noqa: PLR0915
    write_config(tmp_path, litellm_proxy.base_url)
    env = environment(
        tmp_path, LITELLM_API_KEY=litellm_proxy.api_key, CLAWDBOT_LITELLM_MAX_RETRIES="0"
    )
    saved = tmp_path / "conv.json"
    term = Terminal(["chat"], env)
    try:
        term.expect("Chatting with litellm/gpt-4")
        term.expect("> ")
        term.send("first \\")
        term.expect("... ")
        term.send("line")
        term.expect("Hello from the gpt-4 mock.")
        term.expect("> ")
        term.send("/model litellm/claude-3-opus")
        term.expect("Model: litellm/claude-3-opus (the history is kept)")
        term.send("second")
        term.expect("Hello from the claude-3-opus mock.")
        term.expect("> ")
        # an error turn: one Error: line, and the session goes on
        term.send("/model litellm/rate-limited")
        term.expect("Model: litellm/rate-limited")
        term.send("this fails")
        term.expect("Error: ")
        term.expect("> ")
        term.send("/model nope/none")
        term.expect("Error: ")
        term.send("/model litellm/slow-stream")
        term.expect("Model: litellm/slow-stream")
        term.send("count")
        term.expect("Counting")
        os.write(term.fd, b"\x03")  # Ctrl-C mid-answer
        term.expect("[stopped; the part that arrived is kept, marked aborted]")
        term.expect("> ")
        term.send("/usage")
        term.expect("3 turns: ")
        term.send(f"/save {saved}")
        term.expect("Saved to")
        term.expect("> ")
        os.write(term.fd, b"\x03")  # Ctrl-C at the prompt ends the session cleanly
        assert term.wait() == 0
    finally:
        term.close()
    assert "Traceback" not in term.transcript
    data = json.loads(saved.read_text())
    assert saved.stat().st_mode & 0o777 == 0o600
    contents = [m["content"] for m in data["messages"] if m["role"] == "user"]
    assert contents == ["first \nline", "second", "count"]  # the failed turn was not kept
    last = data["turns"][-1]
    assert last["aborted"] is True
    assert last["finish_reason"] == "aborted"
    partial = data["messages"][last["message"]]["content"]
    assert partial.startswith("Cou")
    assert len(partial) < len("Counting slowly: one, two, three, four, five, six, seven")

    # --load resumes it: once interactively ...
    term = Terminal(["chat", "--load", str(saved), "--model", "litellm/gpt-4"], env)
    try:
        term.expect("(resumed: 3 earlier turns)")
        term.send("third")
        term.expect("Hello from the gpt-4 mock.")
        term.expect("> ")
        term.send("/exit")
        assert term.wait() == 0
    finally:
        term.close()
    data = json.loads(saved.read_text())
    assert [m["content"] for m in data["messages"] if m["role"] == "user"][-1] == "third"
    assert len(data["turns"]) == 4

    # ... and once more for a piped turn (scriptable multi-turn work)
    piped = subprocess.run(
        [sys.executable, "-m", "clawdbot_litellm", "chat", "--load", str(saved)],
        input="fourth\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == "Hello from the gpt-4 mock.\n"
    assert len(json.loads(saved.read_text())["turns"]) == 5
