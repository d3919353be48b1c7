"""A model definition plus the caller's options become ``chat.completions.create`` arguments.

Pure: no I/O except reading local image files the caller named, no ``openai`` import. The sync and
async clients both call :func:`build_request`, so a mapping rule lives in exactly one place.
"""

from __future__ import annotations

import base64
import math
import mimetypes
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .config.schema import MIN_CONTEXT_WINDOW, ModelDefinition
from .errors import ContextWindowError, UnsupportedInputError

ReasoningEffort = Literal["minimal", "low", "medium", "high"]
REASONING_EFFORTS: tuple[ReasoningEffort, ...] = ("minimal", "low", "medium", "high")
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
    # LiteLLM spend attribution: the body's ``user`` and ``metadata`` (with ``tags`` inside).
    user: str | None = None
    tags: Sequence[str] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PreparedRequest:
    """Keyword arguments for ``chat.completions.create`` and what was adjusted on the way."""

    kwargs: dict[str, Any]
    prompt_tokens_estimate: int
    output_limit: int
    notes: tuple[str, ...] = ()


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
    return dict(message)


def build_messages(
    prompt: str | Sequence[Message], model: ModelDefinition, options: ChatOptions, ref: str
) -> list[dict[str, Any]]:
    """Messages with the system prompt's role and the image parts the model allows."""
    if isinstance(prompt, str):
        messages: list[dict[str, Any]] = [{"role": "user", "content": prompt}]
    else:
        messages = [_message(index, message) for index, message in enumerate(prompt)]
    wants_images = bool(options.images) or any(_has_image(m) for m in messages)
    if wants_images and not model.accepts_images:
        raise UnsupportedInputError(
            f"{ref} does not accept images (its input is {list(model.input)}); use a vision "
            f'model or add "image" to its input list in the config'
        )
    if options.images:
        parts: list[dict[str, Any]] = [
            {"type": "image_url", "image_url": {"url": _image_url(i)}} for i in options.images
        ]
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
    compat = model.compat
    system_role = (
        "developer"
        if model.reasoning and compat is not None and compat.supports_developer_role
        else "system"
    )
    for message in messages:
        if message.get("role") in ("system", "developer"):
            message["role"] = system_role
    if options.system:
        messages.insert(0, {"role": system_role, "content": options.system})
    return messages


def estimate_tokens(messages: Sequence[Message]) -> int:
    """Prompt tokens, estimated without a tokenizer (no network, no downloads)."""
    chars = 0
    images = 0
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            chars += len(content)
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, Mapping) and part.get("type") == "image_url":
                    images += 1
                elif isinstance(part, Mapping) and isinstance(part.get("text"), str):
                    chars += len(part["text"])
    return (
        math.ceil(chars / CHARS_PER_TOKEN)
        + TOKENS_PER_MESSAGE * len(messages)
        + TOKENS_PER_IMAGE * images
    )


def _output_limit(
    model: ModelDefinition, requested: int | None, prompt_tokens: int, ref: str, notes: list[str]
) -> int:
    window = model.context_window
    if window < MIN_CONTEXT_WINDOW:
        raise ContextWindowError(
            f"{ref} has a contextWindow of {window} tokens, below the minimum of "
            f"{MIN_CONTEXT_WINDOW}; set its real contextWindow in the config"
        )
    ceiling = model.output_limit
    if requested is not None:
        if requested <= 0:
            raise ContextWindowError(f"max_tokens must be positive, not {requested}")
        limit = requested
        if limit > ceiling:
            notes.append(
                f"{ref}: max_tokens {requested} is above the model's maxTokens ({ceiling}); "
                f"sending {ceiling}"
            )
            limit = ceiling
    else:
        limit = min(ceiling, DEFAULT_OUTPUT_CAP)
    room = window - prompt_tokens
    if prompt_tokens + limit > window:
        if requested is None and room > 0:
            notes.append(
                f"{ref}: the prompt (about {prompt_tokens} tokens) leaves {room} of the "
                f"{window}-token context window; output limited to {room}"
            )
            return room
        raise ContextWindowError(
            f"The prompt (about {prompt_tokens} tokens) plus the output limit ({limit}) does "
            f"not fit {ref}'s context window of {window} tokens; shorten the prompt or lower "
            "max_tokens"
        )
    return limit


def _spend_fields(kwargs: dict[str, Any], options: ChatOptions) -> None:
    """LiteLLM's spend attribution, as 1.108.7 reads it: ``user`` (the end user) and
    ``metadata.tags`` in the body (``extra_body``, so ``openai`` sends them as they are)."""
    if options.user is not None:
        kwargs["user"] = options.user
    if options.tags or options.metadata:
        metadata = dict(options.metadata)
        if options.tags:
            metadata["tags"] = [*metadata.get("tags", ()), *options.tags]
        body = dict(kwargs.get("extra_body") or {})
        body["metadata"] = {**dict(body.get("metadata") or {}), **metadata}
        kwargs["extra_body"] = body


def build_request(
    model: ModelDefinition,
    prompt: str | Sequence[Message],
    options: ChatOptions | None = None,
    *,
    stream: bool = False,
    ref: str | None = None,
) -> PreparedRequest:
    """Clawdbot's mapping of a model definition onto an OpenAI chat completions request."""
    options = options or ChatOptions()
    ref = ref or model.id
    notes: list[str] = []
    messages = build_messages(prompt, model, options, ref)
    prompt_tokens = estimate_tokens(messages)
    limit = _output_limit(model, options.max_tokens, prompt_tokens, ref, notes)
    compat = model.compat
    kwargs: dict[str, Any] = dict(options.extra)
    kwargs.update(model=model.id, messages=messages)
    field_name = (compat.max_tokens_field if compat else None) or "max_completion_tokens"
    kwargs[field_name] = limit
    if options.reasoning_effort is not None:
        if options.reasoning_effort not in REASONING_EFFORTS:
            raise UnsupportedInputError(
                f"reasoning effort {options.reasoning_effort!r} is not one of "
                f"{', '.join(REASONING_EFFORTS)}"
            )
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
            kwargs["reasoning_effort"] = options.reasoning_effort
    if compat is not None and compat.supports_store:
        kwargs["store"] = False
    _spend_fields(kwargs, options)
    if stream:
        kwargs["stream"] = True
        kwargs["stream_options"] = {"include_usage": True}
    for note in notes:
        warnings.warn(note, RequestWarning, stacklevel=3)
    return PreparedRequest(kwargs, prompt_tokens, limit, tuple(notes))
