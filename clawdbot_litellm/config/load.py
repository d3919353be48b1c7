"""From bytes on disk to a plain document: JSON5, ``$include``, the ``env`` block, ``${VAR}``.

These are pure functions over plain data (apart from reading the files named), so the editing code
can run the same pipeline on a document it has not written yet. Each included value remembers the
file it came from (an *origin tree* shaped like the value) so ``doctor`` can say where it was set.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyjson5

from ..errors import ConfigFileError, ConfigSyntaxError, IncludeError, MissingEnvVarError

MAX_INCLUDE_DEPTH = 10
INCLUDE_KEY = "$include"
_NEAR = re.compile(r"near (\d+)")
_FOUND = re.compile(r"found U\+([0-9A-Fa-f]{4,6})")
_VAR = re.compile(r"\$(\$?)\{([A-Z_][A-Z0-9_]*)\}")


# --- JSON5 ---------------------------------------------------------------------------------------


def _line_col(text: str, index: int) -> tuple[int, int]:
    index = max(0, min(index, len(text)))
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def _error_index(text: str, message: str) -> int:
    """Where pyjson5's ``near N`` points; it reports offsets, people want line and column."""
    near = _NEAR.search(message)
    if near is None:
        return len(text)
    offset = int(near.group(1))
    found = _FOUND.search(message)
    if found is not None:
        char = chr(int(found.group(1), 16))
        for candidate in (offset - 1, offset, offset - 2, offset + 1):
            if 0 <= candidate < len(text) and text[candidate] == char:
                return candidate
    return min(offset, len(text))


def parse_json5(text: str, file: str) -> Any:
    """Parse JSON5 text; a syntax error names ``file:line:column``."""
    if text.startswith("\ufeff"):
        text = text[1:]  # editors on Windows write a BOM; it is not content
    if not text.strip():
        return {}
    try:
        return pyjson5.decode(text)
    except pyjson5.Json5Exception as error:
        message = str(error.args[0]) if error.args else str(error)
        line, column = _line_col(text, _error_index(text, message))
        detail = _NEAR.sub("", message).strip().rstrip(",")
        raise ConfigSyntaxError(file, line, column, detail) from None


def read_text(path: Path) -> str:
    """Read a config file as UTF-8, turning OS errors into a message that says what to do."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise ConfigFileError(
            f"{path} is a directory, not a config file; point --config or "
            "CLAWDBOT_CONFIG_PATH at a file"
        ) from None
    except PermissionError:
        raise ConfigFileError(
            f"{path} cannot be read (permission denied); fix its permissions (chmod 600)"
        ) from None
    except OSError as error:
        raise ConfigFileError(f"{path} cannot be read: {error.strerror or error}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigFileError(
            f"{path} is not UTF-8 text (bad byte at offset {error.start}); "
            "save it as UTF-8"
        ) from None


# --- $include ------------------------------------------------------------------------------------


def deep_merge(base: Any, over: Any, base_origin: Any, over_origin: Any) -> tuple[Any, Any]:
    """Clawdbot's merge: objects merge, arrays concatenate, otherwise ``over`` wins.

    Origins travel alongside values in a tree of the same shape.
    """
    if isinstance(base, dict) and isinstance(over, dict):
        merged, origin = dict(base), dict(base_origin)
        for key, value in over.items():
            if key in merged:
                merged[key], origin[key] = deep_merge(
                    merged[key], value, origin[key], over_origin[key]
                )
            else:
                merged[key], origin[key] = value, over_origin[key]
        return merged, origin
    if isinstance(base, list) and isinstance(over, list):
        return base + over, list(base_origin) + list(over_origin)
    return over, over_origin


def origin_tree(value: Any, file: str) -> Any:
    """An origin tree saying every leaf of ``value`` came from ``file``."""
    if isinstance(value, dict):
        return {key: origin_tree(item, file) for key, item in value.items()}
    if isinstance(value, list):
        return [origin_tree(item, file) for item in value]
    return file


def _include_targets(spec: Any, where: Path, config_path: str) -> list[str]:
    if isinstance(spec, str):
        return [spec]
    if isinstance(spec, list) and all(isinstance(item, str) for item in spec):
        return list(spec)
    raise IncludeError(
        f"{where}: {INCLUDE_KEY} at {config_path or '<root>'} must be a path or a list of "
        "paths (strings)"
    )


def _expand(value: Any, file: Path, chain: tuple[Path, ...], config_path: str) -> tuple[Any, Any]:
    """Expand every ``$include`` inside ``value`` (read from ``file``)."""
    if isinstance(value, list):
        pairs = [
            _expand(item, file, chain, f"{config_path}[{i}]") for i, item in enumerate(value)
        ]
        return [p[0] for p in pairs], [p[1] for p in pairs]
    if not isinstance(value, dict):
        return value, str(file)

    result: dict[str, Any] = {}
    origin: dict[str, Any] = {}
    if INCLUDE_KEY in value:
        for target in _include_targets(value[INCLUDE_KEY], file, config_path):
            included, included_origin = _load_include(target, file, chain, config_path)
            result, origin = deep_merge(result, included, origin, included_origin)
    siblings: dict[str, Any] = {}
    sibling_origin: dict[str, Any] = {}
    for key, item in value.items():
        if key == INCLUDE_KEY:
            continue
        child = f"{config_path}.{key}" if config_path else key
        siblings[key], sibling_origin[key] = _expand(item, file, chain, child)
    return deep_merge(result, siblings, origin, sibling_origin)


def _load_include(
    target: str, including: Path, chain: tuple[Path, ...], config_path: str
) -> tuple[Any, Any]:
    path = (including.parent / os.path.expanduser(target)).resolve()
    if path in chain:
        cycle = " -> ".join(str(p) for p in (*chain[chain.index(path) :], path))
        raise IncludeError(f"Include cycle: {cycle}. Remove one of these $include entries.")
    if len(chain) > MAX_INCLUDE_DEPTH:
        raise IncludeError(
            f"{including}: $include nested deeper than {MAX_INCLUDE_DEPTH} levels "
            f"(at {path}); flatten the includes"
        )
    if not path.exists():
        raise ConfigFileError(
            f'{including}: $include "{target}" at {config_path or "<root>"} names a missing '
            f"file ({path}); fix the path (relative to {including.parent})"
        )
    data = parse_json5(read_text(path), str(path))
    if not isinstance(data, dict):
        raise IncludeError(
            f'{including}: $include "{target}" must contain an object ({{ ... }}), '
            f"but {path} holds {type(data).__name__ if data is not None else 'null'}"
        )
    return _expand(data, path, (*chain, path), config_path)


@dataclass(frozen=True)
class Document:
    """A config file as read: its text, its own parsed content and the include-expanded tree."""

    path: Path
    exists: bool
    text: str
    raw: dict[str, Any]
    merged: dict[str, Any]
    origins: dict[str, Any] = field(repr=False)


def expand_document(path: Path, raw: Any, text: str = "", exists: bool = True) -> Document:
    """Expand the includes of a document that may not be on disk yet (used to validate edits)."""
    if not isinstance(raw, dict):
        raise ConfigFileError(
            f"{path}: the config must be an object ({{ ... }}), not {type(raw).__name__}"
        )
    resolved = path.resolve()
    merged, origins = _expand(raw, resolved, (resolved,), "")
    return Document(path, exists, text, raw, merged, origins)


def load_document(path: Path) -> Document:
    """Read ``path`` and expand its includes; a missing file is an empty config, as in Clawdbot."""
    if not path.exists() and not path.is_symlink():
        return expand_document(path, {}, "", exists=False)
    text = read_text(path)
    return expand_document(path, parse_json5(text, str(path)), text)


def origin_of(origins: Any, segments: list[str | int]) -> str | None:
    """The file a value at ``segments`` came from, or ``None`` if it is not in the document."""
    node = origins
    for segment in segments:
        if isinstance(node, dict) and segment in node:
            node = node[segment]
        elif isinstance(node, list) and isinstance(segment, int) and 0 <= segment < len(node):
            node = node[segment]
        else:
            return None
    if isinstance(node, str):
        return node
    # A container: report where its first leaf came from.
    while isinstance(node, (dict, list)) and node:
        node = next(iter(node.values())) if isinstance(node, dict) else node[0]
    return node if isinstance(node, str) else None


# --- env block and ${VAR} ------------------------------------------------------------------------


def env_block(document: Mapping[str, Any]) -> dict[str, str]:
    """The variables the ``env`` block defines (``env.vars`` and top-level string keys)."""
    block = document.get("env")
    if not isinstance(block, dict):
        return {}
    values = {k: v for k, v in block.items() if isinstance(v, str)}
    nested = block.get("vars")
    if isinstance(nested, dict):
        values.update({k: v for k, v in nested.items() if isinstance(v, str)})
    return values


def effective_environ(
    document: Mapping[str, Any], environ: Mapping[str, str]
) -> tuple[dict[str, str], frozenset[str]]:
    """``environ`` with the env block filling variables that are unset or blank.

    Returns the mapping and the names that came from the block. ``os.environ`` is never changed:
    a library must not alter its host's process.
    """
    merged = dict(environ)
    from_block = set()
    for name, value in env_block(document).items():
        if not merged.get(name, "").strip():
            merged[name] = value
            from_block.add(name)
    return merged, frozenset(from_block)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def substitute_string(
    text: str, environ: Mapping[str, str], config_path: str, keep_missing: bool = False
) -> str:
    """Replace ``${NAME}`` in one string; ``$${NAME}`` is the escape for a literal ``${NAME}``.

    ``keep_missing`` leaves a reference to an unset variable as written instead of failing: an
    edit to one path must not be refused because this shell lacks a key the file refers to.
    """

    def replace(match: re.Match[str]) -> str:
        escaped, name = match.group(1), match.group(2)
        if escaped:
            return "${" + name + "}"
        value = environ.get(name, "")
        if value == "":
            if keep_missing:
                return match.group(0)
            raise MissingEnvVarError(name, config_path or "<root>")
        return value

    return _VAR.sub(replace, text) if "${" in text else text


def substitute(
    value: Any, environ: Mapping[str, str], config_path: str = "", keep_missing: bool = False
) -> Any:
    """Substitute ``${VAR}`` in every string value (never in keys), recursively."""
    if isinstance(value, str):
        return substitute_string(value, environ, config_path, keep_missing)
    if isinstance(value, dict):
        return {
            k: substitute(v, environ, _join(config_path, k), keep_missing)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            substitute(v, environ, _join(config_path, i), keep_missing)
            for i, v in enumerate(value)
        ]
    return value


def references(value: Any, config_path: str = "") -> list[tuple[str, str]]:
    """Every ``(variable, config path)`` that ``value`` refers to, for ``doctor``."""
    found: list[tuple[str, str]] = []
    if isinstance(value, str):
        found.extend((m.group(2), config_path) for m in _VAR.finditer(value) if not m.group(1))
    elif isinstance(value, dict):
        for k, v in value.items():
            found.extend(references(v, _join(config_path, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found.extend(references(v, _join(config_path, i)))
    return found
