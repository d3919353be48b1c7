"""``clawdbot-litellm onboard``: the wizard of the seed page, interactive or from flags alone.

This module only collects answers and reports; the file is written by
:func:`clawdbot_litellm.onboarding.onboard`, which a host can call without the CLI.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import click

from ..config.load import Document, env_block, load_document
from ..config.locate import config_path
from ..config.resolve import (
    DEFAULT_BASE_URL,
    DEFAULT_MODEL,
    ENV_API_KEY,
    ENV_BASE_URL,
    ENV_MODEL,
    ConfigWarning,
    base_url_to_store,
)
from ..config.schema import DEFAULT_PROVIDER, MIN_CONTEXT_WINDOW
from ..config.secrets import display_url, mask_secret
from ..discovery import DiscoveredModel, discover_models
from ..errors import ClawdbotLiteLLMError, ConfigError
from ..onboarding import (
    API_KEY_REFERENCE,
    DEFAULT_CONTEXT_WINDOW,
    DEFAULT_MAX_TOKENS,
    OnboardingAnswers,
    check_base_url,
    default_model,
    onboard as write_onboarding,
    plan,
    too_small_error,
)
from ..plugin_index import installed_implicit_providers
from ..sync import configured_ids
from .output import (
    STDIN,
    echo_warnings,
    fail,
    read_stdin_value,
    stdin_is_terminal,
    warnings_as_lines,
)
from .spinner import spinner

AUTH_CHOICE = "litellm-api-key"


@dataclass(frozen=True)
class KeyChoice:
    """The key to write (``typed``; ``None`` keeps ``${LITELLM_API_KEY}`` external) and the key
    to use for discovery right now."""

    typed: str | None
    usable: str


def _existing_key(environ: Mapping[str, str], document: Document) -> tuple[str, str] | None:
    """``(key, where)`` for a key the user already has: this shell first, then the env block."""
    if environ.get(ENV_API_KEY, "").strip():
        return environ[ENV_API_KEY].strip(), "your environment"
    stored = env_block(document.merged).get(ENV_API_KEY, "").strip()
    if stored and "${" not in stored:
        return stored, f"the env block of {document.path}"
    return None


def _ask_hidden_key() -> str:
    while True:
        key = str(click.prompt("LiteLLM API key", hide_input=True, default="", show_default=False))
        if key.strip():
            return key.strip()
        click.echo("The API key cannot be blank; paste the key of your LiteLLM proxy.", err=True)


def choose_key(
    flag: str | None, environ: Mapping[str, str], document: Document, interactive: bool
) -> KeyChoice:
    if flag is not None:
        if not flag.strip():
            fail("--litellm-api-key is blank; pass the key of your LiteLLM proxy")
        return KeyChoice(flag.strip(), flag.strip())
    existing = _existing_key(environ, document)
    if existing is not None:
        key, where = existing
        if not interactive or click.confirm(
            f"Use the {ENV_API_KEY} from {where} ({mask_secret(key)})?", default=True
        ):
            return KeyChoice(None, key)
    elif not interactive:
        fail(
            f"No LiteLLM API key: pass --litellm-api-key KEY or export {ENV_API_KEY} "
            "(the key of your LiteLLM proxy)"
        )
    key = _ask_hidden_key()
    return KeyChoice(key, key)


def _url_value(text: str) -> str:
    try:
        return check_base_url(text)
    except ConfigError as error:
        raise click.BadParameter(str(error)) from None


def choose_base_url(flag: str | None, environ: Mapping[str, str], interactive: bool) -> str:
    """The URL as the config stores it; a dropped ``/v1`` is said once."""
    if flag is not None:
        given = flag
    else:
        given = environ.get(ENV_BASE_URL, "").strip() or DEFAULT_BASE_URL
        if interactive:
            given = str(click.prompt("LiteLLM base URL", default=given, value_proc=_checked))
    url = check_base_url(given)
    _, note = base_url_to_store(["models", "providers", DEFAULT_PROVIDER, "baseUrl"], given)
    if note:
        click.echo(f"Note: {note}", err=True)
    return url


def _checked(text: str) -> str:
    """The prompt's answer as typed (so a dropped ``/v1`` can be reported), once it is valid."""
    _url_value(text)
    return text.strip()


def discover(base_url: str, api_key: str) -> list[DiscoveredModel]:
    """The proxy's models, or ``[]`` after one line saying why (discovery is a convenience)."""
    try:
        with spinner(f"Asking {display_url(base_url)} for its models"):
            models = discover_models(base_url, api_key)
    except ClawdbotLiteLLMError as error:
        click.echo(
            f"Could not list the proxy's models ({error}); continuing without discovery.",
            err=True,
        )
        return []
    click.echo(f"The proxy serves {len(models)} model(s).", err=True)
    return list(models)


def _describe(model: DiscoveredModel) -> str:
    parts = []
    if model.too_small:
        parts.append(model.too_small_note)
    elif model.context_window:
        parts.append(f"context {model.context_window}")
    if model.max_tokens:
        parts.append(f"max output {model.max_tokens}")
    if model.reasoning:
        parts.append("reasoning")
    if model.vision:
        parts.append("images")
    return ", ".join(parts)


def choose_model(
    flag: str | None,
    environ: Mapping[str, str],
    discovered: Sequence[DiscoveredModel],
    interactive: bool,
    window_flag: int | None = None,
) -> str:
    """The model id; a served model the proxy reports as too small is refused with the way on,
    unless ``--context-window`` overrides the proxy's figure."""
    served = [m.id for m in discovered]
    by_id = {m.id: m for m in discovered}

    def usable(name: str) -> str:
        found = by_id.get(name)
        if window_flag is None and found is not None and found.too_small:
            raise click.BadParameter(too_small_error(found, discovered))
        return name

    if flag is not None:
        if not flag.strip():
            fail("--litellm-model is blank; name a model your LiteLLM proxy serves")
        try:
            return usable(flag.strip())
        except click.BadParameter as error:
            fail(error.message)
    default = default_model(discovered, environ)
    if not interactive:
        if default is None:
            fail(
                "The proxy serves no model with a context window Clawdbot accepts (at least "
                f"{MIN_CONTEXT_WINDOW} tokens); pass --litellm-model ID --context-window N if "
                "its figures are wrong"
            )
        return str(default)
    if not served:
        return str(
            click.prompt("Model name (as configured in your LiteLLM proxy)", default=default)
        )
    width = max(len(name) for name in served)
    click.echo("Models served by the proxy:")
    for number, model in enumerate(discovered, start=1):
        click.echo(f"  {number:>2}) {model.id:<{width}}  {_describe(model)}".rstrip())

    def pick(text: str) -> str:
        text = text.strip()
        if text.isdigit():
            if not 1 <= int(text) <= len(served):
                raise click.BadParameter(f"choose a number from 1 to {len(served)}, or type a name")
            return usable(served[int(text) - 1])
        if not text:
            raise click.BadParameter("the model name cannot be blank")
        return usable(text)

    return str(click.prompt("Model (number or name)", default=default, value_proc=pick))


def choose_limit(
    label: str,
    *,
    flag: int | None,
    found: int | None,
    default: int,
    interactive: bool,
    minimum: int = 1,
) -> int:
    if flag is not None:
        return flag
    if found:
        click.echo(f"{label}: {found} (from the proxy)")
        return found
    if not interactive:
        return default
    return int(click.prompt(label, default=default, type=click.IntRange(min=minimum)))


def summary(before: Mapping[str, Any], answers: OnboardingAnswers, key: KeyChoice) -> list[str]:
    """What onboarding changed, one line each, with the key masked."""
    after = plan(before, answers)
    provider = "models.providers.litellm"
    lines = [
        f"{provider}.baseUrl = {display_url(answers.base_url)}",
        f"{provider}.apiKey = {API_KEY_REFERENCE}",
        f'{provider}.api = "openai-completions"',
    ]
    if answers.model in configured_ids(before, DEFAULT_PROVIDER):
        lines.append(f"{provider}.models: {answers.model} already defined, kept as written")
    else:
        entry = answers.definition()
        lines.append(
            f"{provider}.models += {answers.model} (contextWindow {entry['contextWindow']}, "
            f"maxTokens {entry['maxTokens']}, reasoning {str(entry['reasoning']).lower()}, "
            f"input {'+'.join(entry['input'])}, compat.supportsStore false)"
        )
    defaults = after["agents"]["defaults"]
    alias = defaults["models"][answers.ref].get("alias")
    if alias:
        lines.append(f'agents.defaults.models["{answers.ref}"].alias = {alias}')
    lines.append(f"agents.defaults.model.primary = {answers.ref}")
    fallbacks = defaults["model"].get("fallbacks")
    if fallbacks:
        lines.append(f"agents.defaults.model.fallbacks kept: {', '.join(map(str, fallbacks))}")
    if key.typed is not None:
        where = "env.vars" if ENV_API_KEY in (after["env"].get("vars") or {}) else "env"
        lines.append(f"{where}.{ENV_API_KEY} = {mask_secret(key.typed)}")
    else:
        lines.append(f"API key: not written (read from {ENV_API_KEY} when the config is used)")
    return lines


@click.command("onboard")
@click.option(
    "--auth-choice",
    default=AUTH_CHOICE,
    show_default=True,
    metavar="CHOICE",
    help=f"How to authenticate; only {AUTH_CHOICE} (a LiteLLM proxy key) is supported.",
)
@click.option("--non-interactive", is_flag=True, help="Ask nothing; take answers from flags/env.")
@click.option(
    "--litellm-api-key",
    "api_key",
    metavar="KEY",
    help=f"Proxy key, written to the config's env block (default: ${ENV_API_KEY}, not written); "
    "- reads it from stdin, so it stays out of ps and shell history.",
)
@click.option(
    "--litellm-base-url",
    "base_url",
    metavar="URL",
    help=f"Proxy URL without /v1 (default: ${ENV_BASE_URL} or {DEFAULT_BASE_URL}).",
)
@click.option(
    "--litellm-model",
    "model",
    metavar="ID",
    help=f"Model name on the proxy (default: ${ENV_MODEL} or {DEFAULT_MODEL} when its context "
    "window is large enough for Clawdbot, else the first served model that is).",
)
@click.option(
    "--context-window",
    type=click.IntRange(min=MIN_CONTEXT_WINDOW),
    metavar="TOKENS",
    help=f"Context window in tokens, at least {MIN_CONTEXT_WINDOW} (default: from the proxy, "
    f"else {DEFAULT_CONTEXT_WINDOW}); overrides a figure the proxy reports wrongly.",
)
@click.option(
    "--max-tokens",
    type=click.IntRange(min=1),
    metavar="TOKENS",
    help=f"Output limit in tokens (default: from the proxy, else {DEFAULT_MAX_TOKENS}).",
)
@click.pass_context
def onboard(  # noqa: PLR0917 - click passes every option positionally
    ctx: click.Context,
    auth_choice: str,
    non_interactive: bool,
    api_key: str | None,
    base_url: str | None,
    model: str | None,
    context_window: int | None,
    max_tokens: int | None,
) -> None:
    """Add your LiteLLM proxy to the config as the `litellm` provider and make it the default.

    Writes the provider, the model, its alias and the primary model ref; the key is referenced as
    ${LITELLM_API_KEY}. A key you type goes into the config's env block (file mode 0600); a key
    from your environment is not written at all. Running it again changes nothing new.

    Without a terminal, run it with --non-interactive; pass the key on stdin with
    --litellm-api-key - (e.g. --litellm-api-key - < key.txt).
    """
    if auth_choice.strip().lower() != AUTH_CHOICE:
        raise click.BadParameter(
            f"{auth_choice!r} is not supported: clawdbot-litellm onboards a LiteLLM proxy only; "
            f"use --auth-choice {AUTH_CHOICE}",
            param_hint="--auth-choice",
        )
    interactive = not non_interactive
    explicit = (ctx.obj or {}).get("config")
    environ = os.environ
    path = config_path(explicit, environ)
    document = load_document(path)  # a broken config fails here, before any question
    if interactive and not stdin_is_terminal():
        fail(
            "onboard cannot prompt: standard input is not a terminal. Run it non-interactively: "
            "clawdbot-litellm onboard --non-interactive [--litellm-api-key - < key.txt] "
            f"[--litellm-base-url URL] [--litellm-model ID] (the key from ${ENV_API_KEY} "
            "when no --litellm-api-key is given)"
        )
    if api_key == STDIN:
        api_key = read_stdin_value("LiteLLM API key")

    if interactive:
        click.echo(
            "LiteLLM is an OpenAI-compatible proxy (self-hosted) in front of 100+ model APIs.\n"
            f"Config file: {path}"
        )
    key = choose_key(api_key, environ, document, interactive)
    url = choose_base_url(base_url, environ, interactive)
    discovered = discover(url, key.usable)
    model_id = choose_model(model, environ, discovered, interactive, context_window)
    found = next((m for m in discovered if m.id == model_id), None)
    if discovered and found is None:
        click.echo(
            f"Note: the proxy does not list {model_id!r}; writing it anyway "
            "(check the name with `clawdbot-litellm models list --remote`).",
            err=True,
        )
    window = choose_limit(
        "Context window",
        flag=context_window,
        found=found.context_window if found else None,
        default=DEFAULT_CONTEXT_WINDOW,
        interactive=interactive,
        minimum=MIN_CONTEXT_WINDOW,
    )
    limit = choose_limit(
        "Max output tokens",
        flag=max_tokens,
        found=found.max_tokens if found else None,
        default=DEFAULT_MAX_TOKENS,
        interactive=interactive,
    )
    answers = OnboardingAnswers(
        base_url=url,
        model=model_id,
        context_window=window,
        max_tokens=limit,
        reasoning=bool(found and found.reasoning),
        image=bool(found and found.vision),
        api_key=key.typed,
    )
    with warnings_as_lines(ConfigWarning):
        result = write_onboarding(
            answers, config=path, environ=environ, implicit=installed_implicit_providers()
        )

    if result.changed:
        click.echo(f"Wrote {result.path} (mode 0600):")
    else:
        click.echo(f"{result.path} already had these settings; nothing changed:")
    for line in summary(result.before, answers, key):
        click.echo(f"  {line}")
    echo_warnings(result.notes)
    if key.typed is not None and environ.get(ENV_API_KEY, "").strip() not in ("", key.typed):
        click.echo(
            f"Note: {ENV_API_KEY} is also set in this shell and takes precedence over the key "
            "in the config's env block.",
            err=True,
        )
    prefix = "clawdbot-litellm" + (f" --config {shlex.quote(explicit)}" if explicit else "")
    click.echo("Next steps:")
    if key.typed is None:
        click.echo(f"  keep {ENV_API_KEY} exported wherever you run it")
    click.echo(f"  {prefix} models list")
    click.echo(f'  {prefix} chat "hello"')
