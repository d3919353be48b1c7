"""``clawdbot-litellm doctor``: one line per check, a fix on each failure, stable JSON, exit codes.

CliRunner through ``main``; the proxy cases run on cassettes recorded from the real proxy
(``--live`` sends them to it). The checks themselves are tested in ``tests/test_doctor.py``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from cli_support import run, write
from vcr_support import ProxyEndpoint

from clawdbot_litellm.cli.doctor import check_line
from clawdbot_litellm.doctor import Check

# /model/info is about 230 KB from the test proxy; its cassettes keep only the fields the code
# reads, as the proxy sent them (tests/vcr_support.py: trim_model_info).
TRIM_MODEL_INFO = True


def config_for(base_url: str, models: list[dict[str, Any]]) -> dict[str, Any]:
    provider = {"baseUrl": base_url, "apiKey": "${LITELLM_API_KEY}", "models": models}
    return {"models": {"providers": {"litellm": provider}}}


GPT4 = {"id": "gpt-4", "name": "GPT-4", "contextWindow": 128000}
LIMITED = {"id": "rate-limited", "name": "Limited", "contextWindow": 128000}
BROKEN = '{ models: { mode: "merge" }\n  oops }\n'


def test_every_check_passes_against_a_healthy_proxy(
    tmp_path: Path, proxy_endpoint: ProxyEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_API_KEY", proxy_endpoint.api_key)
    config = write(tmp_path / "c.json", config_for(proxy_endpoint.base_url, [GPT4]))
    result = run(["--config", str(config), "doctor"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [
        "ok    config file",
        "ok    config syntax",
        "ok    env references",
        "ok    config schema",
        "ok    base URL",
        "ok    proxy reachable",
        "ok    API key",
        "ok    proxy health",
        "skip  key budget",
        "skip  key expiry",
        "ok    model litellm/gpt-4",
        "ok    context window litellm/gpt-4",
    ]
    assert lines[-1] == "All 10 checks passed (2 skipped)."
    assert "skip  key budget: this proxy keeps no key budgets" in result.stdout
    assert lines[0] == f"ok    config file: {config} (the path given)"
    assert result.stderr == "Checking the config and the proxy...\n"
    assert proxy_endpoint.api_key not in result.output


def test_a_failure_says_what_to_do_and_exits_1(
    tmp_path: Path, proxy_endpoint: ProxyEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "sk-wrong-key-0123456789"
    monkeypatch.setenv("LITELLM_API_KEY", wrong)
    config = write(tmp_path / "c.json", config_for(proxy_endpoint.base_url, [GPT4]))
    result = run(["--config", str(config), "doctor"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[6].startswith("FAIL  API key: The proxy at ")
    assert lines[6].endswith(
        "; fix: set LITELLM_API_KEY (or models.providers.litellm.apiKey) to a key the proxy accepts"
    )
    assert lines[-1] == "1 check failed; fix the first one first."
    assert wrong not in result.output
    assert "sk-…6789" in result.stdout


def test_skipped_checks_are_counted_and_the_config_path_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "c.json5"
    config.write_text(BROKEN)
    monkeypatch.setenv("CLAWDBOT_CONFIG_PATH", str(config))
    result = run(["doctor"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"ok    config file: {config} (from $CLAWDBOT_CONFIG_PATH)"
    assert lines[1].startswith(f"FAIL  config syntax: {config}:2:3: invalid JSON5")
    # The fix is said once: the parser's own advice moves from the detail into "fix:".
    assert lines[1].endswith(
        "found 'o'; fix: fix the syntax at that position (JSON5 allows comments, trailing "
        "commas and unquoted keys)"
    )
    assert lines[1].lower().count("fix the syntax") == 1
    assert lines[2] == "skip  env references: the config cannot be read"
    assert lines[-1] == "1 check failed (5 skipped); fix the first one first."


def test_json_is_stable_and_exits_1_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write(tmp_path / "c.json", config_for("http://localhost:4000", [GPT4]))
    monkeypatch.setenv("TOKEN_NOT_SHOWN", "unused")
    result = run(["--config", str(config), "doctor", "--json"])  # no key: nothing is sent
    assert result.exit_code == 1
    assert result.stderr == ""  # no spinner: stdout is the JSON alone
    data = json.loads(result.stdout)
    assert list(data) == ["ok", "config", "checks"]
    assert data["ok"] is False
    assert data["config"] == str(config)
    assert [c["name"] for c in data["checks"]] == [
        "config file",
        "config syntax",
        "env references",
        "config schema",
        "base URL",
        "proxy reachable",
        "API key",
    ]
    env = data["checks"][2]
    assert env == {
        "name": "env references",
        "status": "fail",
        "ok": False,
        "detail": "unset or empty: LITELLM_API_KEY (at models.providers.litellm.apiKey)",
        "fix": "export LITELLM_API_KEY, or set it in the config's env block "
        '(env: { LITELLM_API_KEY: "..." })',
    }
    assert data["checks"][5]["status"] == "skip"
    assert data["checks"][5]["ok"] is None


def test_json_of_a_healthy_setup_exits_0(
    tmp_path: Path, proxy_endpoint: ProxyEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_API_KEY", proxy_endpoint.api_key)
    config = write(tmp_path / "c.json", config_for(proxy_endpoint.base_url, [GPT4]))
    result = run(["--config", str(config), "doctor", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert {
        c["status"] for c in data["checks"] if c["name"] not in ("key budget", "key expiry")
    } == {"ok"}
    assert proxy_endpoint.api_key not in result.stdout


def test_check_lines() -> None:
    def line(check: Check) -> str:
        return click.unstyle(check_line(check))

    assert line(Check("a", True, "fine", "unused")) == "ok    a: fine"
    assert line(Check("b", None, "why")) == "skip  b: why"
    assert line(Check("c", False, "broken", "mend it")) == "FAIL  c: broken; fix: mend it"
    assert check_line(Check("c", False, "broken")) != line(Check("c", False, "broken"))


def test_help_and_a_broken_config_do_not_import_openai(tmp_path: Path) -> None:
    config = tmp_path / "c.json"
    config.write_text(BROKEN)
    code = (
        "import sys\n"
        "from clawdbot_litellm.cli import main\n"
        "for args in (['doctor', '--help'], ['--config', sys.argv[1], 'doctor']):\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit as done:\n"
        "        print('exit', done.code, file=sys.stderr)\n"
        "print('openai' in sys.modules, file=sys.stderr)\n"
    )
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code, str(config)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert "--json" in done.stdout
    assert "FAIL  config syntax" in done.stdout
    assert done.stderr.strip().splitlines()[-3:] == [
        "Checking the config and the proxy...",
        "exit 1",
        "False",
    ]


@pytest.mark.live
def test_doctor_against_the_live_proxy(
    tmp_path: Path, litellm_proxy: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_API_KEY", litellm_proxy.api_key)
    models = [GPT4, {"id": "missing-model", "name": "Missing", "contextWindow": 128000}]
    config = write(tmp_path / "c.json", config_for(litellm_proxy.base_url, models))
    result = run(["--config", str(config), "doctor"])
    assert result.exit_code == 1
    assert "ok    proxy reachable" in result.stdout
    assert "FAIL  model litellm/missing-model: configured but not served" in result.stdout
    assert "skip  context window litellm/missing-model" in result.stdout
    assert result.stdout.splitlines()[-1] == "1 check failed (3 skipped); fix the first one first."


# --- --deep: the proxy's /health ------------------------------------------------------------------

DEEP_WARNING = (
    "--deep: the proxy's /health sends a request to every upstream model; those requests are "
    "billed by the upstreams."
)
# tests/proxy/litellm_config.yaml: 20 deployments, five of them error mocks, in the config's
# order with the status LiteLLM 1.108.7 gives each failure. /health itself names all five
# "openai/gpt-4" (their litellm_params.model); the names here come from /model/info.
UNHEALTHY = (
    "5 of 20 unhealthy: rate-limited (429), server-error (500), context-overflow (400), "
    "slow (408), stream-error (529)"
)
UPSTREAM_FIX = "fix the upstream credentials or endpoints in the proxy's config (its log says why)"


def urls(text: str) -> list[str]:
    return re.findall(r"https?://[^\s;,()]+", text)


def recorded_text(cassette: Any) -> str:
    """Every response body the cassette holds (None with --live: nothing recorded)."""
    if cassette is None:
        return ""
    bodies = [response["body"]["string"] for response in cassette.responses]
    return "".join(b.decode() if isinstance(b, bytes) else str(b or "") for b in bodies)


def test_deep_warns_first_and_names_unhealthy_upstreams_by_model_name(
    tmp_path: Path, proxy_endpoint: ProxyEndpoint, cassette: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_API_KEY", proxy_endpoint.api_key)
    config = write(tmp_path / "c.json", config_for(proxy_endpoint.base_url, [GPT4]))
    result = run(["--config", str(config), "doctor", "--deep"])
    # Only models this config does not use are unhealthy: a warning, not a failure.
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"{DEEP_WARNING}\nChecking the config and the proxy and its upstreams...\n"
    )
    lines = result.stdout.splitlines()
    assert lines[-2] == (
        f"warn  upstreams (/health): {UNHEALTHY}; none of them is configured here; "
        f"fix: {UPSTREAM_FIX}"
    )
    assert lines[-1] == "All 11 checks passed (2 skipped, 1 warning)."
    # /health's answer holds upstream URLs (api_base) and error texts; none of it is shown.
    recorded = recorded_text(cassette)
    if cassette is not None:
        assert '"api_base"' in recorded
        assert "stack trace" in recorded
    assert all(url.startswith(proxy_endpoint.base_url) for url in urls(result.output))
    assert "api_base" not in result.output
    assert "Traceback" not in result.output
    assert "placeholder-not-a-key" not in result.output
    assert proxy_endpoint.api_key not in result.output


def test_deep_asks_the_proxy_for_each_thing_once(
    tmp_path: Path,
    proxy_endpoint: ProxyEndpoint,
    sent_requests: list[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Discovery's /model/info (about 230 KB from the test proxy) also names /health's rows."""
    monkeypatch.setenv("LITELLM_API_KEY", proxy_endpoint.api_key)
    config = write(tmp_path / "c.json", config_for(proxy_endpoint.base_url, [GPT4, LIMITED]))
    result = run(["--config", str(config), "doctor", "--deep", "--json"])
    assert result.exit_code == 1, result.output
    sent_paths = [request.url.path for request in sent_requests]
    assert [path for path in sent_paths if path.endswith("/model/info")] == ["/v1/model/info"]
    assert sorted(sent_paths) == sorted(set(sent_paths))  # nothing asked twice
    assert "/health" in sent_paths
    # The names still come from /model/info: /health alone calls all five "openai/gpt-4".
    detail = json.loads(result.stdout)["checks"][-1]["detail"]
    assert detail == f"{UNHEALTHY}; configured here: litellm/rate-limited"


def test_deep_fails_when_a_configured_model_is_unhealthy(
    tmp_path: Path, proxy_endpoint: ProxyEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_API_KEY", proxy_endpoint.api_key)
    config = write(tmp_path / "c.json", config_for(proxy_endpoint.base_url, [GPT4, LIMITED]))
    result = run(["--config", str(config), "doctor", "--deep", "--json"])
    assert result.exit_code == 1, result.output
    assert result.stderr == f"{DEEP_WARNING}\n"  # no spinner: stdout is the JSON alone
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["checks"][-1] == {
        "name": "upstreams (/health)",
        "status": "fail",
        "ok": False,
        "detail": f"{UNHEALTHY}; configured here: litellm/rate-limited",
        "fix": UPSTREAM_FIX,
    }
    # The model itself is served: only /health says its upstream fails.
    assert {c["name"]: c["status"] for c in data["checks"]}["model litellm/rate-limited"] == "ok"
    assert all(url.startswith(proxy_endpoint.base_url) for url in urls(result.stdout))


@pytest.mark.live
def test_deep_against_the_live_proxy_in_a_subprocess(tmp_path: Path, litellm_proxy: Any) -> None:
    """The installed command, its real stderr: the cost warning comes before anything else."""
    config = write(tmp_path / "c.json", config_for(litellm_proxy.base_url, [GPT4]))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "LITELLM_API_KEY": litellm_proxy.api_key,
        "NO_PROXY": "127.0.0.1",
    }
    command = Path(sys.executable).parent / "clawdbot-litellm"
    done = subprocess.run(
        [str(command), "--config", str(config), "doctor", "--deep"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr.splitlines()[0] == DEEP_WARNING
    assert f"warn  upstreams (/health): {UNHEALTHY}; none of them is configured here" in (
        done.stdout
    )
    assert done.stdout.splitlines()[-1] == "All 11 checks passed (2 skipped, 1 warning)."
    assert all(url.startswith(litellm_proxy.base_url) for url in urls(done.stdout))
    assert litellm_proxy.api_key not in done.stdout + done.stderr
