"""What an answer becomes: usage, its cost, the finished result, and the events of a stream.

Pure: the accumulator reads ``openai``'s chunk and completion objects by attribute but never
imports ``openai``, so both client twins share one way of building a result.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from .errors import StreamInterruptedError, ToolArgumentsError
from .proxy_info import ProxyInfo, proxy_info, response_cost

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion, ChatCompletionChunk

    from .refs import ModelTarget
    from .request import PreparedRequest
    from .tools import ToolCallAssembler


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
    """A ``ChatResult.proxy`` not parsed yet: the headers, and a stream's cost from its last
    chunk (its headers left before the cost was known)."""

    __slots__ = ("headers", "stream_cost")

    def __init__(self, headers: Mapping[str, str], stream_cost: float | None) -> None:
        self.headers, self.stream_cost = headers, stream_cost

    def parse(self) -> ProxyInfo | None:
        info = proxy_info(self.headers)
        if info is not None and info.cost is None and self.stream_cost is not None:
            info = replace(info, cost=self.stream_cost)
        return info


class _ParsedOnRead:
    """The ``proxy`` field of ``ChatResult``: it may be given as a ``_Pending`` and is parsed,
    once, on first read. Most callers never look at it, and parsing the proxy's fifteen headers
    was a third of the adapter's own CPU per request. Every other reader (``==``, ``repr``,
    ``replace``, pickling) sees the parsed value."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = f"_{name}"

    def __get__(self, obj: object, owner: type | None = None) -> ProxyInfo | None:
        if obj is None:
            return None  # the dataclass default
        value = obj.__dict__[self._slot]
        if isinstance(value, _Pending):
            value = obj.__dict__[self._slot] = value.parse()
        result: ProxyInfo | None = value
        return result

    def __set__(self, obj: object, value: ProxyInfo | _Pending | None) -> None:
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
    cost: float | None
    notes: tuple[str, ...] = ()
    tool_calls: tuple[ToolCall, ...] = ()
    parsed: Any = None
    proxy: _ParsedOnRead = _ParsedOnRead()
    cost_source: str | None = None

    def __getstate__(self) -> dict[str, Any]:
        # Pickles and copies carry the parsed value, never the raw headers (they hold more than
        # ProxyInfo keeps, such as the upstream URL).
        return {**self.__dict__, "_proxy": self.proxy}

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
    extra = getattr(raw, "model_extra", None) or {}
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
    # ``__getattr__``, and this runs for every streamed chunk.
    fields = getattr(part, "__dict__", None) or {}
    extra = getattr(part, "model_extra", None) or {}
    value = fields.get("reasoning_content") or extra.get("reasoning_content")
    value = value or extra.get("reasoning")
    return value if isinstance(value, str) else ""


class Accumulator:
    """Turns chunks into events and, at the end, a ``ChatResult`` (shared by both twins)."""

    def __init__(
        self,
        target: ModelTarget,
        prepared: PreparedRequest,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.target = target
        self.prepared = prepared
        # The response headers, parsed into ``ChatResult.proxy`` only when a caller reads it;
        # the cost is the one header needed now (and only for a model without prices).
        self.headers = headers
        self.header_cost: float | None = None
        if headers is not None and not has_prices(target):
            self.header_cost = response_cost(headers)
        self.stream_cost: float | None = None  # LiteLLM's ``usage.cost`` in a stream's last chunk
        self.text: list[str] = []
        self.reasoning: list[str] = []
        self.finish_reason: str | None = None
        self.usage: Usage | None = None
        self.tool_calls: tuple[ToolCall, ...] = ()
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
                events.append(StreamEvent("reasoning", thought))
            if delta.content:
                self.text.append(delta.content)
                events.append(StreamEvent("text", delta.content))
            if delta.tool_calls:
                finished = self._tool_calls().feed(delta.tool_calls)
                if finished:
                    events += self._tool_events(finished)
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
        return [StreamEvent("tool_call", "", call) for call in calls]

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
        return self.result()

    def aborted(self) -> ChatResult:
        """What arrived before the caller stopped the stream: the text, the reasoning and the
        tool calls completed so far; no usage (the proxy sends it last), nothing parsed."""
        self.finish_reason = ABORTED
        self.usage = None
        if self._assembler is not None:
            self.tool_calls, self._assembler = self._assembler.completed, None
        return self.result()

    def result(self) -> ChatResult:
        text = "".join(self.text)
        tool_calls = self._assembler.calls if self._assembler is not None else self.tool_calls
        parsed = None
        response_format = self.prepared.response_format
        if response_format is not None and not tool_calls and self.finish_reason != ABORTED:
            from .tools import parse_structured

            parsed = parse_structured(text, response_format, str(self.target.ref))
        said = self.stream_cost if self.stream_cost is not None else self.header_cost
        cost, source = choose_cost(self.target, self.usage, said)
        return ChatResult(
            ref=str(self.target.ref),
            text=text,
            reasoning="".join(self.reasoning),
            finish_reason=self.finish_reason,
            usage=self.usage,
            cost=cost,
            notes=self.prepared.notes,
            tool_calls=tool_calls,
            parsed=parsed,
            proxy=None if self.headers is None else _Pending(self.headers, self.stream_cost),
            cost_source=source,
        )

    def complete(self, completion: ChatCompletion) -> ChatResult:
        choice = completion.choices[0] if completion.choices else None
        if choice is not None:
            message = choice.message
            self.text.append(message.content or "")
            self.reasoning.append(_reasoning_of(message))
            if message.tool_calls:
                from .tools import tool_calls_of  # tools imports this module

                self.tool_calls = tool_calls_of(message)
            self.finish_reason = choice.finish_reason
        self.usage = _usage(completion.usage)
        return self.result()


__all__ = [
    "ABORTED",
    "Accumulator",
    "ChatResult",
    "StreamEvent",
    "ToolCall",
    "Usage",
    "choose_cost",
    "cost_of",
    "has_prices",
]
