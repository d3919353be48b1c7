"""Turning ``openai``'s exceptions into ours, and deciding whether the next model gets a turn.

Every message is written for a person: it names the model or provider, what the proxy said (first
line only, the key masked) and the fix. Both client twins and discovery map errors here, so an
error reads the same whichever path raised it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import openai

from .config.secrets import display_url, mask_secret, mask_urls
from .errors import (
    AllModelsFailedError,
    AuthenticationError,
    BadRequestError,
    ContextWindowError,
    ModelNotServedError,
    ProxyError,
    ProxyServerError,
    ProxyTimeoutError,
    ProxyUnreachableError,
    RateLimitError,
    StreamInterruptedError,
)
from .refs import ModelTarget
from .settings import ENV_TIMEOUT

# Exceptions raised below openai while a body is read come from these packages.
_TRANSPORT_PACKAGES = ("httpx2", "httpcore2")

# What a failed request becomes: a proxy error, or a context overflow the proxy reported (not a
# ProxyError, since the same error is raised before sending when the prompt cannot fit).
MappedError = ProxyError | ContextWindowError
MAPPED_ERRORS = (ProxyError, ContextWindowError)


def _body_message(error: openai.APIStatusError) -> str:
    body = error.body
    if isinstance(body, Mapping):
        inner = body.get("error", body)
        if isinstance(inner, Mapping) and inner.get("message"):
            return str(inner["message"])
        if body.get("message"):
            return str(body["message"])
    text = error.response.text if error.response is not None else ""
    return (text or error.message or "").strip()


def _scrub(text: str, secret: str | None) -> str:
    """First line only (LiteLLM appends routing chatter), whitespace folded, key and URL
    credentials masked."""
    lines = [line for line in text.splitlines() if line.strip()]
    text = mask_urls(" ".join(lines[0].split())) if lines else ""
    if secret:
        text = text.replace(secret, mask_secret(secret))
    return text[:400]


# Words by which a server error's body says it is about the key.
_KEY_WORDS = ("api key", "api_key", "apikey", "master key", "virtual key", "unauthorized", "auth")


def _is_key_rejection(
    status: int, message: str, body: object, has_key: bool, content_type: str
) -> bool:
    """401/403; LiteLLM's ``No connected db.`` (its answer to a wrong key without a database);
    a plain-text 500 to a request without a key only when its body speaks of the key.

    LiteLLM without a database answers a missing key with a bare ``Internal Server Error``,
    which says nothing about the key: that stays a server error (with a hint that no key was
    sent), since a proxy that crashed for another reason answers the same way.
    """
    lowered = message.lower()
    return (
        status in (401, 403)
        or "no connected db" in lowered
        or "no_db_connection" in str(body)
        or (
            status == 500
            and not has_key
            and content_type.startswith("text/plain")
            and any(word in lowered for word in _KEY_WORDS)
        )
    )


def _is_context_overflow(status: int, message: str) -> bool:
    lowered = message.lower()
    return (
        "contextwindowexceeded" in lowered
        or "context_length_exceeded" in lowered
        or ("context window" in lowered and status == 400)
    )


def _status_error(error: openai.APIStatusError, target: ModelTarget, label: str) -> MappedError:
    provider = target.provider
    where = display_url(provider.api_base)
    status = error.status_code
    message = _scrub(_body_message(error), provider.api_key)
    content_type = error.response.headers.get("content-type", "") if error.response else ""
    if _is_key_rejection(status, message, error.body, bool(provider.api_key), content_type):
        sent = f"key {mask_secret(provider.api_key)}" if provider.api_key else "no API key was sent"
        return AuthenticationError(
            f"The proxy at {where} rejected the API key ({sent}; it answered {status}: "
            f"{message}); set LITELLM_API_KEY (or models.providers.{provider.name}.apiKey) to "
            "a key the proxy accepts"
        )
    if status == 400 and "invalid model name" in message.lower():
        return ModelNotServedError(
            f"The proxy at {where} does not serve model {target.model.id!r} "
            f"({target.ref}); add it to the proxy's model_list or fix the model id"
        )
    if _is_context_overflow(status, message):
        return ContextWindowError(
            f"{label}: the proxy says the request does not fit the model's context "
            f"window ({message}); shorten the prompt or lower max_tokens"
        )
    if status == 408:
        return ProxyTimeoutError(
            f"{label}: the proxy at {where} timed out waiting for the model (408: {message})"
        )
    if status == 429:
        return RateLimitError(
            f"{label}: rate limited by the proxy after retries (429: {message}); wait "
            "and retry, or configure fallbacks (agents.defaults.model.fallbacks)"
        )
    if status >= 500:
        hint = (
            ""
            if provider.api_key
            else f"; no API key was sent: if the proxy requires one, set LITELLM_API_KEY (or "
            f"models.providers.{provider.name}.apiKey)"
        )
        return ProxyServerError(f"{label}: the proxy at {where} failed ({status}: {message}){hint}")
    return BadRequestError(f"{label}: the proxy refused the request ({status}: {message})")


def map_error(error: Exception, target: ModelTarget) -> MappedError:
    """Turn an ``openai`` exception into ours, written for a person; the original is chained."""
    provider = target.provider
    where = display_url(provider.api_base)
    # Discovery probes a provider rather than a model: name the provider alone then.
    label = provider.name if target.ref.model == "*" else str(target.ref)
    mapped: MappedError
    if isinstance(error, openai.APITimeoutError):
        mapped = ProxyTimeoutError(
            f"{label}: the proxy at {where} did not answer in time; raise the timeout "
            f"({ENV_TIMEOUT}) or check the proxy's upstream"
        )
    elif isinstance(error, openai.APIConnectionError):
        mapped = ProxyUnreachableError(
            f"Cannot reach the LiteLLM proxy at {where} for {label}: "
            f"{_scrub(str(error.__cause__ or error), provider.api_key)}. Start the proxy "
            "(litellm --config config.yaml) or point LITELLM_BASE_URL / "
            f"models.providers.{provider.name}.baseUrl at it"
        )
    elif isinstance(error, openai.APIStatusError):
        mapped = _status_error(error, target, label)
    elif isinstance(error, openai.APIError):
        mapped = StreamInterruptedError(
            f"{label}: the proxy reported an error mid-answer: "
            f"{_scrub(str(error.message), provider.api_key)}"
        )
    else:
        mapped = StreamInterruptedError(
            f"{label}: the connection to {where} broke off mid-answer "
            f"({type(error).__name__}); retry the request"
        )
    mapped.__cause__ = error
    return mapped


def is_transport_error(error: BaseException) -> bool:
    """An exception from the HTTP layer under ``openai`` (raised while a stream is read)."""
    return type(error).__module__.split(".")[0] in _TRANSPORT_PACKAGES


def stream_error(error: Exception, target: ModelTarget, received: int) -> MappedError:
    """An error while an answer streams. The proxy answered, so a connection that breaks now is an
    interrupted stream (the proxy stopped or restarted), not an unreachable proxy."""
    if isinstance(error, openai.APIConnectionError) and not isinstance(
        error, openai.APITimeoutError
    ):
        cause = _scrub(str(error.__cause__ or error), target.provider.api_key)
        mapped = StreamInterruptedError(
            f"{target.ref}: the connection to {display_url(target.provider.api_base)} broke off "
            f"mid-answer after {received} characters ({cause}); the proxy may have stopped "
            "or restarted: retry the request"
        )
        mapped.__cause__ = error
        return mapped
    return map_error(error, target)


def with_served_hint(error: MappedError, served: Sequence[str]) -> MappedError:
    """A model-not-served error that also lists what the proxy does serve."""
    if not isinstance(error, ModelNotServedError) or not served:
        return error
    better = ModelNotServedError(f"{error} (it serves: {', '.join(sorted(served))})")
    better.__cause__ = error.__cause__
    return better


def fallback_or_raise(failures: list[tuple[str, Exception]], total: int) -> None:
    """After a failure: return to try the next candidate, or raise when none is left."""
    error = failures[-1][1]
    retryable = isinstance(error, ProxyError) and error.retryable
    if retryable and len(failures) < total:
        return
    if len(failures) == 1 or not retryable:
        raise error
    raise AllModelsFailedError(failures) from error


__all__ = [
    "MAPPED_ERRORS",
    "MappedError",
    "fallback_or_raise",
    "is_transport_error",
    "map_error",
    "stream_error",
    "with_served_hint",
]
