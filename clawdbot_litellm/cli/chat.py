"""``clawdbot-litellm chat``: one prompt to a configured model, the answer streamed to stdout.

stdout carries only the answer (or, with ``--json``, one JSON object), so it pipes cleanly;
everything about the answer (warnings, reasoning, usage, cost, truncation) goes to stderr.
``openai`` is imported only once a request is sent, never for ``--help``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import click

from ..config.resolve import ConfigWarning, ResolvedConfig, load_config
from ..errors import ClawdbotLiteLLMError
from ..plugin_index import installed_implicit_providers
from ..request import REASONING_EFFORTS, ReasoningEffort, RequestWarning
from .output import echo_json, warnings_as_lines

if TYPE_CHECKING:
    from ..client import Client
    from ..results import ChatResult


def read_prompt(prompt: str | None) -> str:
    """The prompt argument, or stdin for ``-`` (or when stdin is piped and no prompt is given)."""
    if prompt == "-" or (prompt is None and not sys.stdin.isatty()):
        prompt = sys.stdin.read()
    if prompt is None:
        raise click.UsageError(
            "No prompt: pass it as an argument (clawdbot-litellm chat 'Hello'), or pipe it in "
            "(echo Hello | clawdbot-litellm chat -)"
        )
    if not prompt.strip():
        raise click.UsageError("The prompt is empty; pass some text as the argument or on stdin")
    return prompt


def result_json(result: ChatResult) -> dict[str, Any]:
    """The stable ``--json`` shape (documented on the command)."""
    usage = result.usage
    return {
        "ref": result.ref,
        "text": result.text,
        "reasoning": result.reasoning,
        "finish_reason": result.finish_reason,
        "usage": None
        if usage is None
        else {
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "cached_tokens": usage.cached_tokens,
            "total_tokens": usage.total_tokens,
        },
        "cost": result.cost,
    }


def usage_line(result: ChatResult, config: ResolvedConfig) -> str:
    """``litellm/gpt-4: 12 prompt + 30 completion tokens, cost $0.000420`` (stderr)."""
    if result.usage is None:
        return f"{result.ref}: the proxy reported no usage"
    usage = result.usage
    cached = f" ({usage.cached_tokens} cached)" if usage.cached_tokens else ""
    line = (
        f"{result.ref}: {usage.prompt_tokens} prompt{cached} + {usage.completion_tokens} "
        "completion tokens"
    )
    try:
        price = config.resolve(result.ref).model.cost
        priced = any((price.input, price.output, price.cache_read, price.cache_write))
    except ClawdbotLiteLLMError:
        priced = True
    if priced and result.cost is not None:
        return f"{line}, cost ${result.cost:.6f}"
    return f"{line}, cost unknown (no prices in the model's cost settings)"


def report(result: ChatResult, config: ResolvedConfig) -> None:
    """Usage, cost and a cut-off answer, on stderr."""
    click.echo(usage_line(result, config), err=True)
    if result.truncated:
        click.echo(
            f"Warning: the answer was cut off at the output limit (finish_reason: length); "
            f"raise --max-tokens or the model's maxTokens ({result.ref})",
            err=True,
        )


def send(
    client: Client,
    prompt: str,
    *,
    model: str | None = None,
    system: str | None = None,
    max_tokens: int | None = None,
    reasoning_effort: ReasoningEffort | None = None,
    images: Sequence[str] = (),
    stream: bool = True,
    echo: bool = True,
    show_reasoning: bool = False,
) -> ChatResult:
    """Send one prompt; with ``echo`` the answer goes to stdout as it arrives (flushed) and the
    reasoning, if shown, dimmed to stderr. ``demo`` calls this too."""
    options: dict[str, Any] = {
        "model": model,
        "system": system,
        "max_tokens": max_tokens,
        "reasoning_effort": reasoning_effort,
        "images": tuple(images),
    }
    if not stream:
        with warnings_as_lines(RequestWarning, ConfigWarning):
            result = client.chat(prompt, **options)
        if echo and show_reasoning and result.reasoning:
            click.echo(click.style(result.reasoning, dim=True), err=True)
        if echo:
            click.echo(result.text)
        return result
    with warnings_as_lines(RequestWarning, ConfigWarning):
        answer = client.stream(prompt, **options)
    ended_with_newline = True
    with answer:
        for event in answer:
            if not echo:
                continue
            if event.kind == "reasoning":
                if show_reasoning:
                    click.echo(click.style(event.text, dim=True), err=True, nl=False)
                continue
            click.echo(event.text, nl=False)  # click flushes after each write
            ended_with_newline = event.text.endswith("\n")
    if echo and not ended_with_newline:
        click.echo("")
    return answer.result


@click.command("chat")
@click.argument("prompt", required=False)
@click.option("-m", "--model", metavar="REF|ALIAS", help="Model (default: the primary model).")
@click.option("--system", metavar="TEXT", help="System prompt.")
@click.option("--max-tokens", type=click.IntRange(min=1), metavar="N", help="Output token limit.")
@click.option(
    "--reasoning-effort",
    type=click.Choice(REASONING_EFFORTS),
    help="Sent only to models with reasoning: true.",
)
@click.option(
    "--image",
    "images",
    multiple=True,
    metavar="FILE|URL",
    help='Attach an image (repeatable); the model\'s input must include "image".',
)
@click.option("--no-stream", is_flag=True, help="Wait for the whole answer instead of streaming.")
@click.option(
    "--show-reasoning", is_flag=True, help="Print the model's reasoning to stderr (dimmed)."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (shape below).")
@click.pass_context
def chat(  # noqa: PLR0917 - click passes every option positionally
    ctx: click.Context,
    prompt: str | None,
    model: str | None,
    system: str | None,
    max_tokens: int | None,
    reasoning_effort: str | None,
    images: tuple[str, ...],
    no_stream: bool,
    show_reasoning: bool,
    as_json: bool,
) -> None:
    """Send PROMPT (or stdin, with - or when piped) and stream the answer to stdout.

    Usage and cost go to stderr, with any warning (a model that is not a reasoning model, a
    max token limit lowered to the model's maxTokens, a truncated answer). Reasoning text is
    hidden unless --show-reasoning. Fallbacks (agents.defaults.model.fallbacks) are tried when
    the model fails before answering.

    \b
    JSON shape (--json), stable:
    {"ref": "litellm/gpt-4", "text": str, "reasoning": str,
     "finish_reason": "stop"|"length"|...|null,
     "usage": {"prompt_tokens", "completion_tokens", "cached_tokens", "total_tokens"} | null,
     "cost": float|null}
    """
    from ..client import Client

    text = read_prompt(prompt)
    with warnings_as_lines(ConfigWarning):
        config = load_config((ctx.obj or {}).get("config"), implicit=installed_implicit_providers())
    with Client(config) as client:
        result = send(
            client,
            text,
            model=model,
            system=system,
            max_tokens=max_tokens,
            reasoning_effort=cast("ReasoningEffort | None", reasoning_effort),
            images=images,
            stream=not no_stream,
            echo=not as_json,
            show_reasoning=show_reasoning,
        )
    if as_json:
        echo_json(result_json(result))
    report(result, config)
    sys.stdout.flush()
