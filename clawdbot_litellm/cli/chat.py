"""``clawdbot-litellm chat``: one prompt to a configured model, the answer streamed to stdout.

stdout carries only the answer (or, with ``--json``, one JSON object), so it pipes cleanly;
everything about the answer (warnings, reasoning, usage, cost, truncation) goes to stderr.
``openai`` is imported only once a request is sent, never for ``--help``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from ..config.resolve import ConfigWarning, ResolvedConfig, load_config
from ..errors import UnsupportedInputError
from ..plugin_index import installed_implicit_providers
from ..request import (
    SAMPLING_OPTIONS,
    THINKING_LEVELS,
    ReasoningEffort,
    RequestWarning,
    sampling_options as checked_options,
)
from .output import echo_json, warnings_as_lines

if TYPE_CHECKING:
    from ..client import ChatStream, Client
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
        "tool_calls": [
            {"id": call.id, "name": call.name, "arguments": call.arguments}
            for call in result.tool_calls
        ],
        "parsed": _plain(result.parsed),
        "cost_source": result.cost_source,
        "proxy": None if result.proxy is None else result.proxy.as_dict(),
    }


def _plain(parsed: Any) -> Any:
    """``parsed`` as JSON data (a pydantic instance becomes its dict)."""
    dump = getattr(parsed, "model_dump", None)
    return dump(mode="json") if callable(dump) else parsed


def read_json_option(value: str, option: str) -> Any:
    """``--schema``/``--tools``: inline JSON (starting with ``{`` or ``[``) or a file's path."""
    text = value
    if not value.lstrip().startswith(("{", "[")):
        try:
            text = Path(value).expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise UnsupportedInputError(
                f"{option} {value}: cannot read it ({getattr(error, 'strerror', None) or error}); "
                "pass a JSON file or inline JSON"
            ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise UnsupportedInputError(
            f"{option} {value}: not JSON ({error.msg} at line {error.lineno} column "
            f"{error.colno}); fix the JSON"
        ) from None


def tool_line(call: Any) -> str:
    """``tool call: name({...})`` (stderr)."""
    return f"tool call: {call.name}({call.arguments})"


def usage_line(result: ChatResult, config: ResolvedConfig) -> str:
    """``litellm/gpt-4: 12 prompt + 30 completion tokens, cost $0.000420 (proxy)`` (stderr).

    The cost names its source: ``(config)`` for the model's configured prices, ``(proxy)`` for
    what the LiteLLM proxy charged. ``config`` is kept for callers; the result says it all.
    """
    if result.usage is None:
        return f"{result.ref}: the proxy reported no usage"
    usage = result.usage
    cached = f" ({usage.cached_tokens} cached)" if usage.cached_tokens else ""
    line = (
        f"{result.ref}: {usage.prompt_tokens} prompt{cached} + {usage.completion_tokens} "
        "completion tokens"
    )
    if result.cost is not None:
        return f"{line}, cost ${result.cost:.6f} ({result.cost_source})"
    return f"{line}, cost unknown (no prices in the model's cost settings, none from the proxy)"


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
    extra: dict[str, Any] | None = None,
    stream: bool = True,
    echo: bool = True,
    show_reasoning: bool = False,
    tools: Sequence[Mapping[str, Any]] = (),
    response_format: Mapping[str, Any] | None = None,
    user: str | None = None,
    tags: Sequence[str] = (),
) -> ChatResult:
    """Send one prompt; with ``echo`` the answer goes to stdout as it arrives (flushed) and the
    reasoning, if shown, dimmed to stderr; tool calls are ``tool call:`` lines on stderr. With a
    ``response_format`` the validated object is printed instead of the text, once it is
    complete. ``demo`` calls this too."""
    options: dict[str, Any] = {
        "model": model,
        "system": system,
        "max_tokens": max_tokens,
        "reasoning_effort": reasoning_effort,
        "images": tuple(images),
        "tools": tools,
        "response_format": response_format,
        "extra": extra,
        "user": user,
        "tags": tuple(tags),
    }
    structured = response_format is not None
    if not stream:
        # ConfigWarning: a primary model or fallback that is skipped (cannot be sent to, or
        # resolves to nothing) is said as a Warning: line.
        with warnings_as_lines(RequestWarning, ConfigWarning):
            result = client.chat(prompt, **options)
        if echo and show_reasoning and result.reasoning:
            click.echo(click.style(result.reasoning, dim=True), err=True)
        for call in result.tool_calls:
            click.echo(tool_line(call), err=True)
        if echo:
            click.echo(_structured(result) if structured else result.text)
        return result
    with warnings_as_lines(RequestWarning, ConfigWarning):
        answer = client.stream(prompt, **options)
    with answer:
        echo_answer(answer, echo=echo and not structured, show_reasoning=show_reasoning)
    if echo and structured:
        click.echo(_structured(answer.result))
    return answer.result


def echo_answer(answer: ChatStream, *, echo: bool = True, show_reasoning: bool = False) -> None:
    """Read a stream to its end, the text to stdout as it arrives and tool calls as ``tool call:``
    lines on stderr (the interactive session shares this); Ctrl-C passes through with the answer
    so far kept by the stream."""
    ended_with_newline = True
    try:
        for event in answer:
            if event.tool_call is not None:
                click.echo(tool_line(event.tool_call), err=True)
                continue
            if not echo:
                continue
            if event.kind == "reasoning":
                if show_reasoning:
                    click.echo(click.style(event.text, dim=True), err=True, nl=False)
                continue
            click.echo(event.text, nl=False)  # click flushes after each write
            ended_with_newline = event.text.endswith("\n")
    finally:
        if echo and not ended_with_newline:
            click.echo("")


def _structured(result: ChatResult) -> str:
    return json.dumps(_plain(result.parsed), ensure_ascii=False)


@click.command("chat")
@click.argument("prompt", required=False)
@click.option("-m", "--model", metavar="REF|ALIAS", help="Model (default: the primary model).")
@click.option("--system", metavar="TEXT", help="System prompt.")
@click.option("--max-tokens", type=click.IntRange(min=1), metavar="N", help="Output token limit.")
@click.option(
    "--reasoning-effort",
    type=click.Choice(THINKING_LEVELS),
    help='Sent only to models with reasoning: true; "off" sends none, "xhigh" is sent as "high".',
)
@click.option(
    "--image",
    "images",
    multiple=True,
    metavar="FILE|URL",
    help='Attach an image (repeatable); the model\'s input must include "image".',
)
@click.option(
    "-o",
    "--option",
    "options",
    type=(str, str),
    multiple=True,
    metavar="NAME VALUE",
    help=f"A sampling option, repeatable: {', '.join(SAMPLING_OPTIONS)} "
    "(e.g. -o temperature 0.2 -o stop END; logit_bias takes JSON).",
)
@click.option("--no-stream", is_flag=True, help="Wait for the whole answer instead of streaming.")
@click.option(
    "--show-reasoning", is_flag=True, help="Print the model's reasoning to stderr (dimmed)."
)
@click.option(
    "--schema",
    metavar="FILE|JSON",
    help="Structured output: a JSON schema (file or inline) in the strict structured-output "
    "subset (README), sent in strict form (objects closed, optional properties nullable); "
    "prints the validated JSON object.",
)
@click.option(
    "--tools",
    "tools_file",
    metavar="FILE",
    help="A JSON list of OpenAI tool definitions; tool calls print on stderr as "
    "'tool call: name({...})'.",
)
@click.option("--user", metavar="ID", help="End user for the proxy's spend tracking.")
@click.option(
    "--tag", "tags", multiple=True, metavar="TAG", help="Spend tag for the proxy (repeatable)."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (shape below).")
@click.option(
    "--save",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Write the conversation to FILE after every turn (0600, atomic).",
)
@click.option(
    "--load",
    type=click.Path(dir_okay=False, exists=True),
    metavar="FILE",
    help="Resume a saved conversation (and keep saving to it unless --save says elsewhere).",
)
@click.pass_context
def chat(  # noqa: PLR0917 - click passes every option positionally
    ctx: click.Context,
    prompt: str | None,
    model: str | None,
    system: str | None,
    max_tokens: int | None,
    reasoning_effort: str | None,
    images: tuple[str, ...],
    options: tuple[tuple[str, str], ...],
    no_stream: bool,
    show_reasoning: bool,
    schema: str | None,
    tools_file: str | None,
    user: str | None,
    tags: tuple[str, ...],
    as_json: bool,
    save: str | None,
    load: str | None,
) -> None:
    """Send PROMPT (or stdin, with - or when piped) and stream the answer to stdout; with no
    PROMPT on a terminal, hold a conversation (type /help in it).

    Usage and cost go to stderr (the cost says where it came from: "config" for the model's
    configured prices, "proxy" for what the LiteLLM proxy charged), with any warning (a model
    that is not a reasoning model, a max token limit lowered to the model's maxTokens, a
    truncated answer). Reasoning text is
    hidden unless --show-reasoning. Fallbacks (agents.defaults.model.fallbacks) are tried when
    the model fails before answering.

    \b
    Interactive session (no PROMPT, stdin a terminal): answers stream as they
    arrive; a line ending in \\ continues on the next; /model REF, /system TEXT,
    /reset, /save FILE, /usage, /help, /exit (or Ctrl-D). Ctrl-C stops an answer
    (what arrived is kept, marked aborted); Ctrl-C at the prompt ends the session.
    --save FILE writes the conversation after every turn; --load FILE resumes one,
    in a session or for one more piped turn (echo next | chat --load c.json).

    \b
    JSON shape (--json), stable:
    {"ref": "litellm/gpt-4", "text": str, "reasoning": str,
     "finish_reason": "stop"|"length"|...|null,
     "usage": {"prompt_tokens", "completion_tokens", "cached_tokens", "total_tokens"} | null,
     "cost": float|null,
     "tool_calls": [{"id": str, "name": str, "arguments": str (JSON text as sent)}],
     "parsed": object|null (the validated --schema answer)}

    With --schema, an answer that is not JSON or does not match the schema is an error (exit 1).
     "cost": float|null, "cost_source": "config"|"proxy"|null,
     "proxy": null | {"call_id", "cost", "cost_breakdown": {"input", "output",
               "cache_read", "cache_creation", "reasoning"}|null, "model_id",
               "model_group", "attempted_retries", "attempted_fallbacks", "duration_ms",
               "overhead_ms", "key_spend", "key_max_budget"}}

    --user and --tag go to LiteLLM's spend tracking (the request's user and metadata.tags).
    """
    from ..client import Client

    extra = checked_options(options)  # a bad option fails before the config is read
    response_format = read_json_option(schema, "--schema") if schema is not None else None
    tools = read_json_option(tools_file, "--tools") if tools_file is not None else []
    if not isinstance(tools, list):
        raise UnsupportedInputError(f"--tools {tools_file}: expected a JSON list of tools")
    if response_format is not None and not isinstance(response_format, dict):
        raise UnsupportedInputError(f"--schema {schema}: expected a JSON object (a JSON schema)")
    if save or load or (prompt is None and sys.stdin.isatty()):
        from .session import chat_session

        chat_session(
            (ctx.obj or {}).get("config"),
            prompt=prompt,
            model=model,
            system=system,
            max_tokens=max_tokens,
            reasoning_effort=cast("ReasoningEffort | None", reasoning_effort),
            images=images,
            show_reasoning=show_reasoning,
            save=save,
            load=load,
            extra=extra,
            tools=tools,
            response_format=response_format,
        )
        return
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
            extra=extra,
            stream=not no_stream,
            echo=not as_json,
            show_reasoning=show_reasoning,
            tools=tools,
            response_format=response_format,
            user=user,
            tags=tags,
        )
    if as_json:
        echo_json(result_json(result))
    report(result, config)
    sys.stdout.flush()
