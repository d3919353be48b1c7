"""A model definition plus the caller's options become a chat-completions request: its JSON body
and the caller's extra headers and query, exactly as they go on the wire.

Pure: no I/O except reading local image files the caller named, no ``openai`` import. The sync and
async clients both call :func:`build_request`, so a mapping rule lives in exactly one place.
"""

from __future__ import annotations

import base64
import difflib
import json
import math
import mimetypes
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .config.schema import MIN_CONTEXT_WINDOW, ModelDefinition
from .errors import ContextWindowError, InvalidOptionError, UnsupportedInputError
from .tools import check_tool_results, response_format_param, tool_choice_param, tool_definitions

ReasoningEffort = Literal["off", "minimal", "low", "medium", "high", "xhigh"]
# What the API takes, and what a caller may say: Clawdbot's thinking levels add "off" (send
# nothing) and "xhigh" (sent as "high", the most an OpenAI-compatible server takes).
REASONING_EFFORTS: tuple[ReasoningEffort, ...] = ("minimal", "low", "medium", "high")
THINKING_LEVELS: tuple[ReasoningEffort, ...] = ("off", *REASONING_EFFORTS, "xhigh")
# The field an assistant message carries its reasoning back in. Found with the real LiteLLM
# 1.108.7 proxy (tests/test_conversation_proxy.py::test_reasoning_is_sent_back_on_the_next_turn):
# it accepts both ``reasoning_content`` and ``thinking_blocks`` on assistant messages and hands
# both to the model call, but its openai-compatible answers carry reasoning as
# ``reasoning_content`` (it renames an upstream ``reasoning``), and LiteLLM itself treats
# ``thinking_blocks`` as a response-only field that strict OpenAI-compatible endpoints reject.
# So only ``reasoning_content`` is sent back, and only to models with ``reasoning: true``.
REPLAYED_REASONING_FIELD = "reasoning_content"
DEFAULT_OUTPUT_CAP = 32_000
# A rough, tokenizer-free estimate: English averages ~4 characters a token; every message costs a
# few tokens of framing; an image is charged like one high-detail tile set.
CHARS_PER_TOKEN = 4
TOKENS_PER_MESSAGE = 4
TOKENS_PER_IMAGE = 765

Message = Mapping[str, Any]


class RequestWarning(UserWarning):
    """The request was adjusted to fit the model definition (said once, then sent)."""


@dataclass(frozen=True)
class ChatOptions:
    """What a caller may ask for beyond the messages."""

    max_tokens: int | None = None
    reasoning_effort: ReasoningEffort | None = None
    system: str | None = None
    images: Sequence[str | Path] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)
    tools: Sequence[Any] = ()
    tool_choice: str | None = None
    # A pydantic model class or a JSON-schema dict (see tools.response_format_param).
    response_format: Any = None
    # LiteLLM spend attribution: the body's ``user`` and ``metadata`` (with ``tags`` inside).
    user: str | None = None
    tags: Sequence[str] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)


# Never changed: a client reuses the templates made from it without checking what it holds.
DEFAULT_OPTIONS = ChatOptions()

# The OpenAI API's sampling parameters: name -> (kind, low, high). Ranges are the API's own.
SAMPLING_OPTIONS: dict[str, tuple[str, float | None, float | None]] = {
    "temperature": ("number", 0.0, 2.0),
    "top_p": ("number", 0.0, 1.0),
    "presence_penalty": ("number", -2.0, 2.0),
    "frequency_penalty": ("number", -2.0, 2.0),
    "seed": ("integer", None, None),
    "stop": ("stop", None, None),
    "logit_bias": ("logit_bias", -100.0, 100.0),
}
MAX_STOP_SEQUENCES = 4


def _number(name: str, value: Any, low: float | None, high: float | None) -> float:
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or (
        low is not None and high is not None and not low <= number <= high
    ):
        raise InvalidOptionError(
            f"Option {name} must be a number from {low:g} to {high:g}, not {value!r}"
        )
    return number


def _integer(name: str, value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise InvalidOptionError(f"Option {name} must be a whole number, not {value!r}")


def _logit_bias(value: Any, low: float, high: float) -> dict[str, float]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, Mapping) or not value:
        raise InvalidOptionError(
            "Option logit_bias must be a JSON object of token ids to biases from -100 to 100, "
            "e.g. '{\"50256\": -100}'"
        )
    bias: dict[str, float] = {}
    for token, amount in value.items():
        if not str(token).strip().isdigit():
            raise InvalidOptionError(
                f"Option logit_bias: {token!r} is not a token id (a whole number, as a string)"
            )
        bias[str(token).strip()] = _number(f"logit_bias[{token}]", amount, low, high)
    return bias


def sampling_options(options: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """``(NAME, VALUE)`` pairs (``chat -o``, or a host's) as validated request arguments.

    Values may be typed or the strings of a command line; ``stop`` may repeat (up to 4
    sequences), any other repeated name keeps the last value. Raises ``InvalidOptionError``
    naming the option and what it takes. Pass the result as ``extra=`` to ``chat``/``stream``.
    """
    result: dict[str, Any] = {}
    for raw_name, value in options:
        name = str(raw_name).strip().lower().replace("-", "_")
        if name not in SAMPLING_OPTIONS:
            close = [known for known in SAMPLING_OPTIONS if name and known.startswith(name)]
            close = close or difflib.get_close_matches(name, list(SAMPLING_OPTIONS), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise InvalidOptionError(
                f"Unknown option {raw_name!r}{hint}; the options are {', '.join(SAMPLING_OPTIONS)}"
            )
        kind, low, high = SAMPLING_OPTIONS[name]
        if kind == "number":
            result[name] = _number(name, value, low, high)
        elif kind == "integer":
            result[name] = _integer(name, value)
        elif kind == "logit_bias":
            result[name] = _logit_bias(value, low or 0.0, high or 0.0)
        else:
            stops = [value] if isinstance(value, str) else value
            if not isinstance(stops, list | tuple) or not all(
                isinstance(s, str) and s for s in stops
            ):
                raise InvalidOptionError(f"Option stop must be a non-empty string, not {value!r}")
            result["stop"] = [*result.get("stop", []), *stops]
            if len(result["stop"]) > MAX_STOP_SEQUENCES:
                raise InvalidOptionError(
                    f"Option stop takes at most {MAX_STOP_SEQUENCES} sequences, not "
                    f"{len(result['stop'])}"
                )
    return result


@dataclass(frozen=True)
class PreparedRequest:
    """One request as it goes on the wire, and what was adjusted on the way.

    ``body`` is the whole JSON body (a caller's ``extra_body`` merged in, as ``openai`` merges
    it); ``headers`` and ``query`` are the caller's and the model's extra headers and query.
    """

    body: dict[str, Any]
    prompt_tokens_estimate: int
    output_limit: int
    notes: tuple[str, ...] = ()
    # What the answer is validated against (``ChatResult.parsed``); None without one.
    response_format: Any = None
    headers: Mapping[str, Any] = field(default_factory=dict)
    query: Mapping[str, Any] | None = None


# Request keys the adapter sets itself, and what to use instead of passing them in ``extra``.
OWNED_KEYS: Mapping[str, str] = {
    "model": "the model= argument",
    "messages": "the prompt argument (a string or a list of messages)",
    "stream": "Client.stream() instead of chat()",
    "stream_options": "Client.stream() (usage is requested for you)",
    "max_tokens": "the max_tokens= argument",
    "max_completion_tokens": "the max_tokens= argument",
    "reasoning_effort": "the reasoning_effort= argument",
    "tools": "the tools= argument",
    "tool_choice": "the tool_choice= argument",
    "response_format": "the response_format= argument",
    "n": "one request per answer (n must be 1)",
    "timeout": "Client(timeout=...) or LITELLM_TIMEOUT",
}
# ``extra`` keys that are merged with the adapter's own rather than sent as they are.
MERGED_KEYS = ("extra_headers", "extra_body", "extra_query")


def _image_url(image: str | Path) -> str:
    """URLs and data URLs pass through; a local file becomes a data URL."""
    text = str(image)
    if text.startswith(("http://", "https://", "data:")):
        return text
    path = Path(text).expanduser()
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnsupportedInputError(
            f"Cannot read image {text}: {error.strerror or error}; pass an existing file or a URL"
        ) from None
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if not mime.startswith("image/"):
        raise UnsupportedInputError(
            f"{text} does not look like an image ({mime}); pass a .png, .jpg, .gif or .webp file"
        )
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def image_parts(images: Sequence[str | Path]) -> list[dict[str, Any]]:
    """``image_url`` content parts for files, URLs or data URLs (what ``images=`` attaches)."""
    return [{"type": "image_url", "image_url": {"url": _image_url(i)}} for i in images]


def _has_image(message: Message) -> bool:
    content = message.get("content")
    return isinstance(content, list) and any(
        isinstance(part, Mapping) and part.get("type") == "image_url" for part in content
    )


def _message(index: int, message: object) -> dict[str, Any]:
    """A caller's message as a dict of our own (it gets its role rewritten)."""
    if not isinstance(message, Mapping):
        raise UnsupportedInputError(
            f"message {index} is {type(message).__name__}, not a message object; pass "
            'messages like {"role": "user", "content": "Hello"}'
        )
    copy = dict(message)
    for key, value in copy.items():
        # Strings (the usual role and content) always serialise; check only the rest, so a NaN
        # or a Python object is our error here, not invalid JSON on the wire.
        if not isinstance(value, str) or not isinstance(key, str):
            _json_value({key: value}, f"message {index}")
    return copy


def _system_role(model: ModelDefinition) -> str:
    compat = model.compat
    if model.reasoning and compat is not None and compat.supports_developer_role:
        return "developer"
    return "system"


def build_messages(
    prompt: str | Sequence[Message],
    model: ModelDefinition,
    options: ChatOptions,
    ref: str,
    system_role: str,
) -> list[dict[str, Any]]:
    """Messages with the system prompt's role and the image parts the model allows."""
    if isinstance(prompt, str):  # the usual request: no history to check or rewrite
        messages: list[dict[str, Any]] = [{"role": "user", "content": prompt}]
    else:
        messages = [_message(index, message) for index, message in enumerate(prompt)]
        if any(_has_image(m) for m in messages):
            _check_images(model, ref)
        for message in messages:
            if message.get("role") in ("system", "developer"):
                message["role"] = system_role
            if not model.reasoning:
                message.pop(REPLAYED_REASONING_FIELD, None)
    if options.images:
        _check_images(model, ref)
        parts = image_parts(options.images)
        last_user: dict[str, Any] | None = next(
            (m for m in reversed(messages) if m.get("role") == "user"), None
        )
        if last_user is None:
            last_user = {"role": "user", "content": ""}
            messages.append(last_user)
        content = last_user.get("content")
        text_parts: list[Any] = (
            [{"type": "text", "text": content}]
            if isinstance(content, str) and content
            else list(content or [])
        )
        last_user["content"] = text_parts + parts
    if options.system:
        messages.insert(0, {"role": system_role, "content": options.system})
    return messages


def _check_images(model: ModelDefinition, ref: str) -> None:
    if not model.accepts_images:
        raise UnsupportedInputError(
            f"{ref} does not accept images (its input is {list(model.input)}); use a vision "
            f'model or add "image" to its input list in the config'
        )


def estimate_tokens(messages: Sequence[Message], tool_chars: int = 0) -> int:
    """Prompt tokens, estimated without a tokenizer (no network, no downloads); ``tool_chars``
    is the length of the tool definitions as JSON."""
    chars = tool_chars
    images = 0
    for message in messages:
        for call in message.get("tool_calls") or ():
            function = call.get("function") if isinstance(call, Mapping) else None
            if isinstance(function, Mapping):
                chars += len(str(function.get("name") or "")) + len(
                    str(function.get("arguments") or "")
                )
        content = message.get("content")
        if isinstance(content, str):
            chars += len(content)
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, Mapping) and part.get("type") == "image_url":
                    images += 1
                elif isinstance(part, Mapping) and isinstance(part.get("text"), str):
                    chars += len(part["text"])
    return _token_estimate(chars, len(messages), images)


def _token_estimate(chars: int, messages: int, images: int = 0) -> int:
    return (
        math.ceil(chars / CHARS_PER_TOKEN)
        + TOKENS_PER_MESSAGE * messages
        + TOKENS_PER_IMAGE * images
    )


def _output_cap(model: ModelDefinition, requested: int | None, ref: str, notes: list[str]) -> int:
    """The output limit before the prompt is known: the caller's, within the model's maxTokens."""
    window = model.context_window
    if window < MIN_CONTEXT_WINDOW:
        raise ContextWindowError(
            f"{ref} has a contextWindow of {window} tokens, below the minimum of "
            f"{MIN_CONTEXT_WINDOW}; set its real contextWindow in the config"
        )
    ceiling = model.output_limit
    if requested is None:
        return min(ceiling, DEFAULT_OUTPUT_CAP)
    if requested <= 0:
        raise ContextWindowError(f"max_tokens must be positive, not {requested}")
    if requested > ceiling:
        notes.append(
            f"{ref}: max_tokens {requested} is above the model's maxTokens ({ceiling}); "
            f"sending {ceiling}"
        )
        return ceiling
    return requested


def _spend_fields(kwargs: dict[str, Any], options: ChatOptions) -> None:
    """LiteLLM's spend attribution, as 1.108.7 reads it: ``user`` (the end user) and
    ``metadata.tags`` in the body (merged with a caller's ``extra_body`` metadata)."""
    if options.user is not None:
        if not isinstance(options.user, str):
            raise UnsupportedInputError(f"user must be a string, not {type(options.user).__name__}")
        kwargs["user"] = options.user
    if options.tags or options.metadata:
        if not all(isinstance(tag, str) for tag in options.tags):
            raise UnsupportedInputError(f"tags must be strings, not {list(options.tags)!r}")
        _json_value(options.metadata, "metadata")  # ours to refuse, not a TypeError in openai
        metadata = dict(options.metadata)
        if options.tags:
            metadata["tags"] = [*metadata.get("tags", ()), *options.tags]
        body = dict(kwargs.get("extra_body") or {})
        body["metadata"] = {**dict(body.get("metadata") or {}), **metadata}
        kwargs["extra_body"] = body


@dataclass(frozen=True)
class RequestTemplate:
    """What a request to one model with one set of options carries whatever the prompt.

    Worked out (and checked) once; :meth:`prepare` adds a prompt. A client keeps the templates of
    the option sets it sees again, so a repeated request pays only for its messages.
    """

    model: ModelDefinition
    options: ChatOptions
    ref: str
    # The JSON body but the model, the messages and the output limit (copied, never changed, by
    # every request made from the template), and the extra headers and query.
    body: dict[str, Any]
    headers: Mapping[str, Any]
    query: Mapping[str, Any] | None
    notes: tuple[str, ...]
    tool_chars: int
    system_role: str
    limit_field: str
    limit: int  # the output limit, unless the prompt leaves less room in the context window
    bare: bool = False  # no system prompt and no images: a text prompt is one user message

    def prepare(self, prompt: str | Sequence[Message]) -> PreparedRequest:
        """The request for ``prompt``: messages, the output limit that fits, the notes said."""
        model, options, ref = self.model, self.options, self.ref
        if self.bare and isinstance(prompt, str):
            # The usual request, one user message with no system prompt or images: what
            # build_messages and estimate_tokens would work out, without walking anything.
            messages: list[dict[str, Any]] = [{"role": "user", "content": prompt}]
            prompt_tokens = _token_estimate(self.tool_chars + len(prompt), 1)
        else:
            messages = build_messages(prompt, model, options, ref, self.system_role)
            if not isinstance(prompt, str):  # only a message list can hold tool results
                check_tool_results(messages)
            prompt_tokens = estimate_tokens(messages, self.tool_chars)
        notes: list[str] = []
        limit = self.limit
        if prompt_tokens + limit > model.context_window:
            limit = self._squeezed(prompt_tokens, notes)
        notes += self.notes
        body = {**self.body, "model": model.id, "messages": messages, self.limit_field: limit}
        for note in notes:
            warnings.warn(note, RequestWarning, stacklevel=3)
        return PreparedRequest(
            body,
            prompt_tokens,
            limit,
            tuple(notes),
            options.response_format,
            self.headers,
            self.query,
        )

    def _squeezed(self, prompt_tokens: int, notes: list[str]) -> int:
        """The limit, with the prompt, overflows the context window: what is left of the window
        when the caller set no limit, else the error."""
        window = self.model.context_window
        room = math.floor(window - prompt_tokens)  # a fractional window counts whole tokens
        if self.options.max_tokens is None and room > 0:
            notes.append(
                f"{self.ref}: the prompt (about {prompt_tokens} tokens) leaves {room} of the "
                f"{window}-token context window; output limited to {room}"
            )
            return room
        raise ContextWindowError(
            f"The prompt (about {prompt_tokens} tokens) plus the output limit ({self.limit}) "
            f"does not fit {self.ref}'s context window of {window} tokens; shorten the prompt "
            "or lower max_tokens"
        )


def request_template(
    model: ModelDefinition,
    options: ChatOptions | None = None,
    *,
    stream: bool = False,
    ref: str | None = None,
) -> RequestTemplate:
    """Clawdbot's mapping of a model definition and the options, before any prompt."""
    options = options or DEFAULT_OPTIONS
    ref = ref or model.id
    notes: list[str] = []
    kwargs = _extra(options.extra, model)
    tools = tool_definitions(options.tools) if options.tools else []
    if tools:
        kwargs["tools"] = tools
    if options.tool_choice is not None:
        kwargs["tool_choice"] = tool_choice_param(options.tool_choice, tools)
    if options.response_format is not None:
        kwargs["response_format"] = response_format_param(options.response_format)
        _json_value(kwargs["response_format"], "response_format")
    tool_chars = len(_json_value(tools, "tools")) if tools else 0
    limit = _output_cap(model, options.max_tokens, ref, notes)
    compat = model.compat
    effort = options.reasoning_effort
    if effort is not None and effort not in THINKING_LEVELS:
        raise UnsupportedInputError(
            f"reasoning effort {effort!r} is not one of {', '.join(THINKING_LEVELS)}"
        )
    if effort == "xhigh" and model.reasoning:
        notes.append(
            f'{ref}: reasoning effort "xhigh" is sent as "high" (the highest the API takes)'
        )
        effort = "high"
    if effort is not None and effort != "off":
        if not model.reasoning:
            notes.append(
                f"{ref} is not a reasoning model (reasoning: false), so reasoning_effort "
                "was not sent"
            )
        elif compat is not None and compat.supports_reasoning_effort is False:
            notes.append(
                f"{ref} does not take reasoning_effort (compat.supportsReasoningEffort: false); "
                "not sent"
            )
        else:
            kwargs["reasoning_effort"] = effort
    if compat is not None and compat.supports_store:
        kwargs["store"] = False
    _spend_fields(kwargs, options)
    if stream:
        kwargs["stream"] = True
        kwargs["stream_options"] = {"include_usage": True}
    headers = kwargs.pop("extra_headers", {})
    query = kwargs.pop("extra_query", None)
    extra_body = kwargs.pop("extra_body", {})
    body = {**kwargs, **extra_body}  # merged as openai merges it: extra_body's keys win
    return RequestTemplate(
        model=model,
        options=options,
        ref=ref,
        body=body,
        headers=headers,
        query=query,
        notes=tuple(notes),
        tool_chars=tool_chars,
        system_role=_system_role(model),
        limit_field=(compat.max_tokens_field if compat else None) or "max_completion_tokens",
        limit=limit,
        bare=not options.system and not options.images,
    )


def template_key(options: ChatOptions) -> tuple[Any, ...] | None:
    """What identifies ``options`` for reusing a template: plain values by value; the dicts, the
    tools and the response format by identity (whoever reuses a template also checks that they
    still hold what they held: :func:`template_contents`). ``None`` when a value cannot be part
    of a key (a wrong type gets its own error from the mapping)."""
    tools = options.tools
    if not isinstance(tools, (list, tuple)):  # an iterator: reading it for a key would use it up
        return None
    key = (
        options.max_tokens,
        options.reasoning_effort,
        options.system,
        options.tool_choice,
        options.user,
        tuple(options.tags),
        tuple(options.images),
        id(options.extra),
        id(options.metadata),
        id(options.response_format),
        tuple(map(id, tools)),
    )
    try:
        hash(key)
    except TypeError:
        return None
    return key


def template_contents(options: ChatOptions) -> tuple[Any, ...]:
    """What ``template_key`` names by identity: a template made from ``options`` fits other
    options with the same key only while these compare equal (a caller may change a dict)."""
    return (options.extra, options.metadata, options.response_format, tuple(options.tools))


def build_request(
    model: ModelDefinition,
    prompt: str | Sequence[Message],
    options: ChatOptions | None = None,
    *,
    stream: bool = False,
    ref: str | None = None,
) -> PreparedRequest:
    """Clawdbot's mapping of a model definition onto an OpenAI chat completions request."""
    return request_template(model, options, stream=stream, ref=ref).prepare(prompt)


def _json_value(value: object, where: str) -> str:
    try:
        return json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as error:
        raise UnsupportedInputError(
            f"{where} cannot be sent as JSON ({error}); pass strings, numbers, booleans, "
            "lists and dicts"
        ) from None


def _string_map(value: object, key: str) -> dict[str, Any]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise UnsupportedInputError(
            f"extra[{key!r}] must be a dict with string keys, not {type(value).__name__}"
        )
    return dict(value)


def _extra(extra: Mapping[str, Any], model: ModelDefinition) -> dict[str, Any]:
    """The caller's ``extra`` checked: owned keys refused, headers and body merged with ours.

    The model definition's headers win over ``extra_headers`` of the same name (they are the
    provider's contract); keys the adapter owns may not hide in ``extra_body`` either.
    """
    if not isinstance(extra, Mapping):
        raise UnsupportedInputError(f"extra must be a dict, not {type(extra).__name__}")
    if not extra:  # the usual request: nothing to check or merge
        return {"extra_headers": dict(model.headers)} if model.headers else {}
    kwargs: dict[str, Any] = {}
    for key, value in extra.items():
        if not isinstance(key, str):
            raise UnsupportedInputError(f"extra key {key!r} is not a string; use string keys")
        if key == "n" and value == 1 and type(value) is int:
            continue  # the default: one answer
        if key in OWNED_KEYS:
            raise UnsupportedInputError(
                f"extra[{key!r}] is set by clawdbot-litellm; use {OWNED_KEYS[key]}"
            )
        if key in MERGED_KEYS:
            kwargs[key] = _string_map(value, key)
        else:
            _json_value(value, f"extra[{key!r}]")
            kwargs[key] = value
    body = kwargs.get("extra_body", {})
    _json_value(body, "extra['extra_body']")
    for key in body:
        if key in OWNED_KEYS:
            raise UnsupportedInputError(
                f"extra['extra_body'][{key!r}] is set by clawdbot-litellm; use {OWNED_KEYS[key]}"
            )
    headers = kwargs.get("extra_headers", {})
    if not all(isinstance(v, str) for v in headers.values()):
        raise UnsupportedInputError("extra['extra_headers'] values must be strings")
    merged = {**headers, **(model.headers or {})}
    if merged:
        kwargs["extra_headers"] = merged
    for key in ("extra_body", "extra_query"):
        if key in kwargs and not kwargs[key]:
            del kwargs[key]
    return kwargs
