"""Root fixtures: the real LiteLLM proxy, cassette replay/recording, and the network guard.

Commands::

    pytest                                   # replay cassettes offline; live tests skipped
    CLAWDBOT_LITELLM_PROXY=/opt/venvs/litellm-proxy/bin/litellm pytest --live
                                             # cassette tests hit the real proxy, live tests run
    CLAWDBOT_LITELLM_PROXY=/opt/venvs/litellm-proxy/bin/litellm pytest --record-cassettes
                                             # re-record every cassette from the real proxy

Fixtures for test modules:

- ``proxy_endpoint`` -> ``ProxyEndpoint(base_url, api_key)`` (``.v1`` adds ``/v1``): makes the test
  a cassette test (see ``tests/vcr_support.py`` for file names and format). Build every OpenAI
  client in such a test with ``max_retries=0``. A module setting ``TRIM_MODEL_INFO = True``
  records ``/model/info`` trimmed to the fields the code reads (``vcr_support.trim_model_info``).
- ``cassette`` -> the active vcr Cassette (None with ``--live``), for tests that inspect it.
- ``litellm_proxy`` (session) -> the running ``tests.proxy.server.ProxyServer`` (``base_url``,
  ``api_key``, ``pid``, ``stop()``). Skips with a how-to when ``CLAWDBOT_LITELLM_PROXY`` is unset,
  fails instead when ``CLAWDBOT_LITELLM_REQUIRE_PROXY=1`` (CI) or when recording.
- ``readme_proxy_endpoint`` / ``readme_litellm_proxy`` (session): the same for the README's
  proxy (``tests/proxy/litellm_config_readme.yaml``: gpt-4 too small for Clawdbot, claude-3-opus,
  and the mock tool and structured-output models of the README's tools section).
- ``network_guard`` (autouse): any TCP connect fails the test, except loopback connects from
  ``live`` tests, from cassette tests in live/record mode, and from tests that request
  ``loopback_allowed`` (e.g. to prove a closed port is reported as unreachable).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from proxy.server import (
    HERE,
    REQUIRE_PROXY_ENV,
    ProxyServer,
    find_proxy_executable,
    hint,
)
from vcr_support import (
    REPLAY_ENDPOINT,
    Mode,
    NetworkGuard,
    ProxyEndpoint,
    cassette_path,
    recording,
)

README_PROXY_CONFIG = HERE / "litellm_config_readme.yaml"

pytest_plugins = ("pytester",)  # the harness tests run small pytest sessions

LIVE_OPTION = "--live"
RECORD_OPTION = "--record-cassettes"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("clawdbot-litellm", "real LiteLLM proxy and cassettes")
    group.addoption(
        LIVE_OPTION,
        action="store_true",
        help="run `live` tests and send cassette tests to the real proxy (VCR off); "
        "needs CLAWDBOT_LITELLM_PROXY",
    )
    group.addoption(
        RECORD_OPTION,
        action="store_true",
        help="re-record every cassette used by the selected tests from the real proxy; "
        "needs CLAWDBOT_LITELLM_PROXY",
    )


def run_mode(config: pytest.Config) -> Mode:
    """Recording wins over live: both need the proxy, only recording writes files."""
    if config.getoption(RECORD_OPTION):
        return Mode.RECORD
    if config.getoption(LIVE_OPTION):
        return Mode.LIVE
    return Mode.REPLAY


def pytest_report_header(config: pytest.Config) -> str:
    return f"clawdbot-litellm cassettes: {run_mode(config).value}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption(LIVE_OPTION):
        return
    skip_live = pytest.mark.skip(
        reason=f"live test: run with {LIVE_OPTION} and CLAWDBOT_LITELLM_PROXY set"
    )
    for item in items:
        if item.get_closest_marker("live") is not None:
            item.add_marker(skip_live)


@pytest.fixture(scope="session")
def cassette_mode(pytestconfig: pytest.Config) -> Mode:
    return run_mode(pytestconfig)


@pytest.fixture(autouse=True)
def network_guard(request: pytest.FixtureRequest) -> Iterator[NetworkGuard]:
    guard = NetworkGuard(allow_loopback=request.node.get_closest_marker("live") is not None)
    with guard.installed():
        yield guard
    if guard.blocked:
        attempts = "; ".join(guard.blocked)
        pytest.fail(f"blocked network access during the test: {attempts}", pytrace=False)


@pytest.fixture
def loopback_allowed(network_guard: NetworkGuard) -> NetworkGuard:
    """Opt in to loopback connections (internet stays blocked)."""
    network_guard.allow_loopback = True
    return network_guard


@pytest.fixture(scope="session")
def litellm_proxy(cassette_mode: Mode) -> Iterator[ProxyServer]:
    executable = find_proxy_executable()
    if executable is None:
        message = f"no LiteLLM proxy for the live tests: {hint()}"
        if os.environ.get(REQUIRE_PROXY_ENV) == "1" or cassette_mode is Mode.RECORD:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    server = ProxyServer(executable)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def _real_proxy(request: pytest.FixtureRequest, guard: NetworkGuard) -> ProxyServer:
    guard.allow_loopback = True  # the session proxy may start (and be polled) inside this test
    proxy: ProxyServer = request.getfixturevalue("litellm_proxy")
    return proxy


@pytest.fixture
def cassette(
    request: pytest.FixtureRequest, cassette_mode: Mode, network_guard: NetworkGuard
) -> Iterator[Any]:
    if cassette_mode is Mode.RECORD:
        # Start the proxy before VCR patches anything, so its readiness poll is not recorded.
        _real_proxy(request, network_guard)
    path = cassette_path(
        request.node.path,
        _test_name(request),
        getattr(request.module, "CASSETTE_DIR", None),
    )
    try:
        trim = getattr(request.module, "TRIM_MODEL_INFO", False)
        with recording(path, cassette_mode, trim_model_info=trim) as active:
            yield active
    except AssertionError as error:
        pytest.fail(str(error), pytrace=False)


def _test_name(request: pytest.FixtureRequest) -> str:
    parts = request.node.nodeid.split("::")[1:]
    return ".".join(parts)


@pytest.fixture
def proxy_endpoint(
    request: pytest.FixtureRequest,
    cassette_mode: Mode,
    network_guard: NetworkGuard,
    cassette: Any,
) -> ProxyEndpoint:
    if cassette_mode is Mode.REPLAY:
        return REPLAY_ENDPOINT
    proxy = _real_proxy(request, network_guard)
    return ProxyEndpoint(proxy.base_url, proxy.api_key)


# --- the README's proxy --------------------------------------------------------------------------


@pytest.fixture
def sent_requests(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every request any sync httpx2 client sends (the openai SDK's too), in order.

    Wraps ``httpx2.Client.send``, above the transport vcr patches, so it sees the same requests
    in replay, record and ``--live``.
    """
    import httpx2

    requests: list[httpx2.Request] = []
    send = httpx2.Client.send

    def recording_send(self: httpx2.Client, request: httpx2.Request, **kwargs: Any) -> Any:
        requests.append(request)
        return send(self, request, **kwargs)

    monkeypatch.setattr(httpx2.Client, "send", recording_send)
    return requests


@pytest.fixture(scope="session")
def readme_litellm_proxy(cassette_mode: Mode) -> Iterator[ProxyServer | None]:
    """``tests/proxy/litellm_config_readme.yaml``: the README's model names as an ordinary proxy
    serves them (``gpt-4`` at LiteLLM's real 8192 tokens, too small for Clawdbot, and
    ``claude-3-opus`` at 200000). None in replay; started before any cassette is active (a
    session fixture is set up before a test's own fixtures), so its readiness poll is never
    recorded."""
    if cassette_mode is Mode.REPLAY:
        yield None
        return
    executable = find_proxy_executable()
    if executable is None:
        pytest.fail(f"no LiteLLM proxy for the README proxy tests: {hint()}", pytrace=False)
    server = ProxyServer(executable, config=README_PROXY_CONFIG)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def readme_proxy_endpoint(
    readme_litellm_proxy: ProxyServer | None, network_guard: NetworkGuard, cassette: Any
) -> ProxyEndpoint:
    """Like ``proxy_endpoint`` (a cassette test), for the README's proxy."""
    if readme_litellm_proxy is None:
        return REPLAY_ENDPOINT
    network_guard.allow_loopback = True
    return ProxyEndpoint(readme_litellm_proxy.base_url, readme_litellm_proxy.api_key)
