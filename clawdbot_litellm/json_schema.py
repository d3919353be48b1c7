"""JSON Schema, limited to the subset strict structured output accepts: checked and made strict
before a request is sent, then used to validate the answer (so the package needs no
``jsonschema``).

Pure. The subset is OpenAI's strict structured-output one (its "Supported schemas" guide):
``type`` (one name or a list of ``object``, ``array``, ``string``, ``number``, ``integer``,
``boolean``, ``null``), ``properties``, ``required``, ``additionalProperties``, ``items``,
``enum``, ``const``, ``anyOf``/``oneOf`` (``oneOf`` is sent as ``anyOf``), local ``$ref`` (``#``,
``#/$defs/<name>``, ``#/definitions/<name>``) with ``$defs``/``definitions``, the numeric bounds
and ``multipleOf``, ``minLength``/``maxLength``/``pattern``/``format``, ``minItems``/``maxItems``
and the annotations ``description``/``title``/``default``. The keywords the guide lists as not
supported (:data:`NOT_SUPPORTED`) are refused with their fix, any other keyword since it would
be neither sent usefully nor enforced here. ``format`` is accepted but not enforced (neither is
it by every provider). ``pattern`` uses Python's ``re`` (``re.search``, unanchored, as JSON
Schema says), which agrees with ECMA-262 for the usual patterns.

:func:`check_schema` refuses a schema outside the subset or malformed, naming the keyword and
its location (a JSON pointer); :func:`first_problem` gives the first place a value breaks a
checked schema (a ``$.a[0]`` path) or ``None``; :func:`strict_schema` rewrites a pydantic
model's schema or a caller's dict the way ``strict: true`` demands, and :func:`drop_sent_nulls`
turns an answer to a caller's rewritten dict back into what the caller's schema describes.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .errors import UnsupportedInputError

TYPES = ("object", "array", "string", "number", "integer", "boolean", "null")
_SCHEMA_MAPS = ("properties", "$defs", "definitions")  # name -> schema
_SCHEMA_LISTS = ("anyOf", "oneOf")  # non-empty list of schemas
_SCHEMA_ONE = ("items",)  # one schema
_NUMBERS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
_COUNTS = ("minLength", "maxLength", "minItems", "maxItems")  # non-negative integers
_STRINGS = ("format", "description", "title", "pattern")
KEYWORDS = frozenset(
    {
        "type",
        "required",
        "additionalProperties",
        "enum",
        "const",
        "$ref",
        "multipleOf",
        "default",
        *_SCHEMA_MAPS,
        *_SCHEMA_LISTS,
        *_SCHEMA_ONE,
        *_NUMBERS,
        *_COUNTS,
        *_STRINGS,
    }
)
_IN_PLACE = ("$ref", *_SCHEMA_LISTS)  # applied to the same value: a cycle of these never ends
# Refused by strict mode for every model: OpenAI's structured-outputs guide, "Supported schemas" >
# "Some type-specific keywords are not yet supported" (Composition: allOf, not, dependentRequired,
# dependentSchemas, if, then, else), https://platform.openai.com/docs/guides/structured-outputs
# (now developers.openai.com/api/docs/guides/structured-outputs). Its second list (minLength,
# maxLength, pattern, format, minimum, maximum, multipleOf, patternProperties, minItems,
# maxItems) is "for fine-tuned models" only, so those stay in the subset (patternProperties was
# never in it). Each maps to the fix named in the refusal.
NOT_SUPPORTED = {
    "allOf": "merge its schemas into one",
    "not": "list the allowed values with enum instead",
    "dependentRequired": "make the properties nullable and check the dependency in your code",
    "dependentSchemas": "make the properties nullable and check the dependency in your code",
    "if": "make the properties nullable and check the condition in your code",
    "then": "make the properties nullable and check the condition in your code",
    "else": "make the properties nullable and check the condition in your code",
}


@dataclass(frozen=True)
class Mismatch:
    """Where a value breaks its schema (``$``, ``$.city``, ``$.days[2]``) and how."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


# --- checking the schema -------------------------------------------------------------------------


def _pointer(parts: tuple[str, ...]) -> str:
    return "#" + "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def _refuse(what: str, at: tuple[str, ...], problem: str) -> UnsupportedInputError:
    return UnsupportedInputError(
        f"{what} cannot be sent as a strict schema: {_pointer(at)} {problem}"
    )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _resolve(root: Mapping[str, Any], ref: str) -> object:
    """The schema a local ``$ref`` names, or ``None`` when it names nothing."""
    if ref == "#":
        return root
    parts = ref.split("/")
    if len(parts) != 3 or parts[0] != "#" or parts[1] not in ("$defs", "definitions"):
        return None
    table = root.get(parts[1])
    if not isinstance(table, Mapping):
        return None
    return table.get(parts[2].replace("~1", "/").replace("~0", "~"))


def _check_node(root: Mapping[str, Any], node: object, at: tuple[str, ...], what: str) -> None:
    if not isinstance(node, Mapping):
        raise _refuse(what, at, f"is a {type(node).__name__}; a schema must be an object")
    for key in node:
        if key in NOT_SUPPORTED:
            raise _refuse(
                what,
                (*at, str(key)),
                "is not supported by strict structured output (OpenAI's structured-outputs "
                f"guide); {NOT_SUPPORTED[key]}",
            )
        if key not in KEYWORDS:
            raise _refuse(
                what,
                (*at, str(key)),
                "is not in the strict structured-output subset and would not be enforced; "
                "remove it (supported: " + ", ".join(sorted(KEYWORDS)) + ")",
            )
    for key, value in node.items():
        here = (*at, key)
        if key == "type":
            names = value if isinstance(value, list) else [value]
            if not names or any(n not in TYPES for n in names) or len(set(names)) < len(names):
                raise _refuse(what, here, f"must be one of {', '.join(TYPES)} or a list of them")
        elif key in _SCHEMA_MAPS:
            if not isinstance(value, Mapping):
                raise _refuse(what, here, "must be an object of name: schema")
            for name, sub in value.items():
                _check_node(root, sub, (*here, str(name)), what)
        elif key in _SCHEMA_LISTS:
            if not isinstance(value, list) or not value:
                raise _refuse(what, here, "must be a non-empty list of schemas")
            for index, sub in enumerate(value):
                _check_node(root, sub, (*here, str(index)), what)
        elif key == "items":
            _check_node(root, value, here, what)
        elif key == "additionalProperties":
            if not isinstance(value, bool):
                _check_node(root, value, here, what)
        elif key == "required":
            if not isinstance(value, list) or not all(isinstance(n, str) for n in value):
                raise _refuse(what, here, "must be a list of property names")
        elif key == "enum":
            if not isinstance(value, list) or not value:
                raise _refuse(what, here, "must be a non-empty list of values")
        elif key == "$ref":
            if not isinstance(value, str) or not isinstance(_resolve(root, value), Mapping):
                raise _refuse(
                    what,
                    here,
                    f"{_short(value)} names no schema; use #, #/$defs/<name> or "
                    "#/definitions/<name> with that name defined at the top level",
                )
        elif key in _NUMBERS or key == "multipleOf":
            if not _is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
                raise _refuse(what, here, "must be a number")
            if key == "multipleOf" and value <= 0:
                raise _refuse(what, here, "must be greater than 0")
        elif key in _COUNTS:
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise _refuse(what, here, "must be a non-negative integer")
        elif key in _STRINGS:
            if not isinstance(value, str):
                raise _refuse(what, here, "must be a string")
            if key == "pattern" and _compile(value) is None:
                raise _refuse(what, here, f"{_short(value)} is not a regular expression")


def _compile(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except (re.error, OverflowError, RecursionError, ValueError):
        return None


def _in_place_refs(node: object) -> Iterator[str]:
    """The ``$ref``s applied to the same value as ``node`` (not to a property or an item)."""
    if not isinstance(node, Mapping):
        return
    ref = node.get("$ref")
    if isinstance(ref, str):
        yield ref
    for key in _SCHEMA_LISTS:
        for sub in node.get(key) or ():
            yield from _in_place_refs(sub)


def _check_cycles(root: Mapping[str, Any], what: str) -> None:
    """Refuse ``$ref`` loops that never reach a value (``a`` -> ``b`` -> ``a``): nothing can
    satisfy them and validating them would never end."""
    done: set[str] = set()

    def visit(ref: str, trail: tuple[str, ...]) -> None:
        if ref in trail:
            loop = " -> ".join((*trail[trail.index(ref) :], ref))
            raise UnsupportedInputError(
                f"{what} cannot be sent as a strict schema: the $ref loop {loop} never reaches "
                "a value; put a property or an array item between the references"
            )
        if ref in done:
            return
        for inner in _in_place_refs(_resolve(root, ref)):
            visit(inner, (*trail, ref))
        done.add(ref)

    for ref in _in_place_refs(root):
        visit(ref, ("#",))
    for table in ("$defs", "definitions"):
        for name in root.get(table) or {}:
            visit(f"#/{table}/{name}", ())


def check_schema(schema: object, what: str = "response_format") -> None:
    """Refuse (``UnsupportedInputError``) a schema outside the strict subset or malformed.

    The top level must be an object schema (``"type": "object"``), as OpenAI requires.
    """
    if not isinstance(schema, Mapping):
        raise UnsupportedInputError(
            f"{what} must be a JSON-schema object, not {type(schema).__name__}"
        )
    try:
        _check_node(schema, schema, (), what)
        _check_cycles(schema, what)
    except RecursionError:
        raise UnsupportedInputError(f"{what} is nested too deeply to be checked") from None
    if schema.get("type") != "object":
        raise _refuse(what, ("type",), 'must be "object" at the top level (an object answer)')


# --- validating a value --------------------------------------------------------------------------


def _step(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if key.isidentifier() else f"{path}[{key!r}]"


def _type_of(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def _has_type(value: object, name: str) -> bool:
    kind = _type_of(value)
    if name == "integer" and kind == "number":
        return math.isfinite(value) and float(value).is_integer()  # type: ignore[arg-type]
    return kind == name or (name == "number" and kind == "integer")


def json_equal(a: object, b: object) -> bool:
    """Equality as JSON means it: ``true`` is not ``1``, but ``1`` is ``1.0``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _is_multiple(value: int | float, step: int | float) -> bool:
    if isinstance(value, int) and isinstance(step, int):
        return value % step == 0
    if isinstance(value, float) and not math.isfinite(value):
        return False
    try:
        quotient = value / step
    except OverflowError:  # a huge int over a float: exact arithmetic instead
        return (Fraction(value) / Fraction(step)).denominator == 1
    if not math.isfinite(quotient):
        return False
    return abs(quotient - round(quotient)) <= 1e-9 * max(1.0, abs(quotient))


def _short(value: object) -> str:
    try:
        text = repr(value)
    except ValueError:  # an int past Python's digit limit
        return "a number too long to show"
    return text if len(text) <= 40 else text[:37] + "..."


class _Validator:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.keywords: dict[str, Callable[[Any, Any, str], Mismatch | None]] = {
            "$ref": self._ref,
            "type": self._type,
            "enum": self._enum,
            "const": self._const,
            "anyOf": self._any_of,
            "oneOf": self._one_of,
        }

    def check(self, node: Mapping[str, Any], value: Any, path: str) -> Mismatch | None:
        for key, keyword in self.keywords.items():
            if key in node:
                problem = keyword(node[key], value, path)
                if problem is not None:
                    return problem
        if _is_number(value):
            return self._number(node, value, path)
        if isinstance(value, str):
            return self._string(node, value, path)
        if isinstance(value, list):
            return self._array(node, value, path)
        if isinstance(value, Mapping):
            return self._object(node, value, path)
        return None

    def _ref(self, ref: str, value: Any, path: str) -> Mismatch | None:
        return self.check(_resolve(self.root, ref), value, path)  # type: ignore[arg-type]

    def _type(self, names: str | list[str], value: Any, path: str) -> Mismatch | None:
        names = [names] if isinstance(names, str) else names
        if any(_has_type(value, name) for name in names):
            return None
        wanted = " or ".join(names)
        return Mismatch(path, f"{_short(value)} is not of type {wanted} (it is {_type_of(value)})")

    def _enum(self, options: list[Any], value: Any, path: str) -> Mismatch | None:
        if any(json_equal(value, option) for option in options):
            return None
        allowed = ", ".join(_short(o) for o in options[:10]) + (
            ", ..." if len(options) > 10 else ""
        )
        return Mismatch(path, f"{_short(value)} is not one of {allowed}")

    def _const(self, const: Any, value: Any, path: str) -> Mismatch | None:
        return None if json_equal(value, const) else Mismatch(path, f"must be {_short(const)}")

    def _alternatives(self, schemas: list[Any], value: Any, path: str) -> list[Mismatch | None]:
        return [self.check(schema, value, path) for schema in schemas]

    def _none_matched(self, word: str, problems: list[Mismatch | None], path: str) -> Mismatch:
        # The deepest problem is usually the alternative that was meant (Optional[Model]).
        found = [p for p in problems if p is not None]
        deepest = max(found, key=lambda p: len(p.path))
        if deepest.path != path:
            return deepest
        first = found[0].message
        return Mismatch(
            path, f"matches none of the {len(found)} {word} alternatives ({first}, ...)"
        )

    def _any_of(self, schemas: list[Any], value: Any, path: str) -> Mismatch | None:
        problems = []
        for schema in schemas:  # stop at the first match
            problem = self.check(schema, value, path)
            if problem is None:
                return None
            problems.append(problem)
        return self._none_matched("anyOf", list(problems), path)

    def _one_of(self, schemas: list[Any], value: Any, path: str) -> Mismatch | None:
        problems = self._alternatives(schemas, value, path)
        matched = [str(index) for index, problem in enumerate(problems) if problem is None]
        if len(matched) == 1:
            return None
        if not matched:
            return self._none_matched("oneOf", problems, path)
        return Mismatch(
            path, f"matches oneOf alternatives {', '.join(matched)}; exactly one must match"
        )

    def _number(self, node: Mapping[str, Any], value: float, path: str) -> Mismatch | None:
        if "minimum" in node and value < node["minimum"]:
            return Mismatch(path, f"{_short(value)} is less than the minimum {node['minimum']!r}")
        if "maximum" in node and value > node["maximum"]:
            return Mismatch(path, f"{_short(value)} is more than the maximum {node['maximum']!r}")
        if "exclusiveMinimum" in node and value <= node["exclusiveMinimum"]:
            return Mismatch(path, f"{_short(value)} is not more than {node['exclusiveMinimum']!r}")
        if "exclusiveMaximum" in node and value >= node["exclusiveMaximum"]:
            return Mismatch(path, f"{_short(value)} is not less than {node['exclusiveMaximum']!r}")
        if "multipleOf" in node and not _is_multiple(value, node["multipleOf"]):
            return Mismatch(path, f"{_short(value)} is not a multiple of {node['multipleOf']!r}")
        return None

    def _string(self, node: Mapping[str, Any], value: str, path: str) -> Mismatch | None:
        if "minLength" in node and len(value) < node["minLength"]:
            return Mismatch(path, f"{_short(value)} is shorter than {node['minLength']} characters")
        if "maxLength" in node and len(value) > node["maxLength"]:
            return Mismatch(path, f"{_short(value)} is longer than {node['maxLength']} characters")
        if "pattern" in node:
            pattern = _compile(node["pattern"])
            if pattern is not None and pattern.search(value) is None:
                return Mismatch(path, f"{_short(value)} does not match {node['pattern']!r}")
        return None

    def _array(self, node: Mapping[str, Any], value: list[Any], path: str) -> Mismatch | None:
        if "minItems" in node and len(value) < node["minItems"]:
            return Mismatch(path, f"has {len(value)} items, fewer than {node['minItems']}")
        if "maxItems" in node and len(value) > node["maxItems"]:
            return Mismatch(path, f"has {len(value)} items, more than {node['maxItems']}")
        if "items" in node:
            for index, item in enumerate(value):
                problem = self.check(node["items"], item, _step(path, index))
                if problem is not None:
                    return problem
        return None

    def _object(
        self, node: Mapping[str, Any], value: Mapping[str, Any], path: str
    ) -> Mismatch | None:
        for name in node.get("required", ()):
            if name not in value:
                return Mismatch(path, f"the required property {name!r} is missing")
        properties = node.get("properties", {})
        extra = node.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                problem = self.check(properties[name], item, _step(path, str(name)))
            elif extra is False:
                problem = Mismatch(path, f"the property {str(name)!r} is not allowed")
            elif isinstance(extra, Mapping):
                problem = self.check(extra, item, _step(path, str(name)))
            else:
                problem = None
            if problem is not None:
                return problem
        return None


def first_problem(
    schema: Mapping[str, Any], value: Any, what: str = "response_format"
) -> Mismatch | None:
    """The first place ``value`` (parsed JSON) breaks ``schema``, or ``None`` when it fits.

    The schema is checked first (``UnsupportedInputError`` when it cannot be used).
    """
    check_schema(schema, what)
    try:
        return _Validator(schema).check(schema, value, "$")
    except RecursionError:
        return Mismatch("$", "is nested too deeply to be checked")


# --- schemas made strict ------------------------------------------------------------------------

_SCALARS = frozenset({"string", "number", "integer", "boolean", "null"})


def _nullable(node: dict[str, Any]) -> dict[str, Any]:
    """``node`` also accepting ``null``: ``"type": [..., "null"]`` for a plain scalar (the form
    OpenAI's guide shows for an optional field), else ``anyOf [node, {"type": "null"}]``."""
    kinds = node.get("type")
    names = [kinds] if isinstance(kinds, str) else kinds
    if (
        isinstance(names, list)
        and set(names) <= _SCALARS
        and not {"enum", "const", "$ref", *_SCHEMA_LISTS} & node.keys()
    ):
        return node if "null" in names else {**node, "type": [*names, "null"]}
    return {"anyOf": [node, {"type": "null"}]}


def _close_object(node: dict[str, Any], at: tuple[str, ...], what: str, caller: bool) -> None:
    """Close an object schema in place, every property required; for a caller's schema, a
    property it left optional becomes nullable (the answer's ``null`` for it is dropped again
    by :func:`drop_sent_nulls`)."""
    extra = node.get("additionalProperties", True)
    if isinstance(extra, Mapping):
        fix = (
            "list the properties, or use an array of key/value objects"
            if caller
            else "use a list of key/value models or a nested model"
        )
        raise _refuse(
            what,
            (*at, "additionalProperties"),
            f"is a schema{'' if caller else ' (a dict field)'}: strict structured output only "
            f"takes objects with fixed properties; {fix}",
        )
    properties: dict[str, Any] = dict(node.get("properties", {}))
    if caller:
        if "additionalProperties" in node and extra is not False:
            raise _refuse(
                what,
                (*at, "additionalProperties"),
                f"is {_json_text(extra)}: strict structured output only takes objects with fixed "
                "properties; remove it (objects are sent closed) or list the properties",
            )
        required = node.get("required", [])
        for name in required:
            if name not in properties:
                raise _refuse(
                    what,
                    (*at, "required"),
                    f"lists {name!r}, which is not in properties: strict structured output needs "
                    "a schema for every property; add it to properties",
                )
        properties = {
            name: sub if name in required or not isinstance(sub, dict) else _nullable(sub)
            for name, sub in properties.items()
        }
        if "properties" in node:
            node["properties"] = properties
    node["additionalProperties"] = False
    node["required"] = list(properties)


def _json_text(value: object) -> str:
    """A JSON value as it was written (``true``, not ``True``)."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return _short(value)


def _strict_node(
    root: Mapping[str, Any],
    node: Any,
    at: tuple[str, ...],
    inlining: tuple[str, ...],
    *,
    what: str,
    caller: bool,
) -> Any:
    if not isinstance(node, Mapping):
        return node
    node = dict(node)
    ref = node.get("$ref")
    if isinstance(ref, str) and len(node) > 1:
        # pydantic puts a field's description next to its $ref; strict schemas want a bare
        # $ref, so the definition is copied in (once: a recursive one keeps its bare $ref).
        node.pop("$ref")
        target = _resolve(root, ref)
        if ref in inlining or not isinstance(target, Mapping):
            node = {"$ref": ref}
        else:
            node = {**copy.deepcopy(dict(target)), **node}
            inlining = (*inlining, ref)
    node.pop("default", None)  # every property is required, so a default never applies
    node.pop("discriminator", None)  # an OpenAPI hint pydantic adds to tagged unions
    if "oneOf" in node and "anyOf" not in node:
        # OpenAI's guide names anyOf, not oneOf; the answer is still checked against the
        # caller's own schema (pydantic, or first_problem for a dict), exclusivity included.
        node["anyOf"] = node.pop("oneOf")

    def strict(sub: Any, where: tuple[str, ...]) -> Any:
        return _strict_node(root, sub, (*at, *where), inlining, what=what, caller=caller)

    for key in _SCHEMA_MAPS:
        if isinstance(node.get(key), Mapping):
            node[key] = {name: strict(sub, (key, name)) for name, sub in node[key].items()}
    for key in _SCHEMA_LISTS:
        if isinstance(node.get(key), list):
            node[key] = [strict(sub, (key, str(i))) for i, sub in enumerate(node[key])]
    if "items" in node:
        node["items"] = strict(node["items"], ("items",))
    kinds = node.get("type")
    if kinds == "object" or (isinstance(kinds, list) and "object" in kinds) or "properties" in node:
        _close_object(node, at, what, caller)
    return node


def strict_schema(
    schema: Mapping[str, Any], what: str = "response_format", *, caller: bool = False
) -> dict[str, Any]:
    """A JSON schema as ``strict: true`` wants it: every object closed
    (``additionalProperties: false``) and every property required, defaults dropped, ``$ref``
    bare, ``oneOf`` sent as ``anyOf``. The input is not changed.

    For a pydantic model's schema (``caller=False``) an optional field is already nullable
    (``anyOf [..., null]``) and the answer is validated by pydantic, so its defaults and extras
    apply there. For a caller's own dict (``caller=True``) a property left out of ``required``
    is made nullable, and what strict mode cannot express is refused rather than changed: an
    explicit ``additionalProperties`` other than ``false``, a ``required`` name with no schema
    in ``properties``. The dict is checked with :func:`check_schema` first, so refusals name
    places in the caller's schema.
    """
    if caller:
        check_schema(schema, what)
    strict: dict[str, Any] = _strict_node(schema, schema, (), (), what=what, caller=caller)
    check_schema(strict, what)
    return strict


# --- answers read back ---------------------------------------------------------------------------


class _NullDropper:
    """Walks an answer along the caller's schema, leaving out each ``null`` the strict form
    forced on a property the caller left optional."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.validator = _Validator(root)

    def drop(self, node: Mapping[str, Any], value: Any) -> Any:
        ref = node.get("$ref")
        if isinstance(ref, str):
            value = self.drop(_resolve(self.root, ref), value)  # type: ignore[arg-type]
        if isinstance(value, Mapping) and isinstance(node.get("properties"), Mapping):
            properties = node["properties"]
            required = node.get("required", ())
            kept = {}
            for name, item in value.items():
                schema = properties.get(name)
                if not isinstance(schema, Mapping):
                    kept[name] = item
                elif (
                    item is None
                    and name not in required
                    and self.validator.check(schema, None, "$") is not None
                ):
                    continue  # null only stood for "absent": the caller's schema refuses it
                else:
                    kept[name] = self.drop(schema, item)
            value = kept
        if isinstance(value, list) and isinstance(node.get("items"), Mapping):
            value = [self.drop(node["items"], item) for item in value]
        for key in _SCHEMA_LISTS:
            for sub in node.get(key) or ():
                candidate = self.drop(sub, value)  # the first alternative the result fits
                if self.validator.check(sub, candidate, "$") is None:
                    value = candidate
                    break
        return value


def drop_sent_nulls(schema: Mapping[str, Any], value: Any) -> Any:
    """``value`` (an answer to ``strict_schema(schema, caller=True)``) as ``schema`` describes
    it: a property ``schema`` leaves optional, and whose own schema does not allow ``null``,
    was sent as required-and-nullable, so its ``null`` means "absent" and the key is left out.
    A ``null`` the caller's schema allows is kept. The input is not changed."""
    try:
        return _NullDropper(schema).drop(schema, value)
    except RecursionError:
        return value  # first_problem reports the nesting


__all__ = [
    "KEYWORDS",
    "NOT_SUPPORTED",
    "TYPES",
    "Mismatch",
    "check_schema",
    "drop_sent_nulls",
    "first_problem",
    "json_equal",
    "strict_schema",
]
