"""``clawdbot-litellm demo``: the whole job, offline, with no proxy or config of your own.

It starts a real LiteLLM proxy (the ``proxy`` extra) with mock models on 127.0.0.1, onboards a
throwaway config through the onboarding library, and then runs the same code the other commands
run: ``models list --remote``, a streamed ``chat``, ``doctor``. Everything lives in a temporary
directory and the proxy is stopped by its PID however the demo ends. The user's own config and
``CLAWDBOT_*`` / ``LITELLM_*`` variables are set aside for the duration, so nothing reads or
writes them.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ..config.edit import dump_config
from ..config.load import load_document
from ..config.resolve import ConfigWarning, load_config
from ..config.schema import DEFAULT_PROVIDER
from ..config.secrets import display_url, mask_secret, mask_secrets
from ..demo import DEMO_PROXY_CONFIG, MASTER_KEY_ENV, demo_proxy_config
from ..demo.launcher import LocalProxy, require_litellm
from ..discovery import DiscoveredModel, discover_models
from ..doctor import run_checks
from ..onboarding import OnboardingAnswers, onboard
from .chat import report, send
from .doctor import print_checks
from .models import list_models, sync_models
from .output import warnings_as_lines
from .spinner import spinner

DEMO_MODEL = "gpt-4"
SWITCH_TO_MODEL = "claude-3-opus"  # another of the demo proxy's mock models
DEMO_PROMPT = "Hello! What just happened?"
ISOLATED_PREFIXES = ("CLAWDBOT_", "LITELLM_")
LOOPBACK = "127.0.0.1"


def step(number: int, title: str) -> None:
    click.echo("")
    click.echo(click.style(f"==> {number}/5 {title}", bold=True))


@contextmanager
def isolated_environ() -> Iterator[None]:
    """``os.environ`` without our variables, loopback never sent through an HTTP proxy; restored
    afterwards. The reused commands read ``os.environ``, so this is what keeps the user's
    ``LITELLM_API_KEY`` or ``CLAWDBOT_CONFIG_PATH`` out of the demo."""
    saved = dict(os.environ)
    try:
        for name in list(os.environ):
            if name.startswith(ISOLATED_PREFIXES):
                del os.environ[name]
        for name in ("NO_PROXY", "no_proxy"):
            current = os.environ.get(name, "")
            os.environ[name] = f"{current},{LOOPBACK}" if current else LOOPBACK
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _invoke(command: click.Command, config: Path, **params: Any) -> None:
    """Run another command's own code against the demo config (no subprocess)."""
    with click.Context(command, info_name=command.name, obj={"config": str(config)}) as ctx:
        ctx.invoke(command, **params)


def _discover(proxy: LocalProxy) -> list[DiscoveredModel]:
    with spinner(f"Asking {display_url(proxy.base_url)} for its models"):
        return discover_models(proxy.base_url, proxy.api_key)


def _onboard(proxy: LocalProxy, key: str, config: Path, served: list[DiscoveredModel]) -> None:
    found = next((m for m in served if m.id == DEMO_MODEL), None)
    answers = OnboardingAnswers(
        base_url=proxy.base_url,
        model=DEMO_MODEL,
        context_window=(found.context_window if found else None) or 128_000,
        max_tokens=(found.max_tokens if found else None) or 8192,
        reasoning=bool(found and found.reasoning),
        image=bool(found and found.vision),
        api_key=key,
    )
    with warnings_as_lines(ConfigWarning):
        onboard(answers, config=config)
    click.echo(
        "Same as: clawdbot-litellm --config CONFIG onboard --auth-choice litellm-api-key "
        f"--non-interactive --litellm-base-url {display_url(proxy.base_url)} "
        f"--litellm-model {DEMO_MODEL} "
        f"--litellm-api-key {mask_secret(key)}"
    )
    click.echo(f"Wrote {config} (the key is masked here):")
    click.echo(dump_config(mask_secrets(load_document(config).raw)).rstrip())


def _chat(config: Path, prompt: str) -> None:
    from ..client import Client

    click.echo(f"$ clawdbot-litellm chat {prompt!r}")
    with warnings_as_lines(ConfigWarning):
        resolved = load_config(config)
    with Client(resolved) as client:
        result = send(client, prompt)
    report(result, resolved)


def _keep_chatting(config: Path) -> None:
    from .session import run_session

    click.echo("")
    click.echo(click.style("==> Keep chatting with the demo proxy's mock models", bold=True))
    # Only the demo model is configured so far; the session can switch to configured models only.
    click.echo("$ clawdbot-litellm models sync --add-all")
    _invoke(sync_models, config, add_all=True, dry_run=False, provider_name=DEFAULT_PROVIDER)
    click.echo(
        f"Try /model litellm/{SWITCH_TO_MODEL}, /usage or /help; Ctrl-D (or /exit) stops the proxy."
    )
    with warnings_as_lines(ConfigWarning):
        resolved = load_config(config)
    run_session(resolved)


def run_demo(executable: Path, workdir: Path, prompt: str, keep: bool = False) -> bool:
    """The five steps; True when ``doctor`` found nothing wrong. With ``keep``, an interactive
    chat against the same proxy follows, and the proxy stops when it ends."""
    key = f"sk-demo-{secrets.token_hex(16)}"
    proxy_config = workdir / DEMO_PROXY_CONFIG
    proxy_config.write_text(demo_proxy_config(), encoding="utf-8")
    config = workdir / "clawdbot.json"
    proxy = LocalProxy(executable, proxy_config, api_key=key, env={MASTER_KEY_ENV: key})

    step(1, "Start a real LiteLLM proxy with mock models (no upstream, no internet)")
    with spinner(f"Starting {executable} on {LOOPBACK} (about 10 s)"):
        proxy.start()
    try:
        click.echo(
            f"Proxy ready at {display_url(proxy.base_url)} (pid {proxy.pid}), "
            f"key {mask_secret(key)}"
        )

        step(2, "Onboard a temporary config, as `onboard --auth-choice litellm-api-key` does")
        served = _discover(proxy)
        click.echo(f"The proxy serves: {', '.join(m.id for m in served)}")
        _onboard(proxy, key, config, served)

        step(3, "List the models: configured, and what the proxy serves")
        click.echo("$ clawdbot-litellm models list --remote")
        _invoke(list_models, config, as_json=False, remote=True)

        step(4, "Chat through the litellm provider, streamed")
        _chat(config, prompt)

        step(5, "Check the whole setup")
        click.echo("$ clawdbot-litellm doctor")
        healthy = print_checks(run_checks(config))
        if keep:
            _keep_chatting(config)
    finally:
        pid = proxy.pid if proxy.running else None
        proxy.stop()
        if pid is not None:
            click.echo("")
            click.echo(f"Stopped the proxy (pid {pid}); the temporary config goes with it.")
    return healthy


@click.command("demo")
@click.option(
    "--prompt", default=DEMO_PROMPT, show_default=True, help="What to ask the mock model."
)
@click.option(
    "--keep",
    is_flag=True,
    help="Afterwards, chat with the proxy's mock models interactively; the proxy stops when "
    "the session ends.",
)
def demo(prompt: str, keep: bool) -> None:
    """See the whole job work offline: a real LiteLLM proxy with mock models, a temporary
    config, models list, a streamed chat and doctor. Your own config is never read or written.

    Needs the LiteLLM proxy: pip install 'clawdbot-litellm[proxy]' (or set
    CLAWDBOT_LITELLM_PROXY to a litellm executable). Exits 1 if doctor finds a problem.
    With --keep, an interactive chat (the same as `chat` with no prompt) follows against the
    demo proxy and its temporary config (first `models sync --add-all` configures all its mock
    models, for /model), and the proxy is stopped when you leave it.
    """
    executable = require_litellm()  # before the environment is set aside: it may name the proxy
    with isolated_environ(), tempfile.TemporaryDirectory(prefix="clawdbot-litellm-demo-") as tmp:
        healthy = run_demo(executable, Path(tmp), prompt, keep)
    click.echo("")
    click.echo(
        "Next: point your own config at your proxy with "
        "`clawdbot-litellm onboard --auth-choice litellm-api-key`, then `clawdbot-litellm doctor`."
    )
    if not healthy:
        sys.exit(1)
