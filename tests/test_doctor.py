"""``run_checks``: each check's verdict, what is skipped after a failure, and that no key leaks.

Offline cases use no network (or a closed loopback port); proxy cases run on cassettes recorded
from the real proxy (``--live`` sends them to it) and once against the live proxy itself.
"""

from __future__ import annotations

import json
import socket
import time
import warnings
from pathlib import Path
from typing import Any

import pytest
from vcr_support import ProxyEndpoint

from clawdbot_litellm.config.resolve import ConfigWarning, ImplicitProvider, from_environment
from clawdbot_litellm.config.schema import ModelDefinition, Provider, ProviderConfig
from clawdbot_litellm.doctor import DOCTOR_TIMEOUT, Check, failed, run_checks
from clawdbot_litellm.proxy_status import DEEP_HEALTH_TIMEOUT, UpstreamHealth, deep_health

# /model/info is about 230 KB from the test proxy; its cassettes keep only the fields the code
# reads, as the proxy sent them (tests/vcr_support.py: trim_model_info).
TRIM_MODEL_INFO = True
GHOST = "not-on-the-proxy"


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def litellm(base_url: str, models: list[dict[str, Any]], **provider: Any) -> dict[str, Any]:
    entry = {"baseUrl": base_url, "apiKey": "${LITELLM_API_KEY}", "models": models, **provider}
    return {"models": {"providers": {"litellm": entry}}}


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


def statuses(checks: list[Check]) -> dict[str, str]:
    return {check.name: check.status for check in checks}


def everything(checks: list[Check]) -> str:
    return json.dumps([check.as_dict() for check in checks])


@pytest.fixture
def closed_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


GPT4 = {"id": "gpt-4", "name": "GPT-4", "contextWindow": 128000}


# --- the file and the config itself (no network) ------------------------------------------------


@pytest.mark.usefixtures("loopback_allowed")  # the default http://localhost:4000 is still tried
def test_a_missing_file_without_litellm_variables_fails_with_the_onboarding_fix(
    tmp_path: Path,
) -> None:
    checks = run_checks(tmp_path / "none.json", environ={}, timeout=0.5)
    first = checks[0]
    assert first.name == "config file"
    assert first.ok is False
    assert "does not exist and no LITELLM_* variables are set" in first.detail
    assert "clawdbot-litellm onboard --auth-choice litellm-api-key" in first.fix


@pytest.mark.usefixtures("loopback_allowed")
def test_a_missing_file_is_fine_when_the_environment_describes_the_proxy(
    tmp_path: Path, closed_url: str
) -> None:
    checks = run_checks(tmp_path / "none.json", environ={"LITELLM_BASE_URL": closed_url}, timeout=2)
    assert statuses(checks) == {
        "config file": "ok",
        "config syntax": "skip",
        "env references": "ok",
        "config schema": "ok",
        "base URL": "ok",
        "proxy reachable": "fail",
        "API key": "skip",
    }
    found = by_name(checks)
    assert "using the LITELLM_* environment alone" in found["config file"].detail
    assert found["base URL"].detail == f"{closed_url} (environment LITELLM_BASE_URL)"
    assert "Cannot reach the LiteLLM proxy" in found["proxy reachable"].detail
    # The error's own advice is the fix, said once (not also in the detail).
    assert found["proxy reachable"].fix == (
        "start the proxy (litellm --config config.yaml) or point LITELLM_BASE_URL / "
        "models.providers.litellm.baseUrl at it"
    )
    assert "Start the proxy" not in found["proxy reachable"].detail


@pytest.mark.usefixtures("loopback_allowed")
def test_the_default_location_is_named(tmp_path: Path, closed_url: str) -> None:
    environ = {"CLAWDBOT_STATE_DIR": str(tmp_path), "LITELLM_BASE_URL": closed_url}
    checks = run_checks(environ=environ, timeout=0.5)
    assert checks[0].detail.startswith(f"{tmp_path / 'clawdbot.json'} (from $CLAWDBOT_STATE_DIR)")


def test_a_syntax_error_fails_and_skips_every_later_check(tmp_path: Path) -> None:
    config = tmp_path / "c.json"
    config.write_text('{ models: { mode: "merge" }\n  oops }\n')
    checks = run_checks(config, environ={}, timeout=0.5)
    assert statuses(checks) == {
        "config file": "ok",
        "config syntax": "fail",
        "env references": "skip",
        "config schema": "skip",
        "base URL": "skip",
        "proxy reachable": "skip",
        "API key": "skip",
    }
    syntax = by_name(checks)["config syntax"]
    assert syntax.detail.startswith(f"{config}:2:3: invalid JSON5")
    assert all(c.detail == "the config cannot be read" for c in checks if c.ok is None)


def test_missing_variables_are_named_never_their_neighbours_values(tmp_path: Path) -> None:
    data = litellm("http://localhost:4000", [GPT4])
    data["channels"] = {"telegram": {"botToken": "${TELEGRAM_TOKEN}", "chat": "${CHAT_ID}"}}
    config = write(tmp_path / "c.json", data)
    environ = {"TELEGRAM_TOKEN": "telegram-secret-value-1234"}
    checks = run_checks(config, environ=environ, timeout=0.5)
    found = by_name(checks)
    env = found["env references"]
    assert env.ok is False
    assert env.detail == (
        "unset or empty: LITELLM_API_KEY (at models.providers.litellm.apiKey), "
        "CHAT_ID (at channels.telegram.chat)"
    )
    assert env.fix.startswith("export CHAT_ID and LITELLM_API_KEY, or set them in the config's")
    # The schema is still judged (the unset references are kept), and so is the base URL;
    # the proxy checks need the litellm provider's own variable.
    assert found["config schema"].ok is True
    assert found["base URL"].ok is True
    assert found["proxy reachable"].ok is None
    assert found["proxy reachable"].detail == "LITELLM_API_KEY must be set first"
    assert found["API key"].ok is None
    assert "telegram-secret-value-1234" not in everything(checks)


def test_an_unset_base_url_variable_skips_the_base_url_check(tmp_path: Path) -> None:
    config = write(tmp_path / "c.json", litellm("${PROXY_URL}/", [GPT4]))
    checks = run_checks(config, environ={"LITELLM_API_KEY": "sk-set-but-unused"})
    assert statuses(checks)["base URL"] == "skip"
    assert by_name(checks)["base URL"].detail == "PROXY_URL must be set first"
    assert by_name(checks)["proxy reachable"].detail == "PROXY_URL must be set first"


@pytest.mark.usefixtures("loopback_allowed")
def test_references_say_where_each_variable_is_set_without_its_value(
    tmp_path: Path, closed_url: str
) -> None:
    data = litellm("${LITELLM_BASE_URL}", [GPT4])
    data["env"] = {"vars": {"LITELLM_BASE_URL": closed_url}}
    config = write(tmp_path / "c.json", data)
    checks = run_checks(config, environ={"LITELLM_API_KEY": "sk-environment-key-5678"}, timeout=2)
    env = by_name(checks)["env references"]
    assert env.ok is True
    assert env.detail == "all set: LITELLM_API_KEY (environment), LITELLM_BASE_URL (env block)"
    assert "sk-environment-key-5678" not in everything(checks)


def test_a_schema_problem_fails_and_skips_the_proxy_checks(tmp_path: Path) -> None:
    config = write(tmp_path / "c.json", litellm("http://x:4000", [{**GPT4, "contextWindw": 1}]))
    checks = run_checks(config, environ={"LITELLM_API_KEY": "k"})
    schema = by_name(checks)["config schema"]
    assert schema.ok is False
    assert "models.providers.litellm.models[0].contextWindw: unknown key" in schema.detail
    assert "config validate" in schema.fix
    assert [c.status for c in checks[-3:]] == ["skip", "skip", "skip"]
    assert {c.detail for c in checks[-3:]} == {"the config does not validate"}


@pytest.mark.usefixtures("loopback_allowed")
def test_problems_beyond_the_schema_fail_but_the_proxy_is_still_checked(
    tmp_path: Path, closed_url: str
) -> None:
    data = litellm(closed_url, [GPT4])
    data["agents"] = {"defaults": {"model": {"primary": "litellm/gpt-5"}}}
    config = write(tmp_path / "c.json", data)
    checks = run_checks(config, environ={"LITELLM_API_KEY": "k"}, timeout=2)
    schema = by_name(checks)["config schema"]
    assert schema.ok is False
    assert "agents.defaults.model.primary: Unknown model: litellm/gpt-5" in schema.detail
    assert by_name(checks)["proxy reachable"].ok is False  # run, not skipped


@pytest.mark.usefixtures("loopback_allowed")
def test_refs_to_a_plugins_provider_pass_the_schema_check_given_implicit(
    tmp_path: Path, closed_url: str
) -> None:
    data = litellm(closed_url, [GPT4])
    data["agents"] = {"defaults": {"model": {"primary": "acme/acme-large"}}}
    config = write(tmp_path / "c.json", data)
    acme = ProviderConfig(
        base_url="http://acme.invalid:9000", models=(ModelDefinition(id="acme-large", name="L"),)
    )
    env = {"LITELLM_API_KEY": "k"}

    without = by_name(run_checks(config, environ=env, timeout=2))["config schema"]
    assert without.ok is False
    assert "agents.defaults.model.primary: Unknown model: acme/acme-large." in without.detail
    checks = run_checks(
        config, environ=env, timeout=2, implicit={"acme": ImplicitProvider(acme, {})}
    )
    schema = by_name(checks)["config schema"]
    assert (schema.status, schema.detail) == ("ok", "valid (2 model(s) configured)")
    assert by_name(checks)["proxy reachable"].ok is False  # still the litellm proxy's checks


@pytest.mark.usefixtures("loopback_allowed")
def test_a_v1_base_url_warns_with_the_config_set_that_fixes_it(
    tmp_path: Path, closed_url: str
) -> None:
    config = write(tmp_path / "c.json", litellm(f"{closed_url}/v1/", [GPT4]))
    checks = run_checks(config, environ={"LITELLM_API_KEY": "k"}, timeout=2)
    base = by_name(checks)["base URL"]
    assert base.ok is True  # it works: the client drops the /v1
    assert base.status == "warn"
    assert base.as_dict()["status"] == "warn"
    assert base.detail == (
        f"{closed_url}/v1/ ends in /v1: this package uses {closed_url}, but Clawdbot appends "
        "/v1 itself and would call .../v1/v1"
    )
    assert base.fix == f"clawdbot-litellm config set models.providers.litellm.baseUrl {closed_url}"
    # Said once, by this check: the schema check does not repeat resolve's warning.
    assert by_name(checks)["config schema"].detail == "valid (1 model(s) configured)"
    # The adapter strips /v1, so the proxy is still tried, at the right place.
    reachable = by_name(checks)["proxy reachable"]
    assert reachable.ok is False
    assert f"{closed_url}/v1 " in reachable.detail


def test_small_context_windows_are_noted_without_failing(tmp_path: Path) -> None:
    config = write(
        tmp_path / "c.json",
        {
            "models": {
                "mode": "replace",
                "providers": {
                    "local": {
                        "baseUrl": "http://x:1/v1",
                        "models": [{"id": "m", "name": "M", "contextWindow": 20000}],
                    }
                },
            }
        },
    )
    checks = run_checks(config, environ={})
    schema = by_name(checks)["config schema"]
    assert schema.ok is True
    assert "note: local/m: contextWindow 20000 is small" in schema.detail


def test_without_a_litellm_provider_the_proxy_checks_are_skipped(tmp_path: Path) -> None:
    config = write(
        tmp_path / "c.json",
        {
            "models": {
                "mode": "replace",
                "providers": {"local": {"baseUrl": "http://x:1/v1", "models": []}},
            }
        },
    )
    checks = run_checks(config, environ={})
    assert not failed(checks)
    assert [c.status for c in checks[-3:]] == ["skip", "skip", "skip"]
    assert 'no litellm provider (models.mode is "replace" without one)' in checks[-1].detail


def test_checks_report_instead_of_warning(tmp_path: Path) -> None:
    config = write(tmp_path / "c.json", litellm("http://x:4000/v1", [GPT4]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run_checks(config, environ={})  # unset key: no request is sent
    assert not [w for w in caught if issubclass(w.category, ConfigWarning)]


def test_check_json_shape() -> None:
    check = Check("base URL", False, "bad", "fix it")
    assert check.as_dict() == {
        "name": "base URL",
        "status": "fail",
        "ok": False,
        "detail": "bad",
        "fix": "fix it",
    }
    assert Check("x", None, "why").status == "skip"
    assert Check("x", True, "fine").status == "ok"
    assert failed([check, Check("x", None, "why"), Check("y", True, "")]) == [check]


# --- against the proxy (cassettes; --live sends them to the real one) ----------------------------


def proxy_config(tmp_path: Path, endpoint: ProxyEndpoint, models: list[dict[str, Any]]) -> Path:
    return write(tmp_path / "c.json", litellm(endpoint.base_url, models))


def test_a_healthy_setup_passes_every_check(tmp_path: Path, proxy_endpoint: ProxyEndpoint) -> None:
    models = [GPT4, {"id": "claude-3-opus", "name": "Opus", "contextWindow": 200000}]
    config = proxy_config(tmp_path, proxy_endpoint, models)
    checks = run_checks(config, environ={"LITELLM_API_KEY": proxy_endpoint.api_key})
    assert [c.name for c in checks] == [
        "config file",
        "config syntax",
        "env references",
        "config schema",
        "base URL",
        "proxy reachable",
        "API key",
        "proxy health",
        "key budget",
        "key expiry",
        "model litellm/gpt-4",
        "context window litellm/gpt-4",
        "model litellm/claude-3-opus",
        "context window litellm/claude-3-opus",
    ]
    assert not failed(checks), everything(checks)
    # The test proxy has no database: the key checks are skipped, never failed.
    assert [c.name for c in checks if c.ok is None] == ["key budget", "key expiry"]
    assert all(c.ok for c in checks if c.ok is not None)
    found = by_name(checks)
    assert found["API key"].detail.startswith("accepted: sk-…test, from file ")
    assert found["context window litellm/gpt-4"].detail == "128000 tokens, as the proxy says"
    assert proxy_endpoint.api_key not in everything(checks)


def test_every_request_carries_the_providers_headers(
    tmp_path: Path, proxy_endpoint: ProxyEndpoint, sent_requests: list[Any]
) -> None:
    # A gateway in front of the proxy may need its own header: discovery sends it as chat does.
    document = litellm(proxy_endpoint.base_url, [GPT4], headers={"X-Gateway": "gate-1"})
    config = write(tmp_path / "c.json", document)
    checks = run_checks(config, environ={"LITELLM_API_KEY": proxy_endpoint.api_key})
    assert not failed(checks), everything(checks)
    paths = [request.url.path for request in sent_requests]
    # No /key/info: the test proxy has no database, which /health/readiness says.
    assert paths == ["/health/liveliness", "/health/readiness", "/v1/models", "/v1/model/info"]
    assert [r.url.path for r in sent_requests if r.headers.get("x-gateway") != "gate-1"] == []


def test_a_rejected_key_fails_the_key_check_only(
    tmp_path: Path, proxy_endpoint: ProxyEndpoint
) -> None:
    wrong = "sk-wrong-key-0123456789"
    config = proxy_config(tmp_path, proxy_endpoint, [GPT4])
    checks = run_checks(config, environ={"LITELLM_API_KEY": wrong})
    found = by_name(checks)
    assert found["proxy reachable"].ok is True
    key = found["API key"]
    assert key.ok is False
    assert "rejected the API key (key sk-…6789" in key.detail
    assert key.fix == (
        "set LITELLM_API_KEY (or models.providers.litellm.apiKey) to a key the proxy accepts"
    )
    assert checks[-1] is key  # nothing about models without a working key
    assert wrong not in everything(checks)


def test_no_key_at_all_fails_the_key_check(tmp_path: Path, proxy_endpoint: ProxyEndpoint) -> None:
    data = litellm(proxy_endpoint.base_url, [GPT4])
    del data["models"]["providers"]["litellm"]["apiKey"]
    checks = run_checks(write(tmp_path / "c.json", data), environ={})
    key = by_name(checks)["API key"]
    assert key.ok is False
    assert "no API key was sent" in key.detail


def test_models_not_served_and_windows_that_disagree_fail(
    tmp_path: Path, proxy_endpoint: ProxyEndpoint
) -> None:
    models = [
        {"id": "gpt-4", "name": "GPT-4"},  # the default window, 200000; the proxy says 128000
        {"id": GHOST, "name": "Ghost"},
        {"id": "claude-3-opus", "name": "Opus", "contextWindow": 200000, "maxTokens": 8192},
    ]
    config = proxy_config(tmp_path, proxy_endpoint, models)
    checks = run_checks(config, environ={"LITELLM_API_KEY": proxy_endpoint.api_key})
    found = by_name(checks)
    window = found["context window litellm/gpt-4"]
    assert window.ok is False
    assert window.detail == "configured 200000, the proxy says 128000"
    assert window.fix == "run `clawdbot-litellm models sync` (or set contextWindow to 128000)"
    ghost = found[f"model litellm/{GHOST}"]
    assert ghost.ok is False
    prefix = "configured but not served by the proxy (it serves: "
    assert ghost.detail.startswith(prefix)
    assert ghost.detail.endswith(")")
    # The whole served list, sorted (the test proxy's list grows, so not spelt out here).
    names = ghost.detail[len(prefix) : -1].split(", ")
    assert names == sorted(names)
    assert {"claude-3-opus", "context-overflow", "gpt-4"} <= set(names)
    assert GHOST not in names
    assert "model_list" in ghost.fix
    assert found[f"context window litellm/{GHOST}"].ok is None
    opus = found["context window litellm/claude-3-opus"]
    assert opus.ok is True  # maxTokens differs, which the detail mentions without failing
    assert (
        opus.detail
        == "200000 tokens, as the proxy says (the proxy also suggests maxTokens -> 4096)"
    )
    assert [c.name for c in failed(checks)] == [
        "context window litellm/gpt-4",
        f"model litellm/{GHOST}",
    ]


@pytest.mark.live
def test_the_live_proxy_passes(tmp_path: Path, litellm_proxy: Any) -> None:
    endpoint = ProxyEndpoint(litellm_proxy.base_url, litellm_proxy.api_key)
    config = proxy_config(
        tmp_path,
        endpoint,
        [GPT4, {"id": "gpt-4o", "name": "4o", "contextWindow": 128000, "input": ["text", "image"]}],
    )
    checks = run_checks(config, environ={"LITELLM_API_KEY": litellm_proxy.api_key})
    assert not failed(checks), everything(checks)
    assert len(checks) == 14  # + proxy health, key budget, key expiry (skipped: no database)


# --- --deep: /health that does not answer -------------------------------------------------------


def _provider(base_url: str) -> Provider:
    config = from_environment({"LITELLM_BASE_URL": base_url, "LITELLM_API_KEY": "sk-test-0000"})
    return config.providers["litellm"]


@pytest.mark.usefixtures("loopback_allowed")
def test_deep_health_of_a_closed_port_says_it_could_not_reach_it(closed_url: str) -> None:
    found = deep_health(_provider(closed_url), timeout=5, names={})
    assert found == UpstreamHealth(error="/health could not be reached (ConnectError)")


@pytest.mark.usefixtures("loopback_allowed")
def test_deep_health_gives_up_after_its_timeout() -> None:
    with socket.socket() as server:  # accepts the connection, never answers
        server.bind(("127.0.0.1", 0))
        server.listen()
        started = time.monotonic()
        found = deep_health(_provider(f"http://127.0.0.1:{server.getsockname()[1]}"), 0.5, names={})
        waited = time.monotonic() - started
    assert found == UpstreamHealth(error="/health did not answer within 0.5 s")
    assert 0.4 < waited < 5


def test_deep_waits_longer_than_litellms_own_per_upstream_limit() -> None:
    # LiteLLM 1.108.7 gives each upstream check 60 s (HEALTH_CHECK_TIMEOUT_SECONDS), all at
    # once; the doctor's 5 s default would give up on any slow upstream.
    assert DEEP_HEALTH_TIMEOUT > 60 > DOCTOR_TIMEOUT
