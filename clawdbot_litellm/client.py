"""The adapter: the official ``openai`` client pointed at a provider, one per provider, reused.

``Client`` and ``AsyncClient`` are twins: both resolve refs through the config, build arguments with
:mod:`clawdbot_litellm.request`, map errors with :func:`map_error` and accumulate answers with
``_Accumulator``; only the send differs. This is the only module that imports ``openai``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import openai

from .config.resolve import Provider, ResolvedConfig, load_config, mask_secret
from .errors import (
    AllModelsFailedError,
    AuthenticationError,
    BadRequestError,
    ConfigError,
    ContextWindowError,
    ModelNotServedError,
    ProxyError,
    ProxyServerError,
    ProxyTimeoutError,
    ProxyUnreachableError,
    RateLimitError,
    StreamInterruptedError,
    UnsupportedAPIError,
)
from .refs import DEFAULT_PROVIDER, ModelTarget
from .request import ChatOptions, Message, PreparedRequest, ReasoningEffort, build_request

if TYPE_CHECKING:
    import httpx2
    from openai.types.chat import ChatCompletion, ChatCompletionChunk

ENV_TIMEOUT = "CLAWDBOT_LITELLM_TIMEOUT"
ENV_MAX_RETRIES = "CLAWDBOT_LITELLM_MAX_RETRIES"
DEFAULT_TIMEOUT = 120.0
DEFAULT_MAX_RETRIES = 2
SUPPORTED_API = "openai-completions"
_MAX_CACHED_CHAINS = 256


def client_settings(
    timeout: float | None, max_retries: int | None, environ: Mapping[str, str] | None = None
) -> tuple[float, int]:
    """Timeout and retry count: the caller's, else the environment's, else the defaults."""
    env = os.environ if environ is None else environ

    def number(name: str, default: float, kind: type[float] | type[int]) -> float:
        text = env.get(name, "").strip()
        if not text:
            return default
        try:
            value = kind(text)
        except ValueError:
            raise ConfigError(
                f"{name}={text!r} is not a number; set it to a value like {kind(default)}"
            ) from None
        if value < 0:
            raise ConfigError(f"{name}={text!r} must not be negative")
        return value

    resolved_timeout = (
        timeout if timeout is not None else number(ENV_TIMEOUT, DEFAULT_TIMEOUT, float)
    )
    resolved_retries = (
        max_retries if max_retries is not None else int(number(ENV_MAX_RETRIES, 2, int))
    )
    return float(resolved_timeout), int(resolved_retries)


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class ChatResult:
    """A finished answer: text, reasoning, why it stopped, usage and its cost."""

    ref: str
    text: str
    reasoning: str
    finish_reason: str | None
    usage: Usage | None
    cost: float | None
    notes: tuple[str, ...] = ()

    @property
    def truncated(self) -> bool:
        """``finish_reason == "length"``: the answer hit the output limit."""
        return self.finish_reason == "length"


@dataclass(frozen=True)
class StreamEvent:
    """One piece of a streamed answer as it arrives."""

    kind: Literal["text", "reasoning"]
    text: str


def cost_of(target: ModelTarget, usage: Usage | None) -> float | None:
    """Cost from the model's per-million-token prices (``None`` without usage)."""
    if usage is None:
        return None
    price = target.model.cost
    fresh = max(usage.prompt_tokens - usage.cached_tokens, 0)
    return (
        fresh * price.input
        + usage.cached_tokens * price.cache_read
        + usage.completion_tokens * price.output
    ) / 1_000_000


def _usage(raw: Any) -> Usage | None:
    if raw is None:
        return None
    details = getattr(raw, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) or 0
    return Usage(raw.prompt_tokens or 0, raw.completion_tokens or 0, cached)


def _reasoning_of(part: Any) -> str:
    # Dict lookups, not getattr: on a pydantic model a missing attribute raises inside
    # ``__getattr__``, and this runs for every streamed chunk.
    fields = getattr(part, "__dict__", None) or {}
    extra = getattr(part, "model_extra", None) or {}
    value = fields.get("reasoning_content") or extra.get("reasoning_content")
    value = value or extra.get("reasoning")
    return value if isinstance(value, str) else ""


class _Accumulator:
    """Turns chunks into events and, at the end, a ``ChatResult`` (shared by both twins)."""

    def __init__(self, target: ModelTarget, prepared: PreparedRequest) -> None:
        self.target = target
        self.prepared = prepared
        self.text: list[str] = []
        self.reasoning: list[str] = []
        self.finish_reason: str | None = None
        self.usage: Usage | None = None

    def feed(self, chunk: ChatCompletionChunk) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        if chunk.usage is not None:
            self.usage = _usage(chunk.usage)
        for choice in chunk.choices:
            thought = _reasoning_of(choice.delta)
            if thought:
                self.reasoning.append(thought)
                events.append(StreamEvent("reasoning", thought))
            if choice.delta.content:
                self.text.append(choice.delta.content)
                events.append(StreamEvent("text", choice.delta.content))
            if choice.finish_reason:
                self.finish_reason = choice.finish_reason
        return events

    def finish(self) -> ChatResult:
        if self.finish_reason is None:
            raise StreamInterruptedError(
                f"The stream from {self.target.ref} ended before the proxy said it was finished "
                f"({len(''.join(self.text))} characters received); retry the request"
            )
        return self.result()

    def result(self) -> ChatResult:
        return ChatResult(
            ref=str(self.target.ref),
            text="".join(self.text),
            reasoning="".join(self.reasoning),
            finish_reason=self.finish_reason,
            usage=self.usage,
            cost=cost_of(self.target, self.usage),
            notes=self.prepared.notes,
        )

    def complete(self, completion: ChatCompletion) -> ChatResult:
        choice = completion.choices[0] if completion.choices else None
        if choice is not None:
            self.text.append(choice.message.content or "")
            self.reasoning.append(_reasoning_of(choice.message))
            self.finish_reason = choice.finish_reason
        self.usage = _usage(completion.usage)
        return self.result()


# --- errors --------------------------------------------------------------------------------------


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
    """First line only (LiteLLM appends routing chatter), whitespace folded, key masked."""
    lines = [line for line in text.splitlines() if line.strip()]
    text = " ".join(lines[0].split()) if lines else ""
    if secret:
        text = text.replace(secret, mask_secret(secret))
    return text[:400]


def map_error(error: Exception, target: ModelTarget) -> ProxyError:
    """Turn an ``openai`` exception into ours, written for a person; the original is chained."""
    provider = target.provider
    where = provider.api_base
    # Discovery probes a provider rather than a model: name the provider alone then.
    label = provider.name if target.ref.model == "*" else str(target.ref)
    key_hint = (
        "set LITELLM_API_KEY (or models.providers."
        f"{provider.name}.apiKey) to a key the proxy accepts"
    )
    mapped: ProxyError
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
        status = error.status_code
        message = _scrub(_body_message(error), provider.api_key)
        content_type = error.response.headers.get("content-type", "") if error.response else ""
        lowered = message.lower()
        if (
            status in (401, 403)
            or "no connected db" in lowered
            or "no_db_connection" in str(error.body)
            or (status == 500 and not provider.api_key and content_type.startswith("text/plain"))
        ):
            sent = (
                "no API key was sent"
                if not provider.api_key
                else (f"key {mask_secret(provider.api_key)}")
            )
            mapped = AuthenticationError(
                f"The proxy at {where} rejected the API key ({sent}; it answered {status}: "
                f"{message}); {key_hint}"
            )
        elif status == 400 and "invalid model name" in lowered:
            mapped = ModelNotServedError(
                f"The proxy at {where} does not serve model {target.model.id!r} "
                f"({target.ref}); add it to the proxy's model_list or fix the model id"
            )
        elif (
            "contextwindowexceeded" in lowered
            or "context_length_exceeded" in lowered
            or ("context window" in lowered and status == 400)
        ):
            raise ContextWindowError(
                f"{label}: the proxy says the request does not fit the model's context "
                f"window ({message}); shorten the prompt or lower max_tokens"
            ) from error
        elif status == 408:
            mapped = ProxyTimeoutError(
                f"{label}: the proxy at {where} timed out waiting for the model (408: {message})"
            )
        elif status == 429:
            mapped = RateLimitError(
                f"{label}: rate limited by the proxy after retries (429: {message}); wait "
                "and retry, or configure fallbacks (agents.defaults.model.fallbacks)"
            )
        elif status >= 500:
            mapped = ProxyServerError(f"{label}: the proxy at {where} failed ({status}: {message})")
        else:
            mapped = BadRequestError(
                f"{label}: the proxy refused the request ({status}: {message})"
            )
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


def _stream_error(error: Exception, acc: _Accumulator) -> ProxyError:
    """An error while an answer streams. The proxy answered, so a connection that breaks now is an
    interrupted stream (the proxy stopped or restarted), not an unreachable proxy."""
    if isinstance(error, openai.APIConnectionError) and not isinstance(
        error, openai.APITimeoutError
    ):
        target = acc.target
        cause = _scrub(str(error.__cause__ or error), target.provider.api_key)
        mapped = StreamInterruptedError(
            f"{target.ref}: the connection to {target.provider.api_base} broke off mid-answer "
            f"after {len(''.join(acc.text))} characters ({cause}); the proxy may have stopped "
            "or restarted: retry the request"
        )
        mapped.__cause__ = error
        return mapped
    return map_error(error, acc.target)


def _served_hint(error: ModelNotServedError, served: Sequence[str]) -> ModelNotServedError:
    if not served:
        return error
    better = ModelNotServedError(f"{error} (it serves: {', '.join(sorted(served))})")
    better.__cause__ = error.__cause__
    return better


def _check_api(target: ModelTarget) -> None:
    api = target.model.api or target.provider.api
    if api != SUPPORTED_API:
        raise UnsupportedAPIError(
            f"{target.ref} uses api {api!r}; this adapter sends only {SUPPORTED_API!r}. Use "
            'Clawdbot itself for this provider, or set api: "openai-completions" if the '
            "server is OpenAI-compatible"
        )


def _fallback_or_raise(failures: list[tuple[str, Exception]], total: int) -> None:
    """After a failure: return to try the next candidate, or raise when none is left."""
    error = failures[-1][1]
    retryable = isinstance(error, ProxyError) and error.retryable
    if retryable and len(failures) < total:
        return
    if len(failures) == 1:
        raise error
    if not retryable:
        raise error
    raise AllModelsFailedError(failures) from error


# --- the twins -----------------------------------------------------------------------------------


ClientT = TypeVar("ClientT", bound="_Base")


class _Base:
    """What both twins share: config, settings, target resolution, request preparation."""

    def __init__(
        self,
        config: ResolvedConfig | None = None,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config if config is not None else load_config(environ=environ)
        self.timeout, self.max_retries = client_settings(timeout, max_retries, environ)
        self._chains: dict[tuple[str | None, bool], tuple[ResolvedConfig, list[ModelTarget]]] = {}

    @classmethod
    def from_config(
        cls: type[ClientT], path: str | os.PathLike[str] | None = None, **options: Any
    ) -> ClientT:
        """Load the Clawdbot config (explicit path, or the usual locations) and build a client."""
        return cls(load_config(path, environ=options.get("environ")), **options)

    @classmethod
    def from_env(cls: type[ClientT], **options: Any) -> ClientT:
        """Only the ``LITELLM_*`` environment: no config file is read."""
        from .config.load import expand_document
        from .config.resolve import resolve_document

        document = expand_document(Path("<environment>"), {}, exists=False)
        return cls(resolve_document(document, options.get("environ")), **options)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(providers={list(self.config.providers)!r}, "
            f"primary={self.config.primary!r}, timeout={self.timeout}, "
            f"max_retries={self.max_retries})"
        )

    def _client_kwargs(self, provider: Provider, no_key: Callable[[], Any]) -> dict[str, Any]:
        return {
            "base_url": provider.api_base,
            # openai refuses an empty key; with none configured the header is omitted per request.
            "api_key": provider.api_key or no_key,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "default_headers": dict(provider.headers) or None,
        }

    def _prepare(
        self,
        target: ModelTarget,
        prompt: str | Sequence[Message],
        options: ChatOptions,
        stream: bool,
    ) -> PreparedRequest:
        _check_api(target)
        prepared = build_request(target.model, prompt, options, stream=stream, ref=str(target.ref))
        headers: dict[str, Any] = {k: v for k, v in (target.model.headers or {}).items()}
        if not target.provider.api_key:
            headers["Authorization"] = openai.omit
        if headers:
            prepared.kwargs["extra_headers"] = headers
        return prepared

    def _targets(self, model: str | None, fallbacks: bool) -> list[ModelTarget]:
        # A resolved config never changes, so a ref is resolved once per config, not on every
        # request; only refs that resolved are kept, and at most _MAX_CACHED_CHAINS of them.
        cached = self._chains.get((model, fallbacks))
        if cached is not None and cached[0] is self.config:
            return cached[1]
        targets = self.config.candidates(model) if fallbacks else [self.config.resolve(model)]
        if len(self._chains) >= _MAX_CACHED_CHAINS:
            self._chains.clear()
        self._chains[(model, fallbacks)] = (self.config, targets)
        return targets


def _options(
    system: str | None,
    max_tokens: int | None,
    reasoning_effort: ReasoningEffort | None,
    images: Sequence[str | os.PathLike[str]],
    extra: Mapping[str, Any] | None,
) -> ChatOptions:
    return ChatOptions(
        max_tokens=max_tokens,
        reasoning_effort=reasoning_effort,
        system=system,
        images=tuple(os.fspath(i) for i in images),
        extra=dict(extra or {}),
    )


class ChatStream:
    """A streamed answer: iterate for ``StreamEvent``s; ``result`` once it is finished."""

    def __init__(self, raw: openai.Stream[ChatCompletionChunk], acc: _Accumulator) -> None:
        self._raw, self._acc = raw, acc
        self._result: ChatResult | None = None
        self.ref = str(acc.target.ref)

    def __iter__(self) -> Iterator[StreamEvent]:
        try:
            for chunk in self._raw:
                yield from self._acc.feed(chunk)
        except openai.APIError as error:
            raise _stream_error(error, self._acc) from error
        except Exception as error:
            if type(error).__module__.split(".")[0] in ("httpx2", "httpcore2"):
                raise _stream_error(error, self._acc) from error
            raise
        finally:
            self._raw.close()
        self._result = self._acc.finish()

    @property
    def result(self) -> ChatResult:
        if self._result is None:
            raise RuntimeError("the stream has not been read to its end yet")
        return self._result

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> ChatStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Client(_Base):
    """Send chat requests to the providers of a Clawdbot config through the ``openai`` client.

    >>> with Client.from_config() as client:                       # doctest: +SKIP
    ...     for event in client.stream("Hello", model="litellm/gpt-4"):
    ...         print(event.text, end="")
    """

    def __init__(
        self,
        config: ResolvedConfig | None = None,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        http_client: httpx2.Client | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(config, timeout=timeout, max_retries=max_retries, environ=environ)
        self._http_client = http_client
        self._clients: dict[str, openai.OpenAI] = {}

    @staticmethod
    def _no_key() -> str:
        return ""

    def openai_client(self, provider: str = DEFAULT_PROVIDER) -> openai.OpenAI:
        """The pooled ``openai.OpenAI`` for a provider (created on first use)."""
        if provider not in self._clients:
            config = self.config.providers[provider]
            self._clients[provider] = openai.OpenAI(
                **self._client_kwargs(config, self._no_key), http_client=self._http_client
            )
        return self._clients[provider]

    def _send(
        self,
        prompt: str | Sequence[Message],
        options: ChatOptions,
        model: str | None,
        fallbacks: bool,
        *,
        stream: bool,
    ) -> Any:
        """Try each candidate model in turn: the one place a sync request is sent."""
        targets = self._targets(model, fallbacks)
        failures: list[tuple[str, Exception]] = []
        for target in targets:
            prepared = self._prepare(target, prompt, options, stream=stream)
            try:
                try:
                    response = self.openai_client(target.provider.name).chat.completions.create(
                        **prepared.kwargs
                    )
                except openai.APIError as error:
                    raise map_error(error, target) from error
            except ProxyError as error:
                if isinstance(error, ModelNotServedError):
                    error = _served_hint(error, self._served(target))
                failures.append((str(target.ref), error))
                _fallback_or_raise(failures, len(targets))
                continue
            accumulator = _Accumulator(target, prepared)
            return ChatStream(response, accumulator) if stream else accumulator.complete(response)
        raise AssertionError("unreachable")  # pragma: no cover

    def _served(self, target: ModelTarget) -> list[str]:
        try:
            client = self.openai_client(target.provider.name).with_options(
                timeout=5.0, max_retries=0
            )
            return [m.id for m in client.models.list()]
        except Exception:  # a hint, never a second failure
            return []

    def chat(
        self,
        prompt: str | Sequence[Message],
        *,
        model: str | None = None,
        system: str | None = None,
        max_tokens: int | None = None,
        reasoning_effort: ReasoningEffort | None = None,
        images: Sequence[str | os.PathLike[str]] = (),
        fallbacks: bool = True,
        extra: Mapping[str, Any] | None = None,
    ) -> ChatResult:
        """One complete answer (no streaming); falls back on retryable errors."""
        options = _options(system, max_tokens, reasoning_effort, images, extra)
        result: ChatResult = self._send(prompt, options, model, fallbacks, stream=False)
        return result

    def stream(
        self,
        prompt: str | Sequence[Message],
        *,
        model: str | None = None,
        system: str | None = None,
        max_tokens: int | None = None,
        reasoning_effort: ReasoningEffort | None = None,
        images: Sequence[str | os.PathLike[str]] = (),
        fallbacks: bool = True,
        extra: Mapping[str, Any] | None = None,
    ) -> ChatStream:
        """Open a streamed answer; falls back while opening, never mid-answer."""
        options = _options(system, max_tokens, reasoning_effort, images, extra)
        stream: ChatStream = self._send(prompt, options, model, fallbacks, stream=True)
        return stream

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncChatStream:
    """The async twin of ``ChatStream``."""

    def __init__(self, raw: openai.AsyncStream[ChatCompletionChunk], acc: _Accumulator) -> None:
        self._raw, self._acc = raw, acc
        self._result: ChatResult | None = None
        self.ref = str(acc.target.ref)

    async def __aiter__(self) -> AsyncIterator[StreamEvent]:
        try:
            async for chunk in self._raw:
                for event in self._acc.feed(chunk):
                    yield event
        except openai.APIError as error:
            raise _stream_error(error, self._acc) from error
        except Exception as error:
            if type(error).__module__.split(".")[0] in ("httpx2", "httpcore2"):
                raise _stream_error(error, self._acc) from error
            raise
        finally:
            await self._raw.close()
        self._result = self._acc.finish()

    @property
    def result(self) -> ChatResult:
        if self._result is None:
            raise RuntimeError("the stream has not been read to its end yet")
        return self._result

    async def aclose(self) -> None:
        await self._raw.close()


class AsyncClient(_Base):
    """The async twin of ``Client``: same config, mapping, errors and fallbacks."""

    def __init__(
        self,
        config: ResolvedConfig | None = None,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        http_client: httpx2.AsyncClient | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(config, timeout=timeout, max_retries=max_retries, environ=environ)
        self._http_client = http_client
        self._clients: dict[str, openai.AsyncOpenAI] = {}

    @staticmethod
    async def _no_key() -> str:
        # AsyncOpenAI awaits a callable key.
        return ""

    def openai_client(self, provider: str = DEFAULT_PROVIDER) -> openai.AsyncOpenAI:
        if provider not in self._clients:
            config = self.config.providers[provider]
            self._clients[provider] = openai.AsyncOpenAI(
                **self._client_kwargs(config, self._no_key), http_client=self._http_client
            )
        return self._clients[provider]

    async def _served(self, target: ModelTarget) -> list[str]:
        try:
            client = self.openai_client(target.provider.name).with_options(
                timeout=5.0, max_retries=0
            )
            return [m.id async for m in client.models.list()]
        except Exception:  # a hint, never a second failure
            return []

    async def _send(
        self,
        prompt: str | Sequence[Message],
        options: ChatOptions,
        model: str | None,
        fallbacks: bool,
        *,
        stream: bool,
    ) -> Any:
        """The async twin of ``Client._send``: the one place an async request is sent."""
        targets = self._targets(model, fallbacks)
        failures: list[tuple[str, Exception]] = []
        for target in targets:
            prepared = self._prepare(target, prompt, options, stream=stream)
            try:
                try:
                    response = await self.openai_client(
                        target.provider.name
                    ).chat.completions.create(**prepared.kwargs)
                except openai.APIError as error:
                    raise map_error(error, target) from error
            except ProxyError as error:
                if isinstance(error, ModelNotServedError):
                    error = _served_hint(error, await self._served(target))
                failures.append((str(target.ref), error))
                _fallback_or_raise(failures, len(targets))
                continue
            accumulator = _Accumulator(target, prepared)
            if stream:
                return AsyncChatStream(response, accumulator)
            return accumulator.complete(response)
        raise AssertionError("unreachable")  # pragma: no cover

    async def chat(
        self,
        prompt: str | Sequence[Message],
        *,
        model: str | None = None,
        system: str | None = None,
        max_tokens: int | None = None,
        reasoning_effort: ReasoningEffort | None = None,
        images: Sequence[str | os.PathLike[str]] = (),
        fallbacks: bool = True,
        extra: Mapping[str, Any] | None = None,
    ) -> ChatResult:
        options = _options(system, max_tokens, reasoning_effort, images, extra)

        result: ChatResult = await self._send(prompt, options, model, fallbacks, stream=False)
        return result

    async def stream(
        self,
        prompt: str | Sequence[Message],
        *,
        model: str | None = None,
        system: str | None = None,
        max_tokens: int | None = None,
        reasoning_effort: ReasoningEffort | None = None,
        images: Sequence[str | os.PathLike[str]] = (),
        fallbacks: bool = True,
        extra: Mapping[str, Any] | None = None,
    ) -> AsyncChatStream:
        options = _options(system, max_tokens, reasoning_effort, images, extra)

        stream: AsyncChatStream = await self._send(prompt, options, model, fallbacks, stream=True)
        return stream

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.close()
        self._clients.clear()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


__all__ = [
    "AsyncChatStream",
    "AsyncClient",
    "ChatResult",
    "ChatStream",
    "Client",
    "StreamEvent",
    "Usage",
    "client_settings",
    "cost_of",
    "map_error",
]
