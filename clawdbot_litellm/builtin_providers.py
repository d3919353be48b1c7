"""Providers Clawdbot serves itself, without a ``models.providers`` entry, and its provider ids.

A ref such as ``anthropic/claude-sonnet-4-5`` is valid in a Clawdbot config although nothing in
the file defines ``anthropic``: Clawdbot's provider library ships the model catalogue and the key
comes from the environment or an auth profile. This package does not send to those providers (it
speaks ``openai-completions`` only), but it must not call such a config invalid.

Sources, read (not copied) for the lists below:

- ``@mariozechner/pi-ai`` (github.com/badlogic/pi-mono, ``packages/ai/src/types.ts`` at commit
  04693336a978aa8a7e6a39a8b5a06b313581e294): the ``KnownProvider`` union, the providers whose
  models the library ships.
- Clawdbot (github.com/clawdbot/clawdbot, early 2026, before the OpenClaw rename):
  ``src/agents/models-config.providers.ts`` (providers it adds on its own when a key or an auth
  profile exists: minimax-portal, moonshot, synthetic, venice, qwen-portal, ollama, xiaomi,
  amazon-bedrock, github-copilot), ``src/agents/model-selection.ts`` (the CLI backends
  ``claude-cli`` and ``codex-cli``, and ``normalizeProviderId``).
"""

from __future__ import annotations

# pi-ai's KnownProvider (commit 04693336), in its order.
PI_AI_PROVIDERS: tuple[str, ...] = (
    "amazon-bedrock",
    "anthropic",
    "google",
    "google-gemini-cli",
    "google-antigravity",
    "google-vertex",
    "openai",
    "azure-openai-responses",
    "openai-codex",
    "github-copilot",
    "xai",
    "groq",
    "cerebras",
    "openrouter",
    "vercel-ai-gateway",
    "zai",
    "mistral",
    "minimax",
    "minimax-cn",
    "huggingface",
    "opencode",
    "kimi-coding",
)

# Providers Clawdbot itself adds (implicit providers and CLI backends), early 2026.
CLAWDBOT_PROVIDERS: tuple[str, ...] = (
    "minimax-portal",
    "moonshot",
    "synthetic",
    "venice",
    "qwen-portal",
    "ollama",
    "xiaomi",
    "claude-cli",
    "codex-cli",
)

BUILTIN_PROVIDERS: frozenset[str] = frozenset(PI_AI_PROVIDERS + CLAWDBOT_PROVIDERS)

# Clawdbot's normalizeProviderId (src/agents/model-selection.ts, early 2026): trim, lower-case,
# then these spellings name the same provider.
_PROVIDER_ALIASES: dict[str, str] = {
    "z.ai": "zai",
    "z-ai": "zai",
    "opencode-zen": "opencode",
    "qwen": "qwen-portal",
}


def normalize_provider_id(provider: str) -> str:
    """A provider id as Clawdbot compares it: trimmed, lower-cased, known aliases folded."""
    normalized = provider.strip().lower()
    return _PROVIDER_ALIASES.get(normalized, normalized)


def is_builtin(provider: str) -> bool:
    """Whether Clawdbot serves ``provider`` without a ``models.providers`` entry."""
    return normalize_provider_id(provider) in BUILTIN_PROVIDERS
