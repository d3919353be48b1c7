"""``clawdbot-litellm onboard`` through click's CliRunner, by the real entry point (``main``).

Discovery here talks to a closed port on 127.0.0.1 (it fails at once and the wizard goes on);
the runs against the real proxy are at the end, marked ``live``.
"""

from __future__ import annotations

import json
import socket
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml
from cli_support import run
from click.testing import Result
from proxy.server import DEFAULT_CONFIG
from vcr_support import ProxyEndpoint

from clawdbot_litellm.config.resolve import load_config

KEY = "sk-typed-secret-abcdef123456"

# How many models the test proxy serves (others append models to its config).
SERVED = len(yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))["model_list"])


@pytest.fixture
def closed_url(loopback_allowed: object) -> str:
    """A URL on 127.0.0.1 where nothing listens: discovery fails fast."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return tmp_path / "state" / "clawdbot.json"


def onboard(config: Path, *args: str, input: str | None = None) -> Result:
    """``clawdbot-litellm --config CONFIG onboard ARGS`` through the real entry point."""
    return run(["--config", str(config), "onboard", *args], input=input)


def scripted(config: Path, *args: str) -> Result:
    """``onboard --non-interactive --litellm-api-key KEY ARGS``: the line a script runs."""
    return onboard(config, "--non-interactive", "--litellm-api-key", KEY, *args)


def written(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


# --- non-interactive ----------------------------------------------------------------------------


def test_non_interactive_from_flags(config: Path, closed_url: str) -> None:
    result = onboard(
        config,
        "--auth-choice",
        "litellm-api-key",
        "--non-interactive",
        "--litellm-api-key",
        KEY,
        "--litellm-base-url",
        closed_url + "/v1",
        "--litellm-model",
        "claude-3-opus",
        "--context-window",
        "200000",
        "--max-tokens",
        "4096",
    )
    assert result.exit_code == 0, result.output
    assert KEY not in result.output
    assert "sk-…3456" in result.stdout
    assert f"Wrote {config}" in result.stdout
    assert "Could not list the proxy's models" in result.stderr
    assert f'clawdbot-litellm --config {config} chat "hello"' in result.stdout
    data = written(config)
    provider = data["models"]["providers"]["litellm"]
    assert provider["baseUrl"] == closed_url
    assert provider["apiKey"] == "${LITELLM_API_KEY}"
    assert provider["models"][0]["id"] == "claude-3-opus"
    assert provider["models"][0]["contextWindow"] == 200000
    assert provider["models"][0]["maxTokens"] == 4096
    assert data["env"] == {"LITELLM_API_KEY": KEY}
    assert data["agents"]["defaults"]["model"]["primary"] == "litellm/claude-3-opus"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600


def test_non_interactive_from_the_environment(
    config: Path, closed_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAWDBOT_CONFIG_PATH", str(config))
    monkeypatch.setenv("LITELLM_API_KEY", KEY)
    monkeypatch.setenv("LITELLM_BASE_URL", closed_url)
    monkeypatch.setenv("LITELLM_MODEL", "gpt-4o")
    result = run(["onboard", "--non-interactive"])
    assert result.exit_code == 0, result.output
    assert KEY not in result.output
    assert "not written" in result.stdout
    assert KEY not in config.read_text()
    data = written(config)
    assert "env" not in data
    assert data["models"]["providers"]["litellm"]["models"][0]["contextWindow"] == 128000
    assert data["models"]["providers"]["litellm"]["models"][0]["maxTokens"] == 8192
    target = load_config(config).resolve()
    assert (str(target.ref), target.provider.api_key) == ("litellm/gpt-4o", KEY)
    assert 'clawdbot-litellm chat "hello"' in result.stdout


@pytest.mark.usefixtures("loopback_allowed")
def test_non_interactive_defaults_to_localhost_and_gpt_4(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_API_KEY", KEY)
    result = onboard(config, "--non-interactive")
    assert result.exit_code == 0, result.output
    data = written(config)
    assert data["models"]["providers"]["litellm"]["baseUrl"] == "http://localhost:4000"
    assert data["agents"]["defaults"]["model"]["primary"] == "litellm/gpt-4"


def test_non_interactive_without_a_key_fails_clearly(config: Path, closed_url: str) -> None:
    result = onboard(config, "--non-interactive", "--litellm-base-url", closed_url)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: No LiteLLM API key")
    assert "--litellm-api-key" in result.stderr
    assert "Traceback" not in result.output
    assert not config.exists()


def test_a_blank_key_flag_is_refused(config: Path) -> None:
    result = onboard(config, "--non-interactive", "--litellm-api-key", " ")
    assert result.exit_code == 1
    assert "Error: --litellm-api-key is blank" in result.stderr
    assert not config.exists()


def test_a_bad_base_url_fails_clearly(config: Path) -> None:
    result = scripted(config, "--litellm-base-url", "localhost:4000")
    assert result.exit_code == 1
    assert "Error: LiteLLM base URL 'localhost:4000' is not an http(s) URL" in result.stderr
    assert not config.exists()


def test_other_auth_choices_are_refused(config: Path) -> None:
    result = onboard(config, "--auth-choice", "openai-api-key")
    assert result.exit_code == 2
    assert "'openai-api-key' is not supported" in result.stderr
    assert "--auth-choice litellm-api-key" in result.stderr
    assert not config.exists()


@pytest.mark.parametrize("option", ["--context-window", "--max-tokens"])
def test_limits_must_be_positive(config: Path, option: str) -> None:
    result = scripted(config, option, "0")
    assert result.exit_code == 2
    assert option in result.stderr
    assert not config.exists()


def test_a_broken_config_fails_before_any_question(config: Path) -> None:
    config.parent.mkdir(parents=True)
    config.write_text("{\n  models: {,\n}")
    result = onboard(config, input="")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {config}:2:")
    assert "API key" not in result.output


def test_a_rerun_changes_nothing(config: Path, closed_url: str) -> None:
    assert scripted(config, "--litellm-base-url", closed_url).exit_code == 0
    before = config.read_text()
    again = scripted(config, "--litellm-base-url", closed_url)
    assert again.exit_code == 0, again.output
    assert "nothing changed" in again.stdout
    assert "already defined, kept as written" in again.stdout
    assert config.read_text() == before


def test_existing_fallbacks_and_sections_survive(config: Path, closed_url: str) -> None:
    config.parent.mkdir(parents=True)
    config.write_text(
        "// mine\n{channels: {slack: {token: '${SLACK_TOKEN}'}},\n"
        " agents: {defaults: {model: {primary: 'litellm/old', fallbacks: ['litellm/old']}}},\n"
        " models: {providers: {litellm: {baseUrl: 'http://x',\n"
        "   models: [{id: 'old', name: 'Old'}]}}}}"
    )
    result = scripted(config, "--litellm-base-url", closed_url)
    assert result.exit_code == 0, result.output
    assert "comments" in result.stderr  # JSON5 comments cannot survive a JSON write: say so
    data = written(config)
    assert data["channels"] == {"slack": {"token": "${SLACK_TOKEN}"}}
    assert data["agents"]["defaults"]["model"] == {
        "primary": "litellm/gpt-4",
        "fallbacks": ["litellm/old"],
    }
    assert [m["id"] for m in data["models"]["providers"]["litellm"]["models"]] == ["old", "gpt-4"]
    assert "fallbacks kept: litellm/old" in result.stdout


def test_the_key_can_come_from_stdin(config: Path, closed_url: str) -> None:
    """``--litellm-api-key -``: the key never appears in ps or the shell's history."""
    args = ["--non-interactive", "--litellm-api-key", "-", "--litellm-base-url", closed_url]
    result = onboard(config, *args, input=KEY + "\n")
    assert result.exit_code == 0, result.output
    assert KEY not in result.output
    assert "sk-…3456" in result.stdout
    assert written(config)["env"] == {"LITELLM_API_KEY": KEY}
    empty = onboard(config, *args, input="\n")
    assert empty.exit_code == 1
    assert empty.stderr.startswith("Error: LiteLLM API key: standard input was empty")


@pytest.mark.parametrize(
    "key_flag", [[], ["--litellm-api-key", "-"]], ids=["plain", "key-on-stdin"]
)
def test_without_a_terminal_onboard_says_how_to_run_non_interactively(
    config: Path, key_flag: list[str]
) -> None:
    result = onboard(config, *key_flag, input=KEY + "\n")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: onboard cannot prompt: standard input is not a terminal. Run it "
        "non-interactively: clawdbot-litellm onboard --non-interactive"
    )
    assert KEY not in result.output
    assert not config.exists()


def test_without_a_terminal_a_real_process_exits_instead_of_waiting(config: Path) -> None:
    """A real process whose stdin is an open pipe nobody writes to: no hang."""
    import subprocess
    import sys

    with subprocess.Popen(
        [sys.executable, "-m", "clawdbot_litellm", "--config", str(config), "onboard"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            status = process.wait(timeout=30)  # stdin stays open: a prompt would wait forever
        finally:
            process.kill()
        assert process.stdout is not None
        assert process.stderr is not None
        out, err = process.stdout.read(), process.stderr.read()
    assert status == 1
    assert out == ""
    assert "onboard cannot prompt" in err
    assert "--non-interactive" in err


# --- interactive (CliRunner feeds stdin) --------------------------------------------------------


@pytest.fixture
def test_interactive_offers_the_environment_key(
    config: Path, closed_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_API_KEY", KEY)
    answers = "\n".join(["y", "not a url", closed_url, "claude-3-opus", "", "4096"]) + "\n"
    result = onboard(config, input=answers)
    assert result.exit_code == 0, result.output
    assert "OpenAI-compatible proxy" in result.stdout
    assert "Use the LITELLM_API_KEY from your environment (sk-…3456)?" in result.stdout
    assert KEY not in result.output
    assert "is not an http(s) URL" in result.output  # asked again
    assert result.stdout.count("LiteLLM base URL [http://localhost:4000]") == 2
    assert "Context window [128000]" in result.stdout
    model = written(config)["models"]["providers"]["litellm"]["models"][0]
    assert (model["id"], model["contextWindow"], model["maxTokens"]) == (
        "claude-3-opus",
        128000,
        4096,
    )
    assert "env" not in written(config)


@pytest.mark.usefixtures("as_terminal")
def test_interactive_asks_for_a_hidden_key_and_refuses_blank(config: Path, closed_url: str) -> None:
    answers = "\n".join(["", "  ", KEY, closed_url, "", "", ""]) + "\n"
    result = onboard(config, input=answers)
    assert result.exit_code == 0, result.output
    assert result.output.count("The API key cannot be blank") == 2
    assert KEY not in result.output
    assert written(config)["env"]["LITELLM_API_KEY"] == KEY
    assert written(config)["agents"]["defaults"]["model"]["primary"] == "litellm/gpt-4"


@pytest.mark.usefixtures("as_terminal")
def test_interactive_can_decline_the_environment_key(
    config: Path, closed_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_API_KEY", "sk-environment-key-0000")
    answers = "\n".join(["n", KEY, closed_url, "", "", ""]) + "\n"
    result = onboard(config, input=answers)
    assert result.exit_code == 0, result.output
    assert written(config)["env"]["LITELLM_API_KEY"] == KEY
    # The shell's variable wins over the env block: the user must be told.
    assert "also set in this shell and takes precedence" in result.stderr


@pytest.mark.usefixtures("as_terminal")
def test_interactive_offers_a_key_already_in_the_env_block(config: Path, closed_url: str) -> None:
    config.parent.mkdir(parents=True)
    config.write_text(json.dumps({"env": {"LITELLM_API_KEY": KEY}}))
    answers = "\n".join(["", closed_url, "", "", ""]) + "\n"
    result = onboard(config, input=answers)
    assert result.exit_code == 0, result.output
    assert f"Use the LITELLM_API_KEY from the env block of {config} (sk-…3456)?" in result.stdout
    assert written(config)["env"] == {"LITELLM_API_KEY": KEY}


@pytest.mark.usefixtures("as_terminal")
def test_interactive_flags_skip_their_questions(config: Path, closed_url: str) -> None:
    result = onboard(
        config,
        "--litellm-api-key",
        KEY,
        "--litellm-base-url",
        closed_url,
        "--litellm-model",
        "gpt-4o",
        "--context-window",
        "64000",
        "--max-tokens",
        "2048",
        input="",
    )
    assert result.exit_code == 0, result.output
    assert "LiteLLM base URL" not in result.stdout
    assert "Context window [" not in result.stdout
    assert written(config)["models"]["providers"]["litellm"]["models"][0]["contextWindow"] == 64000


@pytest.mark.usefixtures("as_terminal")
def test_interactive_refuses_a_context_window_clawdbot_would_refuse(
    config: Path, closed_url: str
) -> None:
    answers = "\n".join(["0", "8000", "32000", ""]) + "\n"
    result = onboard(
        config,
        "--litellm-api-key",
        KEY,
        "--litellm-base-url",
        closed_url,
        "--litellm-model",
        "m",
        input=answers,
    )
    assert result.exit_code == 0, result.output
    assert "0 is not in the range x>=16000" in result.output
    assert "8000 is not in the range x>=16000" in result.output
    assert written(config)["models"]["providers"]["litellm"]["models"][0]["contextWindow"] == 32000


def test_a_context_window_under_clawdbots_minimum_fails_clearly(
    config: Path, closed_url: str
) -> None:
    result = scripted(config, "--litellm-base-url", closed_url, "--context-window", "8000")
    assert result.exit_code == 2
    assert "'--context-window': 8000 is not in the range x>=16000" in result.stderr
    assert not config.exists()


# --- against the real proxy ---------------------------------------------------------------------
# Cassette tests: discovery answers recorded from the real proxy (``--live`` asks it directly).


@pytest.fixture
def proxy_env(proxy_endpoint: ProxyEndpoint, monkeypatch: pytest.MonkeyPatch) -> ProxyEndpoint:
    monkeypatch.setenv("LITELLM_API_KEY", proxy_endpoint.api_key)
    monkeypatch.setenv("LITELLM_BASE_URL", proxy_endpoint.base_url)
    return proxy_endpoint


@pytest.mark.usefixtures("as_terminal")
def test_interactive_picks_a_discovered_model_by_number(
    config: Path, proxy_env: ProxyEndpoint
) -> None:
    result = onboard(config, input="y\n\n3\n")
    assert result.exit_code == 0, result.output
    assert f"The proxy serves {SERVED} model(s)." in result.stderr
    assert "   1) gpt-4               context 128000, max output 8192" in result.stdout
    assert "   3) o3-mini             context 200000, max output 100000, reasoning" in result.stdout
    assert "   4) gpt-4o              context 128000, max output 16384, images" in result.stdout
    assert "Model (number or name) [gpt-4]:" in result.stdout
    assert "Context window: 200000 (from the proxy)" in result.stdout
    assert "Max output tokens: 100000 (from the proxy)" in result.stdout
    assert proxy_env.api_key not in result.output
    (model,) = written(config)["models"]["providers"]["litellm"]["models"]
    assert model == {
        "id": "o3-mini",
        "name": "o3-mini",
        "reasoning": True,
        "input": ["text"],
        "contextWindow": 200000,
        "maxTokens": 100000,
        "compat": {"supportsStore": False},
    }
    assert "env" not in written(config)


@pytest.mark.usefixtures("as_terminal")
def test_interactive_accepts_a_typed_name_the_proxy_does_not_list(
    config: Path, proxy_env: ProxyEndpoint
) -> None:
    result = onboard(config, input="y\n\n0\nmy-model\n64000\n2048\n")
    assert result.exit_code == 0, result.output
    assert f"choose a number from 1 to {SERVED}, or type a name" in result.output
    assert "the proxy does not list 'my-model'" in result.stderr
    model = written(config)["models"]["providers"]["litellm"]["models"][0]
    assert (model["id"], model["contextWindow"], model["maxTokens"]) == ("my-model", 64000, 2048)


def test_non_interactive_takes_limits_and_abilities_from_the_proxy(
    config: Path, proxy_env: ProxyEndpoint
) -> None:
    result = onboard(
        config, "--non-interactive", "--litellm-model", "openai/gpt-4o-mini", "--max-tokens", "4096"
    )
    assert result.exit_code == 0, result.output
    model = written(config)["models"]["providers"]["litellm"]["models"][0]
    assert model["input"] == ["text", "image"]
    assert model["contextWindow"] == 128000
    assert model["maxTokens"] == 4096  # the flag wins over discovery
    assert written(config)["agents"]["defaults"]["model"]["primary"] == (
        "litellm/openai/gpt-4o-mini"
    )


def test_a_rejected_key_is_reported_and_onboarding_goes_on(
    config: Path, proxy_endpoint: ProxyEndpoint
) -> None:
    result = onboard(
        config,
        "--non-interactive",
        "--litellm-api-key",
        "sk-wrong-key-0000",
        "--litellm-base-url",
        proxy_endpoint.base_url,
    )
    assert result.exit_code == 0, result.output
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("Could not list")]
    assert "rejected" in line.lower()
    assert "sk-wrong-key-0000" not in result.output
    assert written(config)["env"]["LITELLM_API_KEY"] == "sk-wrong-key-0000"
