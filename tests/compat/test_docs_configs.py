"""Complete configs shaped like the examples in Clawdbot's docs (early 2026): ``docs/providers/*``
(anthropic, openai, openrouter, moonshot, minimax, synthetic, zai, ollama, litellm),
``docs/gateway/local-models.md`` (LM Studio, hybrid, other OpenAI-compatible proxies) and
``docs/gateway/configuration.md`` (a whole file, and one split with ``$include``).

Keys and structure follow the docs; names, ids, numbers and secrets are ours. Each config is
validated, listed and edited here, and after the edit it must still pass Clawdbot's rules for the
sections this package touches, with everything else kept as it was.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from compat_support import run

from clawdbot_litellm.config.check import find_problems
from clawdbot_litellm.config.clawdbot_schema import unknown_key_problems
from clawdbot_litellm.config.edit import has_comments, read_raw, set_config_value

ENV = {
    "MOONSHOT_API_KEY": "sk-test-moonshot-0000",
    "MINIMAX_API_KEY": "sk-test-minimax-0000",
    "SYNTHETIC_API_KEY": "sk-test-synthetic-0000",
    "LITELLM_API_KEY": "sk-test-litellm-0000",
    "CLAWDBOT_GATEWAY_TOKEN": "test-gateway-token",
}

LMSTUDIO = """
    lmstudio: {
      baseUrl: "http://127.0.0.1:1234/v1",
      apiKey: "lmstudio",
      api: "openai-responses",
      models: [{
        id: "qwen3-coder-30b",
        name: "Qwen3 Coder 30B (LM Studio)",
        reasoning: false,
        input: ["text"],
        cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
        contextWindow: 196608,
        maxTokens: 8192,
      }],
    },"""

# name -> (JSON5 text, refs `models list` must show, {ref: sentBy}, path to edit, value)
CONFIGS: dict[str, tuple[str, list[str], dict[str, str], str, Any]] = {
    "providers/anthropic": (
        """{
          env: { ANTHROPIC_API_KEY: "sk-ant-test-0000" },
          agents: { defaults: { model: { primary: "anthropic/claude-opus-4-5" } } },
        }""",
        ["anthropic/claude-opus-4-5"],
        {"anthropic/claude-opus-4-5": "clawdbot"},
        "agents.defaults.models[anthropic/claude-opus-4-5].alias",
        "Opus",
    ),
    "providers/openai": (
        """{
          env: { OPENAI_API_KEY: "sk-test-openai-0000" },
          agents: { defaults: { model: { primary: "openai/gpt-5.2" } } },
        }""",
        ["openai/gpt-5.2"],
        {"openai/gpt-5.2": "clawdbot"},
        "agents.defaults.model.fallbacks",
        ["openai/gpt-5-mini"],
    ),
    "providers/openrouter": (
        """{
          env: { OPENROUTER_API_KEY: "sk-or-test-0000" },
          agents: { defaults: { model: { primary: "openrouter/anthropic/claude-sonnet-4-5" } } },
        }""",
        ["openrouter/anthropic/claude-sonnet-4-5"],
        {"openrouter/anthropic/claude-sonnet-4-5": "clawdbot"},
        "agents.defaults.models[openrouter/anthropic/claude-sonnet-4-5].alias",
        "Sonnet via OpenRouter",
    ),
    "providers/zai": (
        """{
          env: { ZAI_API_KEY: "test-zai-0000" },
          agents: { defaults: { model: { primary: "zai/glm-4.7" } } },
        }""",
        ["zai/glm-4.7"],
        {"zai/glm-4.7": "clawdbot"},
        "agents.defaults.model.primary",
        "z.ai/glm-4.7",
    ),
    "providers/moonshot": (
        """{
          env: { MOONSHOT_API_KEY: "${MOONSHOT_API_KEY}" },
          agents: {
            defaults: {
              model: { primary: "moonshot/kimi-k2-0905-preview" },
              models: { "moonshot/kimi-k2-0905-preview": { alias: "Kimi K2" } },
            },
          },
          models: {
            mode: "merge",
            providers: {
              moonshot: {
                baseUrl: "https://api.moonshot.ai/v1",
                apiKey: "${MOONSHOT_API_KEY}",
                api: "openai-completions",
                models: [{
                  id: "kimi-k2-0905-preview",
                  name: "Kimi K2 0905 Preview",
                  reasoning: false,
                  input: ["text"],
                  cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
                  contextWindow: 256000,
                  maxTokens: 8192,
                }],
              },
            },
          },
        }""",
        ["moonshot/kimi-k2-0905-preview"],
        {"moonshot/kimi-k2-0905-preview": "clawdbot-litellm"},
        "models.providers.moonshot.models[0].contextWindow",
        262144,
    ),
    "providers/minimax": (
        """{
          agents: {
            defaults: {
              model: { primary: "minimax/MiniMax-M2.1" },
              models: { "minimax/MiniMax-M2.1": { alias: "Minimax" } },
            },
          },
          models: {
            mode: "merge",
            providers: {
              minimax: {
                baseUrl: "https://api.minimax.io/anthropic",
                apiKey: "${MINIMAX_API_KEY}",
                api: "anthropic-messages",
                models: [{
                  id: "MiniMax-M2.1",
                  name: "MiniMax M2.1",
                  reasoning: false,
                  input: ["text"],
                  cost: { input: 15, output: 60, cacheRead: 2, cacheWrite: 10 },
                  contextWindow: 200000,
                  maxTokens: 8192,
                }],
              },
            },
          },
        }""",
        ["minimax/MiniMax-M2.1"],
        {"minimax/MiniMax-M2.1": "clawdbot"},
        "agents.defaults.model.fallbacks",
        ["anthropic/claude-opus-4-5"],
    ),
    "providers/synthetic": (
        """{
          env: { SYNTHETIC_API_KEY: "${SYNTHETIC_API_KEY}" },
          agents: { defaults: { model: { primary: "synthetic/hf:MiniMaxAI/MiniMax-M2.1" } } },
          models: {
            mode: "merge",
            providers: {
              synthetic: {
                baseUrl: "https://api.synthetic.new/anthropic",
                apiKey: "${SYNTHETIC_API_KEY}",
                api: "anthropic-messages",
                models: [{
                  id: "hf:MiniMaxAI/MiniMax-M2.1",
                  name: "MiniMax M2.1",
                  reasoning: false,
                  input: ["text"],
                  cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
                  contextWindow: 192000,
                  maxTokens: 65536,
                }],
              },
            },
          },
        }""",
        ["synthetic/hf:MiniMaxAI/MiniMax-M2.1"],
        {"synthetic/hf:MiniMaxAI/MiniMax-M2.1": "clawdbot"},
        "agents.defaults.models[synthetic/hf:MiniMaxAI/MiniMax-M2.1].alias",
        "MiniMax",
    ),
    "providers/ollama": (
        """{
          agents: { defaults: { model: { primary: "ollama/llama3.3" } } },
          models: {
            providers: {
              ollama: {
                baseUrl: "http://127.0.0.1:11434/v1",
                apiKey: "ollama-local",
                api: "openai-completions",
                models: [
                  { id: "llama3.3", name: "Llama 3.3", contextWindow: 131072, maxTokens: 8192 },
                ],
              },
            },
          },
        }""",
        ["ollama/llama3.3"],
        {"ollama/llama3.3": "clawdbot-litellm"},
        "models.providers.ollama.models[0].reasoning",
        False,
    ),
    "providers/litellm": (
        """{
          agents: { defaults: { model: { primary: "litellm/claude-opus-4-5" } } },
          models: {
            mode: "merge",
            providers: {
              litellm: {
                baseUrl: "http://localhost:4000",
                apiKey: "${LITELLM_API_KEY}",
                api: "openai-completions",
                models: [{
                  id: "claude-opus-4-5",
                  name: "Claude Opus 4.5",
                  reasoning: true,
                  input: ["text", "image"],
                  contextWindow: 200000,
                  maxTokens: 64000,
                  compat: { supportsStore: false },
                }],
              },
            },
          },
        }""",
        ["litellm/claude-opus-4-5"],
        {"litellm/claude-opus-4-5": "clawdbot-litellm"},
        "agents.defaults.models[litellm/claude-opus-4-5].alias",
        "opus-proxy",
    ),
    "gateway/local-models (LM Studio)": (
        """{
          agents: {
            defaults: {
              model: { primary: "lmstudio/qwen3-coder-30b" },
              models: {
                "anthropic/claude-opus-4-5": { alias: "Opus" },
                "lmstudio/qwen3-coder-30b": { alias: "Local" },
              },
            },
          },
          models: { mode: "merge", providers: {"""
        + LMSTUDIO
        + """ } },
        }""",
        ["lmstudio/qwen3-coder-30b", "anthropic/claude-opus-4-5"],
        {"lmstudio/qwen3-coder-30b": "clawdbot", "anthropic/claude-opus-4-5": "clawdbot"},
        "models.providers.lmstudio.models[0].maxTokens",
        16384,
    ),
    "gateway/local-models (hybrid)": (
        """{
          agents: {
            defaults: {
              model: {
                primary: "anthropic/claude-sonnet-4-5",
                fallbacks: ["lmstudio/qwen3-coder-30b", "anthropic/claude-opus-4-5"],
              },
              models: {
                "anthropic/claude-sonnet-4-5": { alias: "Sonnet" },
                "lmstudio/qwen3-coder-30b": { alias: "Local" },
                "anthropic/claude-opus-4-5": { alias: "Opus" },
              },
            },
          },
          models: { mode: "merge", providers: {"""
        + LMSTUDIO
        + """ } },
        }""",
        ["lmstudio/qwen3-coder-30b", "anthropic/claude-sonnet-4-5", "anthropic/claude-opus-4-5"],
        {"anthropic/claude-sonnet-4-5": "clawdbot", "lmstudio/qwen3-coder-30b": "clawdbot"},
        "agents.defaults.model.primary",
        "Local",
    ),
    "gateway/local-models (other proxy)": (
        """{
          agents: { defaults: { model: { primary: "local/qwen2.5-72b" } } },
          models: {
            mode: "merge",
            providers: {
              local: {
                baseUrl: "http://127.0.0.1:8000/v1",
                apiKey: "sk-local",
                api: "openai-completions",
                models: [{
                  id: "qwen2.5-72b",
                  name: "Qwen 2.5 72B",
                  reasoning: false,
                  input: ["text"],
                  cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
                  contextWindow: 120000,
                  maxTokens: 8192,
                }],
              },
            },
          },
        }""",
        ["local/qwen2.5-72b"],
        {"local/qwen2.5-72b": "clawdbot-litellm"},
        "agents.defaults.model.fallbacks[0]",
        "anthropic/claude-opus-4-5",
    ),
    "gateway/configuration (whole file)": (
        """{
          // Secrets from the environment, a few set right here.
          env: {
            shellEnv: { enabled: true, timeoutMs: 15000 },
            vars: { GROQ_API_KEY: "gsk-test-0000" },
          },
          agents: {
            defaults: {
              workspace: "~/clawd",
              model: { primary: "anthropic/claude-sonnet-4-5", fallbacks: ["openai/gpt-5.2"] },
              models: { "anthropic/claude-sonnet-4-5": { alias: "sonnet" } },
              timeoutSeconds: 600,
              heartbeat: { every: "30m" },
            },
            list: [{ id: "main", default: true }],
          },
          channels: {
            whatsapp: { allowFrom: ["+15555550123"], groups: { "*": { requireMention: true } } },
            telegram: { enabled: true, botToken: "123456:test-telegram-token" },
          },
          messages: { ackReactionScope: "group-mentions" },
          session: { scope: "per-sender", reset: { mode: "daily", atHour: 4 } },
          gateway: {
            mode: "local",
            port: 18789,
            bind: "loopback",
            auth: { mode: "token", token: "${CLAWDBOT_GATEWAY_TOKEN}" },
          },
          logging: { level: "info", consoleStyle: "pretty" },
        }""",
        ["anthropic/claude-sonnet-4-5", "openai/gpt-5.2"],
        {"anthropic/claude-sonnet-4-5": "clawdbot", "openai/gpt-5.2": "clawdbot"},
        "agents.defaults.model.fallbacks[1]",
        "anthropic/claude-opus-4-5",
    ),
}

INCLUDED = {
    "agents.json5": """{
      defaults: {
        model: { primary: "anthropic/claude-opus-4-5", fallbacks: ["local/qwen2.5-72b"] },
        workspace: "~/clawd",
      },
    }""",
    "providers.json5": """{
      local: {
        baseUrl: "http://127.0.0.1:8000/v1",
        api: "openai-completions",
        models: [{ id: "qwen2.5-72b", name: "Qwen 2.5 72B", contextWindow: 120000 }],
      },
    }""",
    "clients/a.json5": '{ "+15555550001": ["main"] }',
    "clients/b.json5": '{ "+15555550002": ["main"] }',
}
INCLUDING = """{
  gateway: { port: 18789 },
  agents: { $include: "./agents.json5" },
  models: { providers: { $include: "./providers.json5" } },
  broadcast: { $include: ["./clients/a.json5", "./clients/b.json5"] },
}"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "clawdbot.json"
    path.write_text(text)
    return path


def _sections(raw: dict[str, Any], but: str) -> dict[str, str]:
    """Every top-level section except the one edited, as JSON text (to compare byte for byte)."""
    return {k: json.dumps(v, ensure_ascii=False) for k, v in raw.items() if k != but}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_docs_config_validates_lists_and_edits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    text, refs, sent_by, edit_path, edit_value = CONFIGS[name]
    for var, value in ENV.items():
        monkeypatch.setenv(var, value)
    config = _write(tmp_path, text)

    # validated
    report = find_problems(config)
    assert report.problems == (), report.problems
    validate = run(["--config", str(config), "config", "validate"])
    assert validate.exit_code == 0, validate.output

    # listed
    listed = run(["--config", str(config), "models", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = {row["ref"]: row for row in json.loads(listed.stdout)["models"]}
    assert set(refs) <= set(rows), sorted(rows)
    for ref, who in sent_by.items():
        assert rows[ref]["sentBy"] == who, ref

    # edited
    _, before, _ = read_raw(config)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        result = set_config_value(edit_path, edit_value, config=config)
    assert result.changed
    # The only thing an edit may say: that JSON5 comments were dropped (for configs that had them).
    assert [str(w.message) for w in said] == (
        [f"{config} had JSON5 comments; they were dropped because the config is written back "
         f"as JSON (the previous version is in {config}.bak)"]
        if has_comments(text)
        else []
    )  # fmt: skip
    _, after, _ = read_raw(config)
    assert find_problems(config).problems == ()
    assert unknown_key_problems(after) == []  # Clawdbot's strict levels still pass
    edited_section = edit_path.split(".")[0]
    assert _sections(after, edited_section) == _sections(before, edited_section)
    assert "${" not in text or "${" in config.read_text()  # references stay references
    for secret in ENV.values():
        assert secret not in config.read_text()


def test_docs_include_example_validates_lists_and_edits(tmp_path: Path) -> None:
    (tmp_path / "clients").mkdir()
    for name, text in INCLUDED.items():
        (tmp_path / name).write_text(text)
    config = _write(tmp_path, INCLUDING)
    assert find_problems(config).problems == ()
    listed = run(["--config", str(config), "models", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    data = json.loads(listed.stdout)
    rows = {row["ref"]: row for row in data["models"]}
    assert rows["local/qwen2.5-72b"]["role"] == "fallback"
    assert rows["anthropic/claude-opus-4-5"]["sentBy"] == "clawdbot"
    included_before = {n: (tmp_path / n).read_bytes() for n in INCLUDED}

    set_config_value("gateway.bind", "loopback", config=config)

    _, raw, _ = read_raw(config)
    assert raw["agents"] == {"$include": "./agents.json5"}  # the include stays an include
    assert raw["gateway"] == {"port": 18789, "bind": "loopback"}
    assert {n: (tmp_path / n).read_bytes() for n in INCLUDED} == included_before
    assert find_problems(config).problems == ()
