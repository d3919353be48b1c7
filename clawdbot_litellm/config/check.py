"""Every problem of a config file at once: the report behind ``config validate`` and ``doctor``.

Loading stops at the first error; this keeps going, so a person fixes everything in one pass.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, ConfigValidationError, Problem
from .load import effective_environ, load_document, references
from .locate import config_path
from .resolve import ImplicitProvider, resolve_quietly


@dataclass(frozen=True)
class ConfigReport:
    """Every problem of a config file at once (``config validate``, ``doctor``)."""

    path: Path
    exists: bool
    problems: tuple[Problem, ...]
    warnings: tuple[str, ...]

    @property
    def valid(self) -> bool:
        return not self.problems


def find_problems(
    path: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    implicit: Mapping[str, ImplicitProvider] | None = None,
) -> ConfigReport:
    """Syntax and include errors, missing ``${VAR}``, schema problems and ``check()`` problems,
    all of them, instead of stopping at the first as loading does."""
    env = os.environ if environ is None else environ
    file = config_path(path, env)
    try:
        document = load_document(file)
    except ConfigError as error:
        return ConfigReport(file, file.exists(), (Problem(str(file), str(error)),), ())
    problems: list[Problem] = []
    filled, _ = effective_environ(document.merged, env)
    for name, where in references(document.merged):
        if not filled.get(name, ""):
            problems.append(
                Problem(
                    where or "<root>",
                    f'missing env var "{name}"; export it or set it in the env block '
                    f'(env: {{ {name}: "..." }})',
                )
            )
    notes: tuple[str, ...] = ()
    try:
        resolved = resolve_quietly(document, env, implicit)
    except ConfigValidationError as error:
        problems.extend(error.problems)
    except ConfigError as error:
        problems.append(Problem(str(file), str(error)))
    else:
        problems.extend(resolved.check())
        notes = resolved.warnings
    return ConfigReport(file, document.exists, tuple(problems), notes)


__all__ = ["ConfigReport", "find_problems"]
