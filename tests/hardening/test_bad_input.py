"""Every bad input gets one clear error and leaves the config file exactly as it was.

One table, driven through the real command line (``clawdbot_litellm.cli.main``). Each case must
exit non-zero with stderr's first line starting ``Error:``, the expected words in the error
(what is wrong and, where there is one, the fix), nothing on stdout, no exception escaping
``main`` (that would be a traceback), the config file byte-for-byte unchanged and nothing new
beside it but the edit lock (no backup, no temp file). A handful of cases run again as real
processes to prove no traceback reaches a terminal.

Some inputs are accepted on purpose and have their own small table: a UTF-8 byte order mark
(editors on Windows write one; it is not content), an empty or comment-only file (an empty
config, as in Clawdbot) and a ``/v1`` base URL (dropped with a warning, never sent as ``/v1/v1``).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hardening_support import Outcome, fifo_watchdog, listing, run_cli, run_subprocess

CONFIG_NAME = "c.json"
CLOSED_URL = "http://127.0.0.1:9"  # never contacted: every case fails before sending
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def model(**overrides: Any) -> dict[str, Any]:
    return {"id": "gpt-4", "name": "GPT-4", "contextWindow": 128000, "maxTokens": 8192, **overrides}


def config(
    *,
    models: list[Any] | None = None,
    provider: Mapping[str, Any] | None = None,
    agents: Mapping[str, Any] | None = None,
    top: Mapping[str, Any] | None = None,
) -> str:
    """A valid config (litellm/gpt-4 and litellm/gpt-4o, primary gpt-4) with parts replaced."""
    litellm: dict[str, Any] = {
        "baseUrl": CLOSED_URL,
        "api": "openai-completions",
        "models": models
        if models is not None
        else [model(), model(id="gpt-4o", name="GPT-4o", input=["text", "image"])],
    }
    litellm.update(provider or {})
    data: dict[str, Any] = {
        "agents": {
            "defaults": {
                "model": {"primary": "litellm/gpt-4"},
                "models": {"litellm/gpt-4": {"alias": "GPT-4"}},
                **(agents or {}),
            }
        },
        "models": {"mode": "merge", "providers": {"litellm": litellm}},
    }
    data.update(top or {})
    return json.dumps(data, indent=2) + "\n"


GOOD = config()


@dataclass(frozen=True)
class Case:
    """One bad input: the file (text, or bytes for encodings), the command after ``--config``,
    and the words the error must contain."""

    id: str
    content: str | bytes
    args: tuple[str, ...]
    expect: tuple[str, ...]
    files: Mapping[str, str | bytes] = field(default_factory=dict)  # beside the config
    # how the config path is made: file, directory, fifo, dangling, loop, under-a-file
    place: str = "file"
    stdin: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    exit_code: int = 1


def _chain(depth: int) -> dict[str, str]:
    """Includes nested ``depth`` levels deep: inc0 -> inc1 -> ... -> a plain object."""
    files = {f"inc{i}.json5": f'{{ $include: "./inc{i + 1}.json5" }}' for i in range(depth)}
    files[f"inc{depth}.json5"] = "{ gateway: { port: 1 } }"
    return files


SET_WINDOW = ("config", "set", "models.providers.litellm.models[0].contextWindow")
LIST = ("models", "list")
CHAT = ("chat", "Hi")

CASES = [
    # --- JSON5 syntax, at several places -------------------------------------------------------
    Case(
        "syntax-missing-comma",
        '{\n  models: {\n    mode: "merge"\n    providers: {}\n  }\n}\n',
        LIST,
        ("c.json:4:5: invalid JSON5", "Fix the syntax at that position"),
    ),
    Case(
        "syntax-unclosed-object",
        "{\n  agents: {\n    defaults: {}\n",
        LIST,
        ("c.json:2:11: invalid JSON5: object starting here is never closed",),
    ),
    Case(
        "syntax-unclosed-string",
        '{\n  gateway: { bind: "loopback }\n}\n',
        LIST,
        ("c.json:2:20: invalid JSON5: string starting here is never closed",),
    ),
    Case(
        "syntax-trailing-garbage",
        "{ gateway: {} }}\n",
        LIST,
        ("c.json:1:16: invalid JSON5: unexpected '}' after the end of the value",),
    ),
    Case(
        "syntax-unclosed-comment",
        "{ gateway: {} /* note\n",
        LIST,
        ("c.json:1:15: invalid JSON5: comment starting here is never closed",),
    ),
    Case(
        "syntax-number-too-large",
        "{ models: { providers: { litellm: { contextWindow: 1e400 } } } }\n",
        LIST,
        ("c.json:1:52: invalid JSON5: number starting here is malformed or too large",),
    ),
    Case(
        "syntax-in-an-include",
        '{ $include: "./extra.json5" }\n',
        LIST,
        ("extra.json5:1:1: invalid JSON5: object starting here is never closed",),
        files={"extra.json5": "{ gateway: { port: 1 }\n"},
    ),
    Case(
        "syntax-refuses-an-edit",
        "{ gateway: { port: 1 },, }\n",
        ("config", "set", "gateway.port", "2"),
        ("c.json:1:24: invalid JSON5",),
    ),
    Case(
        "syntax-nesting-too-deep",
        "[" * 100_000 + "]" * 100_000,
        LIST,
        ("invalid JSON5: maximum nesting level exceeded",),
    ),
    # --- the document is not an object ---------------------------------------------------------
    Case("root-is-an-array", "[1, 2]\n", LIST, ("must be an object ({ ... }), not an array",)),
    Case(
        "root-is-an-array-on-edit",
        "[1, 2]\n",
        ("config", "set", "gateway.port", "1"),
        ("must be an object ({ ... }), not an array",),
    ),
    Case("root-is-null", "null\n", LIST, ("must be an object ({ ... }), not null",)),
    # --- wrong types ---------------------------------------------------------------------------
    Case(
        "type-context-window-string",
        config(models=[model(contextWindow="big")]),
        LIST,
        ("models.providers.litellm.models[0].contextWindow: must be a number",),
    ),
    Case(  # a fraction (128000.5) is valid, as in Clawdbot; a boolean is not a number
        "type-context-window-boolean",
        config(models=[model(contextWindow=True)]),
        LIST,
        ("models.providers.litellm.models[0].contextWindow: must be a number",),
    ),
    Case(
        "type-models-is-an-object",
        config(provider={"models": {"gpt-4": {}}}),
        LIST,
        ("models.providers.litellm.models: must be an array ([ ... ])",),
    ),
    Case(
        "type-models-section-is-a-string",
        config(top={"models": "litellm"}),
        LIST,
        ("- models: must be an object ({ ... })",),
    ),
    Case(
        "type-fallbacks-is-a-string",
        config(agents={"model": {"primary": "litellm/gpt-4", "fallbacks": "litellm/gpt-4o"}}),
        LIST,
        ("agents.defaults.model.fallbacks: must be an array ([ ... ])",),
    ),
    Case(
        "type-header-is-a-number",
        config(provider={"headers": {"X-Team": 7}}),
        LIST,
        ("models.providers.litellm.headers.X-Team: must be a string",),
    ),
    Case(
        "type-reasoning-is-a-string",
        config(models=[model(reasoning="yes")]),
        LIST,
        ("models.providers.litellm.models[0].reasoning: must be true or false",),
    ),
    Case(
        "type-cost-is-infinite",
        "{ models: { providers: { litellm: { baseUrl: 'http://x', models: "
        "[{ id: 'a', name: 'a', cost: { input: Infinity } }] } } } }\n",
        LIST,
        ("cost.input: must be a finite number",),
    ),
    # --- zero, negative, too small ------------------------------------------------------------
    Case(
        "window-zero",
        config(models=[model(contextWindow=0)]),
        LIST,
        ("models.providers.litellm.models[0].contextWindow: must be greater than 0",),
    ),
    Case(
        "max-tokens-negative",
        config(models=[model(maxTokens=-1)]),
        LIST,
        ("models.providers.litellm.models[0].maxTokens: must be greater than 0",),
    ),
    Case(
        "cost-negative",
        config(models=[model(cost={"input": -1})]),
        LIST,
        ("cost.input: must be 0 or more",),
    ),
    Case(
        "window-under-clawdbots-minimum",
        config(models=[model(contextWindow=8000)]),
        CHAT,
        ("contextWindow of 8000 tokens, below the minimum of 16000", "set its real contextWindow"),
    ),
    Case(
        "set-window-negative",
        GOOD,
        (*SET_WINDOW, "--", "-5"),
        ("edit refused; the file is unchanged", "contextWindow: must be greater than 0"),
    ),
    Case(
        "set-window-under-minimum",
        GOOD,
        (*SET_WINDOW, "1000"),
        ("edit refused", "1000 is below the minimum of 16000 tokens"),
    ),
    # --- unknown keys --------------------------------------------------------------------------
    Case(
        "unknown-model-key",
        config(models=[model(temperature=0.2)]),
        LIST,
        ("models[0].temperature: unknown key", "remove it or fix its spelling"),
    ),
    Case(
        "unknown-provider-key-typo",
        config(provider={"baseURL": CLOSED_URL}),
        LIST,
        ("models.providers.litellm.baseURL: unknown key",),
    ),
    Case(
        "snake-case-key",
        config(models=[model(context_window=128000)]),
        LIST,
        ("models[0].context_window: unknown key",),
    ),
    Case(
        "set-unknown-key",
        GOOD,
        ("config", "set", "models.providers.litellm.models[0].temprature", "1"),
        ("edit refused", "models[0].temprature: unknown key"),
    ),
    # --- api and input -------------------------------------------------------------------------
    Case(
        "unknown-api",
        config(provider={"api": "grpc"}),
        LIST,
        ("models.providers.litellm.api: must be 'openai-completions'",),
    ),
    Case(
        "api-this-adapter-does-not-send",
        config(provider={"api": "anthropic-messages"}),
        CHAT,
        ("litellm/gpt-4 uses api 'anthropic-messages'", 'set api: "openai-completions"'),
    ),
    Case(
        "input-outside-text-and-image",
        config(models=[model(input=["text", "audio"])]),
        LIST,
        ("models[0].input[1]: must be 'text' or 'image'",),
    ),
    Case(
        "input-is-a-string",
        config(models=[model(input="text")]),
        LIST,
        ("models[0].input: must be an array ([ ... ])",),
    ),
    # --- ids -----------------------------------------------------------------------------------
    Case(
        "empty-model-id",
        config(models=[model(id="")]),
        LIST,
        ("models.providers.litellm.models[0].id: must not be empty",),
    ),
    Case(
        "empty-model-name",
        config(models=[model(name="")]),
        LIST,
        ("models.providers.litellm.models[0].name: must not be empty",),
    ),
    Case(
        "set-empty-model-id",
        GOOD,
        ("config", "set", "models.providers.litellm.models[0].id", '""'),
        ("edit refused", "models[0].id: must not be empty"),
    ),
    Case(
        "duplicate-model-ids",
        config(models=[model(), model(name="GPT-4 again")]),
        LIST,
        ("model id 'gpt-4' is defined twice; keep one definition per id",),
    ),
    Case(
        "duplicate-model-id-through-an-include",
        '{ models: { $include: "./more.json5", providers: { litellm: { models: '
        "[{ id: 'gpt-4', name: 'GPT-4' }] } } } }\n",
        LIST,
        ("model id 'gpt-4' is defined twice",),
        files={
            "more.json5": "{ providers: { litellm: { baseUrl: 'http://x', models: "
            "[{ id: 'gpt-4', name: 'GPT-4' }] } } }"
        },
    ),
    # --- refs and aliases ----------------------------------------------------------------------
    Case(
        "primary-names-a-missing-provider",
        config(agents={"model": {"primary": "acme/gpt-4"}}),  # openrouter is Clawdbot's own
        CHAT,
        ("Unknown model: acme/gpt-4", "Configured models: litellm/gpt-4, litellm/gpt-4o"),
    ),
    Case(
        "primary-names-a-missing-model",
        config(agents={"model": {"primary": "litellm/gpt-5"}}),
        CHAT,
        ("Unknown model: litellm/gpt-5", "Did you mean", "models sync --add-all"),
    ),
    Case(
        # A missing fallback is skipped with a warning (test_chat_cmd.py); a missing primary is
        # still an error, whatever the fallbacks.
        "primary-names-a-missing-model-before-good-fallbacks",
        config(agents={"model": {"primary": "litellm/gone", "fallbacks": ["litellm/gpt-4"]}}),
        CHAT,
        ("Unknown model: litellm/gone",),
    ),
    Case(
        "ref-without-a-model-id",
        GOOD,
        ("chat", "-m", "litellm/", "Hi"),
        ("Invalid model ref 'litellm/'", "provider/model, e.g. litellm/gpt-4"),
    ),
    Case(
        "set-primary-to-a-missing-model",
        GOOD,
        ("config", "set", "agents.defaults.model.primary", "litellm/nope"),
        ("edit refused", "Unknown model: litellm/nope"),
    ),
    # Clawdbot accepts clashing aliases (the last wins) and aliases with '/': warnings, not
    # errors. Keys its strict schema refuses are errors.
    Case(
        "set-a-key-clawdbot-refuses",
        GOOD,
        ("config", "set", "agents.default.model.primary", "litellm/gpt-4"),
        ("edit refused", "agents.default: unknown key 'default'", "did you mean agents.defaults?"),
    ),
    Case(
        "set-a-misspelt-model-key",
        GOOD,
        ("config", "set", "agents.defaults.model.primry", "litellm/gpt-4"),
        ("edit refused", "did you mean agents.defaults.model.primary?"),
    ),
    # --- base URLs -----------------------------------------------------------------------------
    Case(
        "base-url-not-http",
        config(provider={"baseUrl": "ftp://proxy.internal"}),
        LIST,
        ("baseUrl: 'ftp://proxy.internal' is not an http(s) URL", "http://localhost:4000"),
    ),
    Case(
        "base-url-without-a-scheme",
        config(provider={"baseUrl": "localhost:4000"}),
        LIST,
        ("baseUrl: 'localhost:4000' is not an http(s) URL",),
    ),
    Case(
        "base-url-from-the-environment-not-http",
        "{}\n",
        LIST,
        ("LITELLM_BASE_URL: 'proxy' is not an http(s) URL",),
        env={"LITELLM_BASE_URL": "proxy"},
    ),
    Case(
        "set-base-url-not-http",
        GOOD,
        ("config", "set", "models.providers.litellm.baseUrl", "ftp://x"),
        ("edit refused", "'ftp://x' is not an http(s) URL"),
    ),
    Case(
        "onboard-base-url-not-http",
        GOOD,
        ("onboard", "--non-interactive", "--litellm-api-key", "sk-x", "--litellm-base-url", "x"),
        ("LiteLLM base URL 'x' is not an http(s) URL",),
    ),
    # --- ${VAR} --------------------------------------------------------------------------------
    Case(
        "missing-env-var-for-the-key",
        config(provider={"apiKey": "${TEAM_LITELLM_KEY}"}),
        CHAT,
        (
            'Missing env var "TEAM_LITELLM_KEY" referenced at config path: '
            "models.providers.litellm.apiKey",
            "Export TEAM_LITELLM_KEY",
        ),
    ),
    Case(
        "missing-env-var-for-the-url",
        config(provider={"baseUrl": "${PROXY_URL}"}),
        CHAT,
        ('Missing env var "PROXY_URL"',),
    ),
    # --- $include ------------------------------------------------------------------------------
    Case(
        "include-cycle",
        '{ $include: "./b.json5" }\n',
        LIST,
        ("Include cycle:", "b.json5 -> ", "Remove one of these $include entries"),
        files={"b.json5": '{ $include: "./c.json" }'},
    ),
    Case(
        "include-of-an-array",
        '{ $include: "./list.json5" }\n',
        LIST,
        ("the top-level $include makes the config an array, not an object",),
        files={"list.json5": "[1, 2]"},
    ),
    Case(
        "include-of-a-missing-file",
        '{ models: { $include: "./providers.json5" } }\n',
        LIST,
        ('$include "./providers.json5" at models names a missing file', "fix the path"),
    ),
    Case(
        "include-that-is-not-a-path",
        "{ $include: 5 }\n",
        LIST,
        ("$include at <root> must be a path or a list of paths",),
    ),
    Case(
        "include-too-deep",
        '{ $include: "./inc0.json5" }\n',
        LIST,
        ("$include nested deeper than 10 levels", "flatten the includes"),
        files=_chain(12),
    ),
    Case(
        "include-not-utf8",
        '{ $include: "./latin1.json5" }\n',
        LIST,
        ("latin1.json5 is not UTF-8 text (bad byte at offset 12)",),
        files={"latin1.json5": '{ name: "caf\xe9" }'.encode("latin-1")},
    ),
    # --- config paths --------------------------------------------------------------------------
    Case(  # empty segments vanish, as in Clawdbot: only dots leave nothing
        "path-only-dots",
        GOOD,
        ("config", "get", ".."),
        ("Path is empty",),
    ),
    Case(
        "path-missing-bracket",
        GOOD,
        ("config", "set", "agents.defaults.models[litellm/gpt-4.alias", "x"),
        ('Invalid path (missing "]")', "Close the bracket"),
    ),
    Case(
        "path-empty-brackets",
        GOOD,
        ("config", "set", "agents[]", "x"),
        ('Invalid path (empty "[]")',),
    ),
    Case(  # a trailing lone backslash is dropped, as in Clawdbot
        "path-lone-backslash",
        GOOD,
        ("config", "get", "\\"),
        ("Path is empty",),
    ),
    Case("path-empty", GOOD, ("config", "get", " "), ("Path is empty",)),
    Case(
        "path-not-found",
        GOOD,
        ("config", "unset", "gateway.port"),
        ("Config path not found: gateway.port",),
    ),
    Case(
        "path-through-a-scalar",
        GOOD,
        ("config", "set", "agents.defaults.model.primary.x", "1"),
        # replaced as Clawdbot does, then refused by the schema
        ("edit refused", "agents.defaults.model.primary: must be a string", "held a string"),
    ),
    Case(
        "path-index-past-the-end",
        GOOD,
        ("config", "set", "models.providers.litellm.models[5].id", "x"),
        # padded with null as Clawdbot does, then refused by the schema
        ("edit refused", "filled positions 2..4 with null"),
    ),
    Case(
        "value-not-json5",
        GOOD,
        ("config", "set", "--json", "gateway", "{port: "),
        ("Invalid JSON5 value '{port: ' (object starting here is never closed)",),
    ),
    Case(
        "value-infinity",
        GOOD,
        ("config", "set", "gateway.port", "Infinity"),
        ("Infinity and NaN cannot be written to a JSON config",),
    ),
    # --- the file itself -----------------------------------------------------------------------
    Case(
        "not-utf8",
        b'{ name: "caf\xe9" }\n',
        LIST,
        ("c.json is not UTF-8 text (bad byte at offset 12); save it as UTF-8",),
    ),
    Case(
        "not-utf8-on-edit",
        b'{ name: "caf\xe9" }\n',
        ("config", "set", "gateway.port", "1"),
        ("is not UTF-8 text",),
    ),
    Case(
        "a-directory-where-the-file-should-be",
        "",
        LIST,
        ("c.json is a directory, not a config file",),
        place="directory",
    ),
    Case(
        "a-directory-on-edit",
        "",
        ("config", "set", "gateway.port", "1"),
        ("c.json is a directory",),
        place="directory",
    ),
    Case(
        "a-fifo-would-block-forever",
        "",
        LIST,
        ("c.json is not a regular file (a FIFO, socket or device)",),
        place="fifo",
    ),
    Case(
        "a-fifo-on-edit",
        "",
        ("config", "set", "gateway.port", "1"),
        ("is not a regular file",),
        place="fifo",
    ),
    # Unreadable as root too (chmod 000 is not): a link to nothing, and a link loop.
    Case(
        "unreadable-dangling-symlink",
        "",
        LIST,
        ("c.json is a symlink to ", "which does not exist; fix the link"),
        place="dangling",
    ),
    Case(
        "dangling-symlink-on-edit",
        "",
        ("config", "set", "gateway.port", "1"),
        ("c.json is a symlink to ", "which does not exist; fix the link"),
        place="dangling",
    ),
    Case(
        "a-file-where-a-directory-should-be",
        "",
        LIST,
        ("a-file/c.json cannot be a config file: ", "a-file is not a directory; fix the path"),
        place="under-a-file",
    ),
    Case(
        "a-file-where-a-directory-should-be-on-edit",
        "",
        ("config", "set", "gateway.port", "1"),
        ("a-file/c.json cannot be a config file: ", "a-file is not a directory; fix the path"),
        place="under-a-file",
    ),
    Case(
        "unreadable-symlink-loop",
        "",
        LIST,
        ("c.json cannot be read", "symlink loop"),
        place="loop",
    ),
    # --- requests refused before anything is sent ---------------------------------------------
    Case(
        "image-for-a-text-only-model",
        GOOD,
        ("chat", "--image", "dot.png", "What is this?"),
        ("litellm/gpt-4 does not accept images", 'add "image" to its input list'),
        files={"dot.png": PNG},
    ),
    Case(
        "image-that-is-not-an-image",
        GOOD,
        ("chat", "-m", "litellm/gpt-4o", "--image", "notes.txt", "Hi"),
        ("notes.txt does not look like an image (text/plain)",),
        files={"notes.txt": "hello"},
    ),
    Case(
        "image-that-does-not-exist",
        GOOD,
        ("chat", "-m", "litellm/gpt-4o", "--image", "missing.png", "Hi"),
        ("Cannot read image missing.png", "pass an existing file or a URL"),
    ),
    Case(
        "prompt-over-the-context-window",
        config(models=[model(contextWindow=32000, maxTokens=1000)]),
        ("chat", "-"),
        ("The prompt (about", "does not fit litellm/gpt-4's context window of 32000 tokens"),
        stdin="word " * 80_000,
    ),
    Case(
        "environment-timeout-not-a-number",
        GOOD,
        CHAT,
        ("CLAWDBOT_LITELLM_TIMEOUT='soon' is not a number",),
        env={"CLAWDBOT_LITELLM_TIMEOUT": "soon"},
    ),
    Case(
        "environment-retries-negative",
        GOOD,
        CHAT,
        ("CLAWDBOT_LITELLM_MAX_RETRIES='-1' must not be negative",),
        env={"CLAWDBOT_LITELLM_MAX_RETRIES": "-1"},
    ),
    # --- command-line usage (exit 2) -----------------------------------------------------------
    Case(
        "usage-max-tokens-zero",
        GOOD,
        ("chat", "--max-tokens", "0", "Hi"),
        ("Invalid value for '--max-tokens'",),
        exit_code=2,
    ),
    Case(
        "usage-unknown-reasoning-effort",
        GOOD,
        ("chat", "--reasoning-effort", "extreme", "Hi"),
        ("'extreme' is not one of 'off', 'minimal', 'low', 'medium', 'high', 'xhigh'",),
        exit_code=2,
    ),
    Case(
        "usage-empty-prompt",
        GOOD,
        ("chat", "   "),
        ("The prompt is empty",),
        exit_code=2,
    ),
    Case(
        "usage-onboard-window-under-minimum",
        GOOD,
        ("onboard", "--non-interactive", "--litellm-api-key", "sk-x", "--context-window", "8000"),
        ("'--context-window': 8000 is not in the range x>=16000",),
        exit_code=2,
    ),
    Case("usage-unknown-command", GOOD, ("frobnicate",), ("No such command",), exit_code=2),
    # --- onboarding and sync fail before any request -------------------------------------------
    Case(
        "onboard-without-a-key",
        GOOD,
        ("onboard", "--non-interactive"),
        ("No LiteLLM API key: pass --litellm-api-key KEY or export LITELLM_API_KEY",),
    ),
    Case(
        "onboard-with-a-blank-key",
        GOOD,
        ("onboard", "--non-interactive", "--litellm-api-key", "  "),
        ("--litellm-api-key is blank",),
    ),
    Case(
        "onboard-on-a-broken-config",
        "{ models: { , } }\n",
        ("onboard", "--non-interactive", "--litellm-api-key", "sk-x"),
        ("c.json:1:13: invalid JSON5",),
    ),
    Case(
        "sync-without-the-provider-in-the-file",
        "{}\n",
        ("models", "sync"),
        ("models.providers.litellm.models is not in the config file itself", "onboard"),
    ),
    Case(
        "sync-an-unknown-provider",
        GOOD,
        ("models", "sync", "--provider", "openrouter"),
        ("No provider 'openrouter' is configured", "pass --provider NAME"),
    ),
]


def _place(case: Case, directory: Path) -> Path:
    """Create the config (and files beside it) the way the case says; return its path."""
    for name, content in case.files.items():
        target = directory / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    path = directory / CONFIG_NAME
    if case.place == "file":
        if isinstance(case.content, bytes):
            path.write_bytes(case.content)
        else:
            path.write_text(case.content, encoding="utf-8")
    elif case.place == "directory":
        path.mkdir()
    elif case.place == "fifo":
        os.mkfifo(path)
    elif case.place == "dangling":
        path.symlink_to(directory / "gone" / "clawdbot.json")
    elif case.place == "under-a-file":
        (directory / "a-file").write_text("not a directory\n", encoding="utf-8")
        path = directory / "a-file" / CONFIG_NAME
    elif case.place == "loop":
        path.symlink_to(directory / "other.json")
        (directory / "other.json").symlink_to(path)
    else:
        raise AssertionError(f"unknown place {case.place!r}")
    return path


def _run(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Outcome, Path]:
    directory = tmp_path / "cfg"
    directory.mkdir()
    path = _place(case, directory)
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(directory)  # relative --image paths
    guard = fifo_watchdog(path) if case.place == "fifo" else contextlib.nullcontext()
    with guard:
        return run_cli(["--config", str(path), *case.args], input=case.stdin), directory


def test_the_matrix_is_big_enough_and_ids_are_unique() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) >= 40
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_bad_input_is_one_clear_error_and_leaves_the_file(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "cfg"
    before_dir = tmp_path / "before"
    before_dir.mkdir()
    _place(case, before_dir)
    before = listing(before_dir)

    outcome, directory = _run(case, tmp_path, monkeypatch)

    assert outcome.escaped is None, f"an exception escaped main: {outcome.escaped!r}"
    assert outcome.exit_code == case.exit_code, outcome
    assert "Traceback" not in outcome.stderr
    first = outcome.stderr.splitlines()[0] if outcome.stderr else ""
    assert first.startswith("Error: "), outcome.stderr
    for words in case.expect:
        assert words in outcome.stderr, f"{words!r} not in:\n{outcome.stderr}"
    assert outcome.stdout == ""
    after = listing(directory)
    lock = f"{CONFIG_NAME}.lock"
    if lock in after and lock not in before:
        assert after.pop(lock) == b"", "the lock file holds data"
    assert after == before, "the config directory changed"


# --- accepted on purpose ------------------------------------------------------------------------

ACCEPTED = [
    # (id, content, args, stdout, first stderr line or "")
    (
        "utf8-bom",
        '\ufeff{ "gateway": { "port": 18789 } }\n',
        ("config", "get", "gateway.port"),
        "18789\n",
        "",
    ),
    ("empty-file", "", LIST, None, ""),
    ("comments-only", "// nothing configured yet\n", LIST, None, ""),
    (
        "crlf-line-endings",
        '{\r\n  "gateway": { "port": 1 }\r\n}\r\n',
        ("config", "get", "gateway.port"),
        "1\n",
        "",
    ),
    (
        "v1-base-url",
        config(provider={"baseUrl": "http://127.0.0.1:9/v1"}),
        LIST,
        None,
        "Warning: models.providers.litellm.baseUrl ends in /v1 (http://127.0.0.1:9/v1); the "
        "client appends /v1 itself, so it uses http://127.0.0.1:9.",
    ),
]


@pytest.mark.parametrize(
    ("content", "args", "stdout", "warning"),
    [case[1:] for case in ACCEPTED],
    ids=[case[0] for case in ACCEPTED],
)
def test_accepted_inputs_work_and_leave_the_file(
    content: str,
    args: tuple[str, ...],
    stdout: str | None,
    warning: str,
    tmp_path: Path,
) -> None:
    path = tmp_path / CONFIG_NAME
    path.write_bytes(content.encode("utf-8"))
    outcome = run_cli(["--config", str(path), *args])
    assert (outcome.exit_code, outcome.escaped) == (0, None), outcome
    if stdout is not None:
        assert outcome.stdout == stdout
    if warning:
        assert outcome.stderr.splitlines()[0].startswith(warning)
    else:
        assert outcome.stderr == ""
    assert path.read_bytes() == content.encode("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == [CONFIG_NAME]


def test_a_bom_file_stays_editable(tmp_path: Path) -> None:
    """An edit of a BOM file writes plain UTF-8 JSON; the old bytes are the backup."""
    path = tmp_path / CONFIG_NAME
    original = '\ufeff{ "gateway": { "port": 1 } }\n'.encode()
    path.write_bytes(original)
    outcome = run_cli(["--config", str(path), "config", "set", "gateway.port", "2"])
    assert outcome.exit_code == 0, outcome
    assert json.loads(path.read_text(encoding="utf-8")) == {"gateway": {"port": 2}}
    assert (tmp_path / f"{CONFIG_NAME}.bak").read_bytes() == original


# --- as a real process --------------------------------------------------------------------------

SUBPROCESS_CASES = (
    "syntax-missing-comma",
    "type-context-window-string",
    "include-cycle",
    "path-missing-bracket",
    "not-utf8",
    "a-fifo-would-block-forever",
    "image-for-a-text-only-model",
    "usage-unknown-reasoning-effort",
)


@pytest.mark.parametrize("case_id", SUBPROCESS_CASES)
def test_no_traceback_reaches_the_terminal(
    case_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = next(case for case in CASES if case.id == case_id)
    directory = tmp_path / "cfg"
    directory.mkdir()
    path = _place(case, directory)
    outcome = run_subprocess(
        ["--config", str(path), *case.args], env=dict(case.env), cwd=directory, timeout=30
    )
    assert outcome.exit_code == case.exit_code, outcome
    assert outcome.stderr.startswith("Error: "), outcome.stderr
    assert "Traceback" not in outcome.stderr
    assert all(words in outcome.stderr for words in case.expect), outcome.stderr
