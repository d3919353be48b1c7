"""A canary key run through every command never shows up where a person or a log could read it.

A fresh ``sk-canary-<random>`` key is planted in the config four ways (the env block, as
onboarding writes a typed key; inline as ``apiKey``; only in ``LITELLM_API_KEY``; and in a config
that fails validation), next to other secrets (an auth header, a bot token); a password is planted
inside the base URL (``http://user:password@host``) two ways (written in the config, and given
through ``LITELLM_BASE_URL``). Every command then
runs, succeeding and failing, with ``--debug`` too, and the canary must not appear in stdout,
stderr, log records (captured at DEBUG, ``openai`` and ``httpx2`` included), an exception or its
traceback. Files that end up holding a secret must be 0600 (backups included), and the writers
(``onboard``, ``config set``, ``models sync``) keep ``${VAR}`` references as written.

Commands that need the proxy answer from a closed port (offline), or from cassettes recorded
from the real proxy with the canary as a wrong key (``--live`` sends them to it); after a
recording the new cassette is searched for the canary as well.
"""

from __future__ import annotations

import json
import logging
import secrets
import socket
import stat
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hardening_support import Outcome, run_cli, run_subprocess
from vcr_support import Mode, ProxyEndpoint, cassette_path, find_secrets

CANARY = f"sk-canary-{secrets.token_hex(12)}"
NEW_CANARY = f"sk-canary-{secrets.token_hex(12)}"  # a key typed in during the run
TOKEN = f"bot-canary-{secrets.token_hex(8)}"  # a foreign secret: a Telegram bot token
URL_PASSWORD = f"pw-canary-{secrets.token_hex(8)}"  # a credential inside a base URL
CANARIES = (
    CANARY,
    NEW_CANARY,
    TOKEN,
    URL_PASSWORD,
    CANARY[10:],
    NEW_CANARY[10:],
    URL_PASSWORD[10:],
)


def closed_url(credential: bool = False) -> str:
    """A URL nothing listens on; with ``credential``, carrying ``user:URL_PASSWORD@``."""
    userinfo = f"canary-user:{URL_PASSWORD}@" if credential else ""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://{userinfo}127.0.0.1:{probe.getsockname()[1]}"


def document(base_url: str, how: str) -> dict[str, Any]:
    """A config holding the canary ``how``: env-block, inline, environment, broken; or a
    password in the base URL: url-in-file (the canary key inline too) or url-in-environment
    (``LITELLM_BASE_URL``; no provider in the file, so the environment's is used)."""
    provider: dict[str, Any] = {
        "baseUrl": base_url,
        "apiKey": CANARY if how in ("inline", "url-in-file") else "${LITELLM_API_KEY}",
        "api": "openai-completions",
        # A secret in a header too, except where the key comes from the environment: there the
        # provider's headers are a harmless one (they go with every request, discovery's too).
        "headers": (
            {"X-Title": "clawdbot"}
            if how == "environment"
            else {"Authorization": f"Bearer {CANARY}"}
        ),
        "models": [
            {
                "id": "gpt-4",
                "name": "GPT-4",
                "contextWindow": 0 if how == "broken" else 128000,
                "maxTokens": 8192,
            }
        ],
    }
    data: dict[str, Any] = {
        "agents": {"defaults": {"model": {"primary": "litellm/gpt-4"}}},
        "models": {"mode": "merge", "providers": {"litellm": provider}},
        "channels": {"telegram": {"enabled": True, "botToken": TOKEN}},
    }
    if how in ("env-block", "broken", "url-in-environment"):
        data["env"] = {"LITELLM_API_KEY": CANARY}
    if how == "url-in-environment":
        del data["models"]
    return data


def leaks(text: str) -> list[str]:
    return [canary for canary in CANARIES if canary in text]


def assert_clean(outcome: Outcome, caplog: pytest.LogCaptureFixture) -> None:
    """No canary in either stream, the log, or an exception that escaped (with its traceback)."""
    assert not leaks(outcome.stdout), outcome.stdout
    assert not leaks(outcome.stderr), outcome.stderr
    assert not leaks(caplog.text), "a log record holds a secret"
    for record in caplog.records:
        assert not leaks(record.getMessage())
    if outcome.escaped is not None:
        shown = "".join(traceback.format_exception(outcome.escaped))
        assert not leaks(shown), shown


def assert_private(directory: Path) -> None:
    """Every file holding a secret is 0600."""
    for path in directory.rglob("*"):
        if not path.is_file():
            continue
        if leaks(path.read_text(encoding="utf-8", errors="replace")):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"{path.name} holds a key"


COMMANDS: list[tuple[str, list[str]]] = [
    ("config-get-env", ["config", "get", "env"]),
    ("config-get-the-resolved-key", ["config", "get", "models.providers.litellm.apiKey"]),
    ("config-get-a-provider-as-json", ["config", "get", "--json", "models.providers.litellm"]),
    ("config-get-a-section", ["config", "get", "models"]),
    ("config-get-raw", ["config", "get", "--raw", "models.providers.litellm"]),
    ("config-get-a-bot-token", ["config", "get", "channels"]),
    ("config-set-a-key", ["config", "set", "env.LITELLM_API_KEY", NEW_CANARY]),
    ("config-set-an-inline-key", ["config", "set", "models.providers.litellm.apiKey", NEW_CANARY]),
    (
        "config-set-an-auth-header",
        ["config", "set", "models.providers.litellm.headers.Authorization", f"Bearer {NEW_CANARY}"],
    ),
    (
        "config-set-a-key-that-is-bad-json5",
        ["config", "set", "--json", "models.providers.litellm.apiKey", "{" + NEW_CANARY],
    ),
    (
        "config-set-a-refused-edit",
        ["config", "set", "models.providers.litellm.models[0].contextWindow", "-1"],
    ),
    ("config-set-a-key-of-the-wrong-type", ["config", "set", "models.providers", NEW_CANARY]),
    ("config-unset", ["config", "unset", "channels.telegram.botToken"]),
    ("config-validate", ["config", "validate"]),
    ("config-validate-json", ["config", "validate", "--json"]),
    ("config-file", ["config", "file"]),
    ("models-list", ["models", "list"]),
    ("models-list-json", ["models", "list", "--json"]),
    ("models-list-remote", ["models", "list", "--remote", "--json"]),
    ("models-sync", ["models", "sync"]),
    ("chat", ["chat", "Hi"]),
    ("chat-json", ["chat", "--json", "Hi"]),
    ("chat-an-unknown-model", ["chat", "-m", "litellm/nope", "Hi"]),
    ("doctor", ["doctor"]),
    ("doctor-json", ["doctor", "--json"]),
    ("plugins", ["plugins"]),
    ("plugins-json", ["plugins", "--json"]),
    (
        "onboard-with-a-typed-key",
        ["onboard", "--non-interactive", "--litellm-api-key", NEW_CANARY],
    ),
    ("onboard-with-the-environment-key", ["onboard", "--non-interactive"]),
    (
        "onboard-refused",
        [
            "onboard",
            "--non-interactive",
            "--litellm-api-key",
            NEW_CANARY,
            "--litellm-base-url",
            "x",
        ],
    ),
]
DEBUG_COMMANDS = [
    ("debug-chat", ["--debug", "chat", "Hi"]),
    ("debug-config-get", ["--debug", "config", "get", "models.providers.litellm"]),
    ("debug-config-set-refused", ["--debug", "config", "set", "models.providers", NEW_CANARY]),
    ("debug-doctor", ["--debug", "doctor"]),
    ("debug-plugins", ["--debug", "plugins"]),
]
PLANTED = ["env-block", "inline", "environment", "broken", "url-in-file", "url-in-environment"]


@pytest.fixture
def planted(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    loopback_allowed: Any,
) -> Path:
    """The config with the canary planted as the test's ``how`` says; the proxy is a closed port."""
    how: str = request.param
    directory = tmp_path / "state"
    directory.mkdir(mode=0o700)
    path = directory / "clawdbot.json"
    path.write_text(json.dumps(document(closed_url(how == "url-in-file"), how), indent=2) + "\n")
    path.chmod(0o600)
    if how == "environment":
        monkeypatch.setenv("LITELLM_API_KEY", CANARY)
    monkeypatch.setenv("CLAWDBOT_LITELLM_MAX_RETRIES", "0")
    monkeypatch.setenv("CLAWDBOT_LITELLM_TIMEOUT", "5")
    # onboarding's default URL; the environment's provider's when the file has none
    monkeypatch.setenv("LITELLM_BASE_URL", closed_url(how.startswith("url-")))
    return path


@pytest.mark.parametrize("planted", PLANTED, indirect=True)
@pytest.mark.parametrize(
    "args", [c[1] for c in COMMANDS + DEBUG_COMMANDS], ids=[c[0] for c in COMMANDS + DEBUG_COMMANDS]
)
def test_no_command_shows_the_key(
    planted: Path, args: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    before = planted.read_text()
    outcome = run_cli(["--config", str(planted), *args])
    assert_clean(outcome, caplog)
    assert_private(planted.parent)
    if CANARY not in before:
        # No writer turns the ${LITELLM_API_KEY} reference into the key it stands for.
        assert CANARY not in planted.read_text()


URL_SHOWN = [["chat", "Hi"], ["doctor"], ["models", "list", "--remote", "--json"]]


@pytest.mark.parametrize(
    ("planted", "args"),
    [(how, args) for how in ("url-in-file", "url-in-environment") for args in URL_SHOWN]
    + [("url-in-file", ["config", "get", "models.providers.litellm.baseUrl"])],
    ids=[f"{args[0]}-{how}" for how in ("url-in-file", "url-in-environment") for args in URL_SHOWN]
    + ["config-get-url-in-file"],
    indirect=["planted"],
)
def test_a_password_in_the_base_url_is_shown_masked(planted: Path, args: list[str]) -> None:
    """The sweep above is not vacuous for URLs: the URL is shown, with its credential masked."""
    outcome = run_cli(["--config", str(planted), *args])
    shown = outcome.stdout + outcome.stderr
    assert "://***@127.0.0.1:" in shown, shown
    assert URL_PASSWORD not in shown
    assert "canary-user" not in shown


@pytest.mark.usefixtures("loopback_allowed")
def test_the_log_check_sees_the_http_clients(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The sweep above is not vacuous: a request logs through openai and httpx2 at DEBUG."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        probe.listen(1)
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
        path = tmp_path / "c.json"
        path.write_text(json.dumps(document(url, "inline")))
        monkeypatch.setenv("CLAWDBOT_LITELLM_TIMEOUT", "0.3")
        monkeypatch.setenv("CLAWDBOT_LITELLM_MAX_RETRIES", "0")
        caplog.set_level(logging.DEBUG)
        outcome = run_cli(["--config", str(path), "chat", "Hi"])
    assert outcome.exit_code == 1
    names = {record.name.split(".")[0] for record in caplog.records}
    assert {"openai", "httpcore2"} & names, names
    assert_clean(outcome, caplog)


@pytest.mark.parametrize(
    "args",
    [c[1] for c in DEBUG_COMMANDS[:2]] + [["--debug", "config", "validate"]],
    ids=["chat", "config-get", "config-validate"],
)
def test_debug_tracebacks_in_a_real_terminal_show_no_key(
    args: list[str], tmp_path: Path, loopback_allowed: Any
) -> None:
    path = tmp_path / "clawdbot.json"
    path.write_text(json.dumps(document(closed_url(), "environment"), indent=2))
    outcome = run_subprocess(
        ["--config", str(path), *args],
        env={"LITELLM_API_KEY": CANARY, "CLAWDBOT_LITELLM_MAX_RETRIES": "0"},
        timeout=60,
    )
    assert not leaks(outcome.stdout + outcome.stderr), outcome.stderr
    if args[1] == "chat":
        assert outcome.exit_code == 1
        assert "Traceback (most recent call last)" in outcome.stderr  # --debug shows it


# --- writers keep ${VAR}; files holding a key are private ---------------------------------------


def test_onboarding_a_typed_key_writes_it_only_to_a_private_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loopback_allowed: Any
) -> None:
    state = tmp_path / "new-home" / ".clawdbot"
    path = state / "clawdbot.json"
    monkeypatch.setenv("LITELLM_BASE_URL", closed_url())
    args = ["--config", str(path), "onboard", "--non-interactive", "--litellm-api-key", CANARY]
    first = run_cli(args)
    assert first.exit_code == 0, first
    data = json.loads(path.read_text())
    assert data["env"]["LITELLM_API_KEY"] == CANARY  # where the seed page keeps a typed key
    assert data["models"]["providers"]["litellm"]["apiKey"] == "${LITELLM_API_KEY}"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    # A second run that changes something keeps the old file as a private backup.
    second = run_cli([*args[:-1], NEW_CANARY])
    assert second.exit_code == 0, second
    backup = path.with_name("clawdbot.json.bak")
    assert CANARY in backup.read_text()
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert not leaks(first.stdout + first.stderr + second.stdout + second.stderr)


def test_onboarding_with_the_environment_key_stores_no_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loopback_allowed: Any
) -> None:
    path = tmp_path / "clawdbot.json"
    monkeypatch.setenv("LITELLM_API_KEY", CANARY)
    monkeypatch.setenv("LITELLM_BASE_URL", closed_url())
    outcome = run_cli(["--config", str(path), "onboard", "--non-interactive"])
    assert outcome.exit_code == 0, outcome
    text = path.read_text()
    assert not leaks(text)
    assert '"apiKey": "${LITELLM_API_KEY}"' in text


def test_config_set_keeps_every_reference_and_makes_a_shared_file_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "clawdbot.json"
    data = document("${LITELLM_BASE_URL}", "environment")
    data["gateway"] = {"auth": {"token": "${GATEWAY_TOKEN}"}}
    data["channels"]["telegram"]["botToken"] = "${TELEGRAM_BOT_TOKEN}"
    path.write_text(json.dumps(data, indent=2))
    path.chmod(0o644)
    monkeypatch.setenv("LITELLM_API_KEY", CANARY)
    monkeypatch.setenv("LITELLM_BASE_URL", "http://127.0.0.1:4000")
    monkeypatch.setenv("GATEWAY_TOKEN", NEW_CANARY)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    outcome = run_cli(["--config", str(path), "config", "set", "gateway.port", "18789"])
    assert outcome.exit_code == 0, outcome
    after = json.loads(path.read_text())
    assert after["models"]["providers"]["litellm"]["apiKey"] == "${LITELLM_API_KEY}"
    assert after["models"]["providers"]["litellm"]["baseUrl"] == "${LITELLM_BASE_URL}"
    assert after["gateway"] == {"auth": {"token": "${GATEWAY_TOKEN}"}, "port": 18789}
    assert after["channels"]["telegram"]["botToken"] == "${TELEGRAM_BOT_TOKEN}"
    assert not leaks(path.read_text())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# --- against the real proxy: the canary as a wrong key (cassettes) ------------------------------


@pytest.fixture
def scanned_cassette(request: pytest.FixtureRequest, cassette_mode: Mode) -> Iterator[None]:
    """After the test's cassette is written (this fixture is set up first, so torn down last),
    search it for the canary and for anything that looks like a key."""
    yield
    if cassette_mode is Mode.LIVE:
        return
    name = ".".join(request.node.nodeid.split("::")[1:])
    path = cassette_path(request.node.path, name)
    if not path.is_file():
        return  # the cassette fixture has failed the test already
    text = path.read_text(encoding="utf-8")
    assert not leaks(text), f"{path} holds the canary"
    assert not find_secrets(text), f"{path} holds a secret"


def _proxy_config(tmp_path: Path, endpoint: ProxyEndpoint) -> Path:
    path = tmp_path / "clawdbot.json"
    path.write_text(json.dumps(document(endpoint.base_url, "environment"), indent=2))
    path.chmod(0o600)  # it holds a bot token; a file a writer makes must be private on its own
    return path


@pytest.mark.usefixtures("scanned_cassette")
@pytest.mark.parametrize(
    "args",
    [
        ["chat", "Hi"],
        ["--debug", "chat", "Hi"],
        ["models", "list", "--remote"],
        ["doctor", "--json"],
        ["onboard", "--non-interactive", "--litellm-api-key", CANARY],
    ],
    ids=["chat", "debug-chat", "models-list-remote", "doctor", "onboard"],
)
def test_a_wrong_key_against_the_real_proxy_is_never_shown(
    args: list[str],
    tmp_path: Path,
    proxy_endpoint: ProxyEndpoint,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("LITELLM_API_KEY", CANARY)
    monkeypatch.setenv("LITELLM_BASE_URL", proxy_endpoint.base_url)
    monkeypatch.setenv("CLAWDBOT_LITELLM_MAX_RETRIES", "0")
    path = _proxy_config(tmp_path, proxy_endpoint)
    outcome = run_cli(["--config", str(path), *args])
    assert_clean(outcome, caplog)
    assert_private(tmp_path)
    everything = outcome.stdout + outcome.stderr + str(outcome.escaped or "")
    assert "sk-…" in everything, "the key is shown masked, so a person can tell which it was"


@pytest.mark.usefixtures("scanned_cassette")
def test_models_sync_keeps_the_key_reference(
    tmp_path: Path, proxy_endpoint: ProxyEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITELLM_API_KEY", proxy_endpoint.api_key)
    monkeypatch.setenv("CLAWDBOT_LITELLM_MAX_RETRIES", "0")
    path = _proxy_config(tmp_path, proxy_endpoint)
    outcome = run_cli(["--config", str(path), "models", "sync", "--add-all"])
    assert outcome.exit_code == 0, outcome
    text = path.read_text()
    assert '"apiKey": "${LITELLM_API_KEY}"' in text
    assert proxy_endpoint.api_key not in text + outcome.stdout + outcome.stderr
    assert json.loads(text)["models"]["providers"]["litellm"]["models"][1:], "models were added"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
