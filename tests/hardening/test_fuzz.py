"""Whatever the parsers are given, they answer with a value or one of the package's own errors.

Hypothesis feeds arbitrary input to the JSON5 loading (text, bytes on disk, ``$include``), the
``${VAR}`` substitution, the path parser and editor, the ref parser and resolver, and the request
mapping. A ``KeyError``, ``TypeError`` or ``RecursionError`` escaping any of them would reach a
user as a traceback, so each test lets only ``ClawdbotLiteLLMError`` subclasses through.

Example counts are kept small for CI (2 cores; the module runs in well under 30 s). For a longer
hunt: ``CLAWDBOT_FUZZ_PROFILE=thorough pytest tests/hardening/test_fuzz.py``.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from clawdbot_litellm.config.load import (
    expand_document,
    load_document,
    parse_json5,
    substitute,
    substitute_string,
)
from clawdbot_litellm.config.path import (
    format_path,
    get_at,
    js_trim,
    parse_path,
    parse_value,
    set_at,
    unset_at,
)
from clawdbot_litellm.config.resolve import ConfigWarning, ImplicitProvider, resolve_document
from clawdbot_litellm.config.schema import ModelDefinition, Provider, ProviderConfig
from clawdbot_litellm.errors import (
    ClawdbotLiteLLMError,
    ConfigError,
    ConfigPathError,
    ConfigPathNotFoundError,
    InvalidModelRefError,
    MissingEnvVarError,
    UnknownModelError,
)
from clawdbot_litellm.refs import ModelRef, alias_table, parse_ref, resolve_ref
from clawdbot_litellm.request import (
    MERGED_KEYS,
    OWNED_KEYS,
    ChatOptions,
    RequestWarning,
    build_request,
)

settings.register_profile(
    "hardening",
    max_examples=300,
    deadline=None,
    database=None,  # nothing written into the work tree; a failure prints its reproduction blob
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("thorough", parent=settings.get_profile("hardening"), max_examples=3000)
FUZZ = settings(settings.get_profile(os.environ.get("CLAWDBOT_FUZZ_PROFILE", "hardening")))

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

# --- strategies ---------------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
# Strings that look like what a config holds: references, escapes, refs, URLs, odd characters.
config_words = st.sampled_from(
    [
        "${LITELLM_API_KEY}",
        "$${LITELLM_API_KEY}",
        "${lower}",
        "${UNTERMINATED",
        "${}",
        "$",
        "litellm/gpt-4",
        "litellm/openai/gpt-4o",
        "/",
        "http://localhost:4000/v1",
        "ftp://x",
        "\ufeff",
        "\x00",
        "\u2028",
        "gpt-4",
        "GPT-4",
    ]
)
config_text = st.lists(config_words | st.text(max_size=6), max_size=5).map("".join)
env_names = st.sampled_from(["LITELLM_API_KEY", "LITELLM_BASE_URL", "LITELLM_MODEL", "A", "_X1"])
environments = st.dictionaries(env_names | st.text(max_size=5), st.text(max_size=12), max_size=5)

# JSON5-flavoured text: mostly the characters that matter to the grammar.
json5_text = st.text(
    alphabet=st.sampled_from(list("{}[]:,'\"/*\\\n\r\t .+-0123456789eExXabnulltrueIfinityNaN$")),
    max_size=60,
) | st.text(max_size=40)


# Config-shaped documents: the keys this package reads, with values of any type.
def _section(keys: list[str], values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(keys) | st.text(max_size=4), values, max_size=4)


model_entries = _section(
    [
        "id",
        "name",
        "api",
        "reasoning",
        "input",
        "cost",
        "contextWindow",
        "maxTokens",
        "headers",
        "compat",
    ],
    json_values | config_text,
)
provider_entries = _section(
    ["baseUrl", "apiKey", "auth", "api", "headers", "authHeader"], json_values | config_text
).flatmap(
    lambda provider: st.lists(model_entries | json_values, max_size=3).map(
        lambda models: {**provider, "models": models}
    )
)
documents = st.fixed_dictionaries(
    {},
    optional={
        "models": st.fixed_dictionaries(
            {},
            optional={
                "mode": st.sampled_from(["merge", "replace", "other"]) | json_values,
                "providers": st.dictionaries(
                    st.sampled_from(["litellm", "local", "LiteLLM"]) | st.text(max_size=4),
                    provider_entries | json_values,
                    max_size=2,
                )
                | json_values,
            },
        )
        | json_values,
        "agents": st.fixed_dictionaries(
            {},
            optional={
                "defaults": st.fixed_dictionaries(
                    {},
                    optional={
                        "model": config_text
                        | st.fixed_dictionaries(
                            {},
                            optional={
                                "primary": config_text | json_values,
                                "fallbacks": st.lists(config_text, max_size=3) | json_values,
                            },
                        ),
                        "models": st.dictionaries(
                            config_text,
                            st.fixed_dictionaries({}, optional={"alias": config_text | json_values})
                            | json_values,
                            max_size=3,
                        ),
                    },
                )
            },
        ),
        "env": st.dictionaries(env_names | st.sampled_from(["vars"]), json_values | config_text),
        "$include": st.sampled_from(["./part.json5", "./missing.json5", "./", "."])
        | st.lists(st.sampled_from(["./part.json5", "./c.json"]), max_size=2)
        | json_values,
    },
)


def _ours_only(call: Any, *args: Any, **kwargs: Any) -> Any:
    """Call; an error of ours is an answer (returned), anything else fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConfigWarning)
        warnings.simplefilter("ignore", RequestWarning)
        try:
            return call(*args, **kwargs)
        except ClawdbotLiteLLMError as error:
            return error


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    """One directory for the module (hypothesis runs many examples per test function)."""
    with tempfile.TemporaryDirectory(prefix="clawdbot-fuzz-") as name:
        directory = Path(name)
        (directory / "part.json5").write_text("{ gateway: { port: 1 }, models: { mode: 'merge' } }")
        yield directory


# --- JSON5 loading and ${VAR} -------------------------------------------------------------------


@FUZZ
@given(json5_text)
def test_json5_text_parses_or_is_a_syntax_error(text: str) -> None:
    result = _ours_only(parse_json5, text, "c.json")
    if isinstance(result, ClawdbotLiteLLMError):
        assert str(result).startswith("c.json:")


@FUZZ
@given(json_values)
def test_any_json_document_round_trips_through_the_json5_parser(value: Any) -> None:
    text = json.dumps(value)  # NaN/Infinity come out as JSON5 literals
    result = _ours_only(parse_json5, text, "c.json")
    assert not isinstance(result, ClawdbotLiteLLMError), result
    assert json.dumps(result) == json.dumps(value)


@FUZZ
@given(st.binary(max_size=80) | json5_text.map(lambda t: t.encode("utf-8")))
def test_any_bytes_on_disk_load_or_fail_with_our_error(workdir: Path, data: bytes) -> None:
    path = workdir / "c.json"
    path.write_bytes(data)
    _ours_only(load_document, path)


@FUZZ
@given(documents, environments)
def test_any_document_resolves_or_fails_with_our_error(
    workdir: Path, document: dict[str, Any], environ: dict[str, str]
) -> None:
    """The whole pipeline after reading: includes, env block, ${VAR}, schema, providers, check."""
    path = workdir / "c.json"

    def pipeline(keep_missing: bool) -> Any:
        resolved = resolve_document(
            expand_document(path, document), environ, keep_missing_vars=keep_missing
        )
        resolved.check()
        resolved.resolved_data()
        for ref in [*resolved.refs(), resolved.primary or "", *resolved.fallbacks]:
            _ours_only(resolved.resolve, ref)
        return resolved

    _ours_only(pipeline, True)
    _ours_only(pipeline, False)


@FUZZ
@given(json_values | config_text, environments, st.booleans())
def test_substitution_returns_or_names_the_missing_variable(
    value: Any, environ: dict[str, str], keep_missing: bool
) -> None:
    result = _ours_only(substitute, value, environ, "x", keep_missing)
    if isinstance(result, ClawdbotLiteLLMError):
        assert isinstance(result, MissingEnvVarError)
        assert not keep_missing
        assert environ.get(result.var, "") == ""


@FUZZ
@given(st.text(max_size=30), environments)
def test_text_without_a_reference_is_left_alone(text: str, environ: dict[str, str]) -> None:
    assume("${" not in text)
    assert substitute_string(text, environ, "x") == text


@FUZZ
@given(st.from_regex(r"[A-Z_][A-Z0-9_]{0,8}", fullmatch=True), st.text(min_size=1, max_size=10))
def test_a_set_variable_is_substituted_and_an_escaped_one_is_not(name: str, value: str) -> None:
    environ = {name: value}
    assert substitute_string("${" + name + "}", environ, "x") == value
    assert substitute_string("$${" + name + "}", environ, "x") == "${" + name + "}"


# --- paths ---------------------------------------------------------------------------------------

path_text = st.text(alphabet=st.sampled_from(list("ab01.[]\\ /-_\t")), max_size=16) | st.text(
    max_size=12
)


@FUZZ
@given(path_text)
def test_any_path_text_parses_or_is_a_path_error(text: str) -> None:
    result = _ours_only(parse_path, text)
    if isinstance(result, ClawdbotLiteLLMError):
        assert isinstance(result, ConfigPathError)
    else:
        assert result, "a parsed path has at least one segment"
        assert all(isinstance(segment, str) and segment for segment in result)


@FUZZ
@given(
    st.lists(
        # Clawdbot trims every segment (JavaScript's trim), so only trimmed ones can round-trip.
        st.text(min_size=1, max_size=6).filter(lambda s: js_trim(s) == s),
        min_size=1,
        max_size=4,
    )
)
def test_formatted_paths_parse_back_for_any_segments(segments: list[str]) -> None:
    """Wider than tests/config/test_path.py's round trip: any Unicode, inner whitespace too."""
    text = format_path(segments)
    assert parse_path(text) == segments, text


@FUZZ
@given(json_values, st.lists(st.text(max_size=4) | st.integers(-2, 5), max_size=4), json_values)
def test_get_set_unset_on_any_document(document: Any, segments: list[Any], value: Any) -> None:
    for call, args in (
        (get_at, (document, segments)),
        (set_at, (document, segments, value)),
        (unset_at, (document, segments)),
    ):
        result = _ours_only(call, *args)
        if isinstance(result, ClawdbotLiteLLMError):
            assert isinstance(result, ConfigPathError | ConfigPathNotFoundError)
    updated = _ours_only(set_at, document, segments, value)
    if segments and not isinstance(updated, ClawdbotLiteLLMError):
        assert json.dumps(get_at(updated, segments)) == json.dumps(value)  # NaN-safe


@FUZZ
@given(json5_text, st.booleans(), st.booleans())
def test_any_value_text_parses_or_is_a_config_error(text: str, strict: bool, secret: bool) -> None:
    result = _ours_only(parse_value, text, strict_json=strict, secret=secret)
    if isinstance(result, ClawdbotLiteLLMError):
        assert isinstance(result, ConfigError)
        if secret:
            assert repr(text) not in str(result) or len(text) < 3


# --- refs ----------------------------------------------------------------------------------------


def _providers() -> dict[str, Provider]:
    models = (
        ModelDefinition(id="gpt-4", name="GPT-4"),
        ModelDefinition(id="openai/gpt-4o", name="4o"),
    )
    return {
        name: Provider(name, "http://localhost:4000", None, "openai-completions", {}, models)
        for name in ("litellm", "local")
    }


PROVIDERS = _providers()
ref_text = st.text(alphabet=st.sampled_from(list("litelmgp-4/ oaiLOCAL")), max_size=20) | st.text(
    max_size=12
)


@FUZZ
@given(ref_text)
def test_any_text_parses_as_a_ref_or_is_an_invalid_ref(text: str) -> None:
    result = _ours_only(parse_ref, text)
    if isinstance(result, ClawdbotLiteLLMError):
        assert isinstance(result, InvalidModelRefError)
    else:
        assert isinstance(result, ModelRef)
        assert parse_ref(str(result)) == result  # normalised refs are stable


@FUZZ
@given(ref_text, st.dictionaries(ref_text, ref_text | st.none(), max_size=3))
def test_any_text_resolves_or_is_an_unknown_or_invalid_ref(
    text: str, entries: dict[str, str | None]
) -> None:
    result = _ours_only(resolve_ref, text, PROVIDERS, alias_table(entries))
    if isinstance(result, ClawdbotLiteLLMError):
        assert isinstance(result, InvalidModelRefError | UnknownModelError)
    else:
        assert result.provider.model(result.model.id) is result.model


# --- request mapping -----------------------------------------------------------------------------

definitions = st.builds(
    dict,
    id=st.text(min_size=1, max_size=8),
    name=st.text(min_size=1, max_size=8),
    reasoning=st.booleans(),
    input=st.lists(st.sampled_from(["text", "image"]), max_size=3),
    contextWindow=st.integers(1, 2_000_000),
    maxTokens=st.integers(1, 200_000) | st.none(),
    compat=st.none()
    | st.fixed_dictionaries(
        {},
        optional={
            "supportsStore": st.booleans(),
            "supportsDeveloperRole": st.booleans(),
            "supportsReasoningEffort": st.booleans(),
            "maxTokensField": st.sampled_from(["max_completion_tokens", "max_tokens"]),
        },
    ),
).map(
    lambda fields: ModelDefinition.model_validate(
        {k: v for k, v in fields.items() if v is not None}
    )
)

content_parts = st.lists(
    st.fixed_dictionaries(
        {"type": st.sampled_from(["text", "image_url", "input_audio"]) | st.text(max_size=4)},
        optional={"text": json_values, "image_url": json_values},
    )
    | json_values,
    max_size=3,
)
messages = st.fixed_dictionaries(
    {},
    optional={
        "role": st.sampled_from(["user", "assistant", "system", "developer", "tool"]) | json_values,
        "content": st.text(max_size=40) | content_parts | json_values,
        "name": json_values,
    },
)
prompts = (
    st.text(max_size=200)
    | st.lists(messages, max_size=4)
    | st.lists(messages | json_values, max_size=3)  # items that are not messages at all
)
images = st.lists(
    st.sampled_from(
        [
            "https://example.com/cat.png",
            "data:image/png;base64,iVBORw0KGgo=",
            str(FIXTURES / "dot.png"),  # a real PNG
            str(FIXTURES),  # a directory
            str(FIXTURES / "no-such-image.png"),
            str(Path(__file__)),  # not an image
        ]
    ),
    max_size=2,
)
options = st.builds(
    ChatOptions,
    max_tokens=st.none() | st.integers(-(2**40), 2**40),
    reasoning_effort=st.none()
    | st.sampled_from(["minimal", "low", "medium", "high", "extreme", ""]),
    system=st.none() | st.text(max_size=20),
    images=images,
    # Any key, including the ones the adapter owns and the ones it merges (issue #11).
    extra=st.dictionaries(
        st.text(max_size=6) | st.sampled_from([*OWNED_KEYS, *MERGED_KEYS]) | st.integers(),
        json_values | st.dictionaries(st.text(max_size=6), json_values, max_size=2),
        max_size=3,
    ),
    tools=st.lists(
        st.dictionaries(st.sampled_from(["type", "function"]), json_values, max_size=2)
        | st.fixed_dictionaries(
            {
                "type": st.just("function"),
                "function": st.dictionaries(
                    st.sampled_from(["name", "description", "parameters"]), json_values, max_size=3
                ),
            }
        )
        | json_values,
        max_size=2,
    ),
    tool_choice=st.none() | st.sampled_from(["auto", "none", "required", "x"]) | json_values,
    response_format=st.none() | json_values,
)


@FUZZ
@given(definitions, prompts, options, st.booleans())
def test_any_request_maps_or_fails_with_our_error(
    definition: ModelDefinition, prompt: Any, chat_options: ChatOptions, stream: bool
) -> None:
    result = _ours_only(build_request, definition, prompt, chat_options, stream=stream)
    if isinstance(result, ClawdbotLiteLLMError):
        return
    kwargs = result.body
    field = (definition.compat and definition.compat.max_tokens_field) or "max_completion_tokens"
    assert 0 < kwargs[field] <= definition.output_limit
    assert result.prompt_tokens_estimate + kwargs[field] <= definition.context_window
    assert kwargs["model"] == definition.id
    assert ("reasoning_effort" in kwargs) <= definition.reasoning
    sent_images = any(
        isinstance(part, dict) and part.get("type") == "image_url"
        for message in kwargs["messages"]
        if isinstance(message.get("content"), list)
        for part in message["content"]
    )
    assert sent_images <= definition.accepts_images
    # extra never overrides the mapping and everything goes out as JSON (issue #11).
    assert ("stream" in kwargs) == stream
    assert "n" not in kwargs
    assert kwargs.get("response_format") is None or chat_options.response_format is not None
    assert kwargs.get("tools") is None or len(kwargs["tools"]) == len(chat_options.tools)
    headers = result.headers
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
    json.dumps(kwargs, allow_nan=False)


IMPLICIT = {
    "local": ImplicitProvider(
        ProviderConfig(
            base_url="http://127.0.0.1:1234", models=(ModelDefinition(id="q", name="q"),)
        ),
        sources={},
    )
}


@FUZZ
@given(documents)
def test_implicit_providers_never_break_a_document(workdir: Path, document: dict[str, Any]) -> None:
    """An implicit provider (a plugin's) merged into any document: our errors only."""
    path = workdir / "c.json"
    _ours_only(
        lambda: resolve_document(
            expand_document(path, document), {}, IMPLICIT, keep_missing_vars=True
        )
    )
