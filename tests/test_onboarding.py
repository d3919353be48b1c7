"""The onboarding library: the pure plan and the write through the config editor."""

from __future__ import annotations

import copy
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from clawdbot_litellm.config.resolve import load_config
from clawdbot_litellm.errors import ConfigError, ConfigValidationError
from clawdbot_litellm.onboarding import OnboardingAnswers, onboard, plan

KEY = "sk-typed-secret-1234567890"


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("LITELLM_API_KEY", "LITELLM_BASE_URL", "LITELLM_MODEL", "CLAWDBOT_STATE_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CLAWDBOT_CONFIG_PATH", str(tmp_path / "home" / "clawdbot.json"))


def answers(**overrides: Any) -> OnboardingAnswers:
    values: dict[str, Any] = {"base_url": "http://localhost:4000", "model": "gpt-4"}
    values.update(overrides)
    return OnboardingAnswers(**values)


# --- the answers --------------------------------------------------------------------------------


def test_answers_normalise_the_base_url() -> None:
    assert answers(base_url=" http://proxy:4000/v1/ ").base_url == "http://proxy:4000"
    assert answers(base_url="https://proxy.example/litellm/").base_url == (
        "https://proxy.example/litellm"
    )


@pytest.mark.parametrize("url", ["localhost:4000", "ftp://proxy", "http://", ""])
def test_answers_refuse_a_url_that_is_not_http(url: str) -> None:
    with pytest.raises(ConfigError, match="not an http"):
        answers(base_url=url)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("model", "  ", "Model id is empty"),
        ("context_window", 0, "context window must be a positive"),
        ("max_tokens", -5, "max tokens must be a positive"),
        ("context_window", True, "context window must be a positive"),
        ("api_key", "   ", "API key is blank"),
        ("context_window", 15999, "below the 16000 tokens Clawdbot accepts"),
    ],
)
def test_answers_refuse_bad_values(field: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        answers(**{field: value})


def test_answers_repr_masks_the_key() -> None:
    text = repr(answers(api_key=KEY))
    assert KEY not in text
    assert "sk-…7890" in text
    assert "from $LITELLM_API_KEY" in repr(answers())


def test_answers_name_defaults_to_the_model_id() -> None:
    assert answers().display_name == "gpt-4"
    assert answers(name=" GPT-4 ").display_name == "GPT-4"


# --- the plan -----------------------------------------------------------------------------------


def test_plan_on_an_empty_config_has_the_seed_shape() -> None:
    assert plan({}, answers(name="GPT-4", api_key=KEY)) == {
        "models": {
            "mode": "merge",
            "providers": {
                "litellm": {
                    "baseUrl": "http://localhost:4000",
                    "apiKey": "${LITELLM_API_KEY}",
                    "api": "openai-completions",
                    "models": [
                        {
                            "id": "gpt-4",
                            "name": "GPT-4",
                            "reasoning": False,
                            "input": ["text"],
                            "contextWindow": 128000,
                            "maxTokens": 8192,
                            "compat": {"supportsStore": False},
                        }
                    ],
                }
            },
        },
        "agents": {
            "defaults": {
                "models": {"litellm/gpt-4": {"alias": "GPT-4"}},
                "model": {"primary": "litellm/gpt-4"},
            }
        },
        "env": {"LITELLM_API_KEY": KEY},
    }


def test_plan_writes_discovered_abilities() -> None:
    doc = plan({}, answers(model="gpt-4o", reasoning=True, image=True, context_window=64000))
    (model,) = doc["models"]["providers"]["litellm"]["models"]
    assert model["input"] == ["text", "image"]
    assert model["reasoning"] is True
    assert model["contextWindow"] == 64000


def test_plan_with_the_key_from_the_environment_writes_no_secret() -> None:
    doc = plan({}, answers())
    assert "env" not in doc
    assert doc["models"]["providers"]["litellm"]["apiKey"] == "${LITELLM_API_KEY}"


def test_plan_puts_a_typed_key_in_env_vars_when_the_file_uses_vars() -> None:
    raw = {"env": {"vars": {"OTHER": "x"}, "SHELL_THING": "y"}}
    doc = plan(raw, answers(api_key=KEY))
    assert doc["env"] == {"vars": {"OTHER": "x", "LITELLM_API_KEY": KEY}, "SHELL_THING": "y"}


def test_plan_replaces_a_key_already_in_the_env_block() -> None:
    doc = plan({"env": {"LITELLM_API_KEY": "old", "vars": {}}}, answers(api_key=KEY))
    assert doc["env"] == {"LITELLM_API_KEY": KEY, "vars": {}}


def test_plan_keeps_fallbacks_and_other_model_settings() -> None:
    raw = {
        "agents": {
            "defaults": {
                "model": {"primary": "local/llama", "fallbacks": ["local/llama", "moonshot/k2"]},
                "models": {"local/llama": {"alias": "Llama"}},
                "workspace": "~/clawd",
            },
            "list": [{"id": "main"}],
        }
    }
    doc = plan(raw, answers())
    defaults = doc["agents"]["defaults"]
    assert defaults["model"] == {
        "primary": "litellm/gpt-4",
        "fallbacks": ["local/llama", "moonshot/k2"],
    }
    assert defaults["models"] == {
        "local/llama": {"alias": "Llama"},
        "litellm/gpt-4": {"alias": "gpt-4"},
    }
    assert defaults["workspace"] == "~/clawd"
    assert doc["agents"]["list"] == [{"id": "main"}]


def test_plan_expands_the_primary_shorthand() -> None:
    doc = plan({"agents": {"defaults": {"model": "local/llama"}}}, answers())
    assert doc["agents"]["defaults"]["model"] == {"primary": "litellm/gpt-4"}


def test_plan_leaves_other_providers_and_foreign_sections_as_written() -> None:
    raw = {
        "$include": "./extra.json5",
        "channels": {"telegram": {"botToken": "${TELEGRAM_TOKEN}"}},
        "gateway": {"port": 18789},
        "models": {
            "mode": "replace",
            "providers": {
                "local": {
                    "baseUrl": "http://127.0.0.1:1234/v1",
                    "apiKey": "${LOCAL_KEY}",
                    "api": "openai-responses",
                    "models": [{"id": "llama", "name": "Llama"}],
                }
            },
        },
    }
    before = copy.deepcopy(raw)
    doc = plan(raw, answers(api_key=KEY))
    assert raw == before  # pure
    for key in ("$include", "channels", "gateway"):
        assert doc[key] == raw[key]
    assert doc["models"]["mode"] == "replace"
    assert doc["models"]["providers"]["local"] == raw["models"]["providers"]["local"]


def test_plan_keeps_an_existing_definition_as_the_user_wrote_it() -> None:
    mine = {"id": "gpt-4", "name": "My GPT", "contextWindow": 64000, "headers": {"X": "${H}"}}
    other = {"id": "claude-3-opus", "name": "Opus"}
    raw = {
        "models": {
            "providers": {
                "litellm": {
                    "baseUrl": "${LITELLM_BASE_URL}",
                    "apiKey": "sk-inline-plaintext",
                    "headers": {"X-Team": "a"},
                    "models": [other, mine],
                }
            }
        }
    }
    doc = plan(raw, answers(base_url="http://proxy:4000/v1"))
    provider = doc["models"]["providers"]["litellm"]
    assert provider["models"] == [other, mine]
    assert provider["headers"] == {"X-Team": "a"}
    assert provider["baseUrl"] == "http://proxy:4000"
    assert provider["apiKey"] == "${LITELLM_API_KEY}"
    assert provider["api"] == "openai-completions"


def test_plan_appends_a_new_model_after_existing_ones() -> None:
    first = plan({}, answers())
    second = plan(first, answers(model="claude-3-opus", context_window=200000, max_tokens=4096))
    ids = [m["id"] for m in second["models"]["providers"]["litellm"]["models"]]
    assert ids == ["gpt-4", "claude-3-opus"]
    assert second["agents"]["defaults"]["model"]["primary"] == "litellm/claude-3-opus"


@pytest.mark.parametrize(
    "raw",
    [
        {},
        {"env": {"vars": {}}, "agents": {"defaults": {"model": "x/y"}}},
        {"models": {"providers": {"litellm": {"baseUrl": "http://a", "models": []}}}},
        {"agents": {"defaults": {"model": {"fallbacks": ["a/b"]}}}},
    ],
)
@pytest.mark.parametrize("key", [None, KEY])
def test_plan_is_idempotent(raw: dict[str, Any], key: str | None) -> None:
    once = plan(raw, answers(api_key=key))
    assert plan(once, answers(api_key=key)) == once


def test_plan_keeps_an_alias_the_user_chose() -> None:
    raw = {"agents": {"defaults": {"models": {"litellm/gpt-4": {"alias": "Work", "params": 1}}}}}
    doc = plan(raw, answers())
    assert doc["agents"]["defaults"]["models"]["litellm/gpt-4"] == {"alias": "Work", "params": 1}
    renamed = plan(raw, answers(name="GPT-4"))
    assert renamed["agents"]["defaults"]["models"]["litellm/gpt-4"]["alias"] == "GPT-4"


def test_plan_does_not_write_an_alias_that_clashes_or_reads_as_a_ref() -> None:
    raw = {"agents": {"defaults": {"models": {"local/gpt": {"alias": "GPT-4"}}}}}
    doc = plan(raw, answers(name="gpt-4"))
    assert doc["agents"]["defaults"]["models"]["litellm/gpt-4"] == {}
    slashed = plan({}, answers(model="openai/gpt-4o-mini"))
    assert slashed["agents"]["defaults"]["models"]["litellm/openai/gpt-4o-mini"] == {}
    assert slashed["agents"]["defaults"]["model"]["primary"] == "litellm/openai/gpt-4o-mini"


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        ({"models": []}, "models is a list"),
        ({"models": {"providers": {"litellm": "x"}}}, "models.providers.litellm is a str"),
        ({"models": {"providers": {"litellm": {"models": {}}}}}, "litellm.models is a dict"),
        ({"env": "x"}, "env is a str"),
        ({"agents": {"defaults": {"models": []}}}, "agents.defaults.models is a list"),
    ],
)
def test_plan_refuses_a_section_of_the_wrong_type(raw: dict[str, Any], where: str) -> None:
    with pytest.raises(ConfigError, match=where):
        plan(raw, answers(api_key=KEY))


# --- onboard: the write -------------------------------------------------------------------------


def test_onboard_writes_a_private_file_that_loads(tmp_path: Path) -> None:
    path = tmp_path / "state" / "clawdbot.json"
    result = onboard(answers(api_key=KEY, model="gpt-4o", image=True), config=path, environ={})
    assert result.changed
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert data["models"]["providers"]["litellm"]["apiKey"] == "${LITELLM_API_KEY}"
    resolved = load_config(path, environ={})
    target = resolved.resolve()
    assert str(target.ref) == "litellm/gpt-4o"
    assert target.provider.api_key == KEY
    assert target.provider.base_url == "http://localhost:4000"
    assert target.model.accepts_images
    assert target.model.context_window == 128000


def test_onboard_with_the_environment_key_writes_no_secret(tmp_path: Path) -> None:
    path = tmp_path / "clawdbot.json"
    environ = {"LITELLM_API_KEY": "sk-from-the-shell-0000"}
    onboard(answers(), config=path, environ=environ)
    text = path.read_text()
    assert "sk-from-the-shell" not in text
    assert "env" not in json.loads(text)
    assert (
        load_config(path, environ=environ).resolve().provider.api_key == environ["LITELLM_API_KEY"]
    )


def test_onboard_refuses_when_no_key_exists_anywhere(tmp_path: Path) -> None:
    path = tmp_path / "clawdbot.json"
    with pytest.raises(ConfigError, match="No LiteLLM API key"):
        onboard(answers(), config=path, environ={})
    assert not path.exists()


def test_onboard_accepts_a_key_already_in_the_env_block(tmp_path: Path) -> None:
    path = tmp_path / "clawdbot.json"
    path.write_text('{env: {vars: {LITELLM_API_KEY: "sk-stored-in-file-99"}}}')
    result = onboard(answers(), config=path, environ={})
    assert result.changed
    assert load_config(path, environ={}).resolve().provider.api_key == "sk-stored-in-file-99"


def test_onboard_keeps_references_and_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "clawdbot.json"
    path.write_text(
        json.dumps(
            {
                "channels": {"telegram": {"botToken": "${TELEGRAM_TOKEN}"}},
                "agents": {"defaults": {"model": {"fallbacks": ["litellm/gpt-4"]}}},
            }
        )
    )
    first = onboard(answers(api_key=KEY), config=path, environ={})
    text = path.read_text()
    assert first.changed
    assert '"botToken": "${TELEGRAM_TOKEN}"' in text
    assert json.loads(text)["agents"]["defaults"]["model"]["fallbacks"] == ["litellm/gpt-4"]
    second = onboard(answers(api_key=KEY), config=path, environ={})
    assert not second.changed
    assert path.read_text() == text


def test_onboard_makes_an_unchanged_file_holding_the_key_private(tmp_path: Path) -> None:
    path = tmp_path / "clawdbot.json"
    onboard(answers(api_key=KEY), config=path, environ={})
    path.chmod(0o644)
    assert not onboard(answers(api_key=KEY), config=path, environ={}).changed
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_onboard_uses_clawdbot_config_path_by_default(tmp_path: Path) -> None:
    onboard(answers(api_key=KEY))
    assert (tmp_path / "home" / "clawdbot.json").is_file()


def test_onboard_leaves_the_file_alone_when_the_result_is_invalid(tmp_path: Path) -> None:
    path = tmp_path / "clawdbot.json"
    original = (
        '{"models": {"providers": {"litellm": {"baseUrl": "http://a", "bogus": 1, "models": []}}}}'
    )
    path.write_text(original)
    with pytest.raises(ConfigValidationError, match="bogus"):
        onboard(answers(api_key=KEY), config=path, environ={})
    assert path.read_text() == original
