"""Config paths (``agents.defaults.models[litellm/gpt-4].alias``) and values, read as Clawdbot does.

Pure functions over plain data. ``set_at``/``unset_at`` return new documents and never mutate their
input, so an edit can be validated before anything is written.
"""

from __future__ import annotations

import math
import warnings
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


# JavaScript's String.prototype.trim() removes exactly these (Clawdbot trims with it).
_JS_SPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def js_trim(text: str) -> str:
    """``text`` without the surrounding whitespace JavaScript's ``trim()`` removes."""
    return text.strip(_JS_SPACE)


def parse_path(text: str) -> list[str]:
    """Split a config path exactly as Clawdbot's ``config get/set/unset`` do.

    Rules (``parsePath`` in Clawdbot's ``src/cli/config-cli.ts``, early 2026):

    - the whole path is trimmed; nothing left is ``Path is empty.``;
    - ``\\`` takes the next character literally (``gpt-4\\.1``); a lone ``\\`` at the very
      end is dropped;
    - ``.`` ends a segment; empty segments (``a..b``, a leading or trailing dot) vanish;
    - ``[`` ends the segment before it and runs to the next ``]`` (escapes do not apply inside):
      what is between, trimmed, is one segment (``models[litellm/gpt-4]``, ``fallbacks[0]``,
      ``a[b][c]``); ``[]`` and a missing ``]`` are errors;
    - every segment is trimmed at the end, and segments that are then empty are dropped.
    """
    source = js_trim(text)
    if not source:
        raise ConfigPathError(EMPTY_PATH)
    parts: list[str] = []
    current = ""
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\":
            current += source[i + 1 : i + 2]  # nothing when the backslash is last
            i += 2
        elif char == ".":
            if current:
                parts.append(current)
            current = ""
            i += 1
        elif char == "[":
            if current:
                parts.append(current)
            current = ""
            close = source.find("]", i)
            if close == -1:
                raise _path_error(
                    'Invalid path (missing "]")',
                    text,
                    "Close the bracket, e.g. models[litellm/gpt-4]",
                )
            inside = js_trim(source[i + 1 : close])
            if not inside:
                raise _path_error(
                    'Invalid path (empty "[]")', text, "Put a key or an index between the brackets"
                )
            parts.append(inside)
            i = close + 1
        else:
            current += char
            i += 1
    if current:
        parts.append(current)
    segments = [trimmed for part in parts if (trimmed := js_trim(part))]
    if not segments:
        raise ConfigPathError(EMPTY_PATH)
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


def set_at(
    data: Any, segments: Sequence[Segment], value: Any, *, notes: list[str] | None = None
) -> Any:
    """A copy of ``data`` with ``value`` at ``segments``, as Clawdbot's ``setAtPath`` sets it.

    On the way, a missing value, ``null`` or a plain value (string, number, boolean) is replaced
    by a new container: an array when the next segment is an index, else an object. An index past
    the end of an array fills the gap with ``null``. Both are Clawdbot's results; because the first
    loses the value that stood in the way and the second leaves ``null``s behind, each also gives
    a one-line note: appended to ``notes`` when given, else a ``ConfigWarning``. Only the
    containers on the path are copied.
    """
    if not segments:
        raise ConfigPathError(EMPTY_PATH)
    said: list[str] = []
    result = _set(data, list(segments), 0, value, said)
    if notes is not None:
        notes.extend(said)
    else:
        from .resolve import ConfigWarning  # resolve imports this module's neighbours only

        for note in said:
            warnings.warn(note, ConfigWarning, stacklevel=2)
    return result


def _container_for(
    existing: Any, segments: list[Segment], depth: int, where: list[Segment], notes: list[str]
) -> Any:
    """``existing`` if it is a container, else the new one Clawdbot puts in its place."""
    if isinstance(existing, (dict, list)):
        return existing
    fresh: list[Any] | dict[str, Any] = [] if _index(segments[depth + 1]) is not None else {}
    if existing is not None:
        notes.append(
            f"{format_path(where)} held {json_type(existing)}; it was replaced by "
            f"{json_type(fresh)} to set {format_path(segments)}, as Clawdbot does, and its "
            "old value is gone (the previous file is kept as a backup)"
        )
    return fresh


def _set(node: Any, segments: list[Segment], depth: int, value: Any, notes: list[str]) -> Any:
    segment = segments[depth]
    last = depth == len(segments) - 1
    here = segments[:depth]
    if isinstance(node, list):
        index = _index(segment)
        if index is None:
            raise ConfigPathError(
                f"Cannot set {format_path(segments)}: {format_path(here) or '<root>'} is an "
                f"array, so the next segment must be an index (0..{len(node)}), not "
                f"{str(segment)!r}"
            )
        copy_list = list(node)
        if index > len(copy_list):
            notes.append(
                f"{format_path(here)} had {len(copy_list)} item(s); setting index {index} "
                f"filled positions {len(copy_list)}..{index - 1} with null, as Clawdbot does"
            )
        copy_list.extend([None] * (index + 1 - len(copy_list)))
        if last:
            copy_list[index] = value
        else:
            child = _container_for(copy_list[index], segments, depth, [*here, index], notes)
            copy_list[index] = _set(child, segments, depth + 1, value, notes)
        return copy_list
    if isinstance(node, dict):
        key = str(segment)
        copy = dict(node)
        if last:
            copy[key] = value
        else:
            child = _container_for(node.get(key), segments, depth, [*here, key], notes)
            copy[key] = _set(child, segments, depth + 1, value, notes)
        return copy
    where = format_path(here) or "<root>"
    raise ConfigPathError(
        f"Cannot set {format_path(segments)}: {where} is {json_type(node)}, not an object; "
        f"unset {where} first or choose another path"
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
