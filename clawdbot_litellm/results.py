"""What an answer becomes: usage, its cost, the finished result, and the events of a stream.

Pure: the accumulator reads ``openai``'s chunk and completion objects by attribute but never
imports ``openai``, so both client twins share one way of building a result.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, cast

from .errors import StreamInterruptedError, ToolArgumentsError
from .proxy_info import ProxyInfo, proxy_info, response_cost

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion, ChatCompletionChunk

    from .refs import ModelTarget
    from .request import PreparedRequest
    from .tools import ToolCallAssembler


_V = TypeVar("_V")
ABORTED = "aborted"  # the finish_reason of a stream the caller closed or cancelled mid-answer


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class ToolCall:
    """One function call the model asked for; ``arguments`` is the JSON text exactly as sent."""

    id: str
    name: str
    arguments: str

    def parsed_arguments(self) -> dict[str, Any]:
        """The arguments as a dict; malformed JSON is a ``ToolArgumentsError`` saying where."""
        text = self.arguments
        if not text.strip():
            return {}  # a call without arguments (some upstreams send "" for "{}")
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            start = max(error.pos - 20, 0)
            raise ToolArgumentsError(
                f"tool call {self.id} to {self.name}: the arguments are not valid JSON: "
                f"{error.msg} at line {error.lineno} column {error.colno} (near "
                f"{text[start : error.pos + 20]!r}); the raw text is on .arguments",
                call_id=self.id,
                name=self.name,
                arguments=text,
            ) from None
        if not isinstance(value, dict):
            raise ToolArgumentsError(
                f"tool call {self.id} to {self.name}: the arguments are JSON "
                f"{type(value).__name__}, not an object; the raw text is on .arguments",
                call_id=self.id,
                name=self.name,
                arguments=text,
            )
        return value

    def as_message_part(self) -> dict[str, Any]:
        """The call in the OpenAI shape of an assistant message's ``tool_calls`` entry."""
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments},
        }


class _Pending:
    """What ``ChatResult.proxy``, and ``cost``/``cost_source`` when they come from the proxy's
    header, are worked out from on first read: the response headers, a stream's cost from its
    last chunk (its headers left before the cost was known), and what prices the answer."""

    __slots__ = ("_chosen", "headers", "stream_cost", "target", "usage")

    def __init__(
        self,
        headers: Mapping[str, str],
        stream_cost: float | None,
        target: ModelTarget,
        usage: Usage | None,
    ) -> None:
        self.headers, self.stream_cost = headers, stream_cost
        self.target, self.usage = target, usage
        self._chosen: tuple[float | None, str | None] | None = None

    def resolve(self, name: str) -> Any:
        if name == "proxy":
            info = proxy_info(self.headers)
            if info is not None and info.cost is None and self.stream_cost is not None:
                info = replace(info, cost=self.stream_cost)
            return info
        if self._chosen is None:  # cost and cost_source come from one read of the header
            self._chosen = choose_cost(self.target, self.usage, response_cost(self.headers))
        return self._chosen[0] if name == "cost" else self._chosen[1]


class _ResolvedOnRead(Generic[_V]):
    """A field of ``ChatResult`` that may be given as a ``_Pending`` and is worked out, once, on
    first read: most callers never look at the proxy's headers, and reading even one of them
    (``httpx2.Headers`` decodes them all) cost more than the rest of an answer. Every other
    reader (``==``, ``repr``, ``replace``, pickling) sees the value."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name, self._slot = name, f"_{name}"

    def __get__(self, obj: object, owner: type | None = None) -> _V:
        if obj is None:
            return cast("_V", None)  # the dataclass default
        value = obj.__dict__[self._slot]
        if isinstance(value, _Pending):
            value = obj.__dict__[self._slot] = value.resolve(self._name)
        return cast("_V", value)

    def __set__(self, obj: object, value: _V | _Pending) -> None:
        obj.__dict__[self._slot] = value


@dataclass(frozen=True)
class ChatResult:
    """A finished answer: text, reasoning, why it stopped, usage, cost, tool calls, parsed value.

    ``cost`` comes from the model's configured prices when it has any (``cost_source`` is
    ``"config"``), else from the LiteLLM proxy (``"proxy"``), else it is ``None`` (and so is
    ``cost_source``): never ``0.0`` for "unknown". ``proxy`` is what the proxy said about the
    answer in its headers (``None`` when the server is not LiteLLM).
    """

    ref: str
    text: str
    reasoning: str
    finish_reason: str | None
    usage: Usage | None
    cost: _ResolvedOnRead[float | None] = _ResolvedOnRead()
    notes: tuple[str, ...] = ()
    tool_calls: tuple[ToolCall, ...] = ()
    parsed: Any = None
    proxy: _ResolvedOnRead[ProxyInfo | None] = _ResolvedOnRead()
    cost_source: _ResolvedOnRead[str | None] = _ResolvedOnRead()  # "config", "proxy" or None

    def __getstate__(self) -> dict[str, Any]:
        # Pickles and copies carry the values, never the raw headers (they hold more than
        # ProxyInfo keeps, such as the upstream URL).
        return {
            **self.__dict__,
            "_proxy": self.proxy,
            "_cost": self.cost,
            "_cost_source": self.cost_source,
        }

    @classmethod
    def _of(
        cls,
        *,
        ref: str,
        text: str,
        reasoning: str,
        finish_reason: str | None,
        usage: Usage | None,
        cost: float | _Pending | None,
        notes: tuple[str, ...],
        tool_calls: tuple[ToolCall, ...],
        parsed: Any,
        proxy: ProxyInfo | _Pending | None,
        cost_source: str | _Pending | None,
    ) -> ChatResult:
        # What the client builds on every answer, without the generated __init__ (an
        # ``object.__setattr__`` per field, three of them through the descriptors above).
        result = object.__new__(cls)
        result.__dict__.update(
            {
                "ref": ref,
                "text": text,
                "reasoning": reasoning,
                "finish_reason": finish_reason,
                "usage": usage,
                "_cost": cost,
                "notes": notes,
                "tool_calls": tool_calls,
                "parsed": parsed,
                "_proxy": proxy,
                "_cost_source": cost_source,
            }
        )
        return result

    @property
    def truncated(self) -> bool:
        """``finish_reason == "length"``: the answer hit the output limit."""
        return self.finish_reason == "length"

    @property
    def aborted(self) -> bool:
        """``finish_reason == "aborted"``: the stream was closed or cancelled mid-answer."""
        return self.finish_reason == ABORTED

    def message(self) -> dict[str, Any]:
        """The assistant message to append to the history (OpenAI shape, tool calls included)."""
        message: dict[str, Any] = {"role": "assistant", "content": self.text}
        if self.tool_calls:
            # OpenAI's own answers carry null content beside tool calls; an empty string is
            # refused by some upstreams behind LiteLLM.
            message["content"] = self.text or None
            message["tool_calls"] = [call.as_message_part() for call in self.tool_calls]
        return message


@dataclass(frozen=True)
class StreamEvent:
    """One piece of a streamed answer as it arrives; a finished tool call has kind ``tool_call``."""

    kind: Literal["text", "reasoning", "tool_call"]
    text: str
    tool_call: ToolCall | None = None


def _event(
    kind: Literal["text", "reasoning", "tool_call"], text: str, tool_call: ToolCall | None = None
) -> StreamEvent:
    # ``StreamEvent(kind, text, tool_call)`` without the generated __init__ (an
    # ``object.__setattr__`` per field), as the stream makes one for every chunk.
    event = object.__new__(StreamEvent)
    fields = event.__dict__
    fields["kind"], fields["text"], fields["tool_call"] = kind, text, tool_call
    return event


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


def has_prices(target: ModelTarget) -> bool:
    """True when the configured ``cost`` has any non-zero price."""
    price = target.model.cost
    return bool(price.input or price.output or price.cache_read or price.cache_write)


def choose_cost(
    target: ModelTarget, usage: Usage | None, proxy_cost: float | None
) -> tuple[float | None, str | None]:
    """``(cost, source)``: the configured prices when the model has any, else the proxy's cost."""
    if has_prices(target):
        cost = cost_of(target, usage)
        return (cost, "config") if cost is not None else (None, None)
    if proxy_cost is not None:
        return proxy_cost, "proxy"
    return None, None


def _proxy_cost(raw: Any) -> float | None:
    """LiteLLM's ``usage.cost`` (it puts the price of a streamed answer in the last chunk)."""
    extra = getattr(raw, "__pydantic_extra__", None) or {}
    cost = extra.get("cost")
    if isinstance(cost, bool) or not isinstance(cost, (int, float)):
        return None
    return float(cost)


def _usage(raw: Any) -> Usage | None:
    if raw is None:
        return None
    details = getattr(raw, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) or 0
    return Usage(raw.prompt_tokens or 0, raw.completion_tokens or 0, cached)


def _reasoning_of(part: Any) -> str:
    # Dict lookups, not getattr: on a pydantic model a missing attribute raises inside
    # ``__getattr__``, and this runs for every streamed chunk. ``openai`` declares no reasoning
    # field, so it arrives among the extra fields (read directly: ``model_extra`` is a property).
    extra = getattr(part, "__pydantic_extra__", None)
    value = (extra.get("reasoning_content") or extra.get("reasoning")) if extra else None
    if not value:
        value = (getattr(part, "__dict__", None) or {}).get("reasoning_content")
    return value if isinstance(value, str) else ""


def finished(
    target: ModelTarget,
    prepared: PreparedRequest,
    headers: Mapping[str, str] | None,
    *,
    text: str,
    reasoning: str,
    finish_reason: str | None,
    usage: Usage | None,
    tool_calls: tuple[ToolCall, ...],
    stream_cost: float | None = None,
) -> ChatResult:
    """The ``ChatResult`` of an answer, streamed or not: the one place a result is made."""
    ref = target.ref_text
    parsed = None
    response_format = prepared.response_format
    if response_format is not None and not tool_calls and finish_reason != ABORTED:
        from .tools import parse_structured  # tools imports this module

        parsed = parse_structured(text, response_format, ref)
    pending = None if headers is None else _Pending(headers, stream_cost, target, usage)
    cost: float | _Pending | None
    source: str | _Pending | None
    if pending is None or stream_cost is not None or has_prices(target):
        cost, source = choose_cost(target, usage, stream_cost)
    else:  # the proxy's price is in a header, read only if a caller asks for the cost
        cost = source = pending
    return ChatResult._of(
        ref=ref,
        text=text,
        reasoning=reasoning,
        finish_reason=finish_reason,
        usage=usage,
        cost=cost,
        notes=prepared.notes,
        tool_calls=tool_calls,
        parsed=parsed,
        proxy=pending,
        cost_source=source,
    )


def completed(
    target: ModelTarget,
    prepared: PreparedRequest,
    headers: Mapping[str, str] | None,
    completion: ChatCompletion,
) -> ChatResult:
    """A whole (non-streamed) answer as a ``ChatResult``."""
    choice = completion.choices[0] if completion.choices else None
    text, reasoning, finish_reason = "", "", None
    tool_calls: tuple[ToolCall, ...] = ()
    if choice is not None:
        message = choice.message
        text, reasoning = message.content or "", _reasoning_of(message)
        if message.tool_calls:
            from .tools import tool_calls_of  # tools imports this module

            tool_calls = tool_calls_of(message)
        finish_reason = choice.finish_reason
    return finished(
        target,
        prepared,
        headers,
        text=text,
        reasoning=reasoning,
        finish_reason=finish_reason,
        usage=_usage(completion.usage),
        tool_calls=tool_calls,
    )


class Accumulator:
    """Turns a stream's chunks into events and, at the end, a ``ChatResult`` (both twins')."""

    def __init__(
        self,
        target: ModelTarget,
        prepared: PreparedRequest,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.target = target
        self.prepared = prepared
        self.headers = headers  # read only when the result's proxy or cost is
        self.stream_cost: float | None = None  # LiteLLM's ``usage.cost`` in a stream's last chunk
        self.text: list[str] = []
        self.reasoning: list[str] = []
        self.finish_reason: str | None = None
        self.usage: Usage | None = None
        self._assembler: ToolCallAssembler | None = None

    def feed(self, chunk: ChatCompletionChunk) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        if chunk.usage is not None:
            self.usage = _usage(chunk.usage)
            said = _proxy_cost(chunk.usage)
            if said is not None:
                self.stream_cost = said
        for choice in chunk.choices:
            delta = choice.delta
            thought = _reasoning_of(delta)
            if thought:
                self.reasoning.append(thought)
                events.append(_event("reasoning", thought))
            content = delta.content
            if content:
                self.text.append(content)
                events.append(_event("text", content))
            if delta.tool_calls:
                finished_calls = self._tool_calls().feed(delta.tool_calls)
                if finished_calls:
                    events += self._tool_events(finished_calls)
            if choice.finish_reason:
                self.finish_reason = choice.finish_reason
                if self._assembler is not None:
                    events += self._tool_events(self._assembler.finish())
        return events

    def _tool_calls(self) -> ToolCallAssembler:
        if self._assembler is None:
            from .tools import ToolCallAssembler  # tools imports this module

            self._assembler = ToolCallAssembler()
        return self._assembler

    @staticmethod
    def _tool_events(calls: list[ToolCall]) -> list[StreamEvent]:
        return [_event("tool_call", "", call) for call in calls]

    @property
    def received(self) -> int:
        """Characters of answer text so far (said when a stream breaks off)."""
        return sum(len(part) for part in self.text)

    def finish(self) -> ChatResult:
        if self.finish_reason is None:
            raise StreamInterruptedError(
                f"The stream from {self.target.ref} ended before the proxy said it was finished "
                f"({self.received} characters received); retry the request"
            )
        calls = self._assembler.calls if self._assembler is not None else ()
        return self._result(self.finish_reason, self.usage, calls)

    def aborted(self) -> ChatResult:
        """What arrived before the caller stopped the stream: the text, the reasoning and the
        tool calls completed so far; no usage (the proxy sends it last), nothing parsed."""
        calls = self._assembler.completed if self._assembler is not None else ()
        self._assembler = None
        return self._result(ABORTED, None, calls)

    def _result(
        self, finish_reason: str, usage: Usage | None, tool_calls: tuple[ToolCall, ...]
    ) -> ChatResult:
        return finished(
            self.target,
            self.prepared,
            self.headers,
            text="".join(self.text),
            reasoning="".join(self.reasoning),
            finish_reason=finish_reason,
            usage=usage,
            tool_calls=tool_calls,
            stream_cost=self.stream_cost,
        )


__all__ = [
    "ABORTED",
    "Accumulator",
    "ChatResult",
    "StreamEvent",
    "ToolCall",
    "Usage",
    "choose_cost",
    "completed",
    "cost_of",
    "finished",
    "has_prices",
]
