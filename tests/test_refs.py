"""Model refs, aliases and the fallback chain (spec section 4)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clawdbot_litellm.config.resolve import ImplicitProvider, load_config
from clawdbot_litellm.config.schema import ModelDefinition, Provider, ProviderConfig
from clawdbot_litellm.errors import InvalidModelRefError, UnknownModelError
from clawdbot_litellm.refs import (
    ModelRef,
    alias_table,
    candidate_chain,
    configured_refs,
    parse_ref,
    resolve_ref,
)


def make_provider(name: str, *model_ids: str) -> Provider:
    return Provider(
        name=name,
        base_url=f"http://{name}:4000",
        api_key=None,
        api="openai-completions",
        headers={},
        models=tuple(ModelDefinition(id=m, name=m) for m in model_ids),
    )


PROVIDERS = {
    "litellm": make_provider("litellm", "gpt-4", "GPT-4o", "openai/gpt-4o", "claude-3-opus"),
    "lmstudio": make_provider("lmstudio", "qwen2.5-coder", "shared"),
    "vllm": make_provider("vllm", "shared", "gpt-4"),
}
ALIASES = alias_table(
    {
        "litellm/claude-3-opus": "Opus",
        "lmstudio/qwen2.5-coder": " Coder ",
        "litellm/gpt-4": None,
        "vllm/shared": "",
    }
)


# --- parse_ref -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "provider", "model"),
    [
        ("litellm/gpt-4", "litellm", "gpt-4"),
        ("litellm/openai/gpt-4o", "litellm", "openai/gpt-4o"),
        ("  LiteLLM / GPT-4o ", "litellm", "GPT-4o"),
        ("LMSTUDIO/Qwen2.5-Coder", "lmstudio", "Qwen2.5-Coder"),
        ("p/a/b/c", "p", "a/b/c"),
    ],
)
def test_parse_ref_splits_at_the_first_slash(text: str, provider: str, model: str) -> None:
    ref = parse_ref(text)
    assert (ref.provider, ref.model) == (provider, model)
    assert str(ref) == f"{provider}/{model}"


@pytest.mark.parametrize("text", ["litellm/", "/x", "", "gpt-4", " / ", "litellm/  "])
def test_invalid_refs(text: str) -> None:
    with pytest.raises(InvalidModelRefError) as caught:
        parse_ref(text)
    assert repr(text) in str(caught.value)
    assert "provider/model" in str(caught.value)


def test_refs_compare_by_value() -> None:
    assert parse_ref("LiteLLM/gpt-4") == ModelRef("litellm", "gpt-4")
    assert parse_ref("litellm/GPT-4") != ModelRef("litellm", "gpt-4")


# --- resolve_ref ---------------------------------------------------------------------------------


def test_full_ref_keeps_model_case() -> None:
    assert resolve_ref("litellm/GPT-4o", PROVIDERS, ALIASES).model.id == "GPT-4o"
    assert resolve_ref("LITELLM/gpt-4", PROVIDERS, ALIASES).model.id == "gpt-4"


def test_model_id_with_a_slash() -> None:
    target = resolve_ref("litellm/openai/gpt-4o", PROVIDERS, ALIASES)
    assert (target.provider.name, target.model.id) == ("litellm", "openai/gpt-4o")


@pytest.mark.parametrize("alias", ["Opus", "opus", "OPUS", "  opus  "])
def test_aliases_match_case_insensitively(alias: str) -> None:
    assert str(resolve_ref(alias, PROVIDERS, ALIASES).ref) == "litellm/claude-3-opus"


def test_alias_is_trimmed_when_the_table_is_built() -> None:
    assert str(resolve_ref("coder", PROVIDERS, ALIASES).ref) == "lmstudio/qwen2.5-coder"
    assert set(ALIASES) == {"opus", "coder"}


def test_text_with_a_slash_is_never_an_alias() -> None:
    aliases = alias_table({"litellm/gpt-4": "litellm/claude-3-opus"})
    assert str(resolve_ref("litellm/claude-3-opus", PROVIDERS, aliases).ref) == (
        "litellm/claude-3-opus"
    )
    with pytest.raises(UnknownModelError):
        resolve_ref("opus/x", PROVIDERS, ALIASES)


def test_alias_table_keeps_the_last_of_clashing_aliases() -> None:
    # Clawdbot's buildModelAliasIndex: Map.set per entry, so the last one wins.
    table = alias_table({"litellm/a": "Fast", "litellm/b": "FAST"})
    assert table == {"fast": "litellm/b"}


def test_alias_to_an_unknown_ref_is_unknown() -> None:
    with pytest.raises(UnknownModelError, match="Unknown model: litellm/gone"):
        resolve_ref("gone", PROVIDERS, {"gone": "litellm/gone"})


def test_bare_id_prefers_litellm() -> None:
    assert str(resolve_ref("gpt-4", PROVIDERS, ALIASES).ref) == "litellm/gpt-4"


def test_bare_id_served_by_one_provider() -> None:
    assert str(resolve_ref("qwen2.5-coder", PROVIDERS, ALIASES).ref) == "lmstudio/qwen2.5-coder"


def test_bare_id_is_case_sensitive() -> None:
    with pytest.raises(UnknownModelError):
        resolve_ref("Qwen2.5-Coder", PROVIDERS, ALIASES)


def test_bare_id_served_by_several_others_is_ambiguous() -> None:
    with pytest.raises(InvalidModelRefError) as caught:
        resolve_ref("shared", PROVIDERS, ALIASES)
    assert str(caught.value) == (
        "Ambiguous model 'shared': served by lmstudio/shared, vllm/shared; "
        "name one of them as provider/model"
    )


def test_alias_beats_a_bare_id() -> None:
    aliases = alias_table({"lmstudio/qwen2.5-coder": "gpt-4"})
    assert str(resolve_ref("gpt-4", PROVIDERS, aliases).ref) == "lmstudio/qwen2.5-coder"


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_ref(text: str) -> None:
    with pytest.raises(InvalidModelRefError, match="Empty model ref"):
        resolve_ref(text, PROVIDERS, ALIASES)


def test_unknown_model_lists_configured_refs_and_close_matches() -> None:
    with pytest.raises(UnknownModelError) as caught:
        resolve_ref("litellm/gpt4", PROVIDERS, ALIASES)
    error = caught.value
    assert error.ref == "litellm/gpt4"
    assert error.configured == tuple(configured_refs(PROVIDERS))
    assert error.suggestions[0] == "litellm/gpt-4"
    message = str(error)
    assert message.startswith("Unknown model: litellm/gpt4. Did you mean litellm/gpt-4")
    assert "Configured models: litellm/gpt-4, litellm/GPT-4o, litellm/openai/gpt-4o" in message


def test_unknown_provider_is_unknown_model() -> None:
    with pytest.raises(UnknownModelError, match=r"^Unknown model: acme/gpt-4\."):
        resolve_ref("Acme/gpt-4", PROVIDERS, ALIASES)


def test_wrong_case_model_id_suggests_the_configured_one() -> None:
    with pytest.raises(UnknownModelError) as caught:
        resolve_ref("litellm/Claude-3-Opus", PROVIDERS, ALIASES)
    assert "litellm/claude-3-opus" in caught.value.suggestions


def test_unknown_bare_name_with_nothing_configured() -> None:
    with pytest.raises(UnknownModelError) as caught:
        resolve_ref("gpt-4", {}, {})
    assert caught.value.configured == ()
    assert "No models are configured." in str(caught.value)


def test_configured_refs_in_order() -> None:
    assert configured_refs(PROVIDERS) == [
        "litellm/gpt-4",
        "litellm/GPT-4o",
        "litellm/openai/gpt-4o",
        "litellm/claude-3-opus",
        "lmstudio/qwen2.5-coder",
        "lmstudio/shared",
        "vllm/shared",
        "vllm/gpt-4",
    ]


# --- candidate_chain -----------------------------------------------------------------------------


def chain(requested: str | None, primary: str | None, fallbacks: list[str]) -> list[str]:
    return [str(t.ref) for t in candidate_chain(requested, primary, fallbacks, PROVIDERS, ALIASES)]


def test_primary_then_fallbacks_in_order() -> None:
    assert chain(None, "litellm/gpt-4", ["opus", "lmstudio/qwen2.5-coder"]) == [
        "litellm/gpt-4",
        "litellm/claude-3-opus",
        "lmstudio/qwen2.5-coder",
    ]


def test_fallbacks_are_deduplicated_after_resolution() -> None:
    fallbacks = ["Opus", "litellm/claude-3-opus", "LiteLLM/claude-3-opus", "gpt-4", "coder"]
    assert chain(None, "litellm/gpt-4", fallbacks) == [
        "litellm/gpt-4",
        "litellm/claude-3-opus",
        "lmstudio/qwen2.5-coder",
    ]


def test_requested_model_replaces_the_primary() -> None:
    assert chain("coder", "litellm/gpt-4", ["litellm/gpt-4"]) == [
        "lmstudio/qwen2.5-coder",
        "litellm/gpt-4",
    ]


def test_no_model_at_all() -> None:
    with pytest.raises(InvalidModelRefError, match="No model chosen"):
        candidate_chain(None, None, ["litellm/gpt-4"], PROVIDERS, ALIASES)


def test_a_fallback_that_resolves_to_nothing_is_skipped_with_a_note() -> None:
    found = candidate_chain(
        None, "litellm/gpt-4", ["litellm/nope", "", "coder"], PROVIDERS, ALIASES
    )
    assert [str(t.ref) for t in found] == ["litellm/gpt-4", "lmstudio/qwen2.5-coder"]
    assert found[0] is found.targets[0]
    assert len(found) == 2
    assert len(found.notes) == 2
    assert found.notes[0].startswith("fallback 'litellm/nope' skipped: Unknown model: litellm/nope")
    assert "the other candidates are still tried" in found.notes[0]
    assert "agents.defaults.model.fallbacks" in found.notes[0]
    assert found.notes[1].startswith("fallback '' skipped: Empty model ref")


def test_an_unknown_requested_or_primary_model_is_still_an_error() -> None:
    with pytest.raises(UnknownModelError, match="Unknown model: litellm/nope"):
        candidate_chain(None, "litellm/nope", ["litellm/gpt-4"], PROVIDERS, ALIASES)
    with pytest.raises(UnknownModelError, match="Unknown model: litellm/nope"):
        candidate_chain("litellm/nope", "litellm/gpt-4", [], PROVIDERS, ALIASES)


# --- suggestions for an unknown model (issue 13) -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # case and separator differences first, each model once, as a ref
        ("claude3opus", ["litellm/claude-3-opus"]),
        ("litellm/Claude_3_Opus", ["litellm/claude-3-opus"]),
        ("O-PUS", ["litellm/claude-3-opus"]),  # by its alias, named by its ref
        ("qwen2.5 coder", ["lmstudio/qwen2.5-coder"]),
        # a near spelling
        ("litellm/claude-3-opsu", ["litellm/claude-3-opus"]),
        # nothing alike: no suggestion at all (a shared "litellm/" is not a likeness)
        ("litellm/mistral-large", []),
        ("nothing", []),
    ],
)
def test_suggestions_are_close_names_only_each_model_once(text: str, expected: list[str]) -> None:
    with pytest.raises(UnknownModelError) as caught:
        resolve_ref(text, PROVIDERS, ALIASES)
    assert list(caught.value.suggestions) == expected


def test_exact_text_of_an_unknown_model_with_a_case_difference() -> None:
    providers = {"litellm": make_provider("litellm", "claude-3-opus")}
    aliases = alias_table({"litellm/claude-3-opus": "claude-3-opus"})
    with pytest.raises(UnknownModelError) as caught:
        resolve_ref("Claude-3-Opus-", providers, aliases)
    assert str(caught.value) == (
        # A provider built by hand is not known to be written in a config, so `models sync`
        # (which edits the file's definitions) is not offered; see test_unknown_model_advice_*.
        "Unknown model: Claude-3-Opus-. Did you mean litellm/claude-3-opus? Configured models: "
        "litellm/claude-3-opus. Add the model to models.providers.litellm.models."
    )


def test_same_name_ranks_before_a_near_spelling() -> None:
    providers = {"litellm": make_provider("litellm", "gpt-4o", "gpt-4")}
    with pytest.raises(UnknownModelError) as caught:
        resolve_ref("GPT_4", providers, {})
    assert list(caught.value.suggestions) == ["litellm/gpt-4", "litellm/gpt-4o"]


# --- the advice an unknown model ends with -------------------------------------------------------

SYNC_ADVICE = (
    "Add the model to models.providers.{name}.models, or run `clawdbot-litellm models sync "
    "--add-all{flag}` if the proxy serves it with a context window of at least 16000 tokens."
)
ACME = ImplicitProvider(
    ProviderConfig(
        base_url="http://acme.invalid:9000", models=(ModelDefinition(id="acme-large", name="L"),)
    ),
    {},
)


def _config(tmp_path: Path, providers: dict[str, Any], mode: str = "merge") -> Path:
    path = tmp_path / "clawdbot.json"
    path.write_text(json.dumps({"models": {"mode": mode, "providers": providers}}))
    return path


def _declared(*model_ids: str, **extra: Any) -> dict[str, Any]:
    models = [{"id": m, "name": m} for m in model_ids]
    return {"baseUrl": "http://127.0.0.1:9", "models": models, **extra}


def _advice(name: str) -> str:
    return f"Add the model to models.providers.{name}.models."


@pytest.mark.parametrize(
    ("providers", "ref", "advice"),
    [
        # A LiteLLM provider written in the file: sync can add what its proxy serves.
        (
            {"litellm": _declared("gpt-4")},
            "litellm/gpt-5",
            SYNC_ADVICE.format(name="litellm", flag=""),
        ),
        ({"litellm": _declared("gpt-4")}, "gpt-5", SYNC_ADVICE.format(name="litellm", flag="")),
        (
            {"litellm-prod": _declared("gpt-4")},
            "litellm-prod/gpt-5",
            SYNC_ADVICE.format(name="litellm-prod", flag=" --provider litellm-prod"),
        ),
        # Not a LiteLLM proxy, or not openai-completions: sync does not talk to it.
        ({"vllm": _declared("qwen")}, "vllm/llama", _advice("vllm")),
        (
            {"litellm": _declared("gpt-4", api="anthropic-messages")},
            "litellm/x",
            _advice("litellm"),
        ),
        # The environment's litellm (nothing in the file for sync to edit), a plugin's provider,
        # a provider nobody supplies.
        ({}, "litellm/gpt-5", _advice("litellm")),
        ({}, "acme/acme-small", _advice("acme")),
        ({}, "nope/x", _advice("nope")),
    ],
)
def test_unknown_model_advice_offers_sync_only_where_it_can_add_the_model(
    tmp_path: Path, providers: dict[str, Any], ref: str, advice: str
) -> None:
    config = load_config(
        _config(tmp_path, providers), environ={"LITELLM_API_KEY": "k"}, implicit={"acme": ACME}
    )
    with pytest.raises(UnknownModelError) as caught:
        config.resolve(ref)
    assert caught.value.advice == advice
    assert str(caught.value).endswith(f". {advice}")
    assert "\n" not in str(caught.value)


def test_a_bare_id_without_a_litellm_provider_names_no_provider(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, {"vllm": _declared("qwen")}, mode="replace"))
    with pytest.raises(UnknownModelError) as caught:
        config.resolve("llama")
    assert caught.value.advice == _advice("<provider>")


def test_exact_text_of_an_unknown_model_of_a_plugins_provider(tmp_path: Path) -> None:
    config = load_config(
        _config(tmp_path, {"litellm": _declared("gpt-4")}),
        environ={"LITELLM_API_KEY": "k"},
        implicit={"acme": ACME},
    )
    with pytest.raises(UnknownModelError) as caught:
        config.resolve("acme/acme-larg")
    assert str(caught.value) == (
        "Unknown model: acme/acme-larg. Did you mean acme/acme-large? Configured models: "
        "acme/acme-large, litellm/gpt-4. Add the model to models.providers.acme.models."
    )
