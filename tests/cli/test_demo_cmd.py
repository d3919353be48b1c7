"""``clawdbot-litellm demo``: what it says without a proxy, and the whole run against the real one.

The live test runs the real ``litellm`` executable named by ``CLAWDBOT_LITELLM_PROXY`` (read
before the CLI tests' isolation clears our variables) and proves the user's own config and
environment are left alone and the proxy is gone afterwards.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from cli_support import run

from clawdbot_litellm.cli.demo import isolated_environ

INSTALL = "pip install 'clawdbot-litellm[proxy]'"
# Captured at import, whatever the CLI tests' isolation keeps of CLAWDBOT_* later.
PROXY = os.environ.get("CLAWDBOT_LITELLM_PROXY", "")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_missing_proxy_named_by_the_variable_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "no-such-litellm"
    monkeypatch.setenv("CLAWDBOT_LITELLM_PROXY", str(missing))
    result = run(["demo"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: CLAWDBOT_LITELLM_PROXY={missing} is not a litellm executable (nor a virtualenv "
        f"with one); point it at one, or unset it and install the proxy: {INSTALL}\n"
    )


def test_with_no_proxy_installed_anywhere_it_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    python = tmp_path / "venv" / "bin" / "python"
    monkeypatch.delenv("CLAWDBOT_LITELLM_PROXY", raising=False)
    monkeypatch.setattr(sys, "executable", str(python))
    monkeypatch.setenv("PATH", str(empty))
    result = run(["demo"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: No LiteLLM proxy found (no litellm beside {python} or on PATH). Install it "
        f"with: {INSTALL}  (or set CLAWDBOT_LITELLM_PROXY to the path of a litellm executable)\n"
    )


def test_the_environment_is_set_aside_and_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LITELLM_API_KEY", "sk-user-key-0000")
    monkeypatch.setenv("CLAWDBOT_CONFIG_PATH", "/somewhere/clawdbot.json")
    monkeypatch.setenv("NO_PROXY", "corp.example")
    monkeypatch.setenv("KEEP_ME", "1")
    before = dict(os.environ)
    with isolated_environ():
        assert "LITELLM_API_KEY" not in os.environ
        assert "CLAWDBOT_CONFIG_PATH" not in os.environ
        assert os.environ["NO_PROXY"] == "corp.example,127.0.0.1"
        assert os.environ["KEEP_ME"] == "1"
        os.environ["LITELLM_BASE_URL"] = "http://changed"
    assert dict(os.environ) == before
    with pytest.raises(KeyboardInterrupt), isolated_environ():
        raise KeyboardInterrupt
    assert dict(os.environ) == before


def test_help_names_the_install_step() -> None:
    result = run(["demo", "--help"])
    assert result.exit_code == 0
    assert INSTALL in result.stdout


def test_help_offers_keep_and_says_the_proxy_stops_after_the_session() -> None:
    result = run(["demo", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())  # click wraps the help text
    assert "--keep Afterwards, chat with the proxy's mock models interactively; the proxy " in text
    assert "stops when the session ends." in text
    assert "With --keep, an interactive chat" in text
    assert "and the proxy is stopped when you leave it." in text


@pytest.mark.live
def test_the_whole_demo_runs_against_the_real_proxy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not PROXY:
        pytest.skip("CLAWDBOT_LITELLM_PROXY is not set")
    monkeypatch.setenv("CLAWDBOT_LITELLM_PROXY", PROXY)
    # The user's own setup, which the demo must neither use nor change.
    user_config = tmp_path / "user" / "clawdbot.json"
    user_config.parent.mkdir()
    user_config.write_text('{ agents: { defaults: { model: "litellm/mine" } } }\n')
    monkeypatch.setenv("CLAWDBOT_CONFIG_PATH", str(user_config))
    monkeypatch.setenv("LITELLM_API_KEY", "sk-user-key-not-for-the-demo")
    monkeypatch.setenv("LITELLM_BASE_URL", "http://127.0.0.1:9")
    before = dict(os.environ)

    result = run(["demo", "--prompt", "What is this?"])

    assert result.exit_code == 0, result.output
    out = result.stdout
    steps = [line for line in out.splitlines() if line.startswith("==> ")]
    assert [s.split(" ", 2)[1] for s in steps] == ["1/5", "2/5", "3/5", "4/5", "5/5"]
    ready = re.search(r"Proxy ready at (http://127\.0\.0\.1:\d+) \(pid (\d+)\)", out)
    assert ready, out
    base_url, pid = ready.group(1), int(ready.group(2))
    assert "The proxy serves: gpt-4, claude-3-opus, gpt-4o" in out
    written = re.search(r"Wrote (\S+clawdbot\.json) \(the key is masked here\):", out)
    assert written, out
    assert f'"baseUrl": "{base_url}"' in out
    assert '"apiKey": "${LITELLM_API_KEY}"' in out
    assert "litellm/gpt-4  gpt-4  gpt-4  128000   8192" in out  # models list
    assert "  litellm/claude-3-opus  (context 200000, max out 4096)" in out
    assert "$ clawdbot-litellm chat 'What is this?'" in out
    assert "Hello! This answer came from a real LiteLLM proxy on 127.0.0.1" in out
    assert "All 10 checks passed (2 skipped)." in out
    assert f"Stopped the proxy (pid {pid}); the temporary config goes with it." in out
    assert "litellm/gpt-4: " in result.stderr  # the chat's usage line
    assert not re.search(r"sk-demo-[0-9a-f]{32}", result.output)  # the key only masked
    assert "sk-user-key-not-for-the-demo" not in result.output
    # Nothing left behind, nothing of the user's touched.
    assert not _alive(pid)
    assert not Path(written.group(1)).exists()
    assert user_config.read_text() == '{ agents: { defaults: { model: "litellm/mine" } } }\n'
    assert sorted(p.name for p in user_config.parent.iterdir()) == ["clawdbot.json"]
    assert dict(os.environ) == before
