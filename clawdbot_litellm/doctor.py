"""``doctor`` as a library: every check a person (or a host) needs to trust a LiteLLM setup.

Checks run in order, each building on the last: the file, its syntax, its ``${VAR}``
references, the schema, the base URL, then the proxy (reachable, key accepted, each configured
model served, context windows as the proxy reports them). A check that an earlier failure makes
meaningless is skipped (``ok is None``), not failed, so the first failure is the one to fix.
Nothing here ever puts a key into a result: keys appear only through ``mask_secret``.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from .config.load import Document, effective_environ, load_document, references
from .config.locate import config_path as locate_config
from .config.resolve import (
    DEFAULT_BASE_URL,
    ENV_API_KEY,
    ENV_BASE_URL,
    ConfigWarning,
    ImplicitProvider,
    ResolvedConfig,
    normalise_base_url,
    resolve_document,
)
from .config.schema import DEFAULT_PROVIDER, Provider
from .config.secrets import display_url, mask_secret
from .discovery import DiscoveredModel, apply_discovery, discover_models
from .errors import (
    AuthenticationError,
    ConfigError,
    ConfigValidationError,
    ProxyError,
    ProxyTimeoutError,
    ProxyUnreachableError,
)
from .proxy_status import (
    BUDGET_WARNING,
    DEEP_HEALTH_TIMEOUT,
    NO_DB,
    Health,
    KeyInfo,
    check_health,
    deep_health,
    key_status,
)

DOCTOR_TIMEOUT = 5.0
ONBOARD = "clawdbot-litellm onboard --auth-choice litellm-api-key"


@dataclass(frozen=True)
class Check:
    """One check's outcome: ``ok`` is True (passed), False (failed) or None (skipped).

    ``warn`` marks a pass worth a look, with a ``fix``: status ``"warn"`` (a key past 80% of
    its budget, or a setting that works only thanks to this package).
    """

    name: str
    ok: bool | None
    detail: str
    fix: str = ""
    warn: bool = False

    @property
    def status(self) -> str:
        if self.ok is None:
            return "skip"
        if self.ok:
            return "warn" if self.warn else "ok"
        return "fail"

    def as_dict(self) -> dict[str, Any]:
        """The stable JSON shape: ``name``, ``status``, ``ok``, ``detail``, ``fix``."""
        data = asdict(self)
        data.pop("warn")  # said by ``status``
        return {"name": data.pop("name"), "status": self.status, **data}


# Where an error message turns from what happened to what to do: "...; set X" or "... Start Y".
_FIX_START = re.compile(
    r"(?:;|\.) (?=(?:add|check|choose|edit|export|fix|pass|point|remove|run|set|start|use|"
    r"write)\b)",
    re.IGNORECASE,
)


def _failed(name: str, error: Exception, fallback_fix: str) -> Check:
    """A failed check from an error whose message carries its own fix: the fix is said once, in
    ``fix``, and the detail keeps what happened (``fallback_fix`` when the message has none)."""
    message = str(error).strip()
    found = _FIX_START.search(message)
    if found is None:
        return Check(name, False, message, fallback_fix)
    detail, fix = message[: found.start()], message[found.end() :].rstrip(".")
    return Check(name, False, detail, fix[:1].lower() + fix[1:])


def _down(check: Check) -> Check:
    """The reachability check, saying plainly that the proxy is down (not the key, not its DB)."""
    return replace(check, detail=f"the proxy is down: {check.detail}")


def _skip(name: str, why: str) -> Check:
    return Check(name, None, why)


def _where(explicit: str | os.PathLike[str] | None, env: Mapping[str, str]) -> str:
    if explicit is not None and str(explicit) != "":
        return "the path given"
    if env.get("CLAWDBOT_CONFIG_PATH", "").strip():
        return "from $CLAWDBOT_CONFIG_PATH"
    if env.get("CLAWDBOT_STATE_DIR", "").strip():
        return "from $CLAWDBOT_STATE_DIR"
    return "the default location"


def _file_check(path: Path, where: str, env: Mapping[str, str]) -> Check:
    if path.exists() or path.is_symlink():
        return Check("config file", True, f"{path} ({where})")
    if env.get(ENV_BASE_URL, "").strip() or env.get(ENV_API_KEY, "").strip():
        return Check(
            "config file",
            True,
            f"{path} ({where}) does not exist; using the LITELLM_* environment alone",
        )
    return Check(
        "config file",
        False,
        f"{path} ({where}) does not exist and no LITELLM_* variables are set",
        f"run `{ONBOARD}`, or point --config / CLAWDBOT_CONFIG_PATH at your config",
    )


def _env_check(document: Document, env: Mapping[str, str]) -> tuple[Check, list[tuple[str, str]]]:
    """Each ``${VAR}`` named with where it is set (never its value); the missing ones."""
    found = references(document.merged)
    effective, from_block = effective_environ(document.merged, env)
    missing = [(var, path) for var, path in found if not effective.get(var, "")]
    if missing:
        names = sorted({var for var, _ in missing})
        listed = ", ".join(f"{var} (at {path})" for var, path in missing)
        return (
            Check(
                "env references",
                False,
                f"unset or empty: {listed}",
                f"export {' and '.join(names)}, or set "
                f"{'them' if len(names) > 1 else 'it'} in the config's env block "
                f'(env: {{ {names[0]}: "..." }})',
            ),
            missing,
        )
    if not found:
        return Check("env references", True, "no ${VAR} references"), []
    origin = {var: "env block" if var in from_block else "environment" for var, _ in found}
    listed = ", ".join(f"{var} ({source})" for var, source in sorted(origin.items()))
    return Check("env references", True, f"all set: {listed}"), []


def _schema_check(
    document: Document,
    env: Mapping[str, str],
    keep_missing: bool,
    implicit: Mapping[str, ImplicitProvider] | None,
) -> tuple[Check, ResolvedConfig | None]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConfigWarning)  # reported as checks instead
            resolved = resolve_document(document, env, implicit, keep_missing_vars=keep_missing)
    except ConfigValidationError as error:
        listed = "; ".join(f"{p.path}: {p.message}" for p in error.problems)
        return (
            Check(
                "config schema",
                False,
                f"{len(error.problems)} problem(s) in {error.source}: {listed}",
                "fix each path named (`clawdbot-litellm config validate` lists them)",
            ),
            None,
        )
    except ConfigError as error:
        return _failed("config schema", error, "fix the config as the message says"), None
    problems = resolved.check()
    if problems:
        listed = "; ".join(f"{p.path}: {p.message}" for p in problems)
        return (
            Check(
                "config schema",
                False,
                f"valid, but {len(problems)} problem(s): {listed}",
                "fix each path named (`clawdbot-litellm config validate` lists them)",
            ),
            resolved,
        )
    litellm = resolved.providers.get(DEFAULT_PROVIDER)
    v1_warning = (
        normalise_base_url(DEFAULT_PROVIDER, _raw_base_url(resolved, litellm, env)[0])[1]
        if litellm is not None
        else None
    )
    notes = [note for note in resolved.warnings if note != v1_warning]  # the base URL check's
    detail = f"valid ({len(resolved.refs())} model(s) configured)"
    if notes:
        detail += "; note: " + "; ".join(notes)
    return Check("config schema", True, detail), resolved


def _raw_base_url(
    resolved: ResolvedConfig, provider: Provider, env: Mapping[str, str]
) -> tuple[str, str]:
    """The base URL as written (before normalising) and the setting that holds it."""
    declared = resolved.config.models.providers.get(provider.name)
    if declared is not None:
        return declared.base_url, f"models.providers.{provider.name}.baseUrl"
    effective, _ = effective_environ(resolved.document.merged, env)
    return effective.get(ENV_BASE_URL, "").strip() or DEFAULT_BASE_URL, ENV_BASE_URL


def _base_url_check(resolved: ResolvedConfig, provider: Provider, env: Mapping[str, str]) -> Check:
    raw, setting = _raw_base_url(resolved, provider, env)
    normalised, warning = normalise_base_url(provider.name, raw)
    source = provider.sources.get("baseUrl")
    if warning:
        fix = (
            f"clawdbot-litellm config set {setting} {display_url(normalised)}"
            if setting.startswith("models.")
            else f"export {setting}={display_url(normalised)}"
        )
        return Check(
            "base URL",
            True,
            f"{display_url(raw)} ends in /v1: this package uses {display_url(normalised)}, "
            "but Clawdbot appends /v1 itself and would call .../v1/v1",
            fix,
            warn=True,
        )
    return Check("base URL", True, f"{display_url(provider.base_url)} ({source or setting})")


def _proxy_checks(
    provider: Provider, timeout: float, health: Health
) -> tuple[list[Check], dict[str, DiscoveredModel] | None]:
    """Reachable and key accepted, from one discovery call; the served models when both pass."""
    where = display_url(provider.api_base)
    db_note = (
        f"; the proxy's database is {health.db}, so it cannot check keys" if health.db_down else ""
    )
    try:
        served = discover_models(
            provider.base_url, provider.api_key, timeout=timeout, headers=provider.headers
        )
    except (ProxyUnreachableError, ProxyTimeoutError) as error:
        return [
            _down(_failed("proxy reachable", error, "start the proxy, or fix the base URL")),
            _skip("API key", "the proxy is not reachable"),
        ], None
    except AuthenticationError as error:
        return [
            Check("proxy reachable", True, f"{where} answered"),
            Check("API key", False, f"{error}{db_note}", "bring the proxy's database back")
            if db_note
            else _failed(
                "API key",
                error,
                f"set {ENV_API_KEY} (or models.providers.{provider.name}.apiKey) to a key "
                "the proxy accepts",
            ),
        ], None
    except ProxyError as error:
        return [
            Check(
                "proxy reachable",
                False,
                f"{where} answered, but not as a LiteLLM proxy: {error}",
                "point the base URL at the LiteLLM proxy itself (without /v1)",
            ),
            _skip("API key", "the proxy did not answer as LiteLLM"),
        ], None
    key = provider.api_key
    source = provider.sources.get("apiKey")
    accepted = (
        f"accepted: {mask_secret(key)}, from {source}" if key else "none configured, none needed"
    )
    return [
        Check("proxy reachable", True, f"{where} answered ({len(served)} model(s) served)"),
        Check("API key", True, accepted),
    ], {model.id: model for model in served}


def _model_checks(
    provider: Provider, served: Mapping[str, DiscoveredModel], key: KeyInfo | None = None
) -> list[Check]:
    checks: list[Check] = []
    names = ", ".join(sorted(served)) or "none"
    for model in provider.models:
        ref = f"{provider.name}/{model.id}"
        found = served.get(model.id)
        if found is None:
            checks.append(
                Check(
                    f"model {ref}",
                    False,
                    f"configured but not served by the proxy (it serves: {names})",
                    "add it to the proxy's model_list, or fix the id in "
                    f"models.providers.{provider.name}.models",
                )
            )
            checks.append(_skip(f"context window {ref}", "the proxy does not serve the model"))
            continue
        if key is not None and not key.may_call(model.id):
            checks.append(
                Check(
                    f"model {ref}",
                    False,
                    "served by the proxy, but the key may not call it (it may call: "
                    f"{', '.join(key.models)})",
                    "add the model to the key's models on the proxy, or use another key",
                )
            )
        else:
            checks.append(Check(f"model {ref}", True, "served by the proxy"))
        checks.append(
            _window_check(ref, model.context_window, found, apply_discovery(model, found))
        )
    return checks


def _window_check(
    ref: str, configured: float, found: DiscoveredModel, changes: Mapping[str, Any]
) -> Check:
    name = f"context window {ref}"
    if found.context_window is None:
        return _skip(name, "the proxy does not report one")
    others = ", ".join(
        f"{key} -> {value}"
        for key, value in changes.items()
        if key not in ("contextWindow", "cost")  # prices are models sync's, not the window's
    )
    also = f" (the proxy also suggests {others})" if others else ""
    if "contextWindow" in changes:
        return Check(
            name,
            False,
            f"configured {configured}, the proxy says {found.context_window}{also}",
            f"run `clawdbot-litellm models sync` (or set contextWindow to {found.context_window})",
        )
    return Check(name, True, f"{configured} tokens, as the proxy says{also}")


def _health_check(health: Health) -> Check:
    """Up, ready, and the database: tells "database down" from "key rejected"."""
    if not health.live:
        return _skip("proxy health", "no /health/liveliness answer (not a LiteLLM proxy?)")
    if health.db_down:
        return Check(
            "proxy health",
            False,
            f"the proxy is up but its database is {health.db} (/health/readiness)",
            "bring the proxy's database back (check its DATABASE_URL and the database server)",
        )
    if health.ready is False:
        return Check(
            "proxy health",
            False,
            "the proxy is live but not ready (/health/readiness)",
            "wait for it to finish starting, or read its log",
        )
    db = "connected" if health.has_db else "none (no key budgets)"
    return Check("proxy health", True, f"live and ready; database: {db}")


def _key_checks(
    provider: Provider, health: Health, timeout: float
) -> tuple[list[Check], KeyInfo | None]:
    """Budget and expiry of the configured key, from ``/key/info``."""
    names = ("key budget", "key expiry")
    if not provider.api_key:
        return [_skip(name, "no API key configured") for name in names], None
    found = key_status(provider, health, timeout)
    if found.no_db:
        return [_skip(name, NO_DB) for name in names], None
    info = found.info
    if info is None:
        return [
            Check("key budget", False, found.error or "no answer", "read the proxy's log"),
            _skip("key expiry", "/key/info did not answer"),
        ], None
    return [_budget_check(info), _expiry_check(info)], info


def _budget_check(info: KeyInfo) -> Check:
    resets = f", resets {info.budget_reset_at:%Y-%m-%d %H:%M} UTC" if info.budget_reset_at else ""
    if info.blocked:
        return Check("key budget", False, "the key is blocked", "ask the proxy's admin")
    used = info.budget_used
    if used is None:
        return Check("key budget", True, f"spent ${info.spend:.4f}; no budget set")
    spent = f"spent ${info.spend:.4f} of ${info.max_budget:.2f} ({used:.0%}){resets}"
    if used >= 1:
        return Check(
            "key budget",
            False,
            f"over budget: {spent}",
            "raise the key's max_budget on the proxy, or wait for the reset",
        )
    if used >= BUDGET_WARNING:
        return Check("key budget", True, f"{spent}; {BUDGET_WARNING:.0%} or more used", warn=True)
    return Check("key budget", True, spent)


def _expiry_check(info: KeyInfo) -> Check:
    if info.expires is None:
        return Check("key expiry", True, "never expires")
    when = f"{info.expires:%Y-%m-%d %H:%M} UTC"
    if info.expired():
        return Check("key expiry", False, f"expired {when}", "ask the proxy's admin for a new key")
    return Check("key expiry", True, f"expires {when}")


def _deep_check(provider: Provider, timeout: float, served: Mapping[str, DiscoveredModel]) -> Check:
    """``/health``: fails when a configured model's upstream is unhealthy; other proxy models
    that are unhealthy only warn (they are the proxy admin's to fix, not this config's).

    ``served`` is the discovery this run already made: its deployment ids name ``/health``'s
    rows, so ``/model/info`` is not asked for twice.
    """
    name = "upstreams (/health)"
    names = {ident: model.id for model in served.values() for ident in model.deployment_ids}
    found = deep_health(provider, max(timeout, DEEP_HEALTH_TIMEOUT), names=names)
    if found.error:
        return Check(name, False, found.error, "read the proxy's log")
    total = len(found.healthy) + len(found.unhealthy)
    if not total:
        return _skip(name, "the proxy checked no models")
    if not found.unhealthy:
        return Check(name, True, f"all {total} healthy")
    listed = ", ".join(
        f"{model} ({status})" if status is not None else model for model, status in found.unhealthy
    )
    detail = f"{len(found.unhealthy)} of {total} unhealthy: {listed}"
    configured = {model.id for model in provider.models}
    ours = sorted({model for model, _ in found.unhealthy if model in configured})
    fix = "fix the upstream credentials or endpoints in the proxy's config (its log says why)"
    if ours:
        refs = ", ".join(f"{provider.name}/{model}" for model in ours)
        return Check(name, False, f"{detail}; configured here: {refs}", fix)
    return Check(name, True, f"{detail}; none of them is configured here", fix, warn=True)


def run_checks(
    config_path: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    timeout: float = DOCTOR_TIMEOUT,
    deep: bool = False,
    implicit: Mapping[str, ImplicitProvider] | None = None,
) -> list[Check]:
    """Run every check against the config (explicit path or the usual locations) and its proxy.

    Never raises for a broken setup: each problem is a failed ``Check`` with its fix.
    ``implicit`` is what ``load_config(implicit=)`` takes (the CLI passes the installed plugins'
    providers), so a ref to a plugin's provider is judged here as when the config is used.
    ``deep`` adds the proxy's ``/health``, which calls every upstream (and costs requests); it
    waits at least ``DEEP_HEALTH_TIMEOUT`` seconds for it, ``timeout`` if that is longer.
    """
    env = os.environ if environ is None else environ
    path = locate_config(config_path, env)
    checks = [_file_check(path, _where(config_path, env), env)]
    proxy_steps = ("base URL", "proxy reachable", "API key")

    try:
        document = load_document(path)
    except ConfigError as error:
        checks.append(
            _failed(
                "config syntax", error, "edit the file, then run `clawdbot-litellm config validate`"
            )
        )
        why = "the config cannot be read"
        return (
            checks
            + [_skip(name, why) for name in ("env references", "config schema")]
            + [_skip(name, why) for name in proxy_steps]
        )
    if document.exists:
        checks.append(Check("config syntax", True, "parses as JSON5 (includes expanded)"))
    else:
        checks.append(_skip("config syntax", "there is no file"))

    env_check, missing = _env_check(document, env)
    checks.append(env_check)
    schema_check, resolved = _schema_check(document, env, bool(missing), implicit)
    checks.append(schema_check)
    if resolved is None:
        return checks + [_skip(name, "the config does not validate") for name in proxy_steps]
    provider = resolved.providers.get(DEFAULT_PROVIDER)
    if provider is None:
        why = f'no {DEFAULT_PROVIDER} provider (models.mode is "replace" without one)'
        return checks + [_skip(name, why) for name in proxy_steps]

    prefix = f"models.providers.{provider.name}."
    unset_url = sorted({var for var, where in missing if where == f"{prefix}baseUrl"})
    if unset_url:
        checks.append(_skip("base URL", f"{', '.join(unset_url)} must be set first"))
    else:
        checks.append(_base_url_check(resolved, provider, env))
    unset = sorted({var for var, where in missing if where.startswith(prefix)})
    if unset:
        why = f"{', '.join(unset)} must be set first"
        return checks + [_skip(name, why) for name in proxy_steps[1:]]
    health = check_health(provider, timeout)
    proxy_checks, served = _proxy_checks(provider, timeout, health)
    checks.extend(proxy_checks)
    if served is None:
        return checks + ([_health_check(health)] if health.db_down else [])
    checks.append(_health_check(health))
    key_checks, key = _key_checks(provider, health, timeout)
    checks.extend(key_checks)
    checks.extend(_model_checks(provider, served, key))
    if deep:
        checks.append(_deep_check(provider, timeout, served))
    return checks


def failed(checks: Sequence[Check]) -> list[Check]:
    """The checks that failed (skipped ones are not failures)."""
    return [check for check in checks if check.ok is False]


__all__ = ["DOCTOR_TIMEOUT", "Check", "failed", "run_checks"]
