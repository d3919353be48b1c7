"""From bytes on disk to a plain document: JSON5, ``$include``, the ``env`` block, ``${VAR}``.

These are pure functions over plain data (apart from reading the files named), so the editing code
can run the same pipeline on a document it has not written yet. Each included value remembers the
file it came from (an *origin tree* shaped like the value) so ``doctor`` can say where it was set.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyjson5

from ..errors import ConfigFileError, ConfigSyntaxError, IncludeError, MissingEnvVarError

MAX_INCLUDE_DEPTH = 10
INCLUDE_KEY = "$include"
_NEAR = re.compile(r"\s*(?:starting )?near (\d+)")
_TOKEN = re.compile(r"b'([^']*)'|U\+([0-9A-Fa-f]{4,6})")
_TOKEN_NAMES = {
    "comma": "','",
    "colon": "':'",
    "slash": "'/'",
    "JSON5Value": "a value",
    "IdentifierStart": "a key",
    "NumericLiteral": "number",
    "hexadecimal character": "a hex digit",
}
_VAR = re.compile(r"\$(\$?)\{([A-Z_][A-Z0-9_]*)\}")


# --- JSON5 ---------------------------------------------------------------------------------------


def _line_col(text: str, index: int) -> tuple[int, int]:
    index = max(0, min(index, len(text)))
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def _breaks(prefix: str) -> bool:
    """Whether ``prefix`` already holds the syntax error (rather than merely ending early)."""
    try:
        pyjson5.decode(prefix)
    except pyjson5.Json5EOF:
        return False
    except pyjson5.Json5Exception:
        return True
    return False


def _bad_index(text: str) -> int:
    """Index of the first character no JSON5 document can continue with.

    pyjson5's ``near N`` is sometimes the start of the token, sometimes the end of the previous
    value; the shortest prefix that fails for a reason other than "ended early" is exact.
    """
    low, high = 0, len(text)  # _breaks(text[:high]) holds, _breaks(text[:low]) does not
    while high - low > 1:
        middle = (low + high) // 2
        cut = text[:middle]
        # "{a /" is a stray slash, "{a /*" a comment: never cut a comment opener in half.
        if cut.endswith("/") and text[middle : middle + 1] in ("/", "*"):
            cut = cut[:-1]
        if _breaks(cut):
            high = middle
        else:
            low = middle
    return high - 1


def describe_json5_error(message: str) -> str:
    """pyjson5's ``Expected b'comma' or U+007d, found U+0062`` in words a person reads."""

    def name(match: re.Match[str]) -> str:
        if match.group(2) is not None:
            return repr(chr(int(match.group(2), 16)))
        return _TOKEN_NAMES.get(match.group(1), match.group(1))

    detail = _TOKEN.sub(name, _NEAR.sub("", message)).strip().rstrip(",")
    if detail.startswith("Stray "):
        detail = "unexpected " + detail[len("Stray ") :]
    elif detail.startswith("Extra data "):
        detail = f"unexpected {detail[len('Extra data ') :]} after the end of the value"
    elif detail == "Unclosed number":
        # pyjson5 says so for "1e", "-" and for numbers a float cannot hold ("1e400").
        detail = "number starting here is malformed or too large"
    elif detail.startswith("Unclosed "):
        detail = f"{detail[len('Unclosed ') :]} starting here is never closed"
    return detail[:1].lower() + detail[1:]


def parse_json5(text: str, file: str) -> Any:
    """Parse JSON5 text; a syntax error names ``file:line:column`` of the offending character.

    An empty file (or one holding only comments) is an empty config, like a missing one.
    """
    if text.startswith("\ufeff"):
        text = text[1:]  # editors on Windows write a BOM; it is not content
    if not text.strip():
        return {}
    try:
        return pyjson5.decode(text)
    except pyjson5.Json5Exception as error:
        message = str(error.args[0]) if error.args else str(error)
        if message.startswith("No JSON data found"):
            return {}
        near = _NEAR.search(message)
        if isinstance(error, pyjson5.Json5EOF):
            # Something is never closed: point at where it opens.
            index = int(near.group(1)) - 1 if near else len(text)
            if text[index - 1 : index + 1] == "/*":
                index -= 1  # pyjson5 counts an unclosed comment from its '*'
        else:
            index = _bad_index(text)
        line, column = _line_col(text, index)
        raise ConfigSyntaxError(file, line, column, describe_json5_error(message)) from None


def dangling_symlink(path: Path) -> ConfigFileError:
    """The one message for a config path that is a symlink to nothing (read or written)."""
    return ConfigFileError(
        f"{path} is a symlink to {os.readlink(path)}, which does not exist; fix the link "
        "or point --config or CLAWDBOT_CONFIG_PATH at an existing file"
    )


def check_parents(path: Path) -> None:
    """Raise ``ConfigFileError`` when a directory on the way to ``path`` is a file.

    ``a-file/x`` does not exist, but it cannot be created either: saying so beats treating it
    as an empty config on read and failing obscurely on write.
    """
    for parent in path.parents:
        if parent.is_dir():
            return
        if parent.exists() or parent.is_symlink():
            raise ConfigFileError(
                f"{path} cannot be a config file: {parent} is not a directory; fix the path "
                "(--config or CLAWDBOT_CONFIG_PATH)"
            )


def _unreadable(path: Path, error: OSError) -> ConfigFileError:
    """An OS error reading ``path`` as one line that says what to do about it."""
    if isinstance(error, PermissionError):
        return ConfigFileError(
            f"{path} cannot be read (permission denied); fix its permissions (chmod 600)"
        )
    if error.errno == errno.ENOENT and path.is_symlink():
        return dangling_symlink(path)
    reason = error.strerror or str(error)
    if error.errno == errno.ELOOP:
        fix = "it is a symlink loop; fix the links or point --config at a file"
    elif error.errno == errno.ENOTDIR:
        fix = "part of the path is a file, not a directory; fix the path"
    else:
        fix = "check the path and its permissions"
    return ConfigFileError(f"{path} cannot be read: {reason}; {fix}")


def read_text(path: Path) -> str:
    """Read a config file as UTF-8, turning OS errors into a message that says what to do.

    Only regular files are read: a FIFO would block forever and a device may never end.
    """
    try:
        mode = path.stat().st_mode
    except OSError as error:
        raise _unreadable(path, error) from None
    if stat.S_ISDIR(mode):
        raise ConfigFileError(
            f"{path} is a directory, not a config file; point --config or "
            "CLAWDBOT_CONFIG_PATH at a file"
        )
    if not stat.S_ISREG(mode):
        raise ConfigFileError(
            f"{path} is not a regular file (a FIFO, socket or device); point --config or "
            "CLAWDBOT_CONFIG_PATH at a JSON5 file"
        )
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise ConfigFileError(
            f"{path} is a directory, not a config file; point --config or "
            "CLAWDBOT_CONFIG_PATH at a file"
        ) from None
    except OSError as error:
        raise _unreadable(path, error) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigFileError(
            f"{path} is not UTF-8 text (bad byte at offset {error.start}); save it as UTF-8"
        ) from None


def json_type(value: Any) -> str:
    """How a person would name a JSON value's type in an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


# --- $include ------------------------------------------------------------------------------------


def deep_merge(base: Any, over: Any, base_origin: Any, over_origin: Any) -> tuple[Any, Any]:
    """Clawdbot's merge: objects merge, arrays concatenate, otherwise ``over`` wins.

    Origins travel alongside values in a tree of the same shape.
    """
    if isinstance(base, dict) and isinstance(over, dict):
        merged, origin = dict(base), _origin_children(base, base_origin)
        over_origins = _origin_children(over, over_origin)
        for key, value in over.items():
            if key in merged:
                merged[key], origin[key] = deep_merge(
                    merged[key], value, origin[key], over_origins[key]
                )
            else:
                merged[key], origin[key] = value, over_origins[key]
        return merged, origin
    if isinstance(base, list) and isinstance(over, list):
        return base + over, _origin_children(base, base_origin) + _origin_children(
            over, over_origin
        )
    return over, over_origin


def _origin_children(value: Any, origin: Any) -> Any:
    """One level of an origin tree as a new container; a file name stands for a whole subtree."""
    if isinstance(origin, str):
        return dict.fromkeys(value, origin) if isinstance(value, dict) else [origin] * len(value)
    return dict(origin) if isinstance(origin, dict) else list(origin)


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
    """Expand every ``$include`` inside ``value`` (read from ``file``).

    A subtree without ``$include`` is returned as it is, not copied, and its origin is the file's
    name alone rather than a tree of the same shape: this runs on every load, and a config of
    10,000 models has some 50,000 containers that would otherwise be built twice more.
    """
    here = str(file)
    if isinstance(value, list):
        values: list[Any] | None = None
        origins: list[Any] | None = None
        for i, item in enumerate(value):
            if not isinstance(item, (dict, list)):
                continue
            expanded, where = _expand(item, file, chain, f"{config_path}[{i}]")
            if expanded is item and where == here:
                continue
            if values is None or origins is None:
                values, origins = list(value), [here] * len(value)
            values[i], origins[i] = expanded, where
        return (value, here) if values is None else (values, origins)
    if not isinstance(value, dict):
        return value, here

    siblings: dict[str, Any] | None = None
    sibling_origin: dict[str, Any] | None = None
    for key, item in value.items():
        if key == INCLUDE_KEY or not isinstance(item, (dict, list)):
            continue
        child = f"{config_path}.{key}" if config_path else key
        expanded, where = _expand(item, file, chain, child)
        if expanded is item and where == here:
            continue
        if siblings is None or sibling_origin is None:
            siblings, sibling_origin = dict(value), dict.fromkeys(value, here)
        siblings[key], sibling_origin[key] = expanded, where
    if INCLUDE_KEY not in value:
        return (value, here) if siblings is None else (siblings, sibling_origin)
    if siblings is None or sibling_origin is None:
        siblings, sibling_origin = dict(value), dict.fromkeys(value, here)
    del siblings[INCLUDE_KEY], sibling_origin[INCLUDE_KEY]
    return _merge_include(value[INCLUDE_KEY], (siblings, sibling_origin), file, chain, config_path)


def _merge_include(
    spec: Any,
    rest: tuple[dict[str, Any], dict[str, Any]],
    file: Path,
    chain: tuple[Path, ...],
    config_path: str,
) -> tuple[Any, Any]:
    """An object holding ``$include``, merged as Clawdbot's ``includes.ts`` merges it.

    - Several included files are merged left to right into ``{}`` with the deep merge (objects
      merge, arrays concatenate, anything else: the later file wins), so two arrays concatenate
      and an array after an object replaces it.
    - Without sibling keys the result is whatever the files hold, also an array or a plain value.
    - Sibling keys (``rest``: already expanded, with their origins) are merged over the
      included content, which must then be an object.
    """
    siblings, sibling_origin = rest
    result: Any = {}
    origin: Any = {}
    for target in _include_targets(spec, file, config_path):
        included, included_origin = _load_include(target, file, chain, config_path)
        result, origin = deep_merge(result, included, origin, included_origin)
    if not siblings:
        return result, origin
    if not isinstance(result, dict):
        raise IncludeError(
            f"{file}: $include at {config_path or '<root>'} has sibling keys "
            f"({', '.join(siblings)}), so the included content must be an object, but it is "
            f"{json_type(result)}; move the sibling keys into the included file, or drop them"
        )
    return deep_merge(result, siblings, origin, sibling_origin)


def _load_include(
    target: str, including: Path, chain: tuple[Path, ...], config_path: str
) -> tuple[Any, Any]:
    if "\0" in target:
        raise ConfigFileError(
            f"{including}: $include at {config_path or '<root>'} holds a NUL character; "
            "fix the path"
        )
    path = (including.parent / os.path.expanduser(target)).resolve()
    if path in chain:
        cycle = " -> ".join(str(p) for p in (*chain[chain.index(path) :], path))
        raise IncludeError(f"Include cycle: {cycle}. Remove one of these $include entries.")
    if len(chain) > MAX_INCLUDE_DEPTH:
        raise IncludeError(
            f"{including}: $include nested deeper than {MAX_INCLUDE_DEPTH} levels "
            f"(at {path}); flatten the includes"
        )
    if not path.is_file():
        if path.is_dir():
            what = "a directory"
        elif path.exists():
            what = "something that is not a regular file"
        else:
            what = "a missing file"
        raise ConfigFileError(
            f'{including}: $include "{target}" at {config_path or "<root>"} names {what} '
            f"({path}); fix the path (relative to {including.parent})"
        )
    data = parse_json5(read_text(path), str(path))
    # Any JSON value may be included (an array, a plain value): where it may stand is decided by
    # the including object's sibling keys, and in the end by the schema.
    return _expand(data, path, (*chain, path), config_path)


@dataclass(frozen=True)
class Document:
    """A config file as read: its text, its own parsed content and the include-expanded tree."""

    path: Path
    exists: bool
    # The content may hold plaintext keys: keep it out of reprs and logs.
    text: str = field(repr=False)
    raw: dict[str, Any] = field(repr=False)
    merged: dict[str, Any] = field(repr=False)
    origins: dict[str, Any] = field(repr=False)


def expand_document(path: Path, raw: Any, text: str = "", exists: bool = True) -> Document:
    """Expand the includes of a document that may not be on disk yet (used to validate edits)."""
    if not isinstance(raw, dict):
        raise ConfigFileError(
            f"{path}: the config must be an object ({{ ... }}), not {json_type(raw)}"
        )
    resolved = path.resolve()
    merged, origins = _expand(raw, resolved, (resolved,), "")
    if not isinstance(merged, dict):
        raise IncludeError(
            f"{path}: the top-level $include makes the config {json_type(merged)}, not an "
            "object ({ ... }); include a file that holds an object"
        )
    return Document(path, exists, text, raw, merged, origins)


def load_document(path: Path) -> Document:
    """Read ``path`` and expand its includes; a missing file is an empty config, as in Clawdbot."""
    if not path.exists() and not path.is_symlink():
        check_parents(path)
        return expand_document(path, {}, "", exists=False)
    text = read_text(path)
    return expand_document(path, parse_json5(text, str(path)), text)


def origin_of(origins: Any, segments: list[str | int]) -> str | None:
    """The file a value at ``segments`` came from, or ``None`` if it is not in the document.

    A subtree read whole from one file has that file's name as its origin, so any path inside
    it, set or not, is answered with that file.
    """
    node = origins
    for segment in segments:
        if isinstance(node, str):
            return node
        in_dict = isinstance(node, dict) and segment in node
        in_list = isinstance(node, list) and isinstance(segment, int) and 0 <= segment < len(node)
        if not (in_dict or in_list):
            return None
        node = node[segment]
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
    """Substitute ``${VAR}`` in every string value (never in keys), recursively.

    A container with nothing to replace is returned as it is, not copied: the result shares
    whatever it does not change with ``value``, so neither may be changed in place afterwards.
    """
    if isinstance(value, str):
        return substitute_string(value, environ, config_path, keep_missing)
    if isinstance(value, dict):
        new_dict: dict[str, Any] | None = None
        for k, v in value.items():
            replaced = _substitute_child(v, environ, config_path, k, keep_missing)
            if replaced is not v:
                new_dict = dict(value) if new_dict is None else new_dict
                new_dict[k] = replaced
        return value if new_dict is None else new_dict
    if isinstance(value, list):
        new_list: list[Any] | None = None
        for i, v in enumerate(value):
            replaced = _substitute_child(v, environ, config_path, i, keep_missing)
            if replaced is not v:
                new_list = list(value) if new_list is None else new_list
                new_list[i] = replaced
        return value if new_list is None else new_list
    return value


def _substitute_child(
    value: Any, environ: Mapping[str, str], parent: str, key: str | int, keep_missing: bool
) -> Any:
    """Leaves with nothing to replace are returned as they are, before any path is built."""
    if isinstance(value, str) and "${" not in value:
        return value
    if not isinstance(value, (str, dict, list)):
        return value
    return substitute(value, environ, _join(parent, key), keep_missing)


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
