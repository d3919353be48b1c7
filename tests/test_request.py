"""Each mapping rule of spec section 5, on pure data: no server, no openai import needed."""

from __future__ import annotations

import base64
import warnings
from pathlib import Path
from typing import Any

import pytest

from clawdbot_litellm.config.schema import ModelDefinition
from clawdbot_litellm.errors import ContextWindowError, UnsupportedInputError
from clawdbot_litellm.request import (
    ChatOptions,
    RequestWarning,
    build_request,
    estimate_tokens,
)


def model(**fields: Any) -> ModelDefinition:
    return ModelDefinition.model_validate({"id": "gpt-4", "name": "GPT-4", **fields})


def build(m: ModelDefinition, prompt: Any = "hi", **options: Any) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RequestWarning)
        return build_request(m, prompt, ChatOptions(**options)).body


def test_model_is_the_definition_id_kept_whole() -> None:
    kwargs = build(model(id="openai/gpt-4o"))
    assert kwargs["model"] == "openai/gpt-4o"
    assert kwargs["messages"] == [{"role": "user", "content": "hi"}]


def test_default_limit_is_max_tokens_capped_at_32000() -> None:
    assert build(model(maxTokens=8192))["max_completion_tokens"] == 8192
    big = model(contextWindow=1_000_000, maxTokens=100_000)
    assert build(big)["max_completion_tokens"] == 32_000


def test_omitted_max_tokens_defaults_to_min_8192_context_window() -> None:
    # Clawdbot issue: invalid max_completion_tokens when maxTokens is omitted.
    assert build(model(contextWindow=20_000))["max_completion_tokens"] == 8192


def test_callers_limit_is_used_and_clamped_with_one_warning() -> None:
    assert build(model(maxTokens=4096), max_tokens=100)["max_completion_tokens"] == 100
    with pytest.warns(RequestWarning, match=r"above the model's maxTokens \(4096\)"):
        prepared = build_request(model(maxTokens=4096), "hi", ChatOptions(max_tokens=9999))
    assert prepared.body["max_completion_tokens"] == 4096
    assert len(prepared.notes) == 1


def test_max_tokens_field_follows_compat() -> None:
    kwargs = build(model(compat={"maxTokensField": "max_tokens"}))
    assert "max_completion_tokens" not in kwargs
    assert kwargs["max_tokens"] == 8192


def test_reasoning_effort_only_for_reasoning_models() -> None:
    with pytest.warns(RequestWarning, match="not a reasoning model"):
        prepared = build_request(model(), "hi", ChatOptions(reasoning_effort="high"))
    assert "reasoning_effort" not in prepared.body
    assert build(model(reasoning=True), reasoning_effort="low")["reasoning_effort"] == "low"
    assert "reasoning_effort" not in build(model(reasoning=True))


def test_reasoning_effort_respects_compat_opt_out() -> None:
    m = model(reasoning=True, compat={"supportsReasoningEffort": False})
    with pytest.warns(RequestWarning, match="supportsReasoningEffort"):
        prepared = build_request(m, "hi", ChatOptions(reasoning_effort="high"))
    assert "reasoning_effort" not in prepared.body


def test_unknown_reasoning_effort_is_refused() -> None:
    with pytest.raises(UnsupportedInputError, match="minimal, low, medium, high"):
        build_request(model(reasoning=True), "hi", ChatOptions(reasoning_effort="max"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "role"),
    [
        ({}, "system"),
        ({"reasoning": True}, "system"),
        ({"compat": {"supportsDeveloperRole": True}}, "system"),
        ({"reasoning": True, "compat": {"supportsDeveloperRole": True}}, "developer"),
    ],
)
def test_system_prompt_role(fields: dict[str, Any], role: str) -> None:
    kwargs = build(model(**fields), system="be brief")
    assert kwargs["messages"][0] == {"role": role, "content": "be brief"}
    given = build(
        model(**fields), [{"role": "system", "content": "x"}, {"role": "user", "content": "y"}]
    )
    assert given["messages"][0]["role"] == role


def test_store_false_only_where_supported() -> None:
    assert "store" not in build(model())
    assert "store" not in build(model(compat={"supportsStore": False}))
    assert build(model(compat={"supportsStore": True}))["store"] is False


def test_streaming_asks_for_usage() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kwargs = build_request(model(), "hi", stream=True).body
    assert kwargs["stream"] is True
    assert kwargs["stream_options"] == {"include_usage": True}
    assert "stream" not in build(model())


def test_images_refused_for_text_only_model_before_sending() -> None:
    with pytest.raises(UnsupportedInputError, match=r"gpt-4 does not accept images"):
        build(model(), images=["https://example.invalid/cat.png"])
    parts = [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}}]
    with pytest.raises(UnsupportedInputError):
        build(model(), [{"role": "user", "content": parts}])


def test_images_become_parts_urls_data_urls_and_files(tmp_path: Path) -> None:
    png = tmp_path / "dot.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n")
    vision = model(input=["text", "image"])
    kwargs = build(
        vision,
        "what is this?",
        images=["https://x.invalid/a.png", "data:image/gif;base64,R0=", png],
    )
    content = kwargs["messages"][-1]["content"]
    assert content[0] == {"type": "text", "text": "what is this?"}
    urls = [part["image_url"]["url"] for part in content[1:]]
    assert urls[:2] == ["https://x.invalid/a.png", "data:image/gif;base64,R0="]
    assert urls[2] == "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode()


def test_unreadable_or_non_image_files_are_clear_errors(tmp_path: Path) -> None:
    vision = model(input=["text", "image"])
    with pytest.raises(UnsupportedInputError, match="Cannot read image"):
        build(vision, images=[tmp_path / "missing.png"])
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(UnsupportedInputError, match="does not look like an image"):
        build(vision, images=[text])


def test_prompt_over_the_context_window_is_refused_with_numbers() -> None:
    m = model(contextWindow=16_000, maxTokens=4000)
    prompt = "word " * 60_000  # ~75,000 tokens by the estimate
    with pytest.raises(ContextWindowError, match=r"about \d+ tokens.*16000 tokens"):
        build(m, prompt)


def test_explicit_limit_that_does_not_fit_is_refused_default_one_shrinks() -> None:
    m = model(contextWindow=16_000, maxTokens=8000)
    prompt = "x" * 40_000  # ~10,000 tokens
    with pytest.raises(ContextWindowError, match=r"output limit \(8000\)"):
        build(m, prompt, max_tokens=8000)
    with pytest.warns(RequestWarning, match="output limited"):
        prepared = build_request(m, prompt)
    assert prepared.output_limit == 16_000 - prepared.prompt_tokens_estimate
    assert prepared.body["max_completion_tokens"] == prepared.output_limit


def test_context_window_below_clawdbot_minimum_is_refused() -> None:
    with pytest.raises(ContextWindowError, match="below the minimum of 16000"):
        build(model(contextWindow=8000))


def test_estimate_counts_text_messages_and_images() -> None:
    text_only = estimate_tokens([{"role": "user", "content": "a" * 400}])
    assert text_only == 100 + 4
    with_image = estimate_tokens(
        [{"role": "user", "content": [{"type": "text", "text": "a" * 400}, {"type": "image_url"}]}]
    )
    assert with_image == text_only + 765


@pytest.mark.parametrize("length", [0, 1, 3, 4, 5, 399, 400, 401, 63_000])
@pytest.mark.parametrize("with_tools", [False, True])
def test_a_text_prompt_maps_as_the_one_user_message_it_stands_for(
    length: int, with_tools: bool
) -> None:
    # A bare text prompt takes a shorter way through prepare(): it must give exactly what the
    # message list it stands for gives, squeezed output limit and its note included.
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    options = ChatOptions(tools=tools if with_tools else ())
    m = model(contextWindow=16_000, maxTokens=8192)
    text = "a" * length
    with warnings.catch_warnings(record=True) as said_for_text:
        warnings.simplefilter("always")
        from_text = build_request(m, text, options)
    with warnings.catch_warnings(record=True) as said_for_list:
        warnings.simplefilter("always")
        from_list = build_request(m, [{"role": "user", "content": text}], options)
    assert from_text == from_list
    assert [str(w.message) for w in said_for_text] == [str(w.message) for w in said_for_list]


def test_extra_arguments_pass_through() -> None:
    kwargs = build(model(), extra={"temperature": 0.2})
    assert kwargs["temperature"] == 0.2
    assert kwargs["model"] == "gpt-4"


def test_callers_messages_are_not_mutated() -> None:
    messages = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
    build(model(reasoning=True, compat={"supportsDeveloperRole": True}), messages)
    assert messages[0]["role"] == "system"


# --- sampling options (chat -o, and hosts) -------------------------------------------------------


def test_sampling_options_parse_command_line_strings_and_typed_values() -> None:
    from clawdbot_litellm import sampling_options

    assert sampling_options(
        [
            ("temperature", "0.2"),
            ("top-p", 1),
            ("seed", "42"),
            ("stop", "END"),
            ("stop", ["\n\n"]),
            ("presence_penalty", "-2"),
            ("frequency_penalty", 2),
            ("logit_bias", '{"50256": -100}'),
        ]
    ) == {
        "temperature": 0.2,
        "top_p": 1.0,
        "seed": 42,
        "stop": ["END", "\n\n"],
        "presence_penalty": -2.0,
        "frequency_penalty": 2.0,
        "logit_bias": {"50256": -100.0},
    }


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (("temp", "1"), "Unknown option 'temp' (did you mean temperature?); the options are "
         "temperature, top_p, presence_penalty, frequency_penalty, seed, stop, logit_bias"),
        (("temperature", "2.5"), "Option temperature must be a number from 0 to 2, not '2.5'"),
        (("temperature", "hot"), "Option temperature must be a number from 0 to 2, not 'hot'"),
        (("top_p", "nan"), "Option top_p must be a number from 0 to 1, not 'nan'"),
        (("presence_penalty", "-3"),
         "Option presence_penalty must be a number from -2 to 2, not '-3'"),
        (("frequency_penalty", True),
         "Option frequency_penalty must be a number from -2 to 2, not True"),
        (("seed", "1.5"), "Option seed must be a whole number, not '1.5'"),
        (("stop", ""), "Option stop must be a non-empty string, not ''"),
        (("logit_bias", "[1]"), "Option logit_bias must be a JSON object of token ids to biases "
         "from -100 to 100, e.g. '{\"50256\": -100}'"),
        (("logit_bias", '{"a": 1}'),
         "Option logit_bias: 'a' is not a token id (a whole number, as a string)"),
        (("logit_bias", '{"1": 101}'),
         "Option logit_bias[1] must be a number from -100 to 100, not 101"),
    ],
)  # fmt: skip
def test_sampling_options_refuse_with_one_clear_line(option: tuple[str, Any], message: str) -> None:
    from clawdbot_litellm import InvalidOptionError, sampling_options

    with pytest.raises(InvalidOptionError) as caught:
        sampling_options([option])
    assert str(caught.value) == message


def test_at_most_four_stop_sequences() -> None:
    from clawdbot_litellm import InvalidOptionError, sampling_options

    with pytest.raises(InvalidOptionError, match="at most 4 sequences, not 5"):
        sampling_options([("stop", s) for s in "abcde"])


def test_sampling_options_reach_the_request_as_extra() -> None:
    from clawdbot_litellm import sampling_options

    kwargs = build(model(), extra=sampling_options([("temperature", "0")]))
    assert kwargs["temperature"] == 0.0
