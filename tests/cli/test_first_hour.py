"""The first hour against an ordinary proxy (issue 13): a model too small for Clawdbot is
explained rather than a dead end, one truth about ``/v1``, ``models default``, ``chat -o``, and
the exact text of each message a new user meets.

Network runs on cassettes recorded from the README's proxy (``readme_proxy_endpoint``:
``gpt-4`` at LiteLLM's real 8192 tokens, ``claude-3-opus`` at 200000, and ``gpt-4o`` and
``weather-agent`` at 128000); ``--live`` sends them to it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_support import run, write
from vcr_support import ProxyEndpoint

from clawdbot_litellm.config.resolve import load_config

TOO_SMALL = (
    "gpt-4 cannot be used: the proxy reports 8192 tokens: too small for Clawdbot (at least "
    "16000); choose another model (claude-3-opus, gpt-4o, weather-agent), or pass "
    "--context-window N if the proxy's figure is wrong"
)


def onboard(config: Path, endpoint: ProxyEndpoint, *args: str, input: str | None = None) -> Any:
    return run(
        [
            "--config",
            str(config),
            "onboard",
            "--litellm-base-url",
            endpoint.base_url,
            "--litellm-api-key",
            endpoint.api_key,
            *args,
        ],
        input=input,
    )


def written(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


# --- 1. small models are explained ---------------------------------------------------------------


def test_non_interactive_too_small_model_says_why_and_how_on(
    tmp_path: Path, readme_proxy_endpoint: ProxyEndpoint
) -> None:
    config = tmp_path / "c.json"
    result = onboard(config, readme_proxy_endpoint, "--non-interactive", "--litellm-model", "gpt-4")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == f"Error: {TOO_SMALL}"
    assert not config.exists()


def test_non_interactive_default_is_the_first_usable_model(
    tmp_path: Path, readme_proxy_endpoint: ProxyEndpoint
) -> None:
    """``gpt-4`` is the default only when usable; here the proxy says 8192, so claude-3-opus."""
    config = tmp_path / "c.json"
    result = onboard(config, readme_proxy_endpoint, "--non-interactive")
    assert result.exit_code == 0, result.output
    assert written(config)["agents"]["defaults"]["model"]["primary"] == "litellm/claude-3-opus"


def test_context_window_flag_overrides_a_wrong_figure(
    tmp_path: Path, readme_proxy_endpoint: ProxyEndpoint
) -> None:
    config = tmp_path / "c.json"
    result = onboard(
        config,
        readme_proxy_endpoint,
        "--non-interactive",
        "--litellm-model",
        "gpt-4",
        "--context-window",
        "128000",
    )
    assert result.exit_code == 0, result.output
    (model,) = written(config)["models"]["providers"]["litellm"]["models"]
    assert (model["id"], model["contextWindow"]) == ("gpt-4", 128000)


@pytest.mark.usefixtures("as_terminal")
def test_wizard_marks_small_models_refuses_one_and_defaults_to_a_usable_one(
    tmp_path: Path, readme_proxy_endpoint: ProxyEndpoint
) -> None:
    config = tmp_path / "c.json"
    # Pick 1 (gpt-4, too small): refused with the reason; then Enter takes the default.
    result = onboard(config, readme_proxy_endpoint, input="1\n\n")
    assert result.exit_code == 0, result.output
    assert (
        "   1) gpt-4          8192 tokens: too small for Clawdbot (at least 16000), max output 4096"
    ) in result.stdout
    assert "   2) claude-3-opus  context 200000, max output 4096" in result.stdout
    assert "Model (number or name) [claude-3-opus]: " in result.stdout
    assert f"Error: {TOO_SMALL}" in result.output
    assert written(config)["agents"]["defaults"]["model"]["primary"] == "litellm/claude-3-opus"


def test_litellm_model_env_is_the_default_only_when_usable(
    tmp_path: Path, readme_proxy_endpoint: ProxyEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_MODEL", "gpt-4")
    config = tmp_path / "c.json"
    result = onboard(config, readme_proxy_endpoint, "--non-interactive")
    assert result.exit_code == 0, result.output
    assert written(config)["agents"]["defaults"]["model"]["primary"] == "litellm/claude-3-opus"


def _configured(tmp_path: Path, endpoint: ProxyEndpoint, models: list[dict[str, Any]]) -> Path:
    return write(
        tmp_path / "c.json",
        {
            "env": {"LITELLM_API_KEY": endpoint.api_key},
            "models": {
                "providers": {
                    "litellm": {
                        "baseUrl": endpoint.base_url,
                        "apiKey": "${LITELLM_API_KEY}",
                        "models": models,
                    }
                }
            },
        },
    )


OPUS = {"id": "claude-3-opus", "name": "Opus", "contextWindow": 100000, "maxTokens": 4096}


def test_sync_skips_a_too_small_model_and_the_dry_run_is_the_real_run(
    tmp_path: Path, readme_proxy_endpoint: ProxyEndpoint
) -> None:
    config = _configured(tmp_path, readme_proxy_endpoint, [OPUS])
    dry = run(["--config", str(config), "models", "sync", "--add-all", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines() == [
        f"Dry run: nothing written; a real run would write {config}:",
        "  ~ litellm/claude-3-opus: contextWindow 100000 -> 200000",
        *(
            f'  + litellm/{name}: reasoning false, input ["text", "image"], contextWindow 128000, '
            'maxTokens 16384, cost {"input": 2.5, "output": 10, "cacheRead": 1.25}'
            for name in ("gpt-4o", "weather-agent")
        ),
        "  - litellm/gpt-4: skipped, 8192 tokens: too small for Clawdbot (at least 16000)",
    ]
    real = run(["--config", str(config), "models", "sync", "--add-all"])
    assert real.exit_code == 0, real.output
    assert real.stdout.splitlines() == [f"Wrote {config}:", *dry.stdout.splitlines()[1:]]
    ids = [m["id"] for m in written(config)["models"]["providers"]["litellm"]["models"]]
    assert ids == ["claude-3-opus", "gpt-4o", "weather-agent"]
    load_config(config)  # the file written is valid


def test_sync_without_add_all_notes_a_configured_too_small_model_and_keeps_it(
    tmp_path: Path, readme_proxy_endpoint: ProxyEndpoint
) -> None:
    gpt4 = {"id": "gpt-4", "name": "GPT-4", "contextWindow": 128000}
    config = _configured(tmp_path, readme_proxy_endpoint, [gpt4, {**OPUS, "contextWindow": 200000}])
    result = run(["--config", str(config), "models", "sync"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "litellm: already in sync with the proxy; nothing written.",
        "  - litellm/gpt-4: skipped, 8192 tokens: too small for Clawdbot (at least 16000); its "
        "definition is kept as written",
        "  served but not configured (add them with --add-all): gpt-4o, weather-agent",
    ]
    assert written(config)["models"]["providers"]["litellm"]["models"][0] == gpt4


# --- 3. /v1 --------------------------------------------------------------------------------------


def test_config_set_stores_the_url_without_v1_and_says_so_once(tmp_path: Path) -> None:
    config = write(
        tmp_path / "c.json",
        {"models": {"providers": {"litellm": {"baseUrl": "http://h:1", "models": []}}}},
    )
    result = run(
        [
            "--config",
            str(config),
            "config",
            "set",
            "models.providers.litellm.baseUrl",
            "http://localhost:4000/v1",
        ]
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "Note: stored http://localhost:4000 without the /v1: the client appends /v1 itself "
        "(requests go to http://localhost:4000/v1/...)\n"
    )
    assert written(config)["models"]["providers"]["litellm"]["baseUrl"] == "http://localhost:4000"


def test_config_get_shows_the_client_url_beside_the_file(tmp_path: Path) -> None:
    config = write(
        tmp_path / "c.json",
        {"models": {"providers": {"litellm": {"baseUrl": "http://h:4000/v1", "models": []}}}},
    )
    path = "models.providers.litellm.baseUrl"
    got = run(["--config", str(config), "config", "get", path])
    assert got.exit_code == 0, got.output
    assert got.stdout == "http://h:4000\n"  # what the client uses
    assert got.stderr == (
        "Warning: models.providers.litellm.baseUrl ends in /v1 (http://h:4000/v1); the client "
        "appends /v1 itself, so it uses http://h:4000. Fix the file: clawdbot-litellm config set "
        "models.providers.litellm.baseUrl http://h:4000\n"
    )
    raw = run(["--config", str(config), "config", "get", "--raw", path])
    assert raw.stdout == "http://h:4000/v1\n"  # what the file holds


def test_onboarding_drops_v1_and_says_so_once(
    tmp_path: Path, readme_proxy_endpoint: ProxyEndpoint
) -> None:
    config = tmp_path / "c.json"
    endpoint = ProxyEndpoint(readme_proxy_endpoint.base_url + "/v1", readme_proxy_endpoint.api_key)
    result = onboard(config, endpoint, "--non-interactive")
    assert result.exit_code == 0, result.output
    base = readme_proxy_endpoint.base_url
    assert result.stderr.count("/v1") == 3  # one note, and no warning repeating it
    assert "Warning" not in result.output
    assert result.stderr.splitlines()[0] == (
        f"Note: stored {base} without the /v1: the client appends /v1 itself (requests go to "
        f"{base}/v1/...)"
    )
    assert written(config)["models"]["providers"]["litellm"]["baseUrl"] == base


# --- 4. messages ---------------------------------------------------------------------------------


def test_unknown_model_suggests_each_model_once_as_a_ref(tmp_path: Path) -> None:
    config = write(
        tmp_path / "c.json",
        {
            "models": {
                "providers": {
                    "litellm": {
                        "baseUrl": "http://127.0.0.1:9",
                        "apiKey": "k",
                        "models": [{"id": "claude-3-opus", "name": "Opus"}],
                    }
                }
            },
            "agents": {
                "defaults": {"models": {"litellm/claude-3-opus": {"alias": "claude-3-opus"}}}
            },
        },
    )
    result = run(["--config", str(config), "chat", "-m", "claude3opus", "hi"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: Unknown model: claude3opus. Did you mean litellm/claude-3-opus? Configured "
        "models: litellm/claude-3-opus. Add the model to models.providers.litellm.models, or run "
        "`clawdbot-litellm models sync --add-all` if the proxy serves it with a context window "
        "of at least 16000 tokens.\n"
    )
    unlike = run(["--config", str(config), "chat", "-m", "litellm/gpt-5", "hi"])
    assert "Did you mean" not in unlike.stderr


def test_unknown_model_of_a_provider_sync_cannot_fill_names_the_provider_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The litellm of the environment alone: `models sync` edits models.providers.litellm.models
    # in the file, and there is none, so it is not offered.
    monkeypatch.setenv("LITELLM_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("LITELLM_API_KEY", "sk-test-0123456789")
    monkeypatch.delenv("LITELLM_MODEL", raising=False)
    result = run(["--config", str(tmp_path / "none.json"), "chat", "-m", "litellm/gpt-5", "hi"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: Unknown model: litellm/gpt-5. Did you mean litellm/gpt-4? Configured models: "
        "litellm/gpt-4. Add the model to models.providers.litellm.models.\n"
    )


# --- 5. models default, chat -o ------------------------------------------------------------------


def test_models_default_shows_and_sets_with_config_set_validation(
    tmp_path: Path, readme_proxy_endpoint: ProxyEndpoint
) -> None:
    config = tmp_path / "c.json"
    assert onboard(config, readme_proxy_endpoint, "--non-interactive").exit_code == 0
    shown = run(["--config", str(config), "models", "default"])
    assert shown.stdout == "litellm/claude-3-opus\n"
    refused = run(["--config", str(config), "models", "default", "litellm/gpt-4"])
    assert refused.exit_code == 1
    assert "agents.defaults.model.primary: Unknown model: litellm/gpt-4." in refused.stderr
    primary = "agents.defaults.model.primary"
    same = run(["--config", str(config), "config", "set", primary, "litellm/gpt-4"])
    assert same.exit_code == 1
    assert same.stderr == refused.stderr  # the same edit, the same validation
    alias = run(["--config", str(config), "models", "default", "claude-3-opus"])
    assert alias.exit_code == 0, alias.output
    assert alias.stdout == f"Default model: claude-3-opus (set {primary} in {config})\n"
    assert run(["--config", str(config), "models", "default"]).stdout == (
        "litellm/claude-3-opus (written as claude-3-opus)\n"
    )


def test_chat_sends_sampling_options(tmp_path: Path, readme_proxy_endpoint: ProxyEndpoint) -> None:
    config = tmp_path / "c.json"
    assert onboard(config, readme_proxy_endpoint, "--non-interactive").exit_code == 0
    result = run(
        [
            "--config",
            str(config),
            "chat",
            "--no-stream",
            "-o",
            "temperature",
            "0.2",
            "-o",
            "top_p",
            "0.9",
            "-o",
            "seed",
            "7",
            "-o",
            "stop",
            "END",
            "-o",
            "presence_penalty",
            "0.5",
            "-o",
            "frequency_penalty",
            "-0.5",
            "-o",
            "logit_bias",
            '{"50256": -100}',
            "Say hello",
        ]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "Hello from the claude-3-opus mock.\n"
    # The cassette's request body holds the options exactly (replay matches on the body).


@pytest.mark.parametrize(
    ("option", "error"),
    [
        (("temp", "1"), "Unknown option 'temp' (did you mean temperature?); the options are "
         "temperature, top_p, presence_penalty, frequency_penalty, seed, stop, logit_bias"),
        (("temperature", "3"), "Option temperature must be a number from 0 to 2, not '3'"),
        (("seed", "1.5"), "Option seed must be a whole number, not '1.5'"),
    ],
)  # fmt: skip
def test_chat_rejects_a_bad_option_before_anything_else(
    tmp_path: Path, option: tuple[str, str], error: str
) -> None:
    result = run(["--config", str(tmp_path / "none.json"), "chat", "-o", *option, "hi"])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {error}\n"


def test_doctor_says_each_fix_once_and_warns_on_v1(
    tmp_path: Path, readme_proxy_endpoint: ProxyEndpoint
) -> None:
    base = readme_proxy_endpoint.base_url
    config = _configured(tmp_path, readme_proxy_endpoint, [{**OPUS, "contextWindow": 200000}])
    data = written(config)
    data["env"]["LITELLM_API_KEY"] = "sk-wrong-key"
    data["models"]["providers"]["litellm"]["baseUrl"] = f"{base}/v1"  # as a hand edit leaves it
    write(config, data)
    result = run(["--config", str(config), "doctor"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[4] == (
        f"warn  base URL: {base}/v1 ends in /v1: this package uses {base}, but Clawdbot appends "
        "/v1 itself and would call .../v1/v1; fix: clawdbot-litellm config set "
        f"models.providers.litellm.baseUrl {base}"
    )
    assert lines[6] == (
        f"FAIL  API key: The proxy at {base}/v1 rejected the API key (key ****; it answered 400: "
        "No connected db.); fix: set LITELLM_API_KEY (or models.providers.litellm.apiKey) to a "
        "key the proxy accepts"
    )
    assert lines[-1] == "1 check failed (1 warning); fix the first one first."
