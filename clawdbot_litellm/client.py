"""The two client twins: the official ``openai`` client pointed at a provider, one per provider.

``Client`` and ``AsyncClient`` share everything but the send call (the common base resolves targets,
prepares requests and handles a failed attempt); the answer types live in :mod:`.results` and the
error mapping in :mod:`.proxy_errors`. This module and :mod:`.proxy_errors` import ``openai``.
"""

from __future__ import annotations

import copy
import functools
import inspect
import os
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

import openai
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from .config.resolve import ResolvedConfig, from_environment, load_config
from .config.schema import DEFAULT_PROVIDER, Provider
from .errors import ModelNotServedError
from .proxy_errors import (
    MAPPED_ERRORS,
    MappedError,
    fallback_or_raise,
    is_transport_error,
    map_error,
    stream_error,
    with_served_hint,
)
from .refs import SEND_API, ModelTarget, other_api_error, target_api
from .request import (
    DEFAULT_OPTIONS,
    ChatOptions,
    Message,
    PreparedRequest,
    ReasoningEffort,
    RequestTemplate,
    request_template,
    template_contents,
    template_key,
)
from .results import Accumulator, ChatResult, StreamEvent, completed
from .settings import client_settings
from .tools import ResponseFormat, ToolLike

if TYPE_CHECKING:
    import httpx2

    from .conversation import AsyncConversation, Conversation

_MAX_CACHED_CHAINS = 256


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
        self._templates: dict[
            tuple[Any, ...],
            tuple[ModelTarget, tuple[Any, ...] | None, RequestTemplate, openai.RequestOptions],
        ] = {}

    @classmethod
    def from_config(
        cls: type[ClientT], path: str | os.PathLike[str] | None = None, **options: Any
    ) -> ClientT:
        """Load the Clawdbot config (explicit path, or the usual locations) and build a client."""
        return cls(load_config(path, environ=options.get("environ")), **options)

    @classmethod
    def from_env(cls: type[ClientT], **options: Any) -> ClientT:
        """Only the ``LITELLM_*`` environment: no config file is read."""
        return cls(from_environment(options.get("environ")), **options)

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

    def _template(
        self, target: ModelTarget, options: ChatOptions, stream: bool
    ) -> tuple[RequestTemplate, openai.RequestOptions]:
        # What does not depend on the prompt is worked out once per target and option set (a
        # host sends the same options, tools and all, again and again), like the targets.
        if options is DEFAULT_OPTIONS:
            # The usual request. The shared defaults hold no caller's object that could change,
            # so they need neither a key nor a check.
            key: tuple[Any, ...] | None = ()
            slot: tuple[Any, ...] = (id(target), stream)
        else:
            key = template_key(options)
            slot = (id(target), stream, key)
        cached = self._templates.get(slot) if key is not None else None
        if cached is not None and cached[0] is not target:
            cached = None
        if cached is not None and (
            options is DEFAULT_OPTIONS or (cached[1] is not None and _holds(cached[1], options))
        ):
            return cached[2], cached[3]
        if target_api(target) != SEND_API:
            raise other_api_error(target, self.config.providers)
        template = request_template(target.model, options, stream=stream, ref=target.ref_text)
        request_options = _request_options(template, keyless=not target.provider.api_key)
        if key is not None:
            if len(self._templates) >= _MAX_CACHED_CHAINS:
                self._templates.clear()
            # Kept with the target and the options (through the template), so no id in the key
            # can be reused while it is cached. What the options held is copied for the check
            # only when the same key comes back: a host that builds new tools for every request
            # never pays for the copy.
            contents = (
                _snapshot(options)
                if cached is not None and options is not DEFAULT_OPTIONS
                else None
            )
            self._templates[slot] = (target, contents, template, request_options)
        return template, request_options

    def _targets(self, model: str | None, fallbacks: bool) -> list[ModelTarget]:
        # A resolved config never changes, so a ref is resolved once per config, not on every
        # request; only refs that resolved are kept, and at most _MAX_CACHED_CHAINS of them.
        cached = self._chains.get((model, fallbacks))
        if cached is not None and cached[0] is self.config:
            return cached[1]
        targets = list(self.config.candidates(model)) if fallbacks else [self.config.resolve(model)]
        if len(self._chains) >= _MAX_CACHED_CHAINS:
            self._chains.clear()
        self._chains[(model, fallbacks)] = (self.config, targets)
        return targets

    @staticmethod
    def _attempt_failed(
        failures: list[tuple[str, Exception]],
        target: ModelTarget,
        error: MappedError,
        total: int,
        served: Sequence[str] = (),
    ) -> None:
        """Record a failed attempt; return to try the next candidate, or raise the right error."""
        failures.append((str(target.ref), with_served_hint(error, served)))
        fallback_or_raise(failures, total)


@functools.cache
def _create_parameters() -> frozenset[str]:
    signature = inspect.signature(openai.resources.chat.Completions.create)
    return frozenset(signature.parameters) - {"self"}


def _snapshot(options: ChatOptions) -> tuple[Any, ...] | None:
    """A deep copy of what a template read from ``options`` by identity (``None``: cannot copy,
    so the template is not reused)."""
    try:
        return copy.deepcopy(template_contents(options))
    except Exception:  # an object that cannot be copied: make its template afresh each time
        return None


def _holds(contents: tuple[Any, ...], options: ChatOptions) -> bool:
    try:
        return bool(contents == template_contents(options))
    except Exception:  # an object whose == fails: not the same
        return False


# What ``with_raw_response`` adds to a request: openai then answers with the raw response (its
# headers, and ``parse()`` for the typed answer or stream) instead of the parsed answer alone.
RAW_RESPONSE_HEADER = "X-Stainless-Raw-Response"
CHAT_PATH = "/chat/completions"
_STREAM = openai.Stream[ChatCompletionChunk]
_ASYNC_STREAM = openai.AsyncStream[ChatCompletionChunk]


class _RawResponse(Protocol):
    """What openai answers a request that carries the raw-response header."""

    @property
    def headers(self) -> httpx2.Headers: ...

    def parse(self) -> Any: ...


def _request_options(template: RequestTemplate, keyless: bool) -> openai.RequestOptions:
    """What ``chat.completions.with_raw_response.create`` hands the client besides the body, made
    once per template.

    The adapter posts the body it built through the client's own ``post`` (retries, errors,
    parsing and streaming all openai's) rather than through ``create``: ``create`` first walks
    its arguments against their typed-dict annotations, a walk that changes nothing in a body of
    plain JSON (the request mapping checks every value serialises) and costs about 150 µs per
    message, more than everything the adapter does. ``tests/test_client.py`` checks both put the
    same request on the wire.
    """
    headers: dict[str, Any] = {**template.headers, RAW_RESPONSE_HEADER: "true"}
    if keyless:  # openai refuses an empty key; with none configured, no Authorization is sent
        headers["Authorization"] = openai.omit
    options: openai.RequestOptions = {"headers": headers, "security": {"bearer_auth": True}}
    if template.query:
        options["params"] = template.query
    return options


def create_kwargs(prepared: PreparedRequest) -> dict[str, Any]:
    """The same request as ``chat.completions.create`` keyword arguments: what a caller of the
    raw client would write (keys ``create`` has no parameter for go in ``extra_body``)."""
    known = _create_parameters()
    kwargs = {key: value for key, value in prepared.body.items() if key in known}
    unknown = {key: value for key, value in prepared.body.items() if key not in known}
    if unknown:
        kwargs["extra_body"] = unknown
    if prepared.headers:
        kwargs["extra_headers"] = dict(prepared.headers)
    if prepared.query:
        kwargs["extra_query"] = dict(prepared.query)
    return kwargs


def _options(
    system: str | None,
    max_tokens: int | None,
    reasoning_effort: ReasoningEffort | None,
    images: Sequence[str | os.PathLike[str]],
    extra: Mapping[str, Any] | None,
    *,
    tools: Sequence[ToolLike] = (),
    tool_choice: str | None = None,
    response_format: ResponseFormat | None = None,
    spend: tuple[str | None, Sequence[str], Mapping[str, Any] | None] = (None, (), None),
) -> ChatOptions:
    user, tags, metadata = spend
    if not (
        system
        or max_tokens is not None
        or reasoning_effort is not None
        or images
        or (extra is not None and extra != {})  # a wrong type still gets its error
        or tools
        or tool_choice is not None
        or response_format is not None
        or user is not None
        or tags
        or metadata
    ):
        return DEFAULT_OPTIONS  # the usual request: one shared, immutable set of defaults
    # Absent dicts are the defaults' own: a new {} for each request would be a new identity in
    # every template key (request.template_key).
    return ChatOptions(
        max_tokens=max_tokens,
        reasoning_effort=reasoning_effort,
        system=system,
        images=tuple(os.fspath(i) for i in images),
        extra=extra if extra is not None else DEFAULT_OPTIONS.extra,
        tools=tools,
        tool_choice=tool_choice,
        response_format=response_format,
        user=user,
        tags=tuple(tags),
        metadata=metadata if metadata is not None else DEFAULT_OPTIONS.metadata,
    )


class _StreamState:
    """What both stream twins share: the accumulator, the result, and who to tell when it is set.

    A stream ends one of three ways: read to its end (the proxy's own finish reason), closed by
    the caller or interrupted (Ctrl-C, a cancelled task) mid-answer (``finish_reason ==
    "aborted"``: the text, reasoning and tool calls so far, no usage), or broken by the proxy
    (an error is raised and there is no result).
    """

    def __init__(self, acc: Accumulator) -> None:
        self._acc = acc
        self._result: ChatResult | None = None
        self._closed = False
        self._callbacks: list[Callable[[ChatResult], None]] = []
        self.ref = acc.target.ref_text

    def _settle(self, result: ChatResult) -> None:
        if self._result is not None:
            return
        self._result = result
        for callback in self._callbacks:
            callback(result)

    def _abort(self) -> None:
        self._closed = True
        if self._result is None:
            self._settle(self._acc.aborted())

    def _map(self, error: Exception) -> Exception | None:
        """The error to raise for a failure while reading (``None``: the caller closed it)."""
        if self._closed:
            return None
        if isinstance(error, openai.APIError) or is_transport_error(error):
            return stream_error(error, self._acc.target, self._acc.received)
        return error

    def add_done_callback(self, callback: Callable[[ChatResult], None]) -> None:
        """Call ``callback(result)`` once the result is known: finished, closed or cancelled."""
        self._callbacks.append(callback)
        if self._result is not None:
            callback(self._result)

    @property
    def result(self) -> ChatResult:
        """The finished answer; after ``close()`` mid-answer, the part that had arrived."""
        if self._result is None:
            raise RuntimeError("the stream has not been read to its end yet")
        return self._result


class ChatStream(_StreamState):
    """A streamed answer: iterate for ``StreamEvent``s; ``result`` once it is finished.

    ``close()`` (or leaving a ``with`` block, or Ctrl-C while iterating) mid-answer closes the
    HTTP response at once and keeps what arrived as an aborted ``result``.
    """

    def __init__(self, raw: openai.Stream[ChatCompletionChunk], acc: Accumulator) -> None:
        super().__init__(acc)
        self._raw = raw

    def __iter__(self) -> Iterator[StreamEvent]:
        try:
            feed = self._acc.feed
            for chunk in self._raw:
                # A plain loop, not ``yield from``: measured 0.5% cheaper a stream side by side
                # (bench/README.md, finding 7), as the async twin must do it anyway.
                for event in feed(chunk):  # noqa: UP028
                    yield event
        except Exception as error:
            mapped = self._map(error)
            if mapped is None:
                return
            if mapped is error:
                raise
            raise mapped from error
        except BaseException:  # Ctrl-C, or the caller dropped the iterator (GeneratorExit)
            self._abort()
            raise
        finally:
            self._raw.close()
        if self._closed:
            self._abort()
        else:
            self._settle(self._acc.finish())

    def close(self) -> None:
        """Close the HTTP response; mid-answer, ``result`` becomes the part that arrived."""
        self._raw.close()
        self._abort()

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
            template, request_options = self._template(target, options, stream)
            prepared = template.prepare(prompt)
            try:
                try:
                    # The raw response: the answer, plus the proxy's x-litellm-* headers.
                    raw = cast(
                        _RawResponse,
                        self.openai_client(target.provider.name).post(
                            CHAT_PATH,
                            cast_to=ChatCompletion,
                            body=prepared.body,
                            options=request_options,
                            stream=stream,
                            stream_cls=_STREAM,
                        ),
                    )
                    response = raw.parse()
                except openai.APIError as error:
                    raise map_error(error, target) from error
            except MAPPED_ERRORS as error:
                served = self._served(target) if isinstance(error, ModelNotServedError) else ()
                self._attempt_failed(failures, target, error, len(targets), served)
                continue
            if stream:
                return ChatStream(response, Accumulator(target, prepared, raw.headers))
            return completed(target, prepared, raw.headers, response)
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
        tools: Sequence[ToolLike] = (),
        tool_choice: str | None = None,
        response_format: ResponseFormat | None = None,
        user: str | None = None,
        tags: Sequence[str] = (),
        metadata: Mapping[str, Any] | None = None,
    ) -> ChatResult:
        """One complete answer (no streaming); falls back on retryable errors.

        ``tools`` (OpenAI tool dicts, functions or pydantic classes) and ``tool_choice`` let the
        model call tools (``result.tool_calls``); ``response_format`` (a pydantic class or a JSON
        schema) asks for structured output, validated into ``result.parsed``.

        ``user``, ``tags`` and ``metadata`` go to LiteLLM's spend tracking (the body's ``user``
        and ``metadata.tags``); the answer's ``proxy`` says what the proxy charged.
        """
        options = _options(
            system,
            max_tokens,
            reasoning_effort,
            images,
            extra,
            tools=tools,
            tool_choice=tool_choice,
            response_format=response_format,
            spend=(user, tags, metadata),
        )
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
        tools: Sequence[ToolLike] = (),
        tool_choice: str | None = None,
        response_format: ResponseFormat | None = None,
        user: str | None = None,
        tags: Sequence[str] = (),
        metadata: Mapping[str, Any] | None = None,
    ) -> ChatStream:
        """Open a streamed answer; falls back while opening, never mid-answer.

        Takes the same ``tools``, ``tool_choice`` and ``response_format`` as ``chat``: each
        finished tool call is yielded as a ``"tool_call"`` event, and ``result`` holds them all
        (and ``parsed``).

        ``user``, ``tags`` and ``metadata`` go to LiteLLM's spend tracking (the body's ``user``
        and ``metadata.tags``); the answer's ``proxy`` says what the proxy charged.
        """
        options = _options(
            system,
            max_tokens,
            reasoning_effort,
            images,
            extra,
            tools=tools,
            tool_choice=tool_choice,
            response_format=response_format,
            spend=(user, tags, metadata),
        )
        stream: ChatStream = self._send(prompt, options, model, fallbacks, stream=True)
        return stream

    def conversation(
        self,
        model: str | None = None,
        system: str | None = None,
        tools: Sequence[ToolLike] = (),
        **options: Any,
    ) -> Conversation:
        """A ``Conversation`` on this client; ``options`` (any ``chat`` keyword) are defaults
        for every turn, and a turn's own options override them for that turn."""
        from .conversation import Conversation

        return Conversation(self, model, system, tools, **options)

    def close(self) -> None:
        """Close every pooled ``openai`` client."""
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


class AsyncChatStream(_StreamState):
    """The async twin of ``ChatStream``: ``aclose()`` (or cancelling the task that reads it)
    mid-answer closes the HTTP response at once and keeps what arrived as an aborted
    ``result``."""

    def __init__(self, raw: openai.AsyncStream[ChatCompletionChunk], acc: Accumulator) -> None:
        super().__init__(acc)
        self._raw = raw

    async def __aiter__(self) -> AsyncIterator[StreamEvent]:
        try:
            feed = self._acc.feed
            async for chunk in self._raw:
                for event in feed(chunk):
                    yield event
        except Exception as error:
            mapped = self._map(error)
            if mapped is None:
                return
            if mapped is error:
                raise
            raise mapped from error
        except BaseException:  # a cancelled task, Ctrl-C, or the iterator was dropped
            self._abort()
            raise
        finally:
            await self._raw.close()
        if self._closed:
            self._abort()
        else:
            self._settle(self._acc.finish())

    async def aclose(self) -> None:
        """Close the HTTP response; mid-answer, ``result`` becomes the part that arrived."""
        await self._raw.close()
        self._abort()

    async def __aenter__(self) -> AsyncChatStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


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
        """The pooled ``openai.AsyncOpenAI`` for a provider (created on first use)."""
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
            template, request_options = self._template(target, options, stream)
            prepared = template.prepare(prompt)
            try:
                try:
                    # The raw response: the answer, plus the proxy's x-litellm-* headers.
                    raw = cast(
                        _RawResponse,
                        await self.openai_client(target.provider.name).post(
                            CHAT_PATH,
                            cast_to=ChatCompletion,
                            body=prepared.body,
                            options=request_options,
                            stream=stream,
                            stream_cls=_ASYNC_STREAM,
                        ),
                    )
                    response = raw.parse()
                except openai.APIError as error:
                    raise map_error(error, target) from error
            except MAPPED_ERRORS as error:
                served: Sequence[str] = ()
                if isinstance(error, ModelNotServedError):
                    served = await self._served(target)
                self._attempt_failed(failures, target, error, len(targets), served)
                continue
            if stream:
                return AsyncChatStream(response, Accumulator(target, prepared, raw.headers))
            return completed(target, prepared, raw.headers, response)
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
        tools: Sequence[ToolLike] = (),
        tool_choice: str | None = None,
        response_format: ResponseFormat | None = None,
        user: str | None = None,
        tags: Sequence[str] = (),
        metadata: Mapping[str, Any] | None = None,
    ) -> ChatResult:
        """One complete answer (no streaming); falls back on retryable errors.

        ``tools`` (OpenAI tool dicts, functions or pydantic classes) and ``tool_choice`` let the
        model call tools (``result.tool_calls``); ``response_format`` (a pydantic class or a JSON
        schema) asks for structured output, validated into ``result.parsed``.

        ``user``, ``tags`` and ``metadata`` go to LiteLLM's spend tracking (the body's ``user``
        and ``metadata.tags``); the answer's ``proxy`` says what the proxy charged.
        """
        options = _options(
            system,
            max_tokens,
            reasoning_effort,
            images,
            extra,
            tools=tools,
            tool_choice=tool_choice,
            response_format=response_format,
            spend=(user, tags, metadata),
        )
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
        tools: Sequence[ToolLike] = (),
        tool_choice: str | None = None,
        response_format: ResponseFormat | None = None,
        user: str | None = None,
        tags: Sequence[str] = (),
        metadata: Mapping[str, Any] | None = None,
    ) -> AsyncChatStream:
        """Open a streamed answer; falls back while opening, never mid-answer.

        Takes the same ``tools``, ``tool_choice`` and ``response_format`` as ``chat``: each
        finished tool call is yielded as a ``"tool_call"`` event, and ``result`` holds them all
        (and ``parsed``).

        ``user``, ``tags`` and ``metadata`` go to LiteLLM's spend tracking (the body's ``user``
        and ``metadata.tags``); the answer's ``proxy`` says what the proxy charged.
        """
        options = _options(
            system,
            max_tokens,
            reasoning_effort,
            images,
            extra,
            tools=tools,
            tool_choice=tool_choice,
            response_format=response_format,
            spend=(user, tags, metadata),
        )
        stream: AsyncChatStream = await self._send(prompt, options, model, fallbacks, stream=True)
        return stream

    def conversation(
        self,
        model: str | None = None,
        system: str | None = None,
        tools: Sequence[ToolLike] = (),
        **options: Any,
    ) -> AsyncConversation:
        """A ``AsyncConversation`` on this client; ``options`` (any ``chat`` keyword) are
        defaults for every turn, and a turn's own options override them for that turn."""
        from .conversation import AsyncConversation

        return AsyncConversation(self, model, system, tools, **options)

    async def aclose(self) -> None:
        """Close every pooled ``openai`` client."""
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
    "ChatStream",
    "Client",
]
