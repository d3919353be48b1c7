"""Clawdbot ``src/agents/model-selection.ts`` (early 2026): ``normalizeProviderId``,
``parseModelRef``, ``buildModelAliasIndex`` and ``resolveModelRefFromString``; and the built-in
providers a ref may name without a ``models.providers`` entry (pi-ai's ``KnownProvider`` and
Clawdbot's own implicit providers, see ``clawdbot_litellm/builtin_providers.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clawdbot_litellm.builtin_providers import BUILTIN_PROVIDERS, is_builtin, normalize_provider_id
from clawdbot_litellm.config.check import find_problems
from clawdbot_litellm.config.load import expand_document
from clawdbot_litellm.config.resolve import ConfigWarning, ResolvedConfig, resolve_document
from clawdbot_litellm.errors import UnknownModelError, UnsupportedAPIError
from clawdbot_litellm.refs import parse_ref


def config(doc: dict[str, Any]) -> ResolvedConfig:
    return resolve_document(expand_document(Path("/nowhere/c.json"), doc), {})


def local(*ids: str, api: str = "openai-completions") -> dict[str, Any]:
    return {
        "baseUrl": "http://127.0.0.1:8000/v1",
        "api": api,
        "models": [{"id": i, "name": i} for i in ids],
    }


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("Z.AI", "zai"),  # normalizeProviderId: z.ai / z-ai -> zai
        ("z-ai", "zai"),
        ("opencode-zen", "opencode"),  # -> opencode
        ("qwen", "qwen-portal"),  # -> qwen-portal
        ("  OpenAI ", "openai"),  # trim + lower-case
        ("LiteLLM", "litellm"),
    ],
)
def test_normalize_provider_id(raw: str, normalized: str) -> None:
    assert normalize_provider_id(raw) == normalized


def test_parse_model_ref_splits_at_the_first_slash_and_keeps_the_model_case() -> None:
    # parseModelRef: indexOf("/"), both parts trimmed, provider normalised, model as written.
    ref = parse_ref("  Z.AI / GLM-4.7/Air ")
    assert (ref.provider, ref.model) == ("zai", "GLM-4.7/Air")


def test_a_normalised_provider_finds_its_configured_entry() -> None:
    resolved = config({"models": {"providers": {"zai": local("glm-4.7")}}})
    assert str(resolved.resolve("z.ai/glm-4.7").ref) == "zai/glm-4.7"


def test_alias_lookup_ignores_case_and_surrounding_space() -> None:
    # buildModelAliasIndex: alias trimmed, key lower-cased; resolveModelRefFromString trims.
    resolved = config(
        {
            "models": {"providers": {"local": local("qwen3")}},
            "agents": {"defaults": {"models": {"local/qwen3": {"alias": "  Qwen  "}}}},
        }
    )
    assert str(resolved.resolve("  QWEN ").ref) == "local/qwen3"


def test_two_aliases_differing_only_in_case_last_entry_wins() -> None:
    # buildModelAliasIndex: byAlias.set(...) for each entry in order; the last one stays.
    doc = {
        "models": {"providers": {"local": local("a", "b")}},
        "agents": {
            "defaults": {
                "model": {"primary": "fast"},
                "models": {"local/a": {"alias": "Fast"}, "local/b": {"alias": "FAST"}},
            }
        },
    }
    with pytest.warns(ConfigWarning, match="the last entry wins, so 'FAST' means local/b"):
        resolved = config(doc)
    assert str(resolved.resolve("fast").ref) == "local/b"
    assert resolved.check() == []  # Clawdbot accepts the file, so do we


def test_an_alias_is_not_looked_up_for_text_with_a_slash() -> None:
    # resolveModelRefFromString: `if (!trimmed.includes("/"))` guards the alias lookup.
    with pytest.warns(ConfigWarning, match="alias 'local/y' contains '/'"):
        resolved = config(
            {
                "models": {"providers": {"local": local("x")}},
                "agents": {"defaults": {"models": {"local/x": {"alias": "local/y"}}}},
            }
        )
    with pytest.raises(UnknownModelError):
        resolved.resolve("local/y")


@pytest.mark.parametrize(
    "provider", ["anthropic", "openai", "google", "openrouter", "zai", "moonshot", "ollama"]
)
def test_builtin_providers_are_known(provider: str) -> None:
    assert is_builtin(provider)
    assert provider in BUILTIN_PROVIDERS


def test_an_unknown_provider_stays_unknown() -> None:
    resolved = config({"models": {"providers": {"local": local("x")}}})
    with pytest.raises(UnknownModelError, match="Unknown model: acme/x"):
        resolved.resolve("acme/x")


def test_builtin_primary_with_a_local_fallback_validates(tmp_path: Path) -> None:
    doc = {
        "models": {"providers": {"lmstudio": local("qwen3", api="openai-responses")}},
        "agents": {
            "defaults": {
                "model": {
                    "primary": "anthropic/claude-sonnet-4-5",
                    "fallbacks": ["lmstudio/qwen3"],
                },
                "models": {"anthropic/claude-sonnet-4-5": {"alias": "Sonnet"}},
            }
        },
    }
    path = tmp_path / "c.json"
    path.write_text(json.dumps(doc))
    assert find_problems(path, environ={}).problems == ()


def test_requesting_a_builtin_provider_says_what_this_package_sends_to() -> None:
    resolved = config({"models": {"providers": {"local": local("x")}}})
    with pytest.raises(UnsupportedAPIError) as caught:
        resolved.candidates("anthropic/claude-opus-4-5")
    message = str(caught.value)
    assert "served by Clawdbot itself" in message
    assert "sends only to openai-completions providers (configured: litellm, local)" in message


def test_an_alias_to_a_builtin_provider_says_the_same() -> None:
    resolved = config({"agents": {"defaults": {"models": {"openai/gpt-5.2": {"alias": "gpt"}}}}})
    with pytest.raises(UnsupportedAPIError, match=r"openai/gpt-5\.2 is served by Clawdbot"):
        resolved.candidates("GPT")


def test_fallback_chain_skips_what_it_cannot_send_with_one_note_each() -> None:
    doc = {
        "models": {
            "providers": {
                "lmstudio": local("qwen3", api="openai-responses"),
                "local": local("llama"),
            }
        },
        "agents": {
            "defaults": {
                "model": {
                    "primary": "anthropic/claude-sonnet-4-5",
                    "fallbacks": ["lmstudio/qwen3", "local/llama", "openai/gpt-5.2"],
                }
            }
        },
    }
    resolved = config(doc)
    with pytest.warns(ConfigWarning) as record:
        chain = resolved.candidates()
    assert [str(t.ref) for t in chain] == ["local/llama"]
    notes = [str(w.message) for w in record]
    assert [n.split(":")[0] for n in notes] == [
        "skipped primary model anthropic/claude-sonnet-4-5",
        "skipped fallback lmstudio/qwen3",
        "skipped fallback openai/gpt-5.2",
    ]
    assert all("\n" not in n for n in notes)


def test_a_chain_with_nothing_sendable_fails_with_the_first_reason() -> None:
    resolved = config({"agents": {"defaults": {"model": {"primary": "anthropic/claude-opus-4-5"}}}})
    with pytest.raises(
        UnsupportedAPIError, match="anthropic/claude-opus-4-5 is served by Clawdbot"
    ):
        resolved.candidates()


def test_cli_chat_with_a_builtin_ref_is_one_plain_error(tmp_path: Path) -> None:
    from compat_support import run, write_json

    config = write_json(tmp_path / "c.json", {"models": {"providers": {"local": local("x")}}})
    result = run(["--config", str(config), "chat", "-m", "anthropic/claude-sonnet-4-5", "hi"])
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: anthropic/claude-sonnet-4-5 is served by Clawdbot itself")
    assert "sends only to openai-completions providers (configured: litellm, local)" in line
