"""``clawdbot-litellm chat``: CliRunner through ``main`` (real ``Error:`` lines and exit codes);
requests run on cassettes recorded from the real proxy (``--live`` sends them to it)."""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import httpx2
import pytest
from cli_support import run, write
from vcr_support import ProxyEndpoint

from clawdbot_litellm.cli.chat import read_prompt, report, send
from clawdbot_litellm.client import Client
from clawdbot_litellm.config.resolve import load_config
from clawdbot_litellm.results import ChatResult, Usage

GPT4_ANSWER = "Hello from the gpt-4 mock."
PRICES = {"input": 30.0, "output": 60.0}


MODELS = [
    {"id": "gpt-4", "name": "GPT-4", "contextWindow": 128000, "cost": PRICES},
    {"id": "claude-3-opus", "name": "Opus", "contextWindow": 200000, "maxTokens": 4096},
    {"id": "o3-mini", "name": "o3-mini", "reasoning": True, "contextWindow": 200000},
    {"id": "gpt-4o", "name": "GPT-4o", "input": ["text", "image"], "contextWindow": 128000},
    {"id": "rate-limited", "name": "Limited", "contextWindow": 128000},
    {"id": "not-on-the-proxy", "name": "Ghost", "contextWindow": 128000},
]


def config_for(base_url: str, **agents: Any) -> dict[str, Any]:
    defaults = {
        "model": {"primary": "litellm/gpt-4"},
        "models": {"litellm/claude-3-opus": {"alias": "Opus"}},
        **agents,
    }
    return {
        "models": {
            "providers": {
                "litellm": {
                    "baseUrl": base_url,
                    "apiKey": "${LITELLM_API_KEY}",
                    "api": "openai-completions",
                    "models": MODELS,
                }
            }
        },
        "agents": {"defaults": defaults},
    }


@pytest.fixture(autouse=True)
def no_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """One request per interaction, as the cassettes were recorded; a key for offline tests."""
    monkeypatch.setenv("CLAWDBOT_LITELLM_MAX_RETRIES", "0")
    monkeypatch.setenv("LITELLM_API_KEY", "sk-offline-tests-only")


@pytest.fixture
def proxy_config(
    tmp_path: Path, proxy_endpoint: ProxyEndpoint, monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.setenv("LITELLM_API_KEY", proxy_endpoint.api_key)
    return write(tmp_path / "c.json", config_for(proxy_endpoint.base_url))


def sent_bodies(cassette: Any) -> list[dict[str, Any]]:
    """The chat request bodies of this test (replay and record mode; empty when live)."""
    if cassette is None:
        return []
    bodies = [
        json.loads(request.body)
        for request in cassette.requests
        if request.path.endswith("/chat/completions")
    ]
    assert bodies, "the cassette holds no chat request"
    return bodies


USAGE = re.compile(
    r"^litellm/gpt-4: (\d+) prompt \+ (\d+) completion tokens, cost \$(\d+\.\d{6}) \(config\)$"
)


# --- answers ------------------------------------------------------------------------------------


def test_streams_the_answer_to_stdout_and_usage_to_stderr(
    proxy_config: Path, cassette: Any
) -> None:
    result = run(["--config", str(proxy_config), "chat", "Say hello."])
    assert result.exit_code == 0, result.output
    assert result.stdout == GPT4_ANSWER + "\n"
    match = USAGE.match(result.stderr.strip())
    assert match, result.stderr
    prompt, completion, cost = (float(g) for g in match.groups())
    assert prompt > 0
    assert completion > 0
    assert cost == pytest.approx((prompt * 30 + completion * 60) / 1e6, abs=1e-6)
    for body in sent_bodies(cassette):
        assert body["stream"] is True
        assert body["stream_options"] == {"include_usage": True}
        assert body["messages"] == [{"role": "user", "content": "Say hello."}]


def test_no_stream_prints_the_whole_answer(proxy_config: Path, cassette: Any) -> None:
    result = run(["--config", str(proxy_config), "chat", "--no-stream", "Say hello."])
    assert result.exit_code == 0, result.output
    assert result.stdout == GPT4_ANSWER + "\n"
    assert USAGE.match(result.stderr.strip()), result.stderr
    assert all("stream" not in body for body in sent_bodies(cassette))


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "no-stream"])
def test_json_prints_one_stable_object(proxy_config: Path, stream: bool) -> None:
    args = ["--config", str(proxy_config), "chat", "--json", "Say hello."]
    result = run(args if stream else [*args, "--no-stream"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == [
        "ref",
        "text",
        "reasoning",
        "finish_reason",
        "usage",
        "cost",
        "tool_calls",
        "parsed",
        "cost_source",
        "proxy",
    ]
    assert data["tool_calls"] == []
    assert data["parsed"] is None
    assert data["cost_source"] == "config"
    assert data["proxy"]["model_group"] == "gpt-4"
    assert data["ref"] == "litellm/gpt-4"
    assert data["text"] == GPT4_ANSWER
    assert data["reasoning"] == ""
    assert data["finish_reason"] == "stop"
    usage = data["usage"]
    assert list(usage) == ["prompt_tokens", "completion_tokens", "cached_tokens", "total_tokens"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    expected = (usage["prompt_tokens"] * 30 + usage["completion_tokens"] * 60) / 1e6
    assert data["cost"] == pytest.approx(expected)
    assert result.stderr.startswith("litellm/gpt-4: ")  # usage still goes to stderr


@pytest.mark.parametrize("how", ["dash", "piped"])
def test_reads_the_prompt_from_stdin(proxy_config: Path, cassette: Any, how: str) -> None:
    args = ["--config", str(proxy_config), "chat"] + (["-"] if how == "dash" else [])
    result = run(args, input="Say hello.\n")
    assert result.exit_code == 0, result.output
    assert result.stdout == GPT4_ANSWER + "\n"
    for body in sent_bodies(cassette):
        assert body["messages"] == [{"role": "user", "content": "Say hello.\n"}]


def test_model_by_alias_with_a_system_prompt(proxy_config: Path, cassette: Any) -> None:
    result = run(
        ["--config", str(proxy_config), "chat", "-m", "opus", "--system", "Be brief.", "Hi"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "Hello from the claude-3-opus mock.\n"
    assert result.stderr.startswith("litellm/claude-3-opus: ")
    assert (
        "cost unknown (no prices in the model's cost settings, none from the proxy)"
        in result.stderr
    )
    for body in sent_bodies(cassette):
        assert body["model"] == "claude-3-opus"
        assert body["messages"][0] == {"role": "system", "content": "Be brief."}
        assert body["max_completion_tokens"] == 4096


def test_reasoning_effort_goes_only_to_a_reasoning_model(proxy_config: Path, cassette: Any) -> None:
    plain = run(["--config", str(proxy_config), "chat", "--reasoning-effort", "high", "Hi"])
    assert plain.exit_code == 0, plain.output
    assert plain.stderr.splitlines()[0] == (
        "Warning: litellm/gpt-4 is not a reasoning model (reasoning: false), so "
        "reasoning_effort was not sent"
    )
    thinking = run(
        ["--config", str(proxy_config), "chat", "-m", "o3-mini", "--reasoning-effort", "low", "Hi"]
    )
    assert thinking.exit_code == 0, thinking.output
    assert thinking.stdout == "Hello from the o3-mini mock.\n"
    assert "Warning" not in thinking.stderr
    bodies = sent_bodies(cassette)
    if bodies:
        assert "reasoning_effort" not in bodies[0]
        assert bodies[1]["reasoning_effort"] == "low"


def test_max_tokens_above_the_model_limit_is_lowered_with_a_warning(
    proxy_config: Path, cassette: Any
) -> None:
    result = run(["--config", str(proxy_config), "chat", "--max-tokens", "100000", "Hi"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == (
        "Warning: litellm/gpt-4: max_tokens 100000 is above the model's maxTokens (8192); "
        "sending 8192"
    )
    for body in sent_bodies(cassette):
        assert body["max_completion_tokens"] == 8192


def test_an_image_goes_to_a_vision_model(proxy_config: Path, tmp_path: Path, cassette: Any) -> None:
    image = tmp_path / "dot.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    result = run(
        [
            "--config",
            str(proxy_config),
            "chat",
            "-m",
            "litellm/gpt-4o",
            "--image",
            str(image),
            "What is this?",
        ]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "Hello from the gpt-4o mock. I see the image.\n"
    for body in sent_bodies(cassette):
        parts = body["messages"][0]["content"]
        assert parts[0] == {"type": "text", "text": "What is this?"}
        assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")


def test_fallbacks_answer_when_the_model_is_rate_limited(
    tmp_path: Path, proxy_endpoint: ProxyEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A misspelt fallback on the way is skipped with a Warning: line; the next one answers."""
    monkeypatch.setenv("LITELLM_API_KEY", proxy_endpoint.api_key)
    data = config_for(
        proxy_endpoint.base_url,
        model={"primary": "litellm/rate-limited", "fallbacks": ["litellm/gtp-4", "litellm/gpt-4"]},
    )
    config = write(tmp_path / "c.json", data)
    result = run(["--config", str(config), "chat", "Hi"])
    assert result.exit_code == 0, result.output
    assert result.stdout == GPT4_ANSWER + "\n"
    warning, usage = result.stderr.strip().splitlines()
    assert warning.startswith(
        "Warning: fallback 'litellm/gtp-4' skipped: Unknown model: litellm/gtp-4. Did you mean "
        "litellm/gpt-4"
    )
    assert USAGE.match(usage), result.stderr  # the usage names the fallback


def test_config_warnings_are_warning_lines(
    tmp_path: Path, proxy_endpoint: ProxyEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_API_KEY", proxy_endpoint.api_key)
    config = write(tmp_path / "c.json", config_for(proxy_endpoint.base_url + "/v1"))
    result = run(["--config", str(config), "chat", "Hi"])
    assert result.exit_code == 0, result.output
    assert result.stdout == GPT4_ANSWER + "\n"
    first = result.stderr.splitlines()[0]
    assert first.startswith("Warning: models.providers.litellm.baseUrl ends in /v1")
    assert "ConfigWarning" not in result.stderr


# --- failures -----------------------------------------------------------------------------------


def test_a_model_the_proxy_does_not_serve_is_an_error(proxy_config: Path) -> None:
    result = run(["--config", str(proxy_config), "chat", "-m", "not-on-the-proxy", "Hi"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: The proxy at http://127.0.0.1:"), result.stderr
    assert "does not serve model 'not-on-the-proxy'" in result.stderr
    assert "(it serves: " in result.stderr
    assert "Traceback" not in result.stderr


def test_a_rejected_key_is_an_error_that_hides_the_key(
    tmp_path: Path, proxy_endpoint: ProxyEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "sk-wrong-key-0123456789"
    monkeypatch.setenv("LITELLM_API_KEY", wrong)
    config = write(tmp_path / "c.json", config_for(proxy_endpoint.base_url))
    result = run(["--config", str(config), "chat", "Hi"])
    assert result.exit_code == 1
    assert "rejected the API key (key sk-…6789" in result.stderr
    assert result.stderr.startswith("Error: ")
    assert wrong not in result.output


@pytest.mark.usefixtures("loopback_allowed")
def test_an_unreachable_proxy_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.setenv("LITELLM_API_KEY", "sk-not-used-1234")
    config = write(tmp_path / "c.json", config_for(closed))
    result = run(["--config", str(config), "chat", "Hi"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: Cannot reach the LiteLLM proxy at {closed}/v1")


def test_an_unknown_model_is_an_error_naming_the_configured_ones(tmp_path: Path) -> None:
    config = write(tmp_path / "c.json", config_for("http://127.0.0.1:4000"))
    result = run(["--config", str(config), "chat", "-m", "litellm/gpt-5", "Hi"], input="")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Unknown model: litellm/gpt-5.")
    assert "Configured models: litellm/gpt-4, litellm/claude-3-opus" in result.stderr


def test_an_image_for_a_text_model_is_refused_before_sending(tmp_path: Path) -> None:
    image = tmp_path / "dot.png"
    image.write_bytes(b"\x89PNG")
    config = write(tmp_path / "c.json", config_for("http://127.0.0.1:4000"))
    result = run(["--config", str(config), "chat", "--image", str(image), "Hi"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: litellm/gpt-4 does not accept images")


def test_an_empty_prompt_is_a_usage_error(tmp_path: Path) -> None:
    config = write(tmp_path / "c.json", config_for("http://127.0.0.1:4000"))
    result = run(["--config", str(config), "chat", "-"], input="  \n")
    assert result.exit_code == 2
    assert "The prompt is empty" in result.stderr


def test_an_invalid_reasoning_effort_is_a_usage_error(tmp_path: Path) -> None:
    result = run(["chat", "--reasoning-effort", "extreme", "Hi"])
    assert result.exit_code == 2
    assert (
        "'extreme' is not one of 'off', 'minimal', 'low', 'medium', 'high', 'xhigh'"
        in result.stderr
    )


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_without_a_prompt_on_a_terminal_says_how_to_give_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stdin", _Terminal("never read"))
    with pytest.raises(click.UsageError, match=r"No prompt: pass it as an argument"):
        read_prompt(None)
    assert read_prompt("Hi") == "Hi"  # an argument wins over a terminal


# --- what is shown around the answer (pure: MockTransport) --------------------------------------


def _sse(*chunks: dict[str, Any]) -> bytes:
    events = [f"data: {json.dumps(chunk)}\n\n" for chunk in chunks]
    return ("".join(events) + "data: [DONE]\n\n").encode()


def _chunk(delta: dict[str, Any], finish: str | None = None, usage: Any = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "o3-mini",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        "usage": usage,
    }


def _thinking_client(tmp_path: Path) -> Client:
    body = _sse(
        _chunk({"role": "assistant", "reasoning_content": "Let me think. "}),
        _chunk({"content": "Forty"}),
        _chunk({"content": "-two"}, finish="length"),
        _chunk({}, usage={"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12}),
    )
    transport = httpx2.MockTransport(
        lambda request: httpx2.Response(
            200, content=body, headers={"content-type": "text/event-stream"}
        )
    )
    config = write(tmp_path / "c.json", config_for("http://proxy.invalid"))
    resolved = load_config(config, environ={"LITELLM_API_KEY": "k"})
    return Client(resolved, max_retries=0, http_client=httpx2.Client(transport=transport))


@pytest.mark.parametrize("show", [False, True])
def test_reasoning_is_hidden_unless_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], show: bool
) -> None:
    with _thinking_client(tmp_path) as client:
        result = send(client, "6 x 7?", model="o3-mini", show_reasoning=show)
    out, err = capsys.readouterr()
    assert out == "Forty-two\n"
    assert err == ("Let me think. " if show else "")
    assert result.reasoning == "Let me think. "


def test_a_truncated_answer_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with _thinking_client(tmp_path) as client:
        result = send(client, "6 x 7?", model="o3-mini", echo=False)
        report(result, client.config)
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "litellm/o3-mini: 5 prompt + 7 completion tokens, cost unknown (no prices in the "
        "model's cost settings, none from the proxy)",
        "Warning: the answer was cut off at the output limit (finish_reason: length); raise "
        "--max-tokens or the model's maxTokens (litellm/o3-mini)",
    ]


def test_no_usage_is_said_plainly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = load_config(
        write(tmp_path / "c.json", config_for("http://x")), environ={"LITELLM_API_KEY": "k"}
    )
    report(ChatResult("litellm/gpt-4", "hi", "", "stop", None, None), config)
    assert capsys.readouterr().err == "litellm/gpt-4: the proxy reported no usage\n"
    report(
        ChatResult(
            "litellm/gpt-4", "hi", "", "stop", Usage(10, 2, 4), 0.00042, cost_source="proxy"
        ),
        config,
    )
    assert capsys.readouterr().err == (
        "litellm/gpt-4: 10 prompt (4 cached) + 2 completion tokens, cost $0.000420 (proxy)\n"
    )


# --- start-up and the real proxy ----------------------------------------------------------------


def test_help_does_not_import_openai(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from clawdbot_litellm.cli import main\n"
        "try:\n"
        "    main(['chat', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('openai' in sys.modules, file=sys.stderr)\n"
    )
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert "[PROMPT]" in done.stdout
    assert "--show-reasoning" in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "False"


@pytest.mark.live
def test_streams_from_the_live_proxy(
    tmp_path: Path, litellm_proxy: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_API_KEY", litellm_proxy.api_key)
    monkeypatch.setenv("CLAWDBOT_CONFIG_PATH", str(tmp_path / "c.json"))
    write(tmp_path / "c.json", config_for(litellm_proxy.base_url))
    result = run(["chat", "-m", "gpt-4o", "Hi"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Hello from the gpt-4o mock. I see the image.\n"
    assert result.stderr.startswith("litellm/gpt-4o: ")
