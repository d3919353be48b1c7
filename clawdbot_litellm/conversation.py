"""Conversations: a history that grows turn by turn, a tool loop, and a saved form.

``Conversation`` and ``AsyncConversation`` hold the messages of one conversation and send the whole
history with every turn through a ``Client``/``AsyncClient``; they differ only in how they send and
how they call a tool (an async tool is awaited by ``AsyncConversation``). Everything else (option
defaults, the stored shape, tool results, validation of a loaded document) lives once, in
``_ConversationBase`` and the functions of this module.

The stored form (``to_dict``; ``save``/``load`` write and read it as JSON), version 1::

    {"format": "clawdbot-litellm.conversation", "version": 1,
     "model": "litellm/gpt-4" | null,          # the model ref of the next turn (null: primary)
     "system": str | null,
     "options": {"max_tokens": int, "reasoning_effort": str, "fallbacks": bool, "extra": {...}},
     "messages": [OpenAI message dicts; assistant messages keep "reasoning_content"],
     "turns": [{"ref": "litellm/gpt-4", "message": <index of its assistant message>,
                "finish_reason": "stop" | "tool_calls" | "length" | "aborted" | ...,
                "aborted": bool,
                "usage": {"prompt_tokens", "completion_tokens", "cached_tokens"} | null,
                "cost": float | null}]}

``options`` holds only the JSON-able defaults (tools are Python objects: pass them again to
``from_dict``/``load``). A turn is one request: a tool loop adds one turn per round.
"""

from __future__ import annotations

import copy
import inspect
import json
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import ConversationFormatError, ToolLoopError, UnsupportedInputError
from .request import REPLAYED_REASONING_FIELD, THINKING_LEVELS, Message, image_parts
from .results import ABORTED, ChatResult, ToolCall, Usage

if TYPE_CHECKING:
    from .client import AsyncChatStream, AsyncClient, ChatStream, Client
    from .tools import ToolLike

FORMAT = "clawdbot-litellm.conversation"
FORMAT_VERSION = 1
DEFAULT_MAX_TOOL_ROUNDS = 8
# What a turn (or the conversation, as defaults) may set: ``Client.chat``'s keyword arguments.
TURN_OPTIONS = frozenset(
    {
        "model",
        "system",
        "max_tokens",
        "reasoning_effort",
        "images",
        "fallbacks",
        "extra",
        "tools",
        "tool_choice",
        "response_format",
    }
)
# The defaults that survive ``to_dict`` (the rest are Python objects or per-turn by nature).
SAVED_OPTIONS = ("max_tokens", "reasoning_effort", "fallbacks", "extra")
ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})

ConversationT = TypeVar("ConversationT", bound="_ConversationBase")


@dataclass(frozen=True)
class Turn:
    """One request of a conversation: who answered, how it ended, what it used and cost."""

    ref: str
    message: int
    finish_reason: str | None
    usage: Usage | None
    cost: float | None

    @property
    def aborted(self) -> bool:
        """The answer was stopped mid-way (a closed or cancelled stream): its text is partial."""
        return self.finish_reason == ABORTED


def tool_error(error: BaseException) -> str:
    """What the model is told when a tool fails: ``error: <type>: <message>``."""
    return f"error: {type(error).__name__}: {error}"


def _tool_content(value: Any) -> str:
    if isinstance(value, str):
        return value
    dump = getattr(value, "model_dump_json", None)  # a pydantic model
    if callable(dump):
        return str(dump())
    return json.dumps(value, ensure_ascii=False, default=str)


def _tool_message(call: ToolCall, content: str) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call.id, "content": content}


def _check_options(options: Mapping[str, Any], where: str) -> None:
    unknown = sorted(set(options) - TURN_OPTIONS)
    if unknown:
        raise UnsupportedInputError(
            f"{where}: unknown option {', '.join(unknown)}; use any of "
            f"{', '.join(sorted(TURN_OPTIONS))}"
        )


class _ConversationBase:
    """History, option defaults, the tool table and the stored form, shared by both twins."""

    def __init__(
        self,
        client: Any,
        model: str | None = None,
        system: str | None = None,
        tools: Sequence[ToolLike] = (),
        **options: Any,
    ) -> None:
        _check_options(options, "conversation()")
        self.client: Any = client
        self.model = model
        self.system = system
        self.tools: tuple[ToolLike, ...] = tuple(tools)
        self.options: dict[str, Any] = {k: v for k, v in options.items() if k != "model"}
        if "model" in options and model is None:
            self.model = options["model"]
        self._messages: list[dict[str, Any]] = []
        self.turns: list[Turn] = []

    # --- the history ------------------------------------------------------------------------

    @property
    def messages(self) -> list[dict[str, Any]]:
        """A copy of the history as OpenAI message dicts (the system prompt is ``system``)."""
        return copy.deepcopy(self._messages)

    @property
    def usage(self) -> Usage:
        """Tokens of every turn so far (turns without usage, like aborted ones, add nothing)."""
        used = [turn.usage for turn in self.turns if turn.usage is not None]
        return Usage(
            sum(u.prompt_tokens for u in used),
            sum(u.completion_tokens for u in used),
            sum(u.cached_tokens for u in used),
        )

    @property
    def cost(self) -> float:
        """The cost of every turn so far, from the models' prices (unknown costs count 0)."""
        return sum(turn.cost or 0.0 for turn in self.turns)

    def reset(self) -> None:
        """Forget the history and the turns; model, system prompt and defaults stay."""
        self._messages.clear()
        self.turns.clear()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(model={self.model!r}, messages={len(self._messages)}, "
            f"turns={len(self.turns)})"
        )

    # --- one turn ---------------------------------------------------------------------------

    @staticmethod
    def _user_messages(
        prompt: str | Message | Sequence[Message], images: Sequence[str | os.PathLike[str]]
    ) -> list[dict[str, Any]]:
        """The new messages of a turn; images become parts of the (last) user message, so they
        stay in the history instead of being attached to one request only."""
        if isinstance(prompt, str):
            new: list[dict[str, Any]] = [{"role": "user", "content": prompt}]
        elif isinstance(prompt, Mapping):
            new = [dict(prompt)]
        else:
            new = [dict(m) if isinstance(m, Mapping) else m for m in prompt]
        if images:
            parts = image_parts([os.fspath(i) for i in images])
            last = next((m for m in reversed(new) if m.get("role") == "user"), None)
            if last is None:
                last = {"role": "user", "content": ""}
                new.append(last)
            content = last.get("content")
            if isinstance(content, str):
                head = [{"type": "text", "text": content}] if content else []
            else:
                head = list(content or [])
            last["content"] = head + parts
        return new

    def _call_options(self, options: Mapping[str, Any]) -> tuple[dict[str, Any], Any]:
        """This turn's keyword arguments for ``chat``/``stream`` (defaults, then the turn's own)
        and its images (kept in the history, so not sent as an option)."""
        _check_options(options, "turn")
        merged = {**self.options, **options}
        merged.setdefault("model", self.model)
        merged.setdefault("system", self.system)
        if self.tools and "tools" not in merged:
            merged["tools"] = self.tools
        images = merged.pop("images", ())
        return merged, images

    def _commit(self, new: Sequence[Mapping[str, Any]], result: ChatResult) -> None:
        """Add a turn's new messages and the answer (with its reasoning) to the history."""
        self._messages.extend(dict(m) for m in new)
        message = result.message()
        if result.aborted and "tool_calls" in message:
            # Calls nobody will answer would make every later request invalid.
            del message["tool_calls"]
            message["content"] = result.text
        if result.reasoning:
            message[REPLAYED_REASONING_FIELD] = result.reasoning
        self._messages.append(message)
        self.turns.append(
            Turn(
                result.ref, len(self._messages) - 1, result.finish_reason, result.usage, result.cost
            )
        )

    # --- the tool loop ----------------------------------------------------------------------

    def _tool_table(self, tools: Sequence[ToolLike]) -> dict[str, Callable[..., Any]]:
        from .tools import tool_definition

        table: dict[str, Callable[..., Any]] = {}
        for position, tool in enumerate(tools):
            if callable(tool):
                table[tool_definition(tool, position)["function"]["name"]] = tool
        return table

    @staticmethod
    def _prepare(call: ToolCall, table: Mapping[str, Callable[..., Any]]) -> Any:
        """``(function, arguments)`` to run, or the error text to send instead."""
        function = table.get(call.name)
        if function is None:
            given = ", ".join(sorted(table)) or "none"
            return f"error: UnknownTool: no tool named {call.name!r} was given (tools: {given})"
        try:
            return function, call.parsed_arguments()
        except Exception as error:  # malformed arguments: the model is told, the loop goes on
            return tool_error(error)

    def _round_limit(self, calls: Sequence[ToolCall], rounds: int) -> ToolLoopError:
        """Answer the calls that will not run (so the history stays valid) and build the error."""
        note = f"error: ToolLoopError: not run, max_tool_rounds ({rounds}) reached"
        self._messages.extend(_tool_message(call, note) for call in calls)
        return ToolLoopError(
            f"The model still asked for tools after {rounds} rounds (max_tool_rounds); the "
            "conversation so far is on .conversation. Raise max_tool_rounds or change the prompt",
            conversation=self,
            rounds=rounds,
        )

    # --- the stored form --------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The documented, versioned JSON shape (see the module docstring)."""
        options = {k: self.options[k] for k in SAVED_OPTIONS if self.options.get(k) is not None}
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "model": self.model,
            "system": self.system,
            "options": copy.deepcopy(options),
            "messages": self.messages,
            "turns": [_turn_dict(turn) for turn in self.turns],
        }

    @classmethod
    def from_dict(
        cls: type[ConversationT], data: Any, client: Any, *, tools: Sequence[ToolLike] = ()
    ) -> ConversationT:
        """A conversation from ``to_dict``'s shape (``client``: a ``Client`` for
        ``Conversation``, an ``AsyncClient`` for ``AsyncConversation``); anything else is a
        ``ConversationFormatError``."""
        checked = _checked(data)
        conversation = cls(client, checked["model"], checked["system"], tools, **checked["options"])
        conversation._messages = checked["messages"]
        conversation.turns = checked["turns"]
        return conversation

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the stored form as JSON: atomically, readable by its owner only (0600)."""
        from .config.edit import write_private

        target = Path(path).expanduser()
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"
        try:
            write_private(target, text.encode("utf-8"))
        except OSError as error:
            raise ConversationFormatError(
                f"Cannot write the conversation to {target}: {error.strerror or error}; choose "
                "a writable path"
            ) from None
        return target

    @classmethod
    def load(
        cls: type[ConversationT],
        path: str | os.PathLike[str],
        client: Any,
        *,
        tools: Sequence[ToolLike] = (),
    ) -> ConversationT:
        """Read a conversation written by ``save``."""
        source = Path(path).expanduser()
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
        except OSError as error:
            raise ConversationFormatError(
                f"Cannot read the conversation {source}: {error.strerror or error}; pass the "
                "file written by save (or chat --save)"
            ) from None
        except (ValueError, UnicodeDecodeError) as error:
            raise ConversationFormatError(
                f"{source} is not a saved conversation (not JSON: {error}); pass the file "
                "written by save (or chat --save)"
            ) from None
        try:
            return cls.from_dict(data, client, tools=tools)
        except ConversationFormatError as error:
            raise ConversationFormatError(f"{source}: {error}") from None


class Conversation(_ConversationBase):
    """A conversation through a ``Client``: every turn sends the whole history.

    >>> conv = client.conversation(system="Be brief")             # doctest: +SKIP
    >>> conv.send("Hello").text
    >>> conv.model = "litellm/claude-3-opus"                       # the history is kept
    >>> for event in conv.stream("And you?"): ...
    """

    client: Client

    def send(
        self,
        prompt: str | Message | Sequence[Message],
        *,
        run_tools: bool = False,
        max_tool_rounds: int = DEFAULT_MAX_TOOL_ROUNDS,
        **options: Any,
    ) -> ChatResult:
        """Send a turn and add it and the answer to the history; returns the answer.

        With ``run_tools`` the model's tool calls run (the functions in ``tools``, called with
        the parsed arguments), their results go back as tool messages and the model is asked
        again until it answers without tool calls. A tool that raises, or a call to a tool that
        was not given, is answered ``"error: <type>: <message>"``. More than
        ``max_tool_rounds`` rounds raise ``ToolLoopError``. A failed request leaves the history
        as it was before it.
        """
        kwargs, images = self._call_options(options)
        pending = self._user_messages(prompt, images)
        table = self._tool_table(kwargs.get("tools", ()))
        rounds = 0
        while True:
            result = self.client.chat([*self._messages, *pending], **kwargs)
            self._commit(pending, result)
            pending = []
            if not (run_tools and result.tool_calls):
                return result
            if rounds >= max_tool_rounds:
                raise self._round_limit(result.tool_calls, rounds)
            rounds += 1
            for call in result.tool_calls:
                self._messages.append(_tool_message(call, self._run(call, table)))

    def _run(self, call: ToolCall, table: Mapping[str, Callable[..., Any]]) -> str:
        prepared = self._prepare(call, table)
        if isinstance(prepared, str):
            return prepared
        function, arguments = prepared
        try:
            value = function(**arguments)
            if inspect.isawaitable(value):
                if inspect.iscoroutine(value):
                    value.close()
                raise TypeError(f"{call.name} is async; use AsyncClient.conversation() to await it")
            return _tool_content(value)
        except Exception as error:  # the model is told; the loop goes on
            return tool_error(error)

    def stream(self, prompt: str | Message | Sequence[Message], **options: Any) -> ChatStream:
        """Stream a turn; it joins the history when the stream is finished, or closed mid-answer
        (kept as an aborted turn with the part that arrived). Tools are not run here."""
        kwargs, images = self._call_options(options)
        new = self._user_messages(prompt, images)
        stream = self.client.stream([*self._messages, *new], **kwargs)
        stream.add_done_callback(lambda result: self._commit(new, result))
        return stream


class AsyncConversation(_ConversationBase):
    """The async twin of ``Conversation``: same history, options, tool loop and stored form;
    async tools are awaited."""

    client: AsyncClient

    async def send(
        self,
        prompt: str | Message | Sequence[Message],
        *,
        run_tools: bool = False,
        max_tool_rounds: int = DEFAULT_MAX_TOOL_ROUNDS,
        **options: Any,
    ) -> ChatResult:
        """Send a turn and add it and the answer to the history; returns the answer.

        With ``run_tools`` the model's tool calls run (the functions in ``tools``, called with
        the parsed arguments; async ones awaited), their results go back as tool messages and
        the model is asked again until it answers without tool calls. A tool that raises, or a
        call to a tool that was not given, is answered ``"error: <type>: <message>"``. More than
        ``max_tool_rounds`` rounds raise ``ToolLoopError``. A failed request leaves the history
        as it was before it.
        """
        kwargs, images = self._call_options(options)
        pending = self._user_messages(prompt, images)
        table = self._tool_table(kwargs.get("tools", ()))
        rounds = 0
        while True:
            result = await self.client.chat([*self._messages, *pending], **kwargs)
            self._commit(pending, result)
            pending = []
            if not (run_tools and result.tool_calls):
                return result
            if rounds >= max_tool_rounds:
                raise self._round_limit(result.tool_calls, rounds)
            rounds += 1
            for call in result.tool_calls:
                self._messages.append(_tool_message(call, await self._run(call, table)))

    async def _run(self, call: ToolCall, table: Mapping[str, Callable[..., Any]]) -> str:
        prepared = self._prepare(call, table)
        if isinstance(prepared, str):
            return prepared
        function, arguments = prepared
        try:
            value = function(**arguments)
            if inspect.isawaitable(value):
                value = await _awaited(value)
            return _tool_content(value)
        except Exception as error:  # the model is told; the loop goes on
            return tool_error(error)

    async def stream(
        self, prompt: str | Message | Sequence[Message], **options: Any
    ) -> AsyncChatStream:
        """Stream a turn; it joins the history when the stream is finished, or closed or
        cancelled mid-answer (kept as an aborted turn with the part that arrived). Tools are
        not run here."""
        kwargs, images = self._call_options(options)
        new = self._user_messages(prompt, images)
        stream = await self.client.stream([*self._messages, *new], **kwargs)
        stream.add_done_callback(lambda result: self._commit(new, result))
        return stream


async def _awaited(value: Awaitable[Any]) -> Any:
    return await value


# --- the stored form: writing and checking ------------------------------------------------------


def _usage_dict(usage: Usage | None) -> dict[str, int] | None:
    if usage is None:
        return None
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "cached_tokens": usage.cached_tokens,
    }


def _turn_dict(turn: Turn) -> dict[str, Any]:
    return {
        "ref": turn.ref,
        "message": turn.message,
        "finish_reason": turn.finish_reason,
        "aborted": turn.aborted,
        "usage": _usage_dict(turn.usage),
        "cost": turn.cost,
    }


def _broken(where: str, problem: str) -> ConversationFormatError:
    return ConversationFormatError(
        f"not a valid saved conversation: {where} {problem}; pass a file written by "
        "Conversation.save or chat --save"
    )


def _optional_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise _broken(key, f"is {type(value).__name__}, not a string or null")
    return value


def _int(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _broken(where, "is not a non-negative integer")
    return value


def _checked_message(index: int, message: Any) -> dict[str, Any]:
    where = f"messages[{index}]"
    if not isinstance(message, dict):
        raise _broken(where, f"is {type(message).__name__}, not an object")
    if message.get("role") not in ROLES:
        raise _broken(f"{where}.role", f"is {message.get('role')!r}, not one of {sorted(ROLES)}")
    return message


def _checked_turn(index: int, turn: Any, count: int) -> Turn:
    where = f"turns[{index}]"
    if not isinstance(turn, dict):
        raise _broken(where, f"is {type(turn).__name__}, not an object")
    ref = turn.get("ref")
    if not isinstance(ref, str):
        raise _broken(f"{where}.ref", "is not a string")
    message = _int(turn.get("message"), f"{where}.message")
    if message >= count:
        raise _broken(f"{where}.message", f"points past the {count} messages")
    finish = _optional_str(turn, "finish_reason")
    cost = turn.get("cost")
    if cost is not None and (not isinstance(cost, int | float) or isinstance(cost, bool)):
        raise _broken(f"{where}.cost", "is not a number or null")
    raw_usage = turn.get("usage")
    usage = None
    if raw_usage is not None:
        if not isinstance(raw_usage, dict):
            raise _broken(f"{where}.usage", "is not an object or null")
        usage = Usage(
            *(
                _int(raw_usage.get(key, 0), f"{where}.usage.{key}")
                for key in ("prompt_tokens", "completion_tokens", "cached_tokens")
            )
        )
    return Turn(ref, message, finish, usage, None if cost is None else float(cost))


def _checked(data: Any) -> dict[str, Any]:
    """The parts of a stored conversation, each checked; the first problem is raised."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _broken("the document", f'has no "format": "{FORMAT}"')
    version = data.get("version")
    if version != FORMAT_VERSION:
        raise ConversationFormatError(
            f"saved conversation version {version!r} is not supported (this version of "
            f"clawdbot-litellm reads version {FORMAT_VERSION}); upgrade clawdbot-litellm or "
            "start a new conversation"
        )
    messages = data.get("messages")
    if not isinstance(messages, list):
        raise _broken("messages", "is not a list")
    turns = data.get("turns", [])
    if not isinstance(turns, list):
        raise _broken("turns", "is not a list")
    options = data.get("options", {})
    if not isinstance(options, dict) or set(options) - set(SAVED_OPTIONS):
        raise _broken("options", f"may only hold {', '.join(SAVED_OPTIONS)}")
    effort = options.get("reasoning_effort")
    if effort is not None and effort not in THINKING_LEVELS:
        raise _broken("options.reasoning_effort", f"is {effort!r}")
    checked = [_checked_message(i, m) for i, m in enumerate(messages)]
    return {
        "model": _optional_str(data, "model"),
        "system": _optional_str(data, "system"),
        "options": options,
        "messages": copy.deepcopy(checked),
        "turns": [_checked_turn(i, t, len(checked)) for i, t in enumerate(turns)],
    }


__all__ = [
    "DEFAULT_MAX_TOOL_ROUNDS",
    "FORMAT",
    "FORMAT_VERSION",
    "AsyncConversation",
    "Conversation",
    "Turn",
    "tool_error",
]
