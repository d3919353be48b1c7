"""Validate-then-write edits of the raw config file: get, set and unset by path.

Edits apply to the document as written (``$include`` keys and ``${VAR}`` strings stay), never to the
resolved one: Clawdbot writes resolved secrets back in plaintext, this must not. Every write is
checked by the same pipeline that loads the file, done under an advisory lock so concurrent writers
never lose each other's changes, atomic, 0600, and the previous versions are kept as backups.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import fcntl
import json
import os
import re
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, ConfigValidationError, ConfigWriteError, Problem
from .load import (
    INCLUDE_KEY,
    check_parents,
    dangling_symlink,
    effective_environ,
    expand_document,
    json_type,
    parse_json5,
    read_text,
    substitute,
)
from .locate import config_path
from .path import Segment, format_path, get_at, parse_path, set_at, unset_at
from .resolve import (
    ConfigWarning,
    ImplicitProvider,
    ResolvedConfig,
    base_url_to_store,
    load_config,
    resolve_quietly,
)

BACKUPS = 5  # <file>.bak, then .bak.1 .. .bak.4
LOCK_TIMEOUT = 30.0
_INDEX = re.compile(r"\[\d+\]")


@dataclass(frozen=True)
class EditResult:
    """What an edit did. The documents are raw and may hold keys, so ``repr`` leaves them out."""

    path: Path
    changed: bool
    before: dict[str, Any] = field(repr=False)
    after: dict[str, Any] = field(repr=False)
    dropped_comments: bool = False
    backup: Path | None = None
    notes: tuple[str, ...] = ()  # new warnings the edited config produces (e.g. a /v1 base URL)


# --- reading ------------------------------------------------------------------------------------


def read_raw(path: Path) -> tuple[str, dict[str, Any], bool]:
    """The file's text, its own parsed content (includes not inlined) and whether it exists."""
    if not path.exists() and not path.is_symlink():
        check_parents(path)
        return "", {}, False
    text = read_text(path)
    data = parse_json5(text, str(path))
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: the config must be an object ({{ ... }}), not {json_type(data)}; "
            "fix the file by hand"
        )
    return text, data, True


def has_comments(text: str) -> bool:
    """Whether JSON5 text has a ``//`` or ``/*`` comment outside its strings."""
    quote = ""
    i = 0
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "/" and text[i + 1 : i + 2] in ("/", "*"):
            return True
        i += 1
    return False


# --- validation ---------------------------------------------------------------------------------


def _value_at(data: Any, problem_path: str) -> str:
    try:
        return json.dumps(get_at(data, parse_path(problem_path)), sort_keys=True)
    except ConfigError:
        return "<absent>"


def _key(problem: Problem, data: Any) -> tuple[str, str]:
    """A problem's identity across an edit: its path (list indexes ignored) and the value there.

    Messages are not compared: an unknown-ref message lists the configured models, which an
    unrelated edit may change.
    """
    return _INDEX.sub("[*]", problem.path), _value_at(data, problem.path)


def _substituted(raw: dict[str, Any], environ: Mapping[str, str]) -> Any:
    env, _ = effective_environ(raw, environ)
    return substitute(raw, env, keep_missing=True)


def _validate(
    file: Path,
    before_raw: dict[str, Any],
    after_raw: dict[str, Any],
    environ: Mapping[str, str],
    implicit: Mapping[str, ImplicitProvider] | None,
) -> ResolvedConfig:
    """Run the load pipeline on the edited document; refuse schema problems and new other ones."""
    refused = f"{file} (edit refused; the file is unchanged)"
    try:
        after = resolve_quietly(expand_document(file, after_raw), environ, implicit)
    except ConfigValidationError as error:
        raise ConfigValidationError(refused, error.problems) from None
    new_problems = after.check()
    if not new_problems:
        return after
    try:
        before = resolve_quietly(expand_document(file, before_raw), environ, implicit)
    except ConfigError:
        # The old file did not even load, so its problems are unknown: blame the edit only for
        # problems at values it changed, or fixing a broken file could take two edits at once.
        old_data = _substituted(before_raw, environ)
        fresh = [
            p for p in new_problems if _value_at(old_data, p.path) != _value_at(after.data, p.path)
        ]
    else:
        old = {_key(p, before.data) for p in before.check()}
        fresh = [p for p in new_problems if _key(p, after.data) not in old]
    if fresh:
        raise ConfigValidationError(refused, fresh)
    return after


def _notes(
    file: Path,
    before_raw: dict[str, Any],
    after: ResolvedConfig,
    environ: Mapping[str, str],
    implicit: Mapping[str, ImplicitProvider] | None,
) -> tuple[str, ...]:
    if not after.warnings:
        return ()
    try:
        old = set(resolve_quietly(expand_document(file, before_raw), environ, implicit).warnings)
    except ConfigError:
        old = set()
    return tuple(w for w in after.warnings if w not in old)


# --- writing ------------------------------------------------------------------------------------


def _make_dirs(directory: Path) -> None:
    """Create missing directories 0700 (each level: a new config home is nobody else's)."""
    missing: list[Path] = []
    for candidate in (directory, *directory.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    for level in reversed(missing):
        try:
            level.mkdir(mode=0o700)
        except FileExistsError:
            continue
        except OSError as error:
            raise ConfigWriteError(
                f"Cannot create {level}: {error.strerror or error}; create it yourself "
                "(mode 700) or choose another --config"
            ) from None
        os.chmod(level, 0o700)


@contextlib.contextmanager
def _locked(file: Path) -> Iterator[None]:
    """An advisory lock on ``<file>.lock``; the lock file is left in place (removing it races)."""
    lock_path = file.with_name(file.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        raise ConfigWriteError(
            f"Cannot open the lock file {lock_path}: {error.strerror or error}; check the "
            "directory's permissions"
        ) from None
    try:
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ConfigWriteError(
                        f"{file} is being edited by another process (it holds {lock_path}); "
                        "try again when it has finished"
                    ) from None
                time.sleep(0.01)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _backup_name(file: Path, n: int) -> Path:
    return file.with_name(f"{file.name}.bak" + (f".{n}" if n else ""))


def _rotate_backups(file: Path, current: bytes) -> Path:
    """Shift ``.bak`` -> ``.bak.1`` ... (dropping ``.bak.4``) and store ``current`` as ``.bak``."""
    for n in range(BACKUPS - 1, 0, -1):
        older = _backup_name(file, n - 1)
        if older.exists():
            os.replace(older, _backup_name(file, n))
    newest = _backup_name(file, 0)
    write_private(newest, current)
    return newest


def _remove_stale_temps(file: Path) -> None:
    """Delete the temp files a killed writer left beside ``file``.

    Temp files are only made under the lock, so with the lock held every one of them is stale.
    Only this file's own names (``.<name>.XXXXXXXX.tmp``, also for its backups) are touched.
    """
    own = re.compile(rf"\.{re.escape(file.name)}(?:\.bak(?:\.\d+)?)?\.[a-z0-9_]{{8}}\.tmp")
    try:
        names = os.listdir(file.parent)
    except OSError:
        return
    for name in names:
        if own.fullmatch(name):
            with contextlib.suppress(OSError):
                os.unlink(file.parent / name)


def write_private(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically: a 0600 temp file beside it, fsync, rename."""
    _commit(_staged(target, data), target)


def _staged(target: Path, data: bytes) -> Path:
    """``data`` in a 0600 temp file beside ``target``, synced to disk (removed on failure)."""
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o600)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return Path(temp)


def _commit(staged: Path, target: Path) -> None:
    """Rename a staged file over ``target`` and sync the directory (a rename is atomic)."""
    try:
        os.replace(staged, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(staged)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def dump_config(data: Mapping[str, Any]) -> str:
    """The bytes Clawdbot writes: JSON, 2-space indent, trailing newline, UTF-8 as is."""
    try:
        return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    except (TypeError, ValueError) as error:
        raise ConfigWriteError(f"The edited config cannot be written as JSON: {error}") from None


def _canonical(data: Any) -> str:
    # Type-aware equality: in Python 1 == 1.0 == True, in the file they differ.
    return json.dumps(data, ensure_ascii=False)


# --- the edit -----------------------------------------------------------------------------------


def edit_config(
    path: str | os.PathLike[str] | None,
    mutate: Callable[[dict[str, Any]], dict[str, Any]],
    *,
    environ: Mapping[str, str] | None = None,
    implicit: Mapping[str, ImplicitProvider] | None = None,
) -> EditResult:
    """Apply ``mutate`` to the raw document, validate the result, and write it if it changed.

    On any failure the file is left byte-for-byte as it was. ``mutate`` gets a deep copy.
    """
    env = os.environ if environ is None else environ
    located = config_path(path, env)
    if located.is_symlink() and not located.exists():
        raise dangling_symlink(located)  # as reading says; writing would create its target
    # Write through a symlink (dotfile managers), not over it; lock beside the real file.
    file = Path(os.path.realpath(located)) if located.is_symlink() else located
    check_parents(file)
    _make_dirs(file.parent)
    with _locked(file):
        _remove_stale_temps(file)
        text, before, existed = read_raw(file)
        after = mutate(copy.deepcopy(before))
        resolved = _validate(file, before, after, env, implicit)
        notes = _notes(file, before, resolved, env, implicit)
        changed = _canonical(before) != _canonical(after)
        if not changed:
            return EditResult(located, False, before, after, backup=None, notes=notes)
        dropped = existed and has_comments(text)
        try:
            # The new file is written (and synced) before the backups move: a write that fails
            # leaves the file and every backup as they were.
            staged = _staged(file, dump_config(after).encode("utf-8"))
            try:
                backup = _rotate_backups(file, file.read_bytes()) if existed else None
                _commit(staged, file)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(staged)
                raise
        except OSError as error:
            raise ConfigWriteError(
                f"Cannot write {file}: {error.strerror or error}; the file is unchanged. Check "
                "the permissions of its directory"
            ) from None
    if dropped:
        warnings.warn(
            f"{located} had JSON5 comments; they were dropped because the config is written "
            f"back as JSON (the previous version is in {backup})",
            ConfigWarning,
            stacklevel=2,
        )
    return EditResult(located, True, before, after, dropped, backup, notes)


# --- the convenience API ------------------------------------------------------------------------


def get_config_value(
    path_expr: str,
    *,
    config: str | os.PathLike[str] | None = None,
    raw: bool = False,
    environ: Mapping[str, str] | None = None,
    implicit: Mapping[str, ImplicitProvider] | None = None,
) -> Any:
    """The value at ``path_expr``: resolved (includes, env block, ``${VAR}``, model defaults) by
    default, or as written in the file with ``raw=True``."""
    segments = parse_path(path_expr)
    if raw:
        env = os.environ if environ is None else environ
        _, data, _ = read_raw(config_path(config, env))
        return get_at(data, segments)
    resolved = load_config(config, environ=environ, implicit=implicit)
    return _json_like(get_at(resolved.resolved_data(), segments))


def _json_like(value: Any) -> Any:
    """Plain JSON types (the validated models hold tuples where the file has arrays)."""
    if isinstance(value, dict):
        return {k: _json_like(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_like(v) for v in value]
    return value


def set_config_value(
    path_expr: str,
    value: Any,
    *,
    config: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    implicit: Mapping[str, ImplicitProvider] | None = None,
) -> EditResult:
    """Set one value in the raw file (validated; nothing else in the file changes).

    A ``models.providers.litellm.baseUrl`` ending in ``/v1`` is stored without it (the client
    appends ``/v1``; ``config.resolve.base_url_to_store``), and then ``EditResult.notes[0]``
    says so; a ``${VAR}`` value is stored as written. Where Clawdbot's ``setAtPath`` replaces a
    plain value in the way or pads an array with ``null``, the same happens here and
    ``EditResult.notes`` says so (or, when the result is refused, the error's problems do)."""
    segments = parse_path(path_expr)
    value, stored_note = base_url_to_store(segments, value)
    include: list[str] = []
    path_notes: list[str] = []

    def mutate(data: dict[str, Any]) -> dict[str, Any]:
        include.extend(_include_above(data, segments))
        path_notes.clear()
        updated: dict[str, Any] = set_at(data, segments, value, notes=path_notes)
        return updated

    try:
        result = edit_config(config, mutate, environ=environ, implicit=implicit)
    except ConfigValidationError as error:
        hints = [Problem(format_path(segments), note) for note in path_notes]
        if include:
            hints.append(
                Problem(
                    format_path(segments),
                    f"this path is not in the file itself but under an $include ({include[0]}); "
                    "what is set here is merged over the included file (arrays are appended "
                    "to), so edit the included file to change its values",
                )
            )
        if not hints:
            raise
        raise ConfigValidationError(error.source, [*error.problems, *hints]) from None
    first = [stored_note] if stored_note else []
    if first or path_notes:
        result = dataclasses.replace(result, notes=(*first, *path_notes, *result.notes))
    return result


def _include_above(data: dict[str, Any], segments: Sequence[Segment]) -> list[str]:
    """The ``$include`` of the deepest object on the path, if the path leaves the file there."""
    node: Any = data
    found: list[str] = []
    for segment in segments:
        if not isinstance(node, dict):
            return []
        if INCLUDE_KEY in node:
            found = [json.dumps(node[INCLUDE_KEY], ensure_ascii=False)]
        if str(segment) not in node:
            return found
        node = node[str(segment)]
    return []


def unset_config_value(
    path_expr: str,
    *,
    config: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    implicit: Mapping[str, ImplicitProvider] | None = None,
) -> EditResult:
    """Remove one value from the raw file (``ConfigPathNotFoundError`` if it is not there)."""
    segments = parse_path(path_expr)
    return edit_config(
        config, lambda data: unset_at(data, segments), environ=environ, implicit=implicit
    )
