"""The keys Clawdbot's own schema allows around the sections this package reads and edits.

Clawdbot validates its config with strict zod objects: a key it does not know (``agents.default``,
``agent`` at the top, ``model.primry``) makes the whole file invalid, so Clawdbot refuses to start
with it. This package ignores everything it does not own, which let such a typo be written by
``config set`` and then pass ``config validate`` here. These tables let ``check`` report such
keys, with a did-you-mean, and let an edit that would create one be refused.

Only the levels on the way to what this package touches are listed: the top level, ``agents``,
``agents.defaults``, its ``model`` / ``imageModel`` and ``models`` entries, and ``models``. What
lies below (channels, gateway, tools, ...) is Clawdbot's business and is never judged here.

Source, read (not copied): github.com/clawdbot/clawdbot, ``src/config/zod-schema.ts`` and
``src/config/zod-schema.agent-defaults.ts`` / ``zod-schema.agents.ts`` / ``zod-schema.core.ts``
of early 2026 (the strict ``ClawdbotSchema``, before the OpenClaw rename). The top level also
takes the keys later releases added (``meta``, ``diagnostics``, ``update``, ``nodeHost``,
``approvals``, ``media``, ``memory``, ...) and the older ``bridge``, so a file that a newer or an
older Clawdbot accepts is not called broken here: a miss costs a warning nobody needs, a wrong
refusal costs a user their edit.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import Problem
from .path import format_path

TOP_LEVEL_KEYS: frozenset[str] = frozenset(
    {
        "$schema",
        "meta",
        "env",
        "wizard",
        "diagnostics",
        "logging",
        "cli",
        "update",
        "browser",
        "ui",
        "secrets",
        "auth",
        "acp",
        "models",
        "nodeHost",
        "agents",
        "tools",
        "bindings",
        "broadcast",
        "audio",
        "media",
        "messages",
        "commands",
        "approvals",
        "session",
        "cron",
        "hooks",
        "web",
        "channels",
        "bridge",
        "discovery",
        "canvasHost",
        "talk",
        "gateway",
        "memory",
        "skills",
        "plugins",
    }
)

AGENTS_KEYS: frozenset[str] = frozenset({"defaults", "list"})

AGENT_DEFAULTS_KEYS: frozenset[str] = frozenset(
    {
        "model",
        "imageModel",
        "models",
        "workspace",
        "repoRoot",
        "skipBootstrap",
        "bootstrapMaxChars",
        "userTimezone",
        "timeFormat",
        "envelopeTimezone",
        "envelopeTimestamp",
        "envelopeElapsed",
        "contextTokens",
        "cliBackends",
        "memorySearch",
        "contextPruning",
        "compaction",
        "thinkingDefault",
        "verboseDefault",
        "elevatedDefault",
        "blockStreamingDefault",
        "blockStreamingBreak",
        "blockStreamingChunk",
        "blockStreamingCoalesce",
        "humanDelay",
        "timeoutSeconds",
        "mediaMaxMb",
        "typingIntervalSeconds",
        "typingMode",
        "heartbeat",
        "maxConcurrent",
        "subagents",
        "sandbox",
    }
)

MODEL_CHOICE_KEYS: frozenset[str] = frozenset({"primary", "fallbacks"})
MODEL_ENTRY_KEYS: frozenset[str] = frozenset({"alias", "params"})
MODELS_KEYS: frozenset[str] = frozenset({"mode", "providers", "bedrockDiscovery"})


def did_you_mean(key: str, known: Iterable[str]) -> str | None:
    """The known key ``key`` was most likely meant to be (case first, then spelling)."""
    pool = sorted(known)
    for candidate in pool:
        if candidate.lower() == key.lower():
            return candidate
    close = difflib.get_close_matches(key, pool, n=1, cutoff=0.6)
    if close:
        return close[0]
    # "default" for "defaults", "agent" for "agents": one is a prefix of the other.
    prefixed = [c for c in pool if len(key) >= 3 and (c.startswith(key) or key.startswith(c))]
    return prefixed[0] if len(prefixed) == 1 else None


def _unknown(where: list[str | int], key: str, known: frozenset[str]) -> Problem:
    path = format_path([*where, key])
    guess = did_you_mean(key, known)
    hint = (
        f"; did you mean {format_path([*where, guess])}?"
        if guess
        else f"; remove it (known here: {', '.join(sorted(known))})"
    )
    return Problem(path, f"unknown key {key!r}: Clawdbot's schema refuses it{hint}")


def _check_level(
    node: Any, where: list[str | int], known: frozenset[str], problems: list[Problem]
) -> Mapping[str, Any]:
    if not isinstance(node, dict):
        return {}
    problems.extend(_unknown(where, key, known) for key in node if key not in known)
    return node


def unknown_key_problems(data: Any) -> list[Problem]:
    """Every key Clawdbot's schema would refuse on the way to the sections this package uses."""
    problems: list[Problem] = []
    top = _check_level(data, [], TOP_LEVEL_KEYS, problems)
    _check_level(top.get("models"), ["models"], MODELS_KEYS, problems)
    agents = _check_level(top.get("agents"), ["agents"], AGENTS_KEYS, problems)
    defaults = _check_level(
        agents.get("defaults"), ["agents", "defaults"], AGENT_DEFAULTS_KEYS, problems
    )
    for choice in ("model", "imageModel"):
        _check_level(
            defaults.get(choice), ["agents", "defaults", choice], MODEL_CHOICE_KEYS, problems
        )
    entries = defaults.get("models")
    if isinstance(entries, dict):
        for ref, entry in entries.items():
            _check_level(entry, ["agents", "defaults", "models", ref], MODEL_ENTRY_KEYS, problems)
    return problems
