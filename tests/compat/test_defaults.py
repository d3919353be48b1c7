"""Clawdbot ``src/config/defaults.ts`` (``applyModelDefaults``, early 2026): what a model
definition gets when a field is missing, and which numbers it keeps.

``applyModelDefaults`` keeps ``contextWindow``/``maxTokens`` when they are positive finite numbers
(``isPositiveNumber``), whole or not; else ``contextWindow`` is 200000 (DEFAULT_CONTEXT_TOKENS)
and ``maxTokens`` is ``min(8192, contextWindow)``. ``reasoning`` defaults to false, ``input`` to
``["text"]``, ``cost`` to zeros, each cost field separately.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from clawdbot_litellm.config.check import find_problems
from clawdbot_litellm.config.edit import get_config_value
from clawdbot_litellm.config.schema import ModelDefinition, validate_config
from clawdbot_litellm.request import build_request


def provider_with(model: dict[str, Any]) -> dict[str, Any]:
    return {
        "models": {
            "providers": {
                "litellm": {"baseUrl": "http://localhost:4000", "models": [model]},
            }
        }
    }


def only_model(model: dict[str, Any]) -> ModelDefinition:
    config = validate_config(provider_with(model), "c")
    return config.models.providers["litellm"].models[0]


def test_missing_fields_get_clawdbots_defaults() -> None:
    # applyModelDefaults: reasoning false, input ["text"], cost zeros, 200000, min(8192, window)
    model = only_model({"id": "m", "name": "M"})
    assert (model.reasoning, model.input, model.context_window, model.max_tokens) == (
        False,
        ("text",),
        200_000,
        8192,
    )
    assert (model.cost.input, model.cost.output, model.cost.cache_read, model.cost.cache_write) == (
        0,
        0,
        0,
        0,
    )


def test_a_fractional_context_window_is_kept() -> None:
    # isPositiveNumber(131072.5) is true: the value stays as written.
    model = only_model({"id": "m", "name": "M", "contextWindow": 131072.5})
    assert model.context_window == 131072.5
    assert model.max_tokens == 8192  # min(8192, 131072.5)


def test_a_fractional_max_tokens_is_kept_but_sent_as_whole_tokens() -> None:
    model = only_model({"id": "m", "name": "M", "maxTokens": 4096.75})
    assert model.max_tokens == 4096.75
    # Deliberate difference: a request asks for whole tokens (4096), Clawdbot would send 4096.75.
    request = build_request(model, "hi")
    assert request.body["max_completion_tokens"] == 4096


def test_max_tokens_defaults_to_a_fractional_window_below_8192() -> None:
    # defaultMaxTokens = Math.min(DEFAULT_MODEL_MAX_TOKENS, contextWindow)
    model = only_model({"id": "m", "name": "M", "contextWindow": 5000.5})
    assert model.max_tokens == 5000.5


def test_partial_cost_fills_each_missing_field_with_zero() -> None:
    # resolveModelCost: each of input/output/cacheRead/cacheWrite separately.
    model = only_model({"id": "m", "name": "M", "cost": {"input": 3, "output": 15}})
    assert (model.cost.input, model.cost.output, model.cost.cache_read) == (3, 15, 0)


@pytest.mark.parametrize("bad", [0, -1, True, "128000"])
def test_non_positive_or_non_numbers_are_refused(bad: object) -> None:
    # The zod schema: z.number().positive() - 0, negatives, booleans and strings fail.
    from clawdbot_litellm.errors import ConfigValidationError

    with pytest.raises(ConfigValidationError, match=r"models\[0\]\.contextWindow"):
        only_model({"id": "m", "name": "M", "contextWindow": bad})


def test_config_get_shows_the_defaults_and_the_fraction(tmp_path: Path) -> None:
    import json

    config = tmp_path / "c.json"
    config.write_text(json.dumps(provider_with({"id": "m", "name": "M", "contextWindow": 65536.5})))
    assert find_problems(config).problems == ()
    model = get_config_value("models.providers.litellm.models[0]", config=config)
    assert model["contextWindow"] == 65536.5
    assert (model["maxTokens"], model["reasoning"], model["input"]) == (8192, False, ["text"])
