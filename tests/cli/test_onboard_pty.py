"""The interactive wizard driven through a real pseudo-terminal, as a person would run it.

``python -m clawdbot_litellm onboard`` runs as a child whose controlling terminal is the pty (so
the key prompt really turns echo off, and the spinner really draws); HOME and
CLAWDBOT_CONFIG_PATH point into ``tmp_path``.
"""

from __future__ import annotations

import json
import os
import pty
import select
import socket
import sys
import time
from pathlib import Path
from typing import Any

import pytest

KEY = "sk-pty-typed-key-987654321"
TIMEOUT = 60.0


class Terminal:
    """A child process on a pty, with an ``expect``/``send`` pair and the whole transcript."""

    def __init__(
        self, args: list[str], env: dict[str, str], program: list[str] | None = None
    ) -> None:
        """Run ``program ARGS`` (default: ``python -m clawdbot_litellm``) on a new pty."""
        argv = [*(program or [sys.executable, "-m", "clawdbot_litellm"]), *args]
        pid, fd = pty.fork()
        if pid == 0:  # the child: its controlling terminal is the pty
            try:
                os.execve(argv[0], argv, env)  # noqa: S606 - the CLI under test
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.data = b""
        self.seen = 0  # expect() searches after what it already matched
        self.status: int | None = None

    @property
    def transcript(self) -> str:
        return self.data.decode("utf-8", errors="replace")

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            return False
        self.data += chunk
        return bool(chunk)

    def expect(self, text: str, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        needle = text.encode("utf-8")
        while True:
            index = self.data.find(needle, self.seen)
            if index >= 0:
                self.seen = index + len(needle)
                return
            if time.monotonic() > deadline or not self._read(0.2):
                pytest.fail(f"did not see {text!r}; transcript:\n{self.transcript}")

    def send(self, line: str) -> None:
        os.write(self.fd, line.encode("utf-8") + b"\r")  # Enter on a terminal is CR

    def wait(self, timeout: float = TIMEOUT) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._read(0.2):
            pass
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                self.status = os.waitstatus_to_exitcode(status)
                return self.status
            time.sleep(0.05)
        os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)
        pytest.fail(f"the program did not finish; transcript:\n{self.transcript}")

    def close(self) -> None:
        if self.status is None:
            try:
                os.kill(self.pid, 9)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            os.close(self.fd)


def environment(home: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "CLAWDBOT_CONFIG_PATH": str(home / ".clawdbot" / "clawdbot.json"),
        "TERM": "xterm",
        "LANG": "C.UTF-8",
        **extra,
    }


def written(home: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((home / ".clawdbot" / "clawdbot.json").read_text())
    return data


@pytest.mark.usefixtures("loopback_allowed")
def test_wizard_in_a_terminal_without_a_proxy(tmp_path: Path) -> None:
    with socket.socket() as sock:  # nothing listens here: discovery fails at once
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    term = Terminal(["onboard", "--auth-choice", "litellm-api-key"], environment(tmp_path))
    try:
        term.expect("OpenAI-compatible proxy")
        term.expect("LiteLLM API key: ")
        term.send("")
        term.expect("The API key cannot be blank")
        term.expect("LiteLLM API key: ")
        term.send(KEY)
        term.expect("LiteLLM base URL [http://localhost:4000]: ")
        term.send("localhost:4000")
        term.expect("is not an http(s) URL")
        term.expect("LiteLLM base URL [http://localhost:4000]: ")
        term.send(closed)
        term.expect("Could not list the proxy's models")
        term.expect("Model name (as configured in your LiteLLM proxy) [gpt-4]: ")
        term.send("claude-3-opus")
        term.expect("Context window [128000]: ")
        term.send("")
        term.expect("Max output tokens [8192]: ")
        term.send("4096")
        term.expect("Next steps:")
        assert term.wait() == 0
    finally:
        term.close()
    assert KEY not in term.transcript  # the hidden prompt did not echo it, the summary masks it
    assert "sk-…4321" in term.transcript
    assert "Asking " + closed in term.transcript  # the spinner line
    data = written(tmp_path)
    assert data["env"] == {"LITELLM_API_KEY": KEY}
    model = data["models"]["providers"]["litellm"]["models"][0]
    assert (model["id"], model["contextWindow"], model["maxTokens"]) == (
        "claude-3-opus",
        128000,
        4096,
    )
    mode = (tmp_path / ".clawdbot" / "clawdbot.json").stat().st_mode & 0o777
    assert mode == 0o600


@pytest.mark.live
def test_wizard_in_a_terminal_against_the_real_proxy(tmp_path: Path, litellm_proxy: Any) -> None:
    env = environment(tmp_path, LITELLM_API_KEY=litellm_proxy.api_key)
    term = Terminal(["onboard"], env)
    try:
        term.expect("Use the LITELLM_API_KEY from your environment (sk-…test)? [Y/n]: ")
        term.send("y")
        term.expect("LiteLLM base URL [http://localhost:4000]: ")
        term.send(litellm_proxy.base_url)
        term.expect("The proxy serves")
        term.expect("claude-3-opus")
        term.expect("Model (number or name) [gpt-4]: ")
        term.send("2")
        term.expect("Context window: 200000 (from the proxy)")
        term.expect("Max output tokens: 4096 (from the proxy)")
        term.expect("Next steps:")
        assert term.wait() == 0
    finally:
        term.close()
    assert litellm_proxy.api_key not in term.transcript
    data = written(tmp_path)
    assert "env" not in data  # the key came from the environment: nothing secret written
    assert data["agents"]["defaults"]["model"]["primary"] == "litellm/claude-3-opus"
    assert data["models"]["providers"]["litellm"]["baseUrl"] == litellm_proxy.base_url


@pytest.mark.live
def test_wizard_in_a_terminal_with_a_model_too_small_for_clawdbot(
    tmp_path: Path, readme_litellm_proxy: Any
) -> None:
    """The README's proxy: gpt-4 at LiteLLM's real 8192 tokens (below Clawdbot's 16000),
    claude-3-opus and the two mock models of the README's tools section. The small one is marked,
    never the default, refused with the way on."""
    env = environment(
        tmp_path,
        LITELLM_API_KEY=readme_litellm_proxy.api_key,
        LITELLM_BASE_URL=readme_litellm_proxy.base_url,
    )
    term = Terminal(["onboard"], env)
    try:
        term.expect("[Y/n]: ")
        term.send("")
        term.expect(f"LiteLLM base URL [{readme_litellm_proxy.base_url}]: ")
        term.send("")
        term.expect("1) gpt-4          8192 tokens: too small for Clawdbot (at least 16000)")
        term.expect("2) claude-3-opus  context 200000, max output 4096")
        term.expect("4) weather-agent  context 128000, max output 16384, images")
        term.expect("Model (number or name) [claude-3-opus]: ")
        term.send("gpt-4")
        term.expect(
            "Error: gpt-4 cannot be used: the proxy reports 8192 tokens: too small for Clawdbot "
            "(at least 16000); choose another model (claude-3-opus, gpt-4o, weather-agent), or "
            "pass --context-window N if the proxy's figure is wrong"
        )
        term.expect("Model (number or name) [claude-3-opus]: ")
        term.send("")
        term.expect("Context window: 200000 (from the proxy)")
        term.expect("Next steps:")
        assert term.wait() == 0
    finally:
        term.close()
    data = written(tmp_path)
    assert data["agents"]["defaults"]["model"]["primary"] == "litellm/claude-3-opus"
    assert [m["id"] for m in data["models"]["providers"]["litellm"]["models"]] == ["claude-3-opus"]
