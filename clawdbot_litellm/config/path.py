"""Config paths (``agents.defaults.models[litellm/gpt-4].alias``) and values, read as Clawdbot does.

Pure functions over plain data. ``set_at``/``unset_at`` return new documents and never mutate their
input, so an edit can be validated before anything is written.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pyjson5

from ..errors import ConfigError, ConfigPathError, ConfigPathNotFoundError
from .load import describe_json5_error, json_type

Segment = str | int
_SPECIAL = frozenset(".[]\\")
EMPTY_PATH = "Path is empty. Name a config key, e.g. agents.defaults.model.primary"


def _path_error(reason: str, text: str, fix: str) -> ConfigPathError:
    return ConfigPathError(f"{reason}: {text}. {fix}")


def _strip(text: str) -> str:
    """Strip surrounding whitespace, except a space escaped with a backslash."""
    source = text.lstrip()
    end = len(source.rstrip())
    slashes = len(source[:end]) - len(source[:end].rstrip("\\"))
    if end < len(source) and slashes % 2 == 1:
        end += 1
    return source[:end]


def parse_path(text: str) -> list[str]:
    """Split a path: ``.`` separates, ``[x]`` is one literal segment, ``\\`` escapes a character."""
    source = _strip(text)
    if not source:
        raise ConfigPathError(
            "Path is empty. Name a config key, e.g. agents.defaults.model.primary"
        )
    segments: list[str] = []
    current = ""
    # "pending" means a segment is due: at the start, and after every ".".
    pending = True
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\":
            if i + 1 >= len(source):
                raise _path_error(
                    'Invalid path (trailing "\\")', text, "Escape a character, e.g. gpt-4\\.1"
                )
            current += source[i + 1]
            pending = False
            i += 2
        elif char == ".":
            if pending and not current:
                raise _path_error(
                    "Invalid path (empty segment)", text, "Remove the extra dot or name the key"
                )
            if current:
                segments.append(current)
            current, pending = "", True
            i += 1
        elif char == "[":
            if current:
                segments.append(current)
                current = ""
            close = source.find("]", i)
            if close == -1:
                raise _path_error(
                    'Invalid path (missing "]")',
                    text,
                    "Close the bracket, e.g. models[litellm/gpt-4]",
                )
            inside = source[i + 1 : close]
            if not inside.strip():
                raise _path_error(
                    'Invalid path (empty "[]")', text, "Put a key or an index between the brackets"
                )
            segments.append(inside)
            pending = False
            i = close + 1
        else:
            current += char
            pending = False
            i += 1
    if pending:
        raise _path_error("Invalid path (empty segment)", text, "Remove the trailing dot")
    if current:
        segments.append(current)
    return segments


def _plain(segment: str) -> bool:
    return (
        bool(segment)
        and not (_SPECIAL & set(segment))
        and "/" not in segment  # refs read better as models[litellm/gpt-4]
        and segment == segment.strip()
        and not segment.isdigit()
    )


def format_path(segments: Sequence[Segment]) -> str:
    """The inverse of ``parse_path``: ``parse_path(format_path(s)) == s`` for string segments."""
    out = ""
    for segment in segments:
        text = str(segment)
        if out and _plain(text):
            out += f".{text}"
        elif not out and _plain(text):
            out = text
        elif "]" not in text and text.strip():
            out += f"[{text}]"
        else:
            escaped = "".join(f"\\{c}" if c in _SPECIAL or c.isspace() else c for c in text)
            out += f".{escaped}" if out else escaped
    return out


def _index(segment: Segment) -> int | None:
    """An array index, or ``None``: a negative number counts from the end in Python, but a
    config path names a place in the file, so it is no index at all."""
    if isinstance(segment, int):
        return segment if segment >= 0 else None
    return int(segment) if segment.isascii() and segment.isdigit() else None


def get_at(data: Any, segments: Sequence[Segment]) -> Any:
    """The value at ``segments``; ``ConfigPathNotFoundError`` names the whole path if absent."""
    node = data
    for segment in segments:
        if isinstance(node, dict) and str(segment) in node:
            node = node[str(segment)]
            continue
        index = _index(segment)
        if isinstance(node, list) and index is not None and index < len(node):
            node = node[index]
            continue
        raise ConfigPathNotFoundError(format_path(segments))
    return node


def set_at(data: Any, segments: Sequence[Segment], value: Any) -> Any:
    """A copy of ``data`` with ``value`` at ``segments``, creating missing containers on the way
    (an array where the next segment is numeric). Only the containers on the path are copied."""
    if not segments:
        raise ConfigPathError(
            "Path is empty. Name a config key, e.g. agents.defaults.model.primary"
        )
    return _set(data, list(segments), 0, value)


def _set(node: Any, segments: list[Segment], depth: int, value: Any) -> Any:
    if depth == len(segments):
        return value
    segment = segments[depth]
    index = _index(segment)
    if node is None:
        node = [] if index is not None else {}
    if isinstance(node, dict):
        copy = dict(node)
        copy[str(segment)] = _set(node.get(str(segment)), segments, depth + 1, value)
        return copy
    here = format_path(segments[:depth]) or "<root>"
    if isinstance(node, list):
        if index is None:
            raise ConfigPathError(
                f"Cannot set {format_path(segments)}: {here} is an array, so the next segment "
                f"must be an index (0..{len(node)}), not {str(segment)!r}"
            )
        if index > len(node):
            raise ConfigPathError(
                f"Cannot set {format_path(segments)}: index {index} is past the end of {here} "
                f"(length {len(node)}); use {len(node)} to append"
            )
        copy_list = list(node)
        if index == len(node):
            copy_list.append(_set(None, segments, depth + 1, value))
        else:
            copy_list[index] = _set(node[index], segments, depth + 1, value)
        return copy_list
    raise ConfigPathError(
        f"Cannot set {format_path(segments)}: {here} is {json_type(node)}, not an object; "
        f"unset {here} first or choose another path"
    )


def unset_at(data: Any, segments: Sequence[Segment]) -> Any:
    """A copy of ``data`` without the value at ``segments`` (an array element is removed)."""
    if not segments:
        raise ConfigPathError(
            "Path is empty. Name a config key, e.g. agents.defaults.model.primary"
        )
    get_at(data, segments)  # raises ConfigPathNotFoundError naming the whole path
    return _unset(data, list(segments), 0)


def _unset(node: Any, segments: list[Segment], depth: int) -> Any:
    segment = segments[depth]
    last = depth == len(segments) - 1
    if isinstance(node, dict) and str(segment) in node:
        copy = dict(node)
        if last:
            del copy[str(segment)]
        else:
            copy[str(segment)] = _unset(node[str(segment)], segments, depth + 1)
        return copy
    index = _index(segment)
    if not isinstance(node, list) or index is None:  # get_at proved the path exists
        raise ConfigPathNotFoundError(format_path(segments))
    copy_list = list(node)
    if last:
        del copy_list[index]
    else:
        copy_list[index] = _unset(node[index], segments, depth + 1)
    return copy_list


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


def parse_value(text: str, *, strict_json: bool = False, secret: bool = False) -> Any:
    """A JSON5 value, else the text itself as a string (``--json`` makes JSON5 mandatory).

    ``secret`` hides the text in error messages (the value is bound for a key or token).
    """
    shown = "(hidden: the value is a secret)" if secret else repr(text)
    try:
        value = pyjson5.decode(text)
    except pyjson5.Json5Exception as error:
        if not strict_json:
            return text
        detail = describe_json5_error(str(error.args[0]) if error.args else str(error))
        raise ConfigError(
            f"Invalid JSON5 value {shown} ({detail}). Fix the value, or drop --json to store "
            "it as a plain string"
        ) from None
    if not _finite(value):
        raise ConfigError(
            f"Invalid value {shown}: Infinity and NaN cannot be written to a JSON config; "
            "quote the value to store it as a string"
        )
    return value
