"""What an answer becomes: usage, its cost, the finished result, and the events of a stream.

Pure: the accumulator reads ``openai``'s chunk and completion objects by attribute but never
imports ``openai``, so both client twins share one way of building a result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .errors import StreamInterruptedError

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion, ChatCompletionChunk

    from .refs import ModelTarget
    from .request import PreparedRequest


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

    @property
    def aborted(self) -> bool:
        """``finish_reason == "aborted"``: the stream was closed or cancelled mid-answer."""
        return self.finish_reason == ABORTED


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


class Accumulator:
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
        """What arrived before the caller stopped the stream: no usage (the proxy sends it last)."""
        self.finish_reason = ABORTED
        self.usage = None
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


__all__ = ["ABORTED", "Accumulator", "ChatResult", "StreamEvent", "Usage", "cost_of"]
