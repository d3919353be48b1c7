"""``clawdbot-litellm models list | sync``: CliRunner through ``main``; network runs on cassettes
recorded from the real proxy (``--live`` sends them to it)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_support import run, write
from vcr_support import ProxyEndpoint

from clawdbot_litellm.config.resolve import load_config
from clawdbot_litellm.discovery import DiscoveredModel
from clawdbot_litellm.errors import ConfigError
from clawdbot_litellm.sync import sync_document

# Cassettes recorded from here on keep only the /model/info fields the code reads (vcr_support).
TRIM_MODEL_INFO = True


def litellm_config(base_url: str, models: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "models": {
            "providers": {
                "litellm": {
                    "baseUrl": base_url,
                    "apiKey": "${LITELLM_API_KEY}",
                    "api": "openai-completions",
                    "models": models,
                }
            }
        },
        **extra,
    }


TWO_PROVIDERS = {
    "models": {
        "providers": {
            "litellm": {
                "baseUrl": "http://localhost:4000",
                "apiKey": "${LITELLM_API_KEY}",
                "models": [
                    {"id": "gpt-4", "name": "GPT-4", "contextWindow": 128000, "maxTokens": 8192},
                    {"id": "gpt-4o", "name": "GPT-4o", "input": ["text", "image"]},
                ],
            },
            "local": {
                "baseUrl": "http://127.0.0.1:1234/v1",
                "models": [{"id": "llama", "name": "Llama", "reasoning": True}],
            },
        }
    },
    "agents": {
        "defaults": {
            "model": {"primary": "GPT-4", "fallbacks": ["local/llama"]},
            "models": {"litellm/gpt-4": {"alias": "GPT-4"}},
        }
    },
}


# --- models list --------------------------------------------------------------------------------


def test_list_shows_configured_models(tmp_path: Path) -> None:
    config = write(tmp_path / "c.json", TWO_PROVIDERS)
    result = run(["--config", str(config), "models", "list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"Config: {config}"
    assert lines[1].split() == [
        "REF", "NAME", "ALIAS", "CONTEXT", "MAX", "OUT", "REASONING", "INPUT", "ROLE", "SENT", "BY"
    ]  # fmt: skip
    assert lines[2].split() == ["litellm/gpt-4", "GPT-4", "GPT-4", "128000", "8192", "no", "text",
                                "primary", "this", "package"]  # fmt: skip
    assert lines[3].split() == ["litellm/gpt-4o", "GPT-4o", "-", "200000", "8192", "no",
                                "text+image", "-", "this", "package"]  # fmt: skip
    assert lines[4].split() == ["local/llama", "Llama", "-", "200000", "8192", "yes", "text",
                                "fallback", "this", "package"]  # fmt: skip
    assert "PROXY" not in result.stdout


def test_list_json_has_the_documented_shape(tmp_path: Path) -> None:
    config = write(tmp_path / "c.json", TWO_PROVIDERS)
    result = run(["--config", str(config), "models", "list", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["config"] == str(config)
    assert data["primary"] == "GPT-4"
    assert data["fallbacks"] == ["local/llama"]
    assert data["remote"] is None
    assert data["models"][0] == {
        "ref": "litellm/gpt-4",
        "provider": "litellm",
        "id": "gpt-4",
        "name": "GPT-4",
        "alias": "GPT-4",
        "contextWindow": 128000,
        "maxTokens": 8192,
        "reasoning": False,
        "input": ["text"],
        "role": "primary",
        "served": None,
        "sentBy": "clawdbot-litellm",
        "cost": {"input": 0.0, "output": 0.0, "cacheRead": 0.0, "cacheWrite": 0.0},
    }
    assert [m["ref"] for m in data["models"]] == ["litellm/gpt-4", "litellm/gpt-4o", "local/llama"]


def test_list_without_a_config_shows_the_environment_provider(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_MODEL", "claude-3-opus")
    missing = tmp_path / "none.json"
    result = run(["--config", str(missing), "models", "list", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [m["ref"] for m in data["models"]] == ["litellm/claude-3-opus"]
    assert data["primary"] == "litellm/claude-3-opus"
    text = run(["--config", str(missing), "models", "list"])
    assert f"Config: {missing} (not found)" in text.stdout


def test_list_with_no_models_says_how_to_add_one(tmp_path: Path) -> None:
    config = write(tmp_path / "c.json", {"models": {"mode": "replace"}})
    result = run(["--config", str(config), "models", "list"])
    assert result.exit_code == 0, result.output
    assert "No models configured. Run `clawdbot-litellm onboard`" in result.stdout


def test_list_reports_config_warnings_as_lines(tmp_path: Path) -> None:
    config = write(tmp_path / "c.json", litellm_config("http://localhost:4000/v1", []))
    result = run(["--config", str(config), "models", "list"])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("Warning: models.providers.litellm.baseUrl ends in /v1")


def test_list_on_an_invalid_config_fails_with_each_problem(tmp_path: Path) -> None:
    bad = litellm_config("http://localhost:4000", [{"id": "x", "name": "X", "contextWindw": 1}])
    config = write(tmp_path / "c.json", bad)
    result = run(["--config", str(config), "models", "list"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Invalid config")
    assert "- models.providers.litellm.models[0].contextWindw: unknown key" in result.stderr


def _modules_after(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run the CLI in a fresh interpreter and report its exit and whether openai got imported."""
    code = (
        "import json, sys\n"
        "from clawdbot_litellm.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "    status = 0\n"
        "except SystemExit as done:\n"
        "    status = done.code\n"
        "print(json.dumps({'status': status, 'openai': 'openai' in sys.modules}),"
        " file=sys.stderr)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    result: dict[str, Any] = json.loads(completed.stderr.strip().splitlines()[-1])
    return result


def test_list_does_not_import_openai_but_remote_does(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a closed port: --remote fails fast but has to import openai
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = write(tmp_path / "c.json", litellm_config(closed, [{"id": "gpt-4", "name": "G"}]))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "CLAWDBOT_CONFIG_PATH": str(config),
        "LITELLM_API_KEY": "sk-not-used-1234",
    }
    assert _modules_after(["models", "list"], env) == {"status": 0, "openai": False}
    assert _modules_after(["models", "list", "--json"], env) == {"status": 0, "openai": False}
    assert _modules_after(["models", "list", "--remote"], env) == {"status": 0, "openai": True}


@pytest.mark.usefixtures("loopback_allowed")
def test_list_remote_reports_an_unreachable_proxy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.setenv("LITELLM_API_KEY", "sk-not-used-1234")
    config = write(tmp_path / "c.json", litellm_config(closed, [{"id": "gpt-4", "name": "G"}]))
    result = run(["--config", str(config), "models", "list", "--remote", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["models"][0]["served"] is None
    (section,) = data["remote"]
    assert section["provider"] == "litellm"
    assert "Cannot reach the LiteLLM proxy" in section["error"]
    assert section["models"] == []
    text = run(["--config", str(config), "models", "list", "--remote"])
    assert "litellm: could not list models: Cannot reach" in text.stdout
    assert text.stdout.splitlines()[2].split()[-1] == "?"


# --- models sync: the pure document update ------------------------------------------------------

SERVED = [
    DiscoveredModel("gpt-4", context_window=128000, max_tokens=8192, reasoning=False, vision=False),
    DiscoveredModel("gpt-4o", context_window=128000, max_tokens=16384, vision=True),
    DiscoveredModel("o3-mini", context_window=200000, max_tokens=100000, reasoning=True),
    DiscoveredModel("bare"),
]


def _provider(raw: dict[str, Any], tmp_path: Path) -> Any:
    path = write(tmp_path / "c.json", raw)
    return load_config(path, environ={"LITELLM_API_KEY": "k", "H": "h"}).providers["litellm"]


def test_sync_document_updates_only_what_the_proxy_reports(tmp_path: Path) -> None:
    raw = litellm_config(
        "${LITELLM_BASE_URL}",
        [
            {"id": "gpt-4", "name": "GPT-4", "contextWindow": 8000 * 4, "headers": {"X": "${H}"}},
            {"id": "gpt-4o", "name": "GPT-4o", "input": ["text"], "maxTokens": 16384},
            {"id": "o3-mini", "name": "o3"},
            {"id": "bare", "name": "Bare", "contextWindow": 50000},
            {"id": "gone", "name": "Gone"},
        ],
    )
    provider = _provider(
        litellm_config("http://x", raw["models"]["providers"]["litellm"]["models"]), tmp_path
    )
    doc, report = sync_document(raw, provider, SERVED)
    models = doc["models"]["providers"]["litellm"]["models"]
    assert models[0] == {
        "id": "gpt-4",
        "name": "GPT-4",
        "contextWindow": 128000,
        "headers": {"X": "${H}"},
    }  # maxTokens 8192 and reasoning false are already the effective values: not written
    assert models[1] == {
        "id": "gpt-4o",
        "name": "GPT-4o",
        "input": ["text", "image"],
        "maxTokens": 16384,
        "contextWindow": 128000,
    }
    assert models[2] == {  # 200000 is already the default window: nothing to write
        "id": "o3-mini",
        "name": "o3",
        "maxTokens": 100000,
        "reasoning": True,
    }
    assert models[3] == {"id": "bare", "name": "Bare", "contextWindow": 50000}
    assert models[4] == {"id": "gone", "name": "Gone"}
    assert doc["models"]["providers"]["litellm"]["baseUrl"] == "${LITELLM_BASE_URL}"
    assert ("litellm/gpt-4", "contextWindow", 32000, 128000) in report.changes
    assert ("litellm/gpt-4o", "input", ["text"], ["text", "image"]) in report.changes
    assert ("litellm/o3-mini", "maxTokens", None, 100000) in report.changes
    assert report.not_served == ["gone"]
    assert report.not_configured == []
    assert raw["models"]["providers"]["litellm"]["models"][2] == {"id": "o3-mini", "name": "o3"}
    lines = report.lines()
    assert "~ litellm/gpt-4: contextWindow 32000 -> 128000" in lines
    assert "~ litellm/o3-mini: maxTokens (unset) -> 100000" in lines
    assert "! litellm/gone: configured, but the proxy does not serve it" in lines


def test_sync_document_removes_images_the_proxy_says_are_unsupported(tmp_path: Path) -> None:
    raw = litellm_config("http://x", [{"id": "gpt-4", "name": "G", "input": ["text", "image"]}])
    doc, report = sync_document(raw, _provider(raw, tmp_path), SERVED[:1])
    assert doc["models"]["providers"]["litellm"]["models"][0]["input"] == ["text"]
    assert not report.empty


def test_sync_document_adds_served_models_only_when_asked(tmp_path: Path) -> None:
    raw = litellm_config("http://x", [{"id": "gpt-4", "name": "G", "contextWindow": 128000}])
    provider = _provider(raw, tmp_path)
    doc, report = sync_document(raw, provider, SERVED)
    assert report.not_configured == ["gpt-4o", "o3-mini", "bare"]
    assert report.empty
    assert doc == raw
    added, report = sync_document(raw, provider, SERVED, add_all=True)
    models = added["models"]["providers"]["litellm"]["models"]
    assert [m["id"] for m in models] == ["gpt-4", "gpt-4o", "o3-mini", "bare"]
    assert models[1] == {
        "id": "gpt-4o",
        "name": "gpt-4o",
        "reasoning": False,
        "input": ["text", "image"],
        "contextWindow": 128000,
        "maxTokens": 16384,
        "compat": {"supportsStore": False},
    }
    assert models[3] == {
        "id": "bare",
        "name": "bare",
        "reasoning": False,
        "input": ["text"],
        "compat": {"supportsStore": False},
    }
    assert [d["id"] for d in report.added] == ["gpt-4o", "o3-mini", "bare"]
    assert (
        '+ litellm/gpt-4o: reasoning false, input ["text", "image"], contextWindow 128000, '
        "maxTokens 16384" in report.lines()
    )
    again, second = sync_document(added, _provider(added, tmp_path), SERVED, add_all=True)
    assert second.empty
    assert again == added


def test_sync_document_needs_the_provider_in_the_file(tmp_path: Path) -> None:
    provider = _provider(litellm_config("http://x", []), tmp_path)
    with pytest.raises(ConfigError, match="run `clawdbot-litellm onboard` first"):
        sync_document({"$include": "x.json"}, provider, SERVED)


# --- models sync: the command -------------------------------------------------------------------


def test_sync_without_the_provider_in_the_file_fails_before_any_request(tmp_path: Path) -> None:
    config = write(tmp_path / "c.json", {"gateway": {"port": 1}})
    result = run(["--config", str(config), "models", "sync"])  # no network: the guard would fail
    assert result.exit_code == 1
    assert "Error: models.providers.litellm.models is not in the config file" in result.stderr


def test_sync_an_unknown_provider_fails_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_API_KEY", "sk-not-used-1234")
    config = write(tmp_path / "c.json", TWO_PROVIDERS)
    result = run(["--config", str(config), "models", "sync", "--provider", "nope"])
    assert result.exit_code == 1
    assert "Error: No provider 'nope' is configured (configured: litellm, local)" in result.stderr


@pytest.mark.usefixtures("loopback_allowed")
def test_sync_against_an_unreachable_proxy_fails_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.setenv("LITELLM_API_KEY", "sk-not-used-1234")
    config = write(tmp_path / "c.json", litellm_config(closed, [{"id": "gpt-4", "name": "G"}]))
    before = config.read_text()
    result = run(["--config", str(config), "models", "sync"])
    assert result.exit_code == 1
    assert "Error: Cannot reach the LiteLLM proxy" in result.stderr
    assert config.read_text() == before


# --- against the proxy (cassettes; --live sends them to the real one) ----------------------------


@pytest.fixture
def proxy_config(
    tmp_path: Path, proxy_endpoint: ProxyEndpoint, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A config pointing at the proxy, its key referenced as ${LITELLM_API_KEY}."""
    monkeypatch.setenv("LITELLM_API_KEY", proxy_endpoint.api_key)
    monkeypatch.setenv("TELEGRAM_TOKEN", "telegram-test-token")
    models = [
        {"id": "gpt-4", "name": "GPT-4", "contextWindow": 64000},
        {"id": "gpt-4o", "name": "GPT-4o"},
        {"id": "o3-mini", "name": "o3-mini", "maxTokens": 4096},
        {"id": "not-on-the-proxy", "name": "Ghost"},
    ]
    extra = {"channels": {"telegram": {"botToken": "${TELEGRAM_TOKEN}"}}}
    return write(tmp_path / "c.json", litellm_config(proxy_endpoint.base_url, models, **extra))


def test_list_remote_sends_the_providers_headers(
    tmp_path: Path,
    proxy_endpoint: ProxyEndpoint,
    monkeypatch: pytest.MonkeyPatch,
    sent_requests: list[Any],
) -> None:
    monkeypatch.setenv("LITELLM_API_KEY", proxy_endpoint.api_key)
    document = litellm_config(proxy_endpoint.base_url, [{"id": "gpt-4", "name": "GPT-4"}])
    document["models"]["providers"]["litellm"]["headers"] = {"X-Gateway": "gate-1"}
    config = write(tmp_path / "c.json", document)
    result = run(["--config", str(config), "models", "list", "--remote", "--json"])
    assert result.exit_code == 0, result.output
    assert [(r.url.path, r.headers.get("x-gateway")) for r in sent_requests] == [
        ("/v1/models", "gate-1"),
        ("/v1/model/info", "gate-1"),
    ]


def test_list_remote_side_by_side(proxy_config: Path, proxy_endpoint: ProxyEndpoint) -> None:
    result = run(["--config", str(proxy_config), "models", "list", "--remote", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    served = {m["ref"]: m["served"] for m in data["models"]}
    assert served == {
        "litellm/gpt-4": True,
        "litellm/gpt-4o": True,
        "litellm/o3-mini": True,
        "litellm/not-on-the-proxy": False,
    }
    (section,) = data["remote"]
    assert section["error"] is None
    assert section["baseUrl"] == proxy_endpoint.base_url
    remote = {m["id"]: m for m in section["models"]}
    assert remote["claude-3-opus"] == {
        "id": "claude-3-opus",
        "contextWindow": 200000,
        "maxTokens": 4096,
        "reasoning": False,
        "vision": False,
        "prices": None,
        "configured": False,
    }
    assert remote["gpt-4o"]["vision"] is True
    assert remote["gpt-4"]["configured"] is True
    # LiteLLM's own price for gpt-4 ($0.00003 / $0.00006 a token), per million, exactly.
    assert remote["gpt-4"]["prices"] == {"input": 30, "output": 60}
    assert proxy_endpoint.api_key not in result.output


def test_list_remote_text_marks_both_directions(proxy_config: Path) -> None:
    result = run(["--config", str(proxy_config), "models", "list", "--remote"])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.rstrip() for line in result.stdout.splitlines()[2:6]}
    assert rows["litellm/gpt-4"].endswith("  served")
    assert rows["litellm/o3-mini"].endswith("  served")
    assert rows["litellm/not-on-the-proxy"].endswith("  NOT SERVED")
    assert "served by the proxy but not configured" in result.stdout
    assert "  litellm/claude-3-opus  (context 200000, max out 4096)" in result.stdout
    assert "  litellm/openai/gpt-4o-mini  (context 128000, max out 16384, images)" in result.stdout


def test_sync_dry_run_then_write(proxy_config: Path) -> None:
    proxy_config.write_text("// written by hand\n" + proxy_config.read_text())
    before = proxy_config.read_text()
    dry = run(["--config", str(proxy_config), "models", "sync", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "~ litellm/gpt-4: contextWindow 64000 -> 128000" in dry.stdout
    assert '~ litellm/gpt-4o: input (unset) -> ["text", "image"]' in dry.stdout
    assert "~ litellm/o3-mini: maxTokens 4096 -> 100000" in dry.stdout
    assert "~ litellm/o3-mini: reasoning (unset) -> true" in dry.stdout
    assert "! litellm/not-on-the-proxy: configured, but the proxy does not serve it" in dry.stdout
    assert "served but not configured (add them with --add-all): " in dry.stdout
    # The heading comes first, then its details; the dry run prints what the real run writes.
    assert dry.stdout.splitlines()[0] == (
        f"Dry run: nothing written; a real run would write {proxy_config}:"
    )
    assert all(line.startswith("  ") for line in dry.stdout.splitlines()[1:])
    assert proxy_config.read_text() == before

    real = run(["--config", str(proxy_config), "models", "sync"])
    assert real.exit_code == 0, real.output
    assert real.stdout.splitlines()[0] == f"Wrote {proxy_config}:"
    assert real.stdout.splitlines()[1:] == dry.stdout.splitlines()[1:]
    # Comment loss is a Warning: line, as from every other writer (not Python's warning format).
    assert f"\nWarning: {proxy_config} had JSON5 comments; they were dropped" in real.stderr
    assert "ConfigWarning" not in real.stderr
    assert "// written by hand" in Path(f"{proxy_config}.bak").read_text()
    data = json.loads(proxy_config.read_text())
    provider = data["models"]["providers"]["litellm"]
    assert provider["apiKey"] == "${LITELLM_API_KEY}"
    assert data["channels"]["telegram"]["botToken"] == "${TELEGRAM_TOKEN}"
    by_id = {m["id"]: m for m in provider["models"]}
    assert by_id["gpt-4"]["contextWindow"] == 128000
    assert by_id["gpt-4o"]["input"] == ["text", "image"]
    assert by_id["o3-mini"]["reasoning"] is True
    assert by_id["not-on-the-proxy"] == {"id": "not-on-the-proxy", "name": "Ghost"}
    assert len(provider["models"]) == 4


def test_sync_add_all_then_nothing_left(proxy_config: Path) -> None:
    first = run(["--config", str(proxy_config), "models", "sync", "--add-all"])
    assert first.exit_code == 0, first.output
    assert "+ litellm/claude-3-opus: reasoning false, input [\"text\"], contextWindow 200000, " \
        "maxTokens 4096" in first.stdout  # fmt: skip
    ids = [m["id"] for m in json.loads(proxy_config.read_text())["models"]["providers"]["litellm"][
        "models"]]  # fmt: skip
    assert {"claude-3-opus", "openai/gpt-4o-mini", "stream-cutoff"} <= set(ids)
    assert len(ids) == len(set(ids))
    second = run(["--config", str(proxy_config), "models", "sync", "--add-all"])
    assert second.exit_code == 0, second.output
    assert "litellm: already in sync with the proxy; nothing written." in second.stdout
