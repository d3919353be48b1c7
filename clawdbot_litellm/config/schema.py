"""What a config may say and what it becomes: the owned schema, Clawdbot's limits, ``Provider``.

Provider and model definitions are strict (an unknown key is an error, as in Clawdbot's own schema,
so a file valid here is valid there). Everything around them (channels, gateway, the other keys of
``agents``) belongs to Clawdbot and is ignored, never rejected. Field names are snake_case in Python
and camelCase in the file, exactly as Clawdbot spells them. ``Provider`` is what the rest of the
package calls: it lives here, below refs and resolution, so the config layer only imports downward.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import ErrorDetails

from ..errors import ConfigValidationError, Problem
from .secrets import display_url, mask_secret

Api = Literal[
    "openai-completions",
    "openai-responses",
    "anthropic-messages",
    "google-generative-ai",
    "github-copilot",
    "bedrock-converse-stream",
]
InputKind = Literal["text", "image"]
NonEmptyStr = Annotated[str, Field(min_length=1)]
PositiveInt = Annotated[int, Field(gt=0)]


# Clawdbot's schema says z.number().positive() for contextWindow and maxTokens, and its
# applyModelDefaults (src/config/defaults.ts) keeps any positive finite number: 131072.5 is valid.
def _positive_number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("must be a number")
    if not math.isfinite(value):
        raise ValueError("must be a finite number (not Infinity or NaN)")
    if value <= 0:
        raise ValueError("must be greater than 0")
    return value


PositiveNumber = Annotated[int | float, PlainValidator(_positive_number)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]

DEFAULT_CONTEXT_WINDOW = 200_000
DEFAULT_MAX_TOKENS = 8192
# Clawdbot refuses a model whose window is below the minimum and warns below the second figure.
MIN_CONTEXT_WINDOW = 16_000
WARN_CONTEXT_WINDOW = 32_000
# The provider this package exists for: its base URL gets LiteLLM's /v1 appended.
DEFAULT_PROVIDER = "litellm"

SourceKind = Literal["file", "include", "environment", "env-block", "default", "plugin"]


class _Owned(BaseModel):
    """A section this package owns: strict types, unknown keys rejected, camelCase in the file."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        strict=True,
        frozen=True,
    )


class _Foreign(BaseModel):
    """A section that belongs to Clawdbot: only the keys we read are typed, the rest ignored."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", strict=True, frozen=True
    )


class Cost(_Owned):
    """Price per one million tokens, used to report the cost of a call."""

    input: NonNegative = 0.0
    output: NonNegative = 0.0
    cache_read: NonNegative = 0.0
    cache_write: NonNegative = 0.0

    @field_validator("input", "output", "cache_read", "cache_write", mode="before")
    @classmethod
    def _ints_are_numbers(cls, value: Any) -> Any:
        # JSON5 gives 3 for "3"; strict mode would refuse an int where a float is declared.
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Compat(_Owned):
    """What an OpenAI-compatible server accepts beyond plain chat completions."""

    supports_store: bool | None = None
    supports_developer_role: bool | None = None
    supports_reasoning_effort: bool | None = None
    max_tokens_field: Literal["max_completion_tokens", "max_tokens"] | None = None


class ModelDefinition(_Owned):
    """One model a provider serves, with Clawdbot's defaults filled in."""

    id: NonEmptyStr
    name: NonEmptyStr
    api: Api | None = None
    reasoning: bool = False
    input: tuple[InputKind, ...] = ("text",)
    cost: Cost = Cost()
    context_window: PositiveNumber = DEFAULT_CONTEXT_WINDOW
    max_tokens: PositiveNumber | None = None
    headers: dict[str, str] | None = Field(default=None, repr=False)
    compat: Compat | None = None

    @field_validator("input", mode="before")
    @classmethod
    def _input_list(cls, value: Any) -> Any:
        # The file holds a JSON array; strict mode wants the tuple we store.
        return tuple(value) if isinstance(value, list) else value

    @model_validator(mode="after")
    def _default_max_tokens(self) -> ModelDefinition:
        if self.max_tokens is None:
            object.__setattr__(self, "max_tokens", min(DEFAULT_MAX_TOKENS, self.context_window))
        return self

    @property
    def output_limit(self) -> int:
        """``max_tokens`` after defaulting, as the whole number of tokens a request may ask for
        (a fractional ``maxTokens`` is rounded down, but never below 1)."""
        limit = self.max_tokens if self.max_tokens is not None else DEFAULT_MAX_TOKENS
        return max(1, math.floor(limit))

    @property
    def accepts_images(self) -> bool:
        return "image" in self.input


class ProviderConfig(_Owned):
    """``models.providers.<name>``: where a provider lives and which models it serves."""

    base_url: NonEmptyStr
    api_key: str | None = Field(default=None, repr=False)
    auth: Literal["api-key", "aws-sdk", "oauth", "token"] | None = None
    api: Api | None = None
    headers: dict[str, str] | None = Field(default=None, repr=False)
    auth_header: bool | None = None
    models: tuple[ModelDefinition, ...]

    @field_validator("models", mode="before")
    @classmethod
    def _models_list(cls, value: Any) -> Any:
        return tuple(value) if isinstance(value, list) else value

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # A base URL may carry user:password@ (a plugin's ImplicitProvider repr shows this one).
        for name, value in super().__repr_args__():
            shown = display_url(value) if name == "base_url" and isinstance(value, str) else value
            yield name, shown

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if "${" in value:
            return value  # an unset ${VAR} kept while validating an edit; checked at load time
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                f"{display_url(value)!r} is not an http(s) URL; write it like http://localhost:4000"
            )
        return value

    @model_validator(mode="after")
    def _unique_model_ids(self) -> ProviderConfig:
        seen: set[str] = set()
        for model in self.models:
            if model.id in seen:
                raise ValueError(
                    f"model id {model.id!r} is defined twice; keep one definition per id"
                )
            seen.add(model.id)
        return self


class ModelsSection(_Foreign):
    """``models``: the providers and how they combine with implicit ones."""

    mode: Literal["merge", "replace"] = "merge"
    providers: dict[str, ProviderConfig] = {}


class ModelChoice(_Foreign):
    """``agents.defaults.model``: the primary ref and its fallbacks."""

    primary: str | None = None
    fallbacks: tuple[str, ...] = ()

    @field_validator("fallbacks", mode="before")
    @classmethod
    def _fallback_list(cls, value: Any) -> Any:
        return tuple(value) if isinstance(value, list) else value


class ModelEntry(_Foreign):
    """``agents.defaults.models["provider/id"]``: per-model settings; we read the alias."""

    alias: str | None = None


class AgentDefaults(_Foreign):
    model: ModelChoice = ModelChoice()
    models: dict[str, ModelEntry] = {}

    @field_validator("model", mode="before")
    @classmethod
    def _model_shorthand(cls, value: Any) -> Any:
        # Clawdbot also accepts a bare string for the primary model.
        return {"primary": value} if isinstance(value, str) else value


class Agents(_Foreign):
    defaults: AgentDefaults = AgentDefaults()


class ClawdbotConfig(_Foreign):
    """The whole file as this package sees it; unknown top-level sections are ignored."""

    models: ModelsSection = ModelsSection()
    agents: Agents = Agents()


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif any(char in part for char in "./[] "):
            out += f"[{part}]"  # a ref such as litellm/gpt-4 is one segment, as in `config set`
        elif not out:
            out = part
        else:
            out += f".{part}"
    return out or "<root>"


# pydantic's wording names Python types; a config file has arrays and objects.
_TYPE_MESSAGES = {
    "tuple_type": "must be an array ([ ... ])",
    "list_type": "must be an array ([ ... ])",
    "dict_type": "must be an object ({ ... })",
    "model_type": "must be an object ({ ... })",
    "model_attributes_type": "must be an object ({ ... })",
    "string_type": "must be a string",
    "bool_type": "must be true or false",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "missing": "required, but missing",
    "extra_forbidden": "unknown key (not part of Clawdbot's schema); remove it or fix its spelling",
}
# pydantic adds a step such as ``function-after[...]`` to a location when a validator wraps a type.
_VALIDATOR_STEP = re.compile(r"^[a-z][a-z-]*\[.*\]$")


def problems_from(error: ValidationError, prefix: str = "") -> list[Problem]:
    """Turn pydantic's errors into ``path: message`` lines written for a person."""
    problems = []
    for item in error.errors(include_url=False):
        loc = tuple(p for p in item["loc"] if not (isinstance(p, str) and _VALIDATOR_STEP.match(p)))
        path = _location(loc)
        if prefix:
            path = f"{prefix}.{path}" if path != "<root>" else prefix
        problems.append(Problem(path, _message(item)))
    return problems


def _message(item: ErrorDetails) -> str:
    """pydantic's "Input should be ..." as what the value must be, in the file's terms."""
    kind, context = item["type"], item.get("ctx") or {}
    if kind == "literal_error":
        return f"must be {context['expected']}"
    if kind == "greater_than":
        return f"must be greater than {context['gt']:g}"
    if kind == "greater_than_equal":
        return f"must be {context['ge']:g} or more"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "finite_number":
        return "must be a finite number (not Infinity or NaN)"
    return _TYPE_MESSAGES.get(kind, item["msg"]).removeprefix("Value error, ")


def validate_config(data: object, source: str) -> ClawdbotConfig:
    """Validate a resolved document; raise ``ConfigValidationError`` listing every problem."""
    if not isinstance(data, dict):
        raise ConfigValidationError(
            source, [Problem("<root>", "the config must be an object ({ ... })")]
        )
    try:
        # Files use Clawdbot's camelCase only: ``context_window`` there is an unknown key, as in
        # Clawdbot. Python callers may still construct models by field name.
        return ClawdbotConfig.model_validate(data, by_alias=True, by_name=False)
    except ValidationError as error:
        raise ConfigValidationError(source, problems_from(error)) from None


@dataclass(frozen=True)
class Source:
    """Where a resolved value came from, for ``doctor`` and for people reading ``models list``."""

    kind: SourceKind
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind} {self.detail}".strip()


@dataclass(frozen=True)
class Provider:
    """A provider ready to be called: normalised URL, resolved key, models with defaults."""

    name: str
    base_url: str
    api_key: str | None = field(repr=False)
    api: Api
    headers: Mapping[str, str] = field(repr=False)
    models: tuple[ModelDefinition, ...]
    sources: Mapping[str, Source] = field(default_factory=dict, compare=False)
    # Written under ``models.providers`` (in the file or an include), so ``models sync`` can edit
    # its models; False for implicit ones (the environment's ``litellm``, a plugin's).
    declared: bool = field(default=False, compare=False)

    def __repr__(self) -> str:
        return (
            f"Provider(name={self.name!r}, base_url={display_url(self.base_url)!r}, "
            f"api_key={mask_secret(self.api_key)!r}, api={self.api!r}, "
            f"models={[m.id for m in self.models]!r})"
        )

    def model(self, model_id: str) -> ModelDefinition | None:
        """The definition with exactly this id (ids are case-sensitive, as on the proxy)."""
        return next((m for m in self.models if m.id == model_id), None)

    @property
    def api_base(self) -> str:
        """The ``base_url`` the ``openai`` client gets: LiteLLM's ``/v1`` is appended here."""
        if self.name == DEFAULT_PROVIDER:
            return f"{self.base_url}/v1"
        return self.base_url

    def headers_for(self, model: ModelDefinition) -> dict[str, str]:
        """Provider headers overlaid by the model's own."""
        return {**self.headers, **(model.headers or {})}
