"""``map_error`` and ``stream_error``, branch by branch, offline: every way an ``openai``
exception becomes ours, with the real ``openai`` and ``httpx2`` exception and response types.

How a real LiteLLM proxy produces these answers is tested against it (``test_client_proxy.py``,
cassettes); this table makes the default offline run cover every branch, including the ones only
``--live`` reaches (LiteLLM without a database).
"""

from __future__ import annotations

from typing import Any

import httpx2
import openai
import pytest

from clawdbot_litellm.config.schema import ModelDefinition, Provider
from clawdbot_litellm.errors import (
    AuthenticationError,
    BadRequestError,
    ContextWindowError,
    ModelNotServedError,
    ProxyServerError,
    ProxyTimeoutError,
    ProxyUnreachableError,
    RateLimitError,
    StreamInterruptedError,
)
from clawdbot_litellm.proxy_errors import map_error, stream_error
from clawdbot_litellm.refs import ModelRef, ModelTarget

KEY = "sk-table-test-0123456789abcdef"
URL = "http://proxy.test:4000"
REQUEST = httpx2.Request("POST", f"{URL}/v1/chat/completions")


def target(key: str | None = KEY, model: str = "gpt-4", base_url: str = URL) -> ModelTarget:
    provider = Provider(
        name="litellm",
        base_url=base_url,
        api_key=key,
        api="openai-completions",
        headers={},
        models=(ModelDefinition(id="gpt-4", name="GPT-4"),),
    )
    return ModelTarget(ModelRef("litellm", model), provider, provider.models[0])


def status_error(
    status: int, body: Any = None, *, text: str | None = None, content_type: str | None = None
) -> openai.APIStatusError:
    """What ``openai`` raises for an HTTP error answer: JSON ``body``, or plain ``text``."""
    if text is not None:
        response = httpx2.Response(
            status,
            text=text,
            headers={"content-type": content_type or "text/plain; charset=utf-8"},
            request=REQUEST,
        )
        return openai.APIStatusError(text, response=response, body=text)
    response = httpx2.Response(status, json=body, request=REQUEST)
    return openai.APIStatusError(f"Error code: {status}", response=response, body=body)


def litellm_body(message: str, kind: str = "None", code: int = 400) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": str(code)}}


def connection_error(cause: Exception) -> openai.APIConnectionError:
    error = openai.APIConnectionError(request=REQUEST)
    error.__cause__ = cause
    return error


CASES: list[tuple[str, Exception, ModelTarget, type[Exception], tuple[str, ...]]] = [
    (
        "timeout",
        openai.APITimeoutError(request=REQUEST),
        target(),
        ProxyTimeoutError,
        ("litellm/gpt-4: the proxy at http://proxy.test:4000/v1 did not answer in time",),
    ),
    (
        "unreachable",
        connection_error(httpx2.ConnectError("[Errno 111] Connection refused")),
        target(),
        ProxyUnreachableError,
        ("Cannot reach the LiteLLM proxy at http://proxy.test:4000/v1 for litellm/gpt-4", "111"),
    ),
    (
        "unreachable-discovery-names-the-provider",
        connection_error(httpx2.ConnectError("refused")),
        target(model="*"),
        ProxyUnreachableError,
        ("at http://proxy.test:4000/v1 for litellm: refused",),
    ),
    (
        "401",
        status_error(401, litellm_body("Invalid API key.", "auth_error", 401)),
        target(),
        AuthenticationError,
        ("rejected the API key (key sk-…cdef; it answered 401: Invalid API key.)",),
    ),
    (
        "403-without-a-key",
        status_error(403, litellm_body("Forbidden", code=403)),
        target(key=None),
        AuthenticationError,
        ("rejected the API key (no API key was sent; it answered 403: Forbidden)",),
    ),
    (
        "litellm-without-a-database-wrong-key",
        status_error(400, litellm_body("No connected db.", "no_db_connection")),
        target(),
        AuthenticationError,
        ("it answered 400: No connected db.",),
    ),
    (
        "no-db-connection-type-only",
        status_error(400, litellm_body("something else", "no_db_connection")),
        target(),
        AuthenticationError,
        ("it answered 400: something else",),
    ),
    (
        "plain-500-without-a-key-that-names-the-key",
        status_error(500, text="Unauthorized: a master key is required"),
        target(key=None),
        AuthenticationError,
        ("no API key was sent; it answered 500: Unauthorized",),
    ),
    (
        "plain-500-without-a-key-says-nothing-of-it",
        status_error(500, text="Internal Server Error"),
        target(key=None),
        ProxyServerError,
        ("failed (500: Internal Server Error); no API key was sent: if the proxy requires",),
    ),
    (
        "plain-500-with-a-key",
        status_error(500, text="Internal Server Error"),
        target(),
        ProxyServerError,
        ("litellm/gpt-4: the proxy at http://proxy.test:4000/v1 failed (500: Internal",),
    ),
    (
        "json-500-without-a-key-is-not-about-the-key",
        status_error(500, litellm_body("litellm.InternalServerError: boom", code=500)),
        target(key=None),
        ProxyServerError,
        ("failed (500: litellm.InternalServerError: boom); no API key was sent",),
    ),
    (
        "529",
        status_error(529, litellm_body("overloaded\n\nLiteLLM: routing chatter", code=529)),
        target(),
        ProxyServerError,
        ("failed (529: overloaded)",),
    ),
    (
        "model-not-served",
        status_error(400, litellm_body("Invalid model name passed in model=gpt-5")),
        target(model="gpt-5"),
        ModelNotServedError,
        ("does not serve model 'gpt-4' (litellm/gpt-5)",),
    ),
    (
        "context-window-exceeded",
        status_error(400, litellm_body("litellm.ContextWindowExceededError: too long")),
        target(),
        ContextWindowError,
        ("does not fit the model's context window",),
    ),
    (
        "context-length-exceeded",
        status_error(413, litellm_body("context_length_exceeded", code=413)),
        target(),
        ContextWindowError,
        ("context window (context_length_exceeded)",),
    ),
    (
        "context-window-words-on-a-400",
        status_error(400, litellm_body("the prompt exceeds the context window")),
        target(),
        ContextWindowError,
        ("shorten the prompt or lower max_tokens",),
    ),
    (
        "408",
        status_error(408, litellm_body("Request timed out", code=408)),
        target(),
        ProxyTimeoutError,
        ("timed out waiting for the model (408: Request timed out)",),
    ),
    (
        "429",
        status_error(429, litellm_body("slow down", code=429)),
        target(),
        RateLimitError,
        ("rate limited by the proxy after retries (429: slow down)",),
    ),
    (
        "other-4xx",
        status_error(422, {"message": "bad field"}),
        target(),
        BadRequestError,
        ("litellm/gpt-4: the proxy refused the request (422: bad field)",),
    ),
    (
        "error-frame-mid-stream",
        openai.APIError("upstream connection lost", REQUEST, body=None),
        target(),
        StreamInterruptedError,
        ("the proxy reported an error mid-answer: upstream connection lost",),
    ),
    (
        "transport-error-mid-stream",
        httpx2.RemoteProtocolError("peer closed connection"),
        target(),
        StreamInterruptedError,
        ("broke off mid-answer (RemoteProtocolError); retry the request",),
    ),
]


@pytest.mark.parametrize(
    ("error", "where", "expected", "words"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_map_error_table(
    error: Exception, where: ModelTarget, expected: type[Exception], words: tuple[str, ...]
) -> None:
    mapped = map_error(error, where)
    assert type(mapped) is expected
    for text in words:
        assert text in str(mapped), str(mapped)
    assert mapped.__cause__ is error
    assert KEY not in str(mapped)
    assert "\n" not in str(mapped)


def test_the_key_and_url_credentials_in_a_message_are_masked() -> None:
    where = target(base_url="http://user:hunter2-pass@proxy.test:4000")
    body = litellm_body(f"bad key {KEY} for http://user:hunter2-pass@proxy.test:4000", code=500)
    for error in (
        status_error(500, body),
        connection_error(httpx2.ConnectError("cannot connect to http://user:hunter2-pass@x")),
    ):
        message = str(map_error(error, where))
        assert KEY not in message
        assert "hunter2-pass" not in message
        assert "***@" in message


def test_a_connection_that_breaks_mid_stream_is_interrupted_not_unreachable() -> None:
    error = connection_error(httpx2.ReadError("connection reset by peer"))
    mapped = stream_error(error, target(), received=42)
    assert type(mapped) is StreamInterruptedError
    assert str(mapped) == (
        "litellm/gpt-4: the connection to http://proxy.test:4000/v1 broke off mid-answer after "
        "42 characters (connection reset by peer); the proxy may have stopped or restarted: "
        "retry the request"
    )
    assert mapped.__cause__ is error
    # A timeout mid-stream stays a timeout; anything else is mapped as before the stream.
    assert type(stream_error(openai.APITimeoutError(request=REQUEST), target(), 1)) is (
        ProxyTimeoutError
    )
    assert type(stream_error(status_error(429, litellm_body("x")), target(), 1)) is RateLimitError


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (status_error(429, litellm_body("x")), True),
        (status_error(500, text="Internal Server Error"), True),
        (openai.APITimeoutError(request=REQUEST), True),
        (connection_error(httpx2.ConnectError("refused")), True),
        (status_error(401, litellm_body("x")), False),
        (status_error(422, litellm_body("x")), False),
    ],
    ids=["429", "500", "timeout", "unreachable", "401", "422"],
)
def test_which_mapped_errors_let_a_fallback_take_over(error: Exception, retryable: bool) -> None:
    mapped = map_error(error, target())
    assert getattr(mapped, "retryable", False) is retryable
