"""The owned part of the schema: strict where Clawdbot is strict, silent about everything else."""

from __future__ import annotations

from typing import Any

import pytest

from clawdbot_litellm.config.schema import (
    ClawdbotConfig,
    ModelDefinition,
    ProviderConfig,
    validate_config,
)
from clawdbot_litellm.errors import ConfigValidationError, Problem


def provider(**overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "baseUrl": "http://localhost:4000",
        "models": [{"id": "gpt-4", "name": "GPT-4"}],
    }
    entry.update(overrides)
    return entry


def config_with(name: str = "litellm", **overrides: Any) -> dict[str, Any]:
    return {"models": {"providers": {name: provider(**overrides)}}}


def model_config(**fields: Any) -> dict[str, Any]:
    return config_with(models=[{"id": "m", "name": "M", **fields}])


def problems(data: object) -> list[Problem]:
    with pytest.raises(ConfigValidationError) as caught:
        validate_config(data, "/tmp/clawdbot.json")
    return list(caught.value.problems)


def only_problem(data: object) -> Problem:
    found = problems(data)
    assert len(found) == 1, found
    return found[0]


# --- defaults ------------------------------------------------------------------------------------


def test_model_defaults_are_clawdbots() -> None:
    model = validate_config(model_config(), "c").models.providers["litellm"].models[0]
    assert model.reasoning is False
    assert model.input == ("text",)
    assert model.context_window == 200_000
    assert model.max_tokens == 8192
    assert model.output_limit == 8192
    assert (model.cost.input, model.cost.output, model.cost.cache_read, model.cost.cache_write) == (
        0.0,
        0.0,
        0.0,
        0.0,
    )
    assert (model.api, model.headers, model.compat) == (None, None, None)
    assert model.accepts_images is False


@pytest.mark.parametrize(("window", "expected"), [(4000, 4000), (8192, 8192), (8193, 8192)])
def test_max_tokens_defaults_to_the_smaller_of_8192_and_the_window(
    window: int, expected: int
) -> None:
    config = validate_config(model_config(contextWindow=window), "c")
    assert config.models.providers["litellm"].models[0].max_tokens == expected


def test_explicit_max_tokens_is_kept() -> None:
    config = validate_config(model_config(contextWindow=128000, maxTokens=16384), "c")
    assert config.models.providers["litellm"].models[0].max_tokens == 16384


def test_every_owned_field_in_camel_case() -> None:
    data = model_config(
        api="openai-completions",
        reasoning=True,
        input=["text", "image"],
        cost={"input": 3, "output": 15.5, "cacheRead": 0.3, "cacheWrite": 3.75},
        contextWindow=0x30D40,
        maxTokens=4096,
        headers={"X-Model": "m"},
        compat={
            "supportsStore": False,
            "supportsDeveloperRole": True,
            "supportsReasoningEffort": False,
            "maxTokensField": "max_tokens",
        },
    )
    model = validate_config(data, "c").models.providers["litellm"].models[0]
    assert model.reasoning is True
    assert model.accepts_images is True
    assert (model.cost.input, model.cost.output, model.cost.cache_read, model.cost.cache_write) == (
        3.0,
        15.5,
        0.3,
        3.75,
    )
    assert (model.context_window, model.max_tokens) == (200_000, 4096)
    assert model.headers == {"X-Model": "m"}
    assert model.compat is not None
    assert model.compat.supports_store is False
    assert model.compat.supports_developer_role is True
    assert model.compat.supports_reasoning_effort is False
    assert model.compat.max_tokens_field == "max_tokens"


def test_compat_fields_default_to_none() -> None:
    model = validate_config(model_config(compat={}), "c").models.providers["litellm"].models[0]
    assert model.compat is not None
    assert (
        model.compat.supports_store,
        model.compat.supports_developer_role,
        model.compat.supports_reasoning_effort,
        model.compat.max_tokens_field,
    ) == (None, None, None, None)


def test_provider_fields() -> None:
    data = config_with(
        apiKey="k",
        auth="api-key",
        api="openai-responses",
        headers={"X-Team": "a"},
        authHeader=True,
    )
    entry = validate_config(data, "c").models.providers["litellm"]
    assert (entry.api_key, entry.auth, entry.api, entry.auth_header) == (
        "k",
        "api-key",
        "openai-responses",
        True,
    )
    assert entry.headers == {"X-Team": "a"}


def test_empty_config_has_defaults() -> None:
    config = validate_config({}, "c")
    assert config.models.mode == "merge"
    assert dict(config.models.providers) == {}
    assert config.agents.defaults.model.primary is None
    assert config.agents.defaults.model.fallbacks == ()


def test_agents_defaults_model_as_a_plain_string() -> None:
    config = validate_config({"agents": {"defaults": {"model": "litellm/gpt-4"}}}, "c")
    assert config.agents.defaults.model.primary == "litellm/gpt-4"


def test_primary_fallbacks_and_aliases() -> None:
    data = {
        "agents": {
            "defaults": {
                "model": {"primary": "litellm/a", "fallbacks": ["litellm/b", "B"]},
                "models": {"litellm/b": {"alias": "B", "params": {"temperature": 0}}},
            }
        }
    }
    defaults = validate_config(data, "c").agents.defaults
    assert defaults.model.fallbacks == ("litellm/b", "B")
    assert defaults.models["litellm/b"].alias == "B"


# --- sections this package does not own ----------------------------------------------------------


def test_foreign_sections_are_ignored_not_rejected() -> None:
    data = {
        "channels": {"telegram": {"botToken": "x", "whatever": [1, 2]}},
        "gateway": {"port": 18789, "unknownFutureKey": True},
        "agents": {
            "defaults": {"workspace": "~/clawd", "heartbeat": {"every": "30m"}},
            "list": [{"id": "main"}],
        },
        "models": {"bedrockDiscovery": {"enabled": False}, **config_with()["models"]},
        "somethingNew": 1,
    }
    config = validate_config(data, "c")
    assert isinstance(config, ClawdbotConfig)
    assert list(config.models.providers) == ["litellm"]


# --- strictness ----------------------------------------------------------------------------------

UNKNOWN = "unknown key (not part of Clawdbot's schema); remove it or fix its spelling"


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (config_with(baseURL="http://x"), "models.providers.litellm.baseURL"),
        (config_with(name="custom-proxy", apikey="k"), "models.providers.custom-proxy.apikey"),
        (model_config(contextwindow=1), "models.providers.litellm.models[0].contextwindow"),
        (model_config(context_window=1), "models.providers.litellm.models[0].context_window"),
        (model_config(max_tokens=1), "models.providers.litellm.models[0].max_tokens"),
        (model_config(cost={"cached": 1}), "models.providers.litellm.models[0].cost.cached"),
        (
            model_config(compat={"supportsStream": True}),
            "models.providers.litellm.models[0].compat.supportsStream",
        ),
        (config_with(base_url="http://x"), "models.providers.litellm.base_url"),
    ],
)
def test_unknown_keys_in_owned_sections_are_errors_with_their_path(
    data: dict[str, Any], path: str
) -> None:
    assert Problem(path, UNKNOWN) in problems(data)


def test_python_callers_may_still_use_field_names() -> None:
    model = ModelDefinition(id="m", name="m", context_window=64000)
    assert model.max_tokens == 8192
    built = ProviderConfig(base_url="http://x", models=(model,))
    assert built.base_url == "http://x"


def test_duplicate_model_ids() -> None:
    data = config_with(models=[{"id": "a", "name": "A"}, {"id": "a", "name": "A again"}])
    assert only_problem(data) == Problem(
        "models.providers.litellm",
        "model id 'a' is defined twice; keep one definition per id",
    )


def test_model_ids_differing_in_case_are_distinct() -> None:
    data = config_with(models=[{"id": "gpt-4", "name": "a"}, {"id": "GPT-4", "name": "b"}])
    assert len(validate_config(data, "c").models.providers["litellm"].models) == 2


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (config_with(api="openai"), "models.providers.litellm.api"),
        (model_config(api="chat"), "models.providers.litellm.models[0].api"),
        (model_config(input=["text", "audio"]), "models.providers.litellm.models[0].input[1]"),
        (model_config(input="text"), "models.providers.litellm.models[0].input"),
        (model_config(contextWindow=0), "models.providers.litellm.models[0].contextWindow"),
        (model_config(contextWindow=-5), "models.providers.litellm.models[0].contextWindow"),
        (model_config(contextWindow=True), "models.providers.litellm.models[0].contextWindow"),
        (model_config(maxTokens=0), "models.providers.litellm.models[0].maxTokens"),
        (model_config(maxTokens=-1), "models.providers.litellm.models[0].maxTokens"),
        (model_config(reasoning="true"), "models.providers.litellm.models[0].reasoning"),
        (model_config(cost={"input": -1}), "models.providers.litellm.models[0].cost.input"),
        (model_config(headers={"X": 1}), "models.providers.litellm.models[0].headers.X"),
        (
            model_config(compat={"maxTokensField": "max"}),
            "models.providers.litellm.models[0].compat.maxTokensField",
        ),
        (config_with(auth="password"), "models.providers.litellm.auth"),
        ({"models": {"mode": "override"}}, "models.mode"),
        ({"models": {"providers": []}}, "models.providers"),
    ],
)
def test_bad_values_are_reported_at_their_path(data: dict[str, Any], path: str) -> None:
    assert only_problem(data).path == path


def test_bad_api_message_lists_the_choices() -> None:
    message = only_problem(config_with(api="openai")).message
    assert "'openai-completions'" in message
    assert "'openai-responses'" in message


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"models": {"providers": {"p": {"models": []}}}}, "models.providers.p.baseUrl"),
        ({"models": {"providers": {"p": {"baseUrl": "http://x"}}}}, "models.providers.p.models"),
        (config_with(models=[{"name": "n"}]), "models.providers.litellm.models[0].id"),
        (config_with(models=[{"id": "i"}]), "models.providers.litellm.models[0].name"),
    ],
)
def test_required_fields(data: dict[str, Any], path: str) -> None:
    assert only_problem(data) == Problem(path, "required, but missing")


@pytest.mark.parametrize("field", ["id", "name"])
def test_empty_id_or_name(field: str) -> None:
    model = {"id": "i", "name": "n", field: ""}
    assert only_problem(config_with(models=[model])).path == (
        f"models.providers.litellm.models[0].{field}"
    )


@pytest.mark.parametrize(
    "url", ["localhost:4000", "ftp://proxy", "http://", "  ", "proxy.example.com/v1"]
)
def test_base_url_must_be_http_and_names_the_provider(url: str) -> None:
    problem = only_problem(config_with(name="custom-proxy", baseUrl=url))
    assert problem.path == "models.providers.custom-proxy.baseUrl"
    assert "is not an http(s) URL; write it like http://localhost:4000" in problem.message


def test_empty_base_url_names_the_provider() -> None:
    assert only_problem(config_with(name="lmstudio", baseUrl="")).path == (
        "models.providers.lmstudio.baseUrl"
    )


@pytest.mark.parametrize("url", ["http://localhost:4000", "https://proxy.example.com/v1/"])
def test_http_and_https_urls_are_accepted(url: str) -> None:
    assert (
        validate_config(config_with(baseUrl=url), "c").models.providers["litellm"].base_url == url
    )


def test_every_problem_is_listed_at_once() -> None:
    data = {
        "models": {
            "providers": {
                "a": provider(baseUrl="nope"),
                "b": provider(models=[{"id": "x", "name": "x", "contextWindow": 0, "typo": 1}]),
            }
        }
    }
    with pytest.raises(ConfigValidationError) as caught:
        validate_config(data, "/home/u/.clawdbot/clawdbot.json")
    error = caught.value
    assert {p.path for p in error.problems} == {
        "models.providers.a.baseUrl",
        "models.providers.b.models[0].contextWindow",
        "models.providers.b.models[0].typo",
    }
    lines = str(error).splitlines()
    assert lines[0] == "Invalid config /home/u/.clawdbot/clawdbot.json (3 problems):"
    assert all(line.startswith("- models.providers.") for line in lines[1:])


def test_root_must_be_an_object() -> None:
    assert only_problem(["x"]) == Problem("<root>", "the config must be an object ({ ... })")


def test_repr_of_a_provider_hides_key_and_headers() -> None:
    data = config_with(
        apiKey="sk-plaintext-1234567890",
        headers={"Authorization": "Bearer header:secret"},
        models=[{"id": "m", "name": "m", "headers": {"X-Key": "model-secret"}}],
    )
    text = repr(validate_config(data, "c"))
    for secret in ("sk-plaintext-1234567890", "header:secret", "model-secret"):
        assert secret not in text


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (
            model_config(input="text"),
            Problem("models.providers.litellm.models[0].input", "must be an array ([ ... ])"),
        ),
        (
            model_config(cost=5),
            Problem("models.providers.litellm.models[0].cost", "must be an object ({ ... })"),
        ),
        ({"models": {"providers": []}}, Problem("models.providers", "must be an object ({ ... })")),
        (
            model_config(contextWindow="128000"),
            Problem("models.providers.litellm.models[0].contextWindow", "must be a number"),
        ),
        (
            model_config(reasoning="yes"),
            Problem("models.providers.litellm.models[0].reasoning", "must be true or false"),
        ),
        (
            model_config(cost={"output": "1"}),
            Problem("models.providers.litellm.models[0].cost.output", "must be a number"),
        ),
        (
            {"agents": {"defaults": {"models": {"litellm/gpt-4": {"alias": 4}}}}},
            Problem("agents.defaults.models[litellm/gpt-4].alias", "must be a string"),
        ),
        (
            {"models": {"providers": {"my.proxy": provider(baseUrl="x")}}},
            Problem(
                "models.providers[my.proxy].baseUrl",
                "'x' is not an http(s) URL; write it like http://localhost:4000",
            ),
        ),
    ],
)
def test_messages_speak_of_json_not_python(data: dict[str, Any], problem: Problem) -> None:
    assert only_problem(data) == problem
