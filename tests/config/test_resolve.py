"""From a loaded document to callable providers: precedence, provenance, modes, checks."""

from __future__ import annotations

import json
import os
import shutil
import warnings
from pathlib import Path
from typing import Any

import pytest

from clawdbot_litellm.config.load import expand_document, load_document
from clawdbot_litellm.config.resolve import (
    DEFAULT_BASE_URL,
    ConfigWarning,
    ImplicitProvider,
    ResolvedConfig,
    load_config,
    normalise_base_url,
    resolve_api_key,
    resolve_document,
)
from clawdbot_litellm.config.schema import ModelDefinition, Provider, ProviderConfig, Source
from clawdbot_litellm.config.secrets import display_url, mask_secret, mask_secrets, mask_urls
from clawdbot_litellm.errors import (
    ConfigValidationError,
    InvalidModelRefError,
    MissingEnvVarError,
    Problem,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "configs"
SECRET = "sk-very-secret-key-0123456789"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No developer config, HOME or LITELLM_* variable can leak into a test."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in list(os.environ):
        if name.startswith(("LITELLM_", "CLAWDBOT_")):
            monkeypatch.delenv(name)


def write_config(directory: Path, data: dict[str, Any], name: str = "clawdbot.json") -> Path:
    path = directory / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def resolved(
    data: dict[str, Any],
    environ: dict[str, str] | None = None,
    implicit: dict[str, ImplicitProvider] | None = None,
) -> ResolvedConfig:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConfigWarning)
        document = expand_document(Path("/nonexistent/clawdbot.json"), data)
        return resolve_document(document, environ or {}, implicit)


def litellm(**fields: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "baseUrl": "http://proxy.internal:4000",
        "models": [{"id": "gpt-4", "name": "GPT-4", "contextWindow": 128000}],
    }
    entry.update(fields)
    return entry


def providers_doc(mode: str | None = None, **providers: dict[str, Any]) -> dict[str, Any]:
    section: dict[str, Any] = {"providers": providers}
    if mode is not None:
        section["mode"] = mode
    return {"models": section}


# --- no config file ------------------------------------------------------------------------------


def test_no_config_file_gives_litellm_with_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path / "missing.json", environ={})
    assert config.document.exists is False
    assert list(config.providers) == ["litellm"]
    provider = config.providers["litellm"]
    assert (provider.base_url, provider.api_base) == (DEFAULT_BASE_URL, f"{DEFAULT_BASE_URL}/v1")
    assert provider.api_key is None
    assert provider.api == "openai-completions"
    assert [m.id for m in provider.models] == ["gpt-4"]
    assert provider.models[0].context_window == 200_000
    assert config.primary == "litellm/gpt-4"
    assert str(config.resolve().ref) == "litellm/gpt-4"
    assert config.sources == {
        "litellm.baseUrl": Source("default"),
        "litellm.apiKey": Source("default"),
        "litellm.models": Source("default"),
    }


def test_default_location_under_home_is_read(tmp_path: Path) -> None:
    home = Path(os.environ["HOME"])
    (home / ".clawdbot").mkdir(parents=True)
    write_config(home / ".clawdbot", providers_doc(litellm=litellm()))
    config = load_config(environ={})
    assert config.path == home / ".clawdbot" / "clawdbot.json"
    assert config.providers["litellm"].base_url == "http://proxy.internal:4000"


def test_config_path_variable_in_the_given_environ_is_used(tmp_path: Path) -> None:
    path = write_config(tmp_path, providers_doc(litellm=litellm()))
    config = load_config(environ={"CLAWDBOT_CONFIG_PATH": str(path)})
    assert config.path == path
    assert config.document.exists is True


def test_litellm_from_environment_alone(tmp_path: Path) -> None:
    environ = {
        "LITELLM_BASE_URL": "https://llm.example.com/",
        "LITELLM_API_KEY": SECRET,
        "LITELLM_MODEL": "claude-3-opus",
    }
    config = load_config(tmp_path / "missing.json", environ=environ)
    provider = config.providers["litellm"]
    assert provider.base_url == "https://llm.example.com"
    assert provider.api_base == "https://llm.example.com/v1"
    assert provider.api_key == SECRET
    assert [m.id for m in provider.models] == ["claude-3-opus"]
    assert config.primary == "litellm/claude-3-opus"
    assert config.sources["litellm.baseUrl"] == Source("environment", "LITELLM_BASE_URL")
    assert config.sources["litellm.apiKey"] == Source("environment", "LITELLM_API_KEY")
    assert config.sources["litellm.models"] == Source("environment", "LITELLM_MODEL")


def test_blank_environment_values_count_as_unset(tmp_path: Path) -> None:
    environ = {"LITELLM_BASE_URL": "  ", "LITELLM_API_KEY": "", "LITELLM_MODEL": " "}
    config = load_config(tmp_path / "missing.json", environ=environ)
    provider = config.providers["litellm"]
    assert (provider.base_url, provider.api_key, provider.models[0].id) == (
        DEFAULT_BASE_URL,
        None,
        "gpt-4",
    )


def test_environment_url_with_v1_is_stripped_with_a_warning(tmp_path: Path) -> None:
    with pytest.warns(ConfigWarning, match="ends in /v1"):
        config = load_config(
            tmp_path / "missing.json", environ={"LITELLM_BASE_URL": "http://h:4000/v1"}
        )
    assert config.providers["litellm"].api_base == "http://h:4000/v1"


def test_a_v1_from_a_variable_is_fixed_where_it_is_set_not_by_config_set(
    tmp_path: Path,
) -> None:
    # `config set` with the literal would replace the ${VAR} reference: the fix names the source.
    path = tmp_path / "clawdbot.json"
    path.write_text('{models: {providers: {litellm: {baseUrl: "${PROXY_URL}", models: []}}}}')
    with pytest.warns(ConfigWarning) as record:
        config = load_config(path, environ={"PROXY_URL": "http://h:4000/v1"})
    assert [str(w.message) for w in record] == [
        "models.providers.litellm.baseUrl ends in /v1 (http://h:4000/v1); the client appends /v1 "
        f"itself, so it uses http://h:4000. Drop the /v1 where it is set (file {path} via "
        "${PROXY_URL})"
    ]
    assert config.providers["litellm"].base_url == "http://h:4000"
    with pytest.warns(ConfigWarning) as record:
        load_config(tmp_path / "missing.json", environ={"LITELLM_BASE_URL": "http://h:4000/v1"})
    assert str(record[0].message).endswith(
        "Drop the /v1 where it is set (environment LITELLM_BASE_URL)"
    )


def test_bad_environment_url_is_a_typed_error_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigValidationError) as caught:
        load_config(tmp_path / "missing.json", environ={"LITELLM_BASE_URL": "localhost:4000"})
    assert caught.value.problems == (
        Problem(
            "LITELLM_BASE_URL",
            "'localhost:4000' is not an http(s) URL; write it like http://localhost:4000",
        ),
    )
    assert str(caught.value).startswith("Invalid config the environment (1 problem):")


def test_bad_environment_url_does_not_matter_when_the_file_defines_litellm() -> None:
    config = resolved(providers_doc(litellm=litellm()), {"LITELLM_BASE_URL": "not a url"})
    assert config.providers["litellm"].base_url == "http://proxy.internal:4000"


def test_bad_environment_url_does_not_matter_in_replace_mode() -> None:
    doc = providers_doc("replace", lmstudio=litellm(baseUrl="http://127.0.0.1:1234/v1"))
    config = resolved(doc, {"LITELLM_BASE_URL": "not a url"})
    assert list(config.providers) == ["lmstudio"]


def test_env_block_feeds_the_implicit_provider() -> None:
    doc = {"env": {"LITELLM_API_KEY": SECRET, "vars": {"LITELLM_MODEL": "m1"}}}
    config = resolved(doc, {"LITELLM_MODEL": "m2"})
    provider = config.providers["litellm"]
    assert provider.api_key == SECRET
    assert provider.models[0].id == "m2"  # the real environment wins over the env block
    assert config.sources["litellm.apiKey"] == Source("env-block", "LITELLM_API_KEY")
    assert config.sources["litellm.models"] == Source("environment", "LITELLM_MODEL")


def test_loading_never_changes_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(tmp_path, {"env": {"LITELLM_API_KEY": SECRET, "CLAWDBOT_LITELLM_X": "1"}})
    before = dict(os.environ)
    config = load_config(path)
    assert config.providers["litellm"].api_key == SECRET
    assert dict(os.environ) == before


# --- precedence: file beats environment beats defaults -------------------------------------------


def test_file_beats_environment() -> None:
    doc = providers_doc(litellm=litellm(apiKey="sk-from-file-000000000"))
    environ = {
        "LITELLM_BASE_URL": "http://env:4000",
        "LITELLM_API_KEY": SECRET,
        "LITELLM_MODEL": "env-model",
    }
    config = resolved(doc, environ)
    provider = config.providers["litellm"]
    assert provider.base_url == "http://proxy.internal:4000"
    assert provider.api_key == "sk-from-file-000000000"
    assert [m.id for m in provider.models] == ["gpt-4"]
    assert config.sources["litellm.apiKey"] == Source("file", "/nonexistent/clawdbot.json")


@pytest.mark.parametrize("key_field", [{}, {"apiKey": ""}, {"apiKey": "  "}])
def test_configured_litellm_without_key_takes_the_environment_key(
    key_field: dict[str, str],
) -> None:
    config = resolved(providers_doc(litellm=litellm(**key_field)), {"LITELLM_API_KEY": SECRET})
    assert config.providers["litellm"].api_key == SECRET
    assert config.sources["litellm.apiKey"] == Source("environment", "LITELLM_API_KEY")


def test_blank_key_without_environment_is_no_key() -> None:
    config = resolved(providers_doc(litellm=litellm(apiKey="")), {})
    assert config.providers["litellm"].api_key is None


def test_other_providers_do_not_take_the_litellm_key() -> None:
    config = resolved(providers_doc(lmstudio=litellm()), {"LITELLM_API_KEY": SECRET})
    assert config.providers["lmstudio"].api_key is None


def test_primary_defaults_to_litellm_model_variable_then_first_model() -> None:
    doc = providers_doc(
        litellm=litellm(models=[{"id": "a", "name": "a"}, {"id": "b", "name": "b"}])
    )
    assert resolved(doc).primary == "litellm/a"
    assert resolved(doc, {"LITELLM_MODEL": "b"}).primary == "litellm/b"


def test_configured_primary_beats_litellm_model() -> None:
    doc = {
        **providers_doc(litellm=litellm()),
        "agents": {"defaults": {"model": {"primary": "litellm/gpt-4"}}},
    }
    assert resolved(doc, {"LITELLM_MODEL": "other"}).primary == "litellm/gpt-4"


def test_litellm_with_no_models_has_no_primary() -> None:
    config = resolved(providers_doc(litellm=litellm(models=[])))
    assert config.primary is None
    with pytest.raises(InvalidModelRefError, match="No model chosen"):
        config.resolve()


# --- provenance ----------------------------------------------------------------------------------


def test_sources_name_the_file_and_the_include(tmp_path: Path) -> None:
    part = tmp_path / "providers.json5"
    part.write_text('{ lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", models: [] } }')
    doc = {"models": {"providers": {"$include": "providers.json5", "litellm": litellm()}}}
    path = write_config(tmp_path, doc)
    config = load_config(path, environ={})
    assert config.sources["litellm.baseUrl"] == Source("file", str(path.resolve()))
    assert config.sources["lmstudio.baseUrl"] == Source("include", str(part.resolve()))
    assert "lmstudio.apiKey" not in config.sources


def test_source_of_a_var_reference_says_so_and_where_the_var_came_from(tmp_path: Path) -> None:
    doc = {
        "env": {"BLOCK_KEY": SECRET},
        **providers_doc(
            litellm=litellm(apiKey="${BLOCK_KEY}"),
            other=litellm(apiKey="${SHELL_KEY}"),
            third=litellm(apiKey="NAMED_KEY"),
        ),
    }
    path = write_config(tmp_path, doc)
    config = load_config(path, environ={"SHELL_KEY": "shell", "NAMED_KEY": "named"})
    file = str(path.resolve())
    assert config.sources["litellm.apiKey"] == Source(
        "file", f"{file} via ${{BLOCK_KEY}} (set by the env block)"
    )
    assert config.sources["other.apiKey"] == Source("file", f"{file} via ${{SHELL_KEY}}")
    assert config.sources["third.apiKey"] == Source("file", f"{file} naming $NAMED_KEY")
    assert config.providers["third"].api_key == "named"
    assert str(Source("default")) == "default"
    assert SECRET not in repr(config.sources)


# --- models.mode ---------------------------------------------------------------------------------


def plugin_provider(name: str = "plugin-llm") -> ImplicitProvider:
    config = ProviderConfig(
        base_url="http://plugin:9000/v1",
        api="openai-completions",
        models=(ModelDefinition(id=f"{name}-model", name="Plugin model"),),
    )
    return ImplicitProvider(config, {"baseUrl": Source("plugin", name)})


def test_merge_keeps_implicit_providers_next_to_configured_ones() -> None:
    doc = providers_doc(lmstudio=litellm(baseUrl="http://127.0.0.1:1234/v1"))
    config = resolved(doc, {}, {"plugin-llm": plugin_provider()})
    assert list(config.providers) == ["litellm", "plugin-llm", "lmstudio"]
    assert config.providers["plugin-llm"].sources["baseUrl"] == Source("plugin", "plugin-llm")


def test_merge_is_the_default_and_config_overrides_by_name() -> None:
    doc = providers_doc(**{"plugin-llm": litellm(baseUrl="http://mine:1/v1")})
    config = resolved(doc, {}, {"plugin-llm": plugin_provider()})
    assert config.config.models.mode == "merge"
    assert config.providers["plugin-llm"].base_url == "http://mine:1/v1"
    assert [m.id for m in config.providers["plugin-llm"].models] == ["gpt-4"]


def test_replace_uses_configured_providers_alone() -> None:
    doc = providers_doc("replace", lmstudio=litellm(baseUrl="http://127.0.0.1:1234/v1"))
    config = resolved(doc, {"LITELLM_API_KEY": SECRET}, {"plugin-llm": plugin_provider()})
    assert list(config.providers) == ["lmstudio"]
    assert config.primary is None


def test_replace_with_litellm_configured() -> None:
    config = resolved(providers_doc("replace", litellm=litellm()), {"LITELLM_API_KEY": SECRET})
    assert list(config.providers) == ["litellm"]
    assert config.providers["litellm"].api_key == SECRET


# --- several providers, base URLs, keys, headers -------------------------------------------------


def test_several_providers_side_by_side() -> None:
    doc = providers_doc(
        litellm=litellm(baseUrl="http://localhost:4000/v1/"),
        **{
            "custom-proxy": litellm(baseUrl="http://127.0.0.1:8080/v1", api="openai-completions"),
            "lmstudio": litellm(baseUrl="http://127.0.0.1:1234/v1/", api="openai-responses"),
            "moonshot": litellm(baseUrl="https://api.moonshot.ai/v1"),
        },
    )
    with pytest.warns(ConfigWarning) as record:
        config = resolve_document(expand_document(Path("/x/clawdbot.json"), doc), {})
    assert [str(w.message) for w in record] == [
        "models.providers.litellm.baseUrl ends in /v1 (http://localhost:4000/v1/); the client "
        "appends /v1 itself, so it uses http://localhost:4000. Fix the file: clawdbot-litellm "
        "config set models.providers.litellm.baseUrl http://localhost:4000"
    ]
    assert config.warnings == tuple(str(w.message) for w in record)
    bases = {name: (p.base_url, p.api_base, p.api) for name, p in config.providers.items()}
    assert bases == {
        "litellm": ("http://localhost:4000", "http://localhost:4000/v1", "openai-completions"),
        "custom-proxy": (
            "http://127.0.0.1:8080/v1",
            "http://127.0.0.1:8080/v1",
            "openai-completions",
        ),
        "lmstudio": ("http://127.0.0.1:1234/v1", "http://127.0.0.1:1234/v1", "openai-responses"),
        "moonshot": (
            "https://api.moonshot.ai/v1",
            "https://api.moonshot.ai/v1",
            "openai-completions",
        ),
    }


@pytest.mark.parametrize(
    ("provider", "url", "expected", "warns"),
    [
        ("litellm", "http://h:4000", "http://h:4000", False),
        ("litellm", " http://h:4000/// ", "http://h:4000", False),
        ("litellm", "http://h:4000/v1", "http://h:4000", True),
        ("litellm", "http://h:4000/V1/", "http://h:4000", True),
        ("litellm", "https://h/litellm/v1", "https://h/litellm", True),
        ("litellm", "http://h:4000/v10", "http://h:4000/v10", False),
        ("litellm", "http://h:4000/api/v1beta", "http://h:4000/api/v1beta", False),
        ("lmstudio", "http://h:1234/v1/", "http://h:1234/v1", False),
        ("custom-proxy", "http://h/openai/v1", "http://h/openai/v1", False),
    ],
)
def test_normalise_base_url(provider: str, url: str, expected: str, warns: bool) -> None:
    normalised, warning = normalise_base_url(provider, url)
    assert normalised == expected
    assert (warning is not None) == warns


def test_url_credentials_never_shown(tmp_path: Path) -> None:
    doc = providers_doc(litellm=litellm(baseUrl="http://user:hunter2-pass@h:4000/v1"))
    with pytest.warns(ConfigWarning) as record:
        config = resolve_document(expand_document(tmp_path / "c.json", doc), {})
    assert "hunter2-pass" not in str(record[0].message)
    assert "hunter2-pass" not in repr(config)
    declared = config.config.models.providers["litellm"]
    assert "hunter2-pass" not in repr(declared)
    assert "***@h:4000" in repr(declared)
    assert config.providers["litellm"].base_url == "http://user:hunter2-pass@h:4000"
    assert display_url("http://user:pw@h:1/x?q=1") == "http://***@h:1/x?q=1"
    assert display_url("http://h:1/x") == "http://h:1/x"
    assert display_url("http://u:pw@[::1") == "http://***"  # not parseable: nothing shown
    assert mask_urls("cannot reach http://u:pw@h:1/v1 (or https://x@y/)") == (
        "cannot reach http://***@h:1/v1 (or https://***@y/)"
    )
    assert mask_urls("user@example.com wrote") == "user@example.com wrote"
    assert mask_secrets({"baseUrl": "http://u:pw@h", "hook": "https://t@x/y"}) == {
        "baseUrl": "http://***@h",
        "hook": "https://***@x/y",
    }


def test_api_key_naming_a_set_variable_resolves_to_it() -> None:
    doc = providers_doc(litellm=litellm(apiKey="LITELLM_KEY"), other=litellm(apiKey="OTHER_KEY"))
    config = resolved(doc, {"LITELLM_KEY": SECRET})
    assert config.providers["litellm"].api_key == SECRET
    assert config.providers["other"].api_key == "OTHER_KEY"  # unset: the value is the key


@pytest.mark.parametrize(
    ("value", "environ", "expected"),
    [
        (None, {"X": "1"}, None),
        ("MY_KEY", {"MY_KEY": "v"}, "v"),
        (" MY_KEY ", {"MY_KEY": "v"}, "v"),
        ("MY_KEY", {"MY_KEY": ""}, "MY_KEY"),
        ("MY_KEY", {}, "MY_KEY"),
        ("my_key", {"my_key": "v"}, "my_key"),
        ("sk-abc", {"sk-abc": "v"}, "sk-abc"),
    ],
)
def test_resolve_api_key(value: str | None, environ: dict[str, str], expected: str | None) -> None:
    assert resolve_api_key(value, environ) == expected


def test_var_references_in_provider_fields_are_substituted() -> None:
    doc = providers_doc(
        litellm=litellm(baseUrl="${PROXY}/", apiKey="${KEY}", headers={"X-Team": "${TEAM}"})
    )
    config = resolved(doc, {"PROXY": "http://p:4000", "KEY": SECRET, "TEAM": "core"})
    provider = config.providers["litellm"]
    assert (provider.base_url, provider.api_key, dict(provider.headers)) == (
        "http://p:4000",
        SECRET,
        {"X-Team": "core"},
    )


def test_missing_variable_fails_the_load(tmp_path: Path) -> None:
    path = write_config(tmp_path, providers_doc(litellm=litellm(apiKey="${LITELLM_API_KEY}")))
    with pytest.raises(MissingEnvVarError) as caught:
        load_config(path, environ={})
    assert caught.value.config_path == "models.providers.litellm.apiKey"


def test_keep_missing_vars_leaves_references_for_the_editor() -> None:
    doc = providers_doc(litellm=litellm(baseUrl="${PROXY_URL}", apiKey="${NOPE}"))
    config = resolve_document(expand_document(Path("/x/c.json"), doc), {}, keep_missing_vars=True)
    assert config.providers["litellm"].base_url == "${PROXY_URL}"
    assert config.data["models"]["providers"]["litellm"]["apiKey"] == "${NOPE}"


def test_headers_overlay() -> None:
    doc = providers_doc(
        litellm=litellm(
            headers={"X-Team": "a", "X-Env": "prod"},
            models=[
                {"id": "a", "name": "a", "headers": {"X-Team": "b", "X-Model": "a"}},
                {"id": "b", "name": "b"},
            ],
        )
    )
    provider = resolved(doc).providers["litellm"]
    model_a, model_b = provider.models
    assert provider.headers_for(model_a) == {"X-Team": "b", "X-Env": "prod", "X-Model": "a"}
    assert provider.headers_for(model_b) == {"X-Team": "a", "X-Env": "prod"}
    assert provider.model("a") is model_a
    assert provider.model("A") is None


# --- check() and warnings ------------------------------------------------------------------------


def agents(**defaults: Any) -> dict[str, Any]:
    return {"agents": {"defaults": defaults}}


def test_check_is_empty_for_a_good_config() -> None:
    doc = {
        **providers_doc(litellm=litellm()),
        **agents(
            model={"primary": "litellm/gpt-4", "fallbacks": ["GPT"]},
            models={"litellm/gpt-4": {"alias": "GPT"}},
        ),
    }
    assert resolved(doc).check() == []


def test_check_reports_bad_primary_and_fallbacks() -> None:
    doc = {
        **providers_doc(litellm=litellm()),
        **agents(model={"primary": "litellm/gpt-5", "fallbacks": ["litellm/gpt-4", "nope/x", "/"]}),
    }
    found = resolved(doc).check()
    assert [p.path for p in found] == [
        "agents.defaults.model.primary",
        "agents.defaults.model.fallbacks[1]",
        "agents.defaults.model.fallbacks[2]",
    ]
    assert found[0].message.startswith("Unknown model: litellm/gpt-5. Did you mean litellm/gpt-4?")
    assert found[1].message.startswith("Unknown model: nope/x.")
    assert found[2].message.startswith("Invalid model ref '/'")


def test_alias_clashes_warn_and_the_last_entry_wins() -> None:
    # Clawdbot accepts two aliases that differ only in case; the last entry wins.
    doc = {
        **providers_doc(
            litellm=litellm(models=[{"id": "a", "name": "a"}, {"id": "b", "name": "b"}])
        ),
        **agents(models={"litellm/a": {"alias": "Fast"}, "litellm/b": {"alias": "fast"}}),
    }
    config = resolved(doc)
    assert config.check() == []
    assert str(config.resolve("FAST").ref) == "litellm/b"
    assert config.warnings == (
        "agents.defaults.models[litellm/b].alias: alias 'fast' is also used by litellm/a; as in "
        "Clawdbot, the last entry wins, so 'fast' means litellm/b",
    )


def test_alias_with_a_slash_warns() -> None:
    doc = {**providers_doc(litellm=litellm()), **agents(models={"litellm/gpt-4": {"alias": "a/b"}})}
    config = resolved(doc)
    assert config.check() == []
    (note,) = config.warnings
    assert note.startswith("agents.defaults.models[litellm/gpt-4].alias:")
    assert "contains '/'" in note


@pytest.mark.parametrize(
    ("window", "problem", "warning"),
    [(15999, True, False), (16000, False, True), (31999, False, True), (32000, False, False)],
)
def test_context_window_limits(window: int, problem: bool, warning: bool) -> None:
    doc = providers_doc(
        litellm=litellm(models=[{"id": "small", "name": "s", "contextWindow": window}])
    )
    config = resolved(doc)
    expected = [
        Problem(
            "models.providers.litellm.models[0].contextWindow",
            f"{window} is below the minimum of 16000 tokens that Clawdbot accepts",
        )
    ]
    assert config.check() == (expected if problem else [])
    assert any("litellm/small: contextWindow" in w for w in config.warnings) == warning


def test_small_window_warns_through_the_warnings_module(tmp_path: Path) -> None:
    doc = providers_doc(litellm=litellm(models=[{"id": "s", "name": "s", "contextWindow": 20000}]))
    with pytest.warns(ConfigWarning, match=r"litellm/s: contextWindow 20000 is small"):
        resolve_document(expand_document(tmp_path / "c.json", doc), {})


# --- secrets -------------------------------------------------------------------------------------


def test_repr_never_shows_the_key() -> None:
    doc = providers_doc(
        litellm=litellm(apiKey=SECRET, headers={"Authorization": "Bearer header:secret:value"})
    )
    config = resolved(doc)
    provider = config.providers["litellm"]
    for text in (repr(config), repr(provider), str(provider), repr(provider.models)):
        assert SECRET not in text
        assert "header:secret:value" not in text
    assert "sk-…6789" in repr(provider)
    assert provider.api_key == SECRET


@pytest.mark.parametrize(
    ("secret", "shown"),
    [
        (None, "(none)"),
        ("", "(none)"),
        ("sk-1234", "****"),
        ("sk-123456789012", "****"),
        ("sk-1234567890123", "sk-…0123"),
        (SECRET, "sk-…6789"),
    ],
)
def test_mask_secret(secret: str | None, shown: str) -> None:
    assert mask_secret(secret) == shown


def test_provider_equality_ignores_sources() -> None:
    kwargs: dict[str, Any] = {
        "name": "p",
        "base_url": "http://h",
        "api_key": None,
        "api": "openai-completions",
        "headers": {},
        "models": (),
    }
    assert Provider(**kwargs, sources={"a": Source("default")}) == Provider(**kwargs)


# --- resolved data and refs ----------------------------------------------------------------------


def test_resolved_data_fills_model_defaults_and_keeps_everything_else() -> None:
    doc = {
        "gateway": {"port": 18789},
        **providers_doc(litellm=litellm(apiKey="${K}", models=[{"id": "m", "name": "M"}])),
    }
    data = resolved(doc, {"K": SECRET}).resolved_data()
    assert data["gateway"] == {"port": 18789}
    entry = data["models"]["providers"]["litellm"]
    assert entry["apiKey"] == SECRET
    assert entry["models"] == [
        {
            "id": "m",
            "name": "M",
            "reasoning": False,
            "input": ("text",),
            "cost": {"input": 0.0, "output": 0.0, "cacheRead": 0.0, "cacheWrite": 0.0},
            "contextWindow": 200000,
            "maxTokens": 8192,
        }
    ]
    assert doc["models"]["providers"]["litellm"]["models"] == [{"id": "m", "name": "M"}]


def test_refs_and_resolution_by_ref_alias_and_bare_id() -> None:
    doc = {
        **providers_doc(
            litellm=litellm(
                models=[{"id": "gpt-4", "name": "a"}, {"id": "openai/gpt-4o", "name": "b"}]
            ),
            lmstudio=litellm(models=[{"id": "qwen", "name": "q"}]),
        ),
        **agents(models={"litellm/openai/gpt-4o": {"alias": "Omni"}}),
    }
    config = resolved(doc)
    assert config.refs() == ["litellm/gpt-4", "litellm/openai/gpt-4o", "lmstudio/qwen"]
    assert str(config.resolve("omni").ref) == "litellm/openai/gpt-4o"
    assert str(config.resolve("qwen").ref) == "lmstudio/qwen"
    assert str(config.resolve().ref) == "litellm/gpt-4"


def test_candidates_are_primary_then_unique_fallbacks() -> None:
    doc = {
        **providers_doc(
            litellm=litellm(models=[{"id": "a", "name": "a"}, {"id": "b", "name": "b"}]),
        ),
        **agents(
            model={"primary": "litellm/a", "fallbacks": ["B", " litellm/b ", "litellm/a", "b"]},
            models={"litellm/b": {"alias": "B"}},
        ),
    }
    config = resolved(doc)
    assert config.fallbacks == ("B", "litellm/b", "litellm/a", "b")
    assert [str(t.ref) for t in config.candidates()] == ["litellm/a", "litellm/b"]
    assert [str(t.ref) for t in config.candidates("litellm/b")] == ["litellm/b", "litellm/a"]


def test_candidates_skip_a_misspelt_fallback_with_a_warning_naming_it() -> None:
    doc = {
        **providers_doc(
            litellm=litellm(models=[{"id": "a", "name": "a"}, {"id": "b", "name": "b"}]),
        ),
        **agents(model={"primary": "litellm/a", "fallbacks": ["litellm/bb", "litellm/b"]}),
    }
    config = resolved(doc)
    with pytest.warns(ConfigWarning) as caught:
        chain = config.candidates()
    assert [str(t.ref) for t in chain] == ["litellm/a", "litellm/b"]
    assert [str(w.message) for w in caught] == list(chain.notes)
    assert str(caught[0].message) == (
        "fallback 'litellm/bb' skipped: Unknown model: litellm/bb; the other candidates are still "
        "tried (fix or remove it in agents.defaults.model.fallbacks)"
    )
    assert [p.path for p in config.check()] == ["agents.defaults.model.fallbacks[0]"]


# --- a real config -------------------------------------------------------------------------------

REAL_ENV = {
    "GATEWAY_TOKEN": "gw-token-0123456789abcdef",
    "MOONSHOT_API_KEY": "sk-moonshot-0123456789abcdef",
    "CUSTOM_PROXY_KEY": "custom-proxy-secret-0123456789",
}


def test_real_multi_section_config_loads(tmp_path: Path) -> None:
    for name in ("multi-section.json5", "multi-section.providers.json5"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    path = tmp_path / "multi-section.json5"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config = load_config(path, environ=REAL_ENV)

    assert config.check() == []
    assert config.warnings == ()
    assert list(config.providers) == ["custom-proxy", "lmstudio", "moonshot", "litellm"]
    assert config.providers["litellm"].api_key == "sk-from-env-block-0123456789"
    assert config.providers["custom-proxy"].api_key == REAL_ENV["CUSTOM_PROXY_KEY"]
    assert config.providers["moonshot"].api_key == REAL_ENV["MOONSHOT_API_KEY"]
    assert config.providers["lmstudio"].api_key == "lmstudio"
    assert config.providers["custom-proxy"].api_base == "http://127.0.0.1:8080/v1"
    assert config.providers["lmstudio"].api == "openai-responses"
    opus = config.providers["litellm"].model("claude-3-opus")
    assert opus is not None
    assert (opus.accepts_images, opus.max_tokens, opus.cost.output) == (True, 4096, 75.0)
    assert config.providers["litellm"].headers_for(opus) == {"X-Team": "platform"}

    assert config.primary == "litellm/claude-3-opus"
    # lmstudio speaks openai-responses: Clawdbot's to send, so it is skipped with a note.
    with pytest.warns(ConfigWarning, match=r"skipped fallback lmstudio/qwen2\.5-coder"):
        chain = config.candidates()
    assert [str(t.ref) for t in chain] == [
        "litellm/claude-3-opus",
        "litellm/gpt-4",
        "custom-proxy/gpt-4o-mini",
    ]
    assert str(config.resolve("kimi").ref) == "moonshot/kimi-k2-0905-preview"

    # Sections this package does not own come through intact (with ${VAR} applied).
    data = config.data
    assert data["channels"]["telegram"]["botToken"] == "123456:telegram-token-from-env-block"
    assert data["channels"]["whatsapp"]["allowFrom"] == ["+15555550123"]
    assert data["gateway"] == {
        "mode": "local",
        "port": 18789,
        "bind": "loopback",
        "auth": {"mode": "token", "token": REAL_ENV["GATEWAY_TOKEN"]},
    }
    assert data["agents"]["defaults"]["heartbeat"] == {"every": "30m", "target": "last"}
    assert data["agents"]["defaults"]["workspace"] == "~/clawd"
    assert data["messages"]["ackReaction"] == "👀"
    assert config.document.raw["models"]["providers"]["$include"] == (
        "./multi-section.providers.json5"
    )
    assert config.sources["moonshot.baseUrl"].kind == "include"
    assert config.sources["litellm.baseUrl"].kind == "file"
    for secret in REAL_ENV.values():
        assert secret not in repr(config)


def test_real_config_without_its_secrets_names_the_first_missing_one(tmp_path: Path) -> None:
    for name in ("multi-section.json5", "multi-section.providers.json5"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    with pytest.raises(MissingEnvVarError) as caught:
        load_config(tmp_path / "multi-section.json5", environ={})
    assert (caught.value.var, caught.value.config_path) == ("GATEWAY_TOKEN", "gateway.auth.token")


def test_load_document_and_resolve_document_compose(tmp_path: Path) -> None:
    path = write_config(tmp_path, providers_doc(litellm=litellm()))
    config = resolve_document(load_document(path), {})
    assert config.path == path
    assert config.document.raw == providers_doc(litellm=litellm())


# --- the garbage collector during a load (issue 10: a library leaves it alone) -------------------


def test_load_config_never_touches_the_garbage_collector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The collector is process-global: a host's threads would see it switched off."""
    import gc

    import clawdbot_litellm.config.resolve as resolve_module

    seen: list[bool] = []

    def spy(*args: Any, **kwargs: Any) -> ResolvedConfig:
        seen.append(gc.isenabled())
        return resolve_document(*args, **kwargs)

    def refuse(*args: object) -> None:
        raise AssertionError("load_config switched the garbage collector")

    monkeypatch.setattr(resolve_module, "resolve_document", spy)
    monkeypatch.setattr(gc, "disable", refuse)
    monkeypatch.setattr(gc, "freeze", refuse)
    path = write_config(tmp_path, providers_doc(litellm=litellm()))
    assert gc.isenabled()
    config = load_config(path, environ={})
    assert seen == [True]
    assert config.resolve("litellm/gpt-4").model.id == "gpt-4"
    assert not hasattr(resolve_module, "gc")


def test_a_file_without_includes_or_variables_is_not_copied_while_loading(tmp_path: Path) -> None:
    """Loading allocates less (no collector switching): the include-expanded and substituted
    trees share every container that has nothing to expand or substitute."""
    doc = providers_doc(litellm=litellm())
    doc["models"]["providers"]["litellm"]["apiKey"] = "${LITELLM_API_KEY}"
    config = load_config(write_config(tmp_path, doc), environ={"LITELLM_API_KEY": "sk-test-x"})
    raw_models = config.document.raw["models"]["providers"]["litellm"]["models"]
    assert config.document.merged is config.document.raw
    assert config.document.origins == str(config.path.resolve())
    assert config.data["models"]["providers"]["litellm"]["models"] is raw_models
    assert config.data["models"]["providers"]["litellm"]["apiKey"] == "sk-test-x"
    assert config.document.raw["models"]["providers"]["litellm"]["apiKey"] == "${LITELLM_API_KEY}"
