"""Faults of the proxy: each ends in the documented error (or recovery), and nothing hangs.

Three kinds of test, each with a time bound:

- offline, on loopback: no proxy listening at all, and a proxy that accepts connections but
  never answers (a hung process), with the ``openai`` SDK's retries on;
- cassettes recorded from the real proxy (``--live`` sends them to it): the error models
  (429, 500, 408, 529, an answer cut off, a context overflow) through ``chat`` on the command
  line, one ``Error:`` line each;
- ``live`` only, against the real proxy: the same error models with the SDK retrying
  (``max_retries=1``, every attempt counted), a client timeout shorter than the ``slow`` model,
  wrong and missing keys, a model the proxy does not serve, fallbacks taking over, and a
  dedicated proxy killed with SIGKILL in the middle of a streamed answer (``fault_proxy.yaml``,
  slowed by ``fault_hooks.py``), from the library and from the command line.
"""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx2
import pytest
from hardening_support import run_cli
from proxy.server import ProxyServer, find_proxy_executable
from vcr_support import ProxyEndpoint

from clawdbot_litellm import AsyncClient, Client, ResolvedConfig, load_config
from clawdbot_litellm.errors import (
    AllModelsFailedError,
    AuthenticationError,
    ModelNotServedError,
    ProxyServerError,
    ProxyTimeoutError,
    ProxyUnreachableError,
    RateLimitError,
    StreamInterruptedError,
)

HERE = Path(__file__).resolve().parent
FAULT_PROXY_CONFIG = HERE / "fault_proxy.yaml"
MODELS = [
    {"id": "gpt-4", "name": "GPT-4", "contextWindow": 128000, "maxTokens": 8192},
    {"id": "rate-limited", "name": "Rate limited", "contextWindow": 128000},
    {"id": "server-error", "name": "Server error", "contextWindow": 128000},
    {"id": "slow", "name": "Slow", "contextWindow": 128000},
    {"id": "stream-error", "name": "Stream error", "contextWindow": 128000},
    {"id": "stream-cutoff", "name": "Cut off", "contextWindow": 128000},
    {"id": "context-overflow", "name": "Overflow", "contextWindow": 128000},
    {"id": "slow-stream", "name": "Slow stream", "contextWindow": 128000},
    {"id": "not-on-the-proxy", "name": "Ghost", "contextWindow": 128000},
]
GPT4_ANSWER = "Hello from the gpt-4 mock."


def write_config(
    path: Path,
    base_url: str,
    *,
    primary: str = "litellm/gpt-4",
    fallbacks: list[str] | None = None,
    keyed: bool = True,
) -> Path:
    """A config for the test proxy's models; the key is ``${LITELLM_API_KEY}`` unless not
    ``keyed`` (then the provider has no key at all)."""
    provider: dict[str, Any] = {"baseUrl": base_url, "api": "openai-completions", "models": MODELS}
    if keyed:
        provider["apiKey"] = "${LITELLM_API_KEY}"
    document = {
        "agents": {"defaults": {"model": {"primary": primary, "fallbacks": fallbacks or []}}},
        "models": {"providers": {"litellm": provider}},
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def config_for(tmp_path: Path, base_url: str, key: str | None, **choice: Any) -> ResolvedConfig:
    path = write_config(tmp_path / "clawdbot.json", base_url, keyed=key is not None, **choice)
    return load_config(path, environ={"LITELLM_API_KEY": key} if key else {})


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """The block must finish within ``seconds`` (it is bounded by client timeouts; this checks)."""
    start = time.monotonic()
    yield
    elapsed = time.monotonic() - start
    assert elapsed < seconds, f"took {elapsed:.1f} s, more than {seconds} s"


class Attempts:
    """Counts the HTTP requests an ``openai`` client makes, retries included."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def __call__(self, request: httpx2.Request) -> None:
        self.paths.append(request.url.path)

    def chat(self) -> int:
        return sum(1 for path in self.paths if path.endswith("/chat/completions"))

    def client(self, timeout: float = 30.0) -> httpx2.Client:
        return httpx2.Client(timeout=timeout, event_hooks={"request": [self]})


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# --- no proxy, or one that never answers (offline) ----------------------------------------------


@pytest.mark.usefixtures("loopback_allowed")
def test_no_proxy_running_fails_fast_with_retries_on(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    config = config_for(tmp_path, url, "sk-unused-0123456789")
    attempts = Attempts()
    with within(10), Client(config, max_retries=2, http_client=attempts.client()) as client:
        with pytest.raises(
            ProxyUnreachableError, match=f"Cannot reach the LiteLLM proxy at {url}/v1"
        ):
            client.chat("Hi")
        with pytest.raises(ProxyUnreachableError):
            client.stream("Hi")
    assert attempts.chat() == 6  # each call: the first attempt and two retries


@pytest.mark.usefixtures("loopback_allowed")
def test_no_proxy_running_through_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    path = write_config(tmp_path / "c.json", url)
    monkeypatch.setenv("LITELLM_API_KEY", "sk-unused-0123456789")
    with within(15):
        chat = run_cli(["--config", str(path), "chat", "Hi"])
        remote = run_cli(["--config", str(path), "models", "list", "--remote"])
    assert chat.exit_code == 1
    assert chat.stderr.startswith(f"Error: Cannot reach the LiteLLM proxy at {url}/v1")
    assert "Start the proxy (litellm --config config.yaml)" in chat.stderr
    assert remote.exit_code == 0  # listing still works; the proxy's side says why it is missing
    assert f"litellm: could not list models: Cannot reach the LiteLLM proxy at {url}/v1" in (
        remote.stdout
    )


@pytest.fixture
def hung_proxy(loopback_allowed: Any) -> Iterator[str]:
    """A port that accepts connections and never says a word: a proxy that hangs."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


def test_a_proxy_that_never_answers_times_out(tmp_path: Path, hung_proxy: str) -> None:
    config = config_for(tmp_path, hung_proxy, "sk-unused-0123456789")
    attempts = Attempts()
    with (
        within(8),
        Client(
            config, timeout=0.5, max_retries=1, http_client=attempts.client(timeout=0.5)
        ) as client,
    ):
        with pytest.raises(ProxyTimeoutError, match="did not answer in time"):
            client.chat("Hi")
        with pytest.raises(ProxyTimeoutError):
            client.stream("Hi")
    assert attempts.chat() == 4


def test_a_proxy_that_never_answers_times_out_async(tmp_path: Path, hung_proxy: str) -> None:
    config = config_for(tmp_path, hung_proxy, "sk-unused-0123456789")

    async def ask() -> None:
        async with AsyncClient(config, timeout=0.5, max_retries=0) as client:
            await client.chat("Hi")

    with within(5), pytest.raises(ProxyTimeoutError):
        asyncio.run(ask())


def test_a_hung_proxy_through_the_cli(
    tmp_path: Path, hung_proxy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(tmp_path / "c.json", hung_proxy)
    monkeypatch.setenv("LITELLM_API_KEY", "sk-unused-0123456789")
    monkeypatch.setenv("CLAWDBOT_LITELLM_TIMEOUT", "0.5")
    monkeypatch.setenv("CLAWDBOT_LITELLM_MAX_RETRIES", "1")
    with within(8):
        outcome = run_cli(["--config", str(path), "chat", "Hi"])
    assert outcome.exit_code == 1
    assert outcome.stderr.startswith("Error: litellm/gpt-4: the proxy at ")
    assert "did not answer in time; raise the timeout (CLAWDBOT_LITELLM_TIMEOUT)" in outcome.stderr


# --- the proxy's error models through the CLI (cassettes) ---------------------------------------

ERROR_MODELS = [
    # model, first line of stderr after "Error: ", what stdout holds
    ("rate-limited", "litellm/rate-limited: rate limited by the proxy after retries (429: ", ""),
    ("server-error", "litellm/server-error: the proxy at http://127.0.0.1:", ""),
    ("slow", "litellm/slow: the proxy at http://127.0.0.1:", ""),
    ("stream-error", "litellm/stream-error: the proxy at http://127.0.0.1:", ""),
    ("stream-cutoff", "litellm/stream-cutoff: the proxy reported an error mid-answer", "This a"),
    ("context-overflow", "litellm/context-overflow: the proxy says the request does not fit", ""),
]
ERROR_DETAIL = {
    "server-error": "failed (500: ",
    "slow": "timed out waiting for the model (408: ",
    "stream-error": "failed (529: ",
    "context-overflow": "shorten the prompt or lower max_tokens",
}


@pytest.mark.parametrize("case", ERROR_MODELS, ids=[m[0] for m in ERROR_MODELS])
def test_error_models_through_chat(
    case: tuple[str, str, str],
    tmp_path: Path,
    proxy_endpoint: ProxyEndpoint,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model, first, stdout = case
    monkeypatch.setenv("LITELLM_API_KEY", proxy_endpoint.api_key)
    monkeypatch.setenv("CLAWDBOT_LITELLM_MAX_RETRIES", "0")  # one interaction per cassette
    path = write_config(tmp_path / "c.json", proxy_endpoint.base_url)
    with within(30):
        outcome = run_cli(["--config", str(path), "chat", "-m", f"litellm/{model}", "Hi"])
    assert (outcome.exit_code, outcome.escaped) == (1, None), outcome
    assert outcome.stderr.splitlines()[0].startswith(f"Error: {first}"), outcome.stderr
    assert ERROR_DETAIL.get(model, "") in outcome.stderr
    assert outcome.stdout.startswith(stdout)
    if not stdout:
        assert outcome.stdout == ""
    assert "Traceback" not in outcome.stderr


# --- live: retries on, timeouts, keys, fallbacks -----------------------------------------------

RETRIED = [
    ("rate-limited", RateLimitError, "429"),
    ("server-error", ProxyServerError, "500"),
    ("slow", ProxyTimeoutError, "408"),
]


@pytest.mark.live
@pytest.mark.parametrize(("model", "error", "status"), RETRIED, ids=[r[0] for r in RETRIED])
def test_error_models_with_the_sdk_retrying(
    model: str,
    error: type[Exception],
    status: str,
    tmp_path: Path,
    litellm_proxy: ProxyServer,
) -> None:
    config = config_for(tmp_path, litellm_proxy.base_url, litellm_proxy.api_key)
    for stream in (False, True):
        attempts = Attempts()
        with (
            within(20),
            Client(config, max_retries=1, timeout=30, http_client=attempts.client()) as client,
        ):
            send = client.stream if stream else client.chat
            with pytest.raises(error, match=f"\\({status}: ") as caught:
                send("Hi", model=f"litellm/{model}")
        assert attempts.chat() == 2, "the SDK retries once, then the documented error"
        assert f"litellm/{model}" in str(caught.value)


@pytest.mark.live
def test_a_client_timeout_shorter_than_the_model(
    tmp_path: Path, litellm_proxy: ProxyServer
) -> None:
    """The ``slow`` model answers 408 after 1 s; a 0.3 s client gives up first, twice."""
    config = config_for(tmp_path, litellm_proxy.base_url, litellm_proxy.api_key)
    attempts = Attempts()
    quick = attempts.client(timeout=0.3)
    with (
        within(5),
        Client(config, timeout=0.3, max_retries=1, http_client=quick) as client,
        pytest.raises(ProxyTimeoutError, match="did not answer in time") as caught,
    ):
        client.chat("Hi", model="litellm/slow")
    assert attempts.chat() == 2
    assert "CLAWDBOT_LITELLM_TIMEOUT" in str(caught.value)
    # The same proxy still answers a model that is quick.
    with Client(config, timeout=30, max_retries=1) as client:
        assert client.chat("Hi").text == GPT4_ANSWER


@pytest.mark.live
@pytest.mark.parametrize("key", ["sk-wrong-canary-0123456789", None], ids=["wrong", "missing"])
def test_wrong_and_missing_keys_are_not_retried(
    key: str | None, tmp_path: Path, litellm_proxy: ProxyServer
) -> None:
    config = config_for(tmp_path, litellm_proxy.base_url, key)
    attempts = Attempts()
    with (
        within(10),
        Client(config, max_retries=2, http_client=attempts.client()) as client,
        pytest.raises(AuthenticationError, match="rejected the API key") as caught,
    ):
        client.chat("Hi")
    assert attempts.chat() == 1  # a 401 is final
    message = str(caught.value)
    assert ("key sk-…6789" if key else "no API key was sent") in message
    assert key is None or key not in message


@pytest.mark.live
def test_an_unknown_model_says_what_the_proxy_serves(
    tmp_path: Path, litellm_proxy: ProxyServer
) -> None:
    config = config_for(tmp_path, litellm_proxy.base_url, litellm_proxy.api_key)
    with (
        within(10),
        Client(config, max_retries=1) as client,
        pytest.raises(ModelNotServedError) as caught,
    ):
        client.chat("Hi", model="litellm/not-on-the-proxy")
    message = str(caught.value)
    assert "does not serve model 'not-on-the-proxy'" in message
    assert "(it serves: " in message
    assert "gpt-4" in message


@pytest.mark.live
def test_fallbacks_take_over_after_the_retries(tmp_path: Path, litellm_proxy: ProxyServer) -> None:
    config = config_for(
        tmp_path,
        litellm_proxy.base_url,
        litellm_proxy.api_key,
        primary="litellm/rate-limited",
        fallbacks=["litellm/server-error", "litellm/gpt-4"],
    )
    attempts = Attempts()
    with within(20), Client(config, max_retries=1, http_client=attempts.client()) as client:
        answer = client.chat("Hi")
        streamed = client.stream("Hi")
        text = "".join(event.text for event in streamed)
    assert (answer.ref, answer.text) == ("litellm/gpt-4", GPT4_ANSWER)
    assert (streamed.result.ref, text) == ("litellm/gpt-4", GPT4_ANSWER)
    assert attempts.chat() == 2 * (2 + 2 + 1)  # per call: 429 twice, 500 twice, then the answer


@pytest.mark.live
def test_when_every_fallback_fails_each_failure_is_listed(
    tmp_path: Path, litellm_proxy: ProxyServer
) -> None:
    config = config_for(
        tmp_path,
        litellm_proxy.base_url,
        litellm_proxy.api_key,
        primary="litellm/rate-limited",
        fallbacks=["litellm/server-error"],
    )
    with (
        within(20),
        Client(config, max_retries=1) as client,
        pytest.raises(AllModelsFailedError) as caught,
    ):
        client.chat("Hi")
    message = str(caught.value)
    assert message.startswith("All models failed (2): litellm/rate-limited: ")
    assert " | litellm/server-error: " in message


# --- live: a proxy killed mid-answer ------------------------------------------------------------


@pytest.fixture
def fault_proxy() -> Iterator[ProxyServer]:
    """A proxy of its own (it gets killed), with the slowed ``slow-stream`` model."""
    executable = find_proxy_executable()
    if executable is None:
        pytest.skip("no LiteLLM proxy: set CLAWDBOT_LITELLM_PROXY")
    server = ProxyServer(executable, config=FAULT_PROXY_CONFIG)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def read_within(pipe: IO[bytes], size: int, *, seconds: float) -> bytes:
    """Up to ``size`` bytes from ``pipe``, waiting at most ``seconds`` in all (never blocks on)."""
    data = b""
    deadline = time.monotonic() + seconds
    while len(data) < size:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([pipe], [], [], max(left, 0))
        if not ready:
            break
        chunk = os.read(pipe.fileno(), size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _kill(server: ProxyServer) -> None:
    """SIGKILL the proxy process we started, by its PID (``stop()`` reaps what is left)."""
    os.kill(server.pid, signal.SIGKILL)


@pytest.mark.live
def test_a_proxy_killed_mid_stream_interrupts_the_answer(
    tmp_path: Path, fault_proxy: ProxyServer
) -> None:
    config = config_for(tmp_path, fault_proxy.base_url, fault_proxy.api_key)
    with Client(config, timeout=10, max_retries=1) as client:
        stream = client.stream("Hi", model="litellm/slow-stream")
        events = iter(stream)
        received = [next(events).text, next(events).text]  # the answer has begun
        _kill(fault_proxy)
        with within(10), pytest.raises(StreamInterruptedError) as caught:
            received.extend(event.text for event in events)
    message = str(caught.value)
    assert message.startswith("litellm/slow-stream: the connection to ")
    assert f"broke off mid-answer after {len(''.join(received))} characters" in message
    assert "retry the request" in message
    with pytest.raises(RuntimeError, match="not been read to its end"):
        _ = stream.result  # a broken answer never looks complete


@pytest.mark.live
def test_a_proxy_killed_mid_stream_through_the_cli(
    tmp_path: Path, fault_proxy: ProxyServer
) -> None:
    path = write_config(tmp_path / "c.json", fault_proxy.base_url)
    env = {**os.environ, "LITELLM_API_KEY": fault_proxy.api_key, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "clawdbot_litellm", "--config", str(path), "chat"]
    process = subprocess.Popen(
        [*command, "-m", "litellm/slow-stream", "Hi"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        first = read_within(process.stdout, 6, seconds=30)  # the answer has begun
        _kill(fault_proxy)
        with within(15):
            rest, stderr = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert first == b"This a"
    assert process.returncode == 1
    text = stderr.decode()
    assert text.startswith("Error: litellm/slow-stream: the connection to "), text
    assert "broke off mid-answer" in text
    assert "Traceback" not in text
    assert len(first + rest) < 600  # far from the whole answer
