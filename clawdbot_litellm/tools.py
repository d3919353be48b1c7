"""Tools and structured output: definitions going out, tool calls and parsed answers coming back.

Pure (no I/O, no ``openai`` import). A tool is given as an OpenAI tool dict, a plain Python function
or a pydantic model class; each becomes one OpenAI tool definition here, and every mistake is a
:class:`~clawdbot_litellm.errors.ToolDefinitionError` raised before a request is sent. Streamed tool
calls arrive as deltas keyed by ``index``; :class:`ToolCallAssembler` joins them into
:class:`~clawdbot_litellm.results.ToolCall` objects.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Union, get_type_hints

import pydantic
from pydantic import BaseModel

from .errors import StructuredOutputError, ToolDefinitionError, UnsupportedInputError
from .json_schema import drop_sent_nulls, first_problem, strict_schema
from .results import ToolCall

ToolLike = Union[Mapping[str, Any], Callable[..., Any], type[BaseModel]]  # noqa: UP007
ResponseFormat = Union[type[BaseModel], Mapping[str, Any]]  # noqa: UP007
TOOL_CHOICES = ("auto", "none", "required")
# What OpenAI accepts as a function name (LiteLLM passes names through unchanged).
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_NAME_RULE = "1-64 letters, digits, '_' or '-'"


# --- tools going out -----------------------------------------------------------------------------


def _check_name(name: object, what: str) -> str:
    if not isinstance(name, str) or not name:
        raise ToolDefinitionError(f"{what} has no name; give it a function.name ({_NAME_RULE})")
    if not _NAME.match(name):
        raise ToolDefinitionError(
            f"{what}: the name {name!r} is refused by the API; use {_NAME_RULE}"
        )
    return name


def _check_parameters(parameters: object, name: str) -> dict[str, Any]:
    if not isinstance(parameters, Mapping) or parameters.get("type") != "object":
        raise ToolDefinitionError(
            f"tool {name!r}: parameters must be a JSON-schema object "
            '({"type": "object", "properties": {...}}), not '
            f"{json.dumps(parameters, default=repr)[:80]}"
        )
    return dict(parameters)


def _first_paragraph(obj: object) -> str:
    doc = inspect.getdoc(obj) or ""
    return " ".join(doc.strip().split("\n\n")[0].split())


def _from_dict(tool: Mapping[str, Any], position: int) -> dict[str, Any]:
    function = tool.get("function")
    if tool.get("type") != "function" or not isinstance(function, Mapping):
        raise ToolDefinitionError(
            f"tool {position} is not an OpenAI function tool; pass "
            '{"type": "function", "function": {"name": ..., "parameters": {...}}}'
        )
    name = _check_name(function.get("name"), f"tool {position}")
    definition: dict[str, Any] = {"name": name}
    description = function.get("description")
    if description is not None:
        if not isinstance(description, str):
            raise ToolDefinitionError(f"tool {name!r}: description must be a string")
        definition["description"] = description
    parameters = function.get("parameters", {"type": "object", "properties": {}})
    definition["parameters"] = _check_parameters(parameters, name)
    if "strict" in function:
        definition["strict"] = bool(function["strict"])
    return {"type": "function", "function": definition}


def _from_model(model: type[BaseModel]) -> dict[str, Any]:
    name = _check_name(model.__name__, f"model class {model.__qualname__}")
    schema = model.model_json_schema()
    schema.pop("title", None)
    description = schema.pop("description", None) or ""
    definition: dict[str, Any] = {"name": name, "parameters": _check_parameters(schema, name)}
    if description:
        definition["description"] = description
    return {"type": "function", "function": definition}


def _from_function(function: Callable[..., Any]) -> dict[str, Any]:
    name = _check_name(getattr(function, "__name__", None), f"function {function!r}")
    if name == "<lambda>":  # pragma: no cover - caught by _check_name's pattern
        raise ToolDefinitionError("a lambda has no name; pass a def'd function")
    try:
        signature = inspect.signature(function)
        hints = get_type_hints(function)
    except (TypeError, ValueError, NameError) as error:
        raise ToolDefinitionError(
            f"tool {name!r}: cannot read its signature or type hints ({error}); give it "
            "plain annotated parameters"
        ) from None
    fields: dict[str, Any] = {}
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise ToolDefinitionError(
                f"tool {name!r}: *{parameter.name} cannot be described to a model; give "
                "every parameter a name"
            )
        annotation = hints.get(parameter.name, Any)
        default = ... if parameter.default is parameter.empty else parameter.default
        fields[parameter.name] = (annotation, default)
    try:
        model = pydantic.create_model(name, **fields)
        schema = model.model_json_schema()
    except (pydantic.PydanticUserError, pydantic.PydanticSchemaGenerationError, TypeError) as err:
        raise ToolDefinitionError(
            f"tool {name!r}: its parameters have no JSON schema ({err}); annotate them with "
            "JSON-compatible types"
        ) from None
    schema.pop("title", None)
    definition: dict[str, Any] = {"name": name}
    description = _first_paragraph(function)
    if description:
        definition["description"] = description
    definition["parameters"] = _check_parameters(schema, name)
    return {"type": "function", "function": definition}


def tool_definition(tool: ToolLike, position: int = 0) -> dict[str, Any]:
    """One tool as an OpenAI tool definition (``position`` names it in errors)."""
    if isinstance(tool, Mapping):
        return _from_dict(tool, position)
    if isinstance(tool, type) and issubclass(tool, BaseModel):
        return _from_model(tool)
    if callable(tool) and not isinstance(tool, type):
        return _from_function(tool)
    raise ToolDefinitionError(
        f"tool {position} is a {type(tool).__name__}; pass an OpenAI tool dict, a function or "
        "a pydantic model class"
    )


def tool_definitions(tools: Sequence[ToolLike]) -> list[dict[str, Any]]:
    """Every tool as a definition; two tools with one name are refused."""
    if isinstance(tools, str | bytes | Mapping) or not isinstance(tools, Sequence):
        raise ToolDefinitionError(
            f"tools must be a list of tools, not a {type(tools).__name__}; pass tools=[...]"
        )
    definitions = [tool_definition(tool, position) for position, tool in enumerate(tools)]
    seen: set[str] = set()
    for definition in definitions:
        name = definition["function"]["name"]
        if name in seen:
            raise ToolDefinitionError(f"two tools are named {name!r}; give each tool its own name")
        seen.add(name)
    return definitions


def tool_choice_param(choice: object, definitions: Sequence[Mapping[str, Any]]) -> Any:
    """``tool_choice`` as the API wants it: a mode string, or the named function."""
    names = [d["function"]["name"] for d in definitions]
    if not isinstance(choice, str):
        raise ToolDefinitionError(
            f"tool_choice must be {', '.join(TOOL_CHOICES)} or a tool's name, not "
            f"{type(choice).__name__}"
        )
    if not definitions:
        raise ToolDefinitionError(
            f"tool_choice={choice!r} was given without tools; pass tools=[...] as well"
        )
    if choice in TOOL_CHOICES:
        return choice
    if choice not in names:
        raise ToolDefinitionError(
            f"tool_choice={choice!r} names no tool; use {', '.join(TOOL_CHOICES)} or one of "
            f"{', '.join(names)}"
        )
    return {"type": "function", "function": {"name": choice}}


# --- structured output ---------------------------------------------------------------------------


def _is_model_class(value: object) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def response_format_param(response_format: object) -> dict[str, Any]:
    """A pydantic class or JSON schema as a strict ``json_schema`` response format.

    Both are rewritten the way ``strict: true`` demands (every object closed, every property
    required, an optional one nullable), since OpenAI refuses anything else with a 400; the
    caller's dict is not changed, and what strict mode cannot express is refused before sending.
    """
    if _is_model_class(response_format):
        model: type[BaseModel] = response_format  # type: ignore[assignment]
        name = model.__name__
        schema = strict_schema(model.model_json_schema(), f"response_format {name}")
    elif isinstance(response_format, Mapping):
        title = response_format.get("title")
        name = re.sub(r"[^A-Za-z0-9_-]+", "_", title)[:64] if isinstance(title, str) else ""
        name = name or "response"
        schema = strict_schema(response_format, caller=True)
    else:
        raise UnsupportedInputError(
            f"response_format must be a pydantic model class or a JSON-schema dict, not "
            f"{type(response_format).__name__}"
        )
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}


def parse_structured(text: str, response_format: object, ref: str) -> Any:
    """The answer validated against the response format: a model instance or a dict.

    For a dict schema, a ``null`` the strict form forced on a property the caller left optional
    is dropped first (see :func:`~clawdbot_litellm.json_schema.drop_sent_nulls`), so the value is
    what the caller's own schema describes, and it is validated against that schema.
    """
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        detail = (
            f"{error.msg} at line {error.lineno} column {error.colno}"
            if isinstance(error, json.JSONDecodeError)
            else "nested too deeply"
        )
        raise StructuredOutputError(
            f"{ref} answered with text that is not JSON ({detail}); the answer is kept on the "
            "error's .text",
            text=text,
        ) from None
    if _is_model_class(response_format):
        model: type[BaseModel] = response_format  # type: ignore[assignment]
        try:
            return model.model_validate(value)
        except pydantic.ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "(top level)"
            raise StructuredOutputError(
                f"{ref}'s answer does not match {model.__name__}: {where}: {first['msg']} "
                f"({error.error_count()} problem(s)); the answer is kept on the error's .text",
                text=text,
            ) from None
    schema: Mapping[str, Any] = response_format  # type: ignore[assignment]
    value = drop_sent_nulls(schema, value)
    problem = first_problem(schema, value)
    if problem is not None:
        raise StructuredOutputError(
            f"{ref}'s answer does not match the schema at {problem}; the answer is kept on the "
            "error's .text",
            text=text,
        )
    return value


# --- tool calls coming back ----------------------------------------------------------------------


def check_tool_results(messages: Sequence[Mapping[str, Any]]) -> None:
    """Every tool message must answer a tool call made earlier in the history."""
    known: list[str] = []
    for index, message in enumerate(messages):
        if message.get("role") == "assistant":
            for call in message.get("tool_calls") or ():
                ident = call.get("id") if isinstance(call, Mapping) else None
                if isinstance(ident, str):
                    known.append(ident)
        elif message.get("role") == "tool":
            ident = message.get("tool_call_id")
            if ident not in known:
                made = ", ".join(known) if known else "none"
                raise UnsupportedInputError(
                    f"message {index} is a tool result for tool_call_id {ident!r}, which no "
                    f"earlier assistant message called (calls made: {made}); answer one of "
                    "those ids, after the assistant message that made the call"
                )


def tool_calls_of(message: Any) -> tuple[ToolCall, ...]:
    """The function calls on a (non-streamed) assistant message."""
    calls = []
    for call in getattr(message, "tool_calls", None) or ():
        function = getattr(call, "function", None)
        if function is None:
            continue  # a custom (non-function) tool call: not ours to describe
        calls.append(ToolCall(call.id or "", function.name or "", function.arguments or ""))
    return tuple(calls)


class _Building:
    __slots__ = ("arguments", "id", "name")

    def __init__(self) -> None:
        self.id = ""
        self.name = ""
        self.arguments: list[str] = []

    def done(self) -> ToolCall:
        return ToolCall(self.id, self.name, "".join(self.arguments))


class ToolCallAssembler:
    """Joins streamed tool-call deltas by ``index``: the id and name arrive first, then argument
    fragments. A call is complete when a new index begins or the answer finishes."""

    def __init__(self) -> None:
        self._calls: dict[int, _Building] = {}
        self._open: list[int] = []
        self._done: list[ToolCall] = []

    def feed(self, deltas: Sequence[Any]) -> list[ToolCall]:
        """Take one chunk's tool-call deltas; return the calls this chunk completed."""
        finished: list[ToolCall] = []
        for delta in deltas:
            index = delta.index if delta.index is not None else 0
            building = self._calls.get(index)
            if building is None:
                finished += self._close()
                building = self._calls[index] = _Building()
                self._open.append(index)
            if delta.id and not building.id:
                building.id = delta.id
            function = delta.function
            if function is not None:
                if function.name and not building.name:
                    building.name = function.name
                if function.arguments:
                    building.arguments.append(function.arguments)
        return finished

    def _close(self) -> list[ToolCall]:
        finished = [self._calls[index].done() for index in self._open]
        self._open.clear()
        self._done += finished
        return finished

    def finish(self) -> list[ToolCall]:
        """Complete the calls still open (the answer finished)."""
        return self._close()

    @property
    def calls(self) -> tuple[ToolCall, ...]:
        """Every call, in the order the model began them."""
        return tuple(self._calls[index].done() for index in self._calls)

    @property
    def completed(self) -> tuple[ToolCall, ...]:
        """Only the calls known to be whole (what a stream cancelled mid-answer keeps)."""
        return tuple(self._done)


__all__ = [
    "TOOL_CHOICES",
    "ResponseFormat",
    "ToolCallAssembler",
    "ToolLike",
    "check_tool_results",
    "parse_structured",
    "response_format_param",
    "tool_calls_of",
    "tool_choice_param",
    "tool_definition",
    "tool_definitions",
]
