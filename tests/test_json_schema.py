"""The strict-subset JSON-schema checker and validator (``clawdbot_litellm.json_schema``)."""

from __future__ import annotations

import copy
import json
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from pydantic import BaseModel, Field

from clawdbot_litellm.errors import UnsupportedInputError
from clawdbot_litellm.json_schema import (
    KEYWORDS,
    NOT_SUPPORTED,
    check_schema,
    drop_sent_nulls,
    first_problem,
    strict_schema,
)


def obj(**properties: Any) -> dict[str, Any]:
    """A top-level object schema with these properties (none required)."""
    return {"type": "object", "properties": properties}


# (schema, value, expected path or None when the value fits, message fragment)
CASES: list[tuple[dict[str, Any], Any, str | None, str]] = [
    # type, one name or a list; booleans are not numbers, 1.0 is an integer
    (obj(a={"type": "string"}), {"a": "x"}, None, ""),
    (obj(a={"type": "string"}), {"a": 1}, "$.a", "1 is not of type string (it is integer)"),
    (obj(a={"type": "integer"}), {"a": 2.0}, None, ""),
    (obj(a={"type": "integer"}), {"a": 2.5}, "$.a", "not of type integer"),
    (obj(a={"type": "integer"}), {"a": True}, "$.a", "True is not of type integer (it is boolean)"),
    (obj(a={"type": "number"}), {"a": False}, "$.a", "not of type number (it is boolean)"),
    (obj(a={"type": "number"}), {"a": 3}, None, ""),
    (obj(a={"type": "boolean"}), {"a": 0}, "$.a", "not of type boolean"),
    (obj(a={"type": "null"}), {"a": None}, None, ""),
    (obj(a={"type": "array"}), {"a": {}}, "$.a", "not of type array (it is object)"),
    (obj(a={"type": ["string", "null"]}), {"a": None}, None, ""),
    (obj(a={"type": ["string", "null"]}), {"a": 1}, "$.a", "not of type string or null"),
    ({"type": "object"}, [], "$", "[] is not of type object (it is array)"),
    # properties, required, additionalProperties (bool or schema)
    ({**obj(a={}), "required": ["a"]}, {}, "$", "the required property 'a' is missing"),
    ({**obj(a={}), "additionalProperties": False}, {"b": 1}, "$", "property 'b' is not allowed"),
    ({**obj(a={}), "additionalProperties": True}, {"b": 1}, None, ""),
    (
        {"type": "object", "additionalProperties": {"type": "integer"}},
        {"b": "x"},
        "$.b",
        "not of type integer",
    ),
    (obj(**{"a b": {"type": "string"}}), {"a b": 1}, "$['a b']", "not of type string"),
    # items, minItems, maxItems
    (obj(a={"type": "array", "items": {"type": "integer"}}), {"a": [1, "x"]}, "$.a[1]", "'x'"),
    (obj(a={"type": "array", "minItems": 2}), {"a": [1]}, "$.a", "has 1 items, fewer than 2"),
    (obj(a={"type": "array", "maxItems": 1}), {"a": [1, 2]}, "$.a", "has 2 items, more than 1"),
    (obj(a={"type": "array", "minItems": 1, "maxItems": 1}), {"a": [1]}, None, ""),
    # enum and const compare as JSON: true is not 1, 1 is 1.0
    (obj(a={"enum": ["x", "y"]}), {"a": "z"}, "$.a", "'z' is not one of 'x', 'y'"),
    (obj(a={"enum": [1, None]}), {"a": True}, "$.a", "True is not one of 1, None"),
    (obj(a={"enum": [1]}), {"a": 1.0}, None, ""),
    (obj(a={"enum": [[1, {"b": True}]]}), {"a": [1, {"b": True}]}, None, ""),
    (obj(a={"const": False}), {"a": 0}, "$.a", "must be False"),
    (obj(a={"const": {"k": 1}}), {"a": {"k": 1}}, None, ""),
    # anyOf (the deepest problem is the one meant), oneOf
    (obj(a={"anyOf": [{"type": "string"}, {"type": "null"}]}), {"a": None}, None, ""),
    (
        obj(a={"anyOf": [{"type": "string"}, {"type": "null"}]}),
        {"a": 1},
        "$.a",
        "matches none of the 2 anyOf alternatives (1 is not of type string",
    ),
    (
        obj(a={"anyOf": [{**obj(b={"type": "integer"})}, {"type": "null"}]}),
        {"a": {"b": "x"}},
        "$.a.b",
        "not of type integer",
    ),
    (obj(a={"oneOf": [{"type": "integer"}, {"type": "number"}]}), {"a": 1.5}, None, ""),
    (
        obj(a={"oneOf": [{"type": "integer"}, {"type": "number"}]}),
        {"a": 1},
        "$.a",
        "matches oneOf alternatives 0, 1; exactly one must match",
    ),
    (obj(a={"oneOf": [{"type": "integer"}]}), {"a": "x"}, "$.a", "matches none of the 1 oneOf"),
    # numbers
    (obj(a={"minimum": 1}), {"a": 0}, "$.a", "0 is less than the minimum 1"),
    (obj(a={"minimum": 1}), {"a": 1}, None, ""),
    (obj(a={"maximum": 1.5}), {"a": 2}, "$.a", "2 is more than the maximum 1.5"),
    (obj(a={"exclusiveMinimum": 1}), {"a": 1}, "$.a", "1 is not more than 1"),
    (obj(a={"exclusiveMaximum": 1}), {"a": 1}, "$.a", "1 is not less than 1"),
    (obj(a={"exclusiveMaximum": 1}), {"a": 0.5}, None, ""),
    (obj(a={"multipleOf": 3}), {"a": 7}, "$.a", "7 is not a multiple of 3"),
    (obj(a={"multipleOf": 0.1}), {"a": 0.3}, None, ""),
    (obj(a={"multipleOf": 0.5}), {"a": 10**400}, None, ""),
    (obj(a={"minimum": 0}), {"a": "x"}, None, ""),  # numeric keywords ignore other types
    # strings: length in characters, pattern unanchored, format not enforced
    (obj(a={"minLength": 2}), {"a": "é"}, "$.a", "'é' is shorter than 2 characters"),
    (obj(a={"maxLength": 2}), {"a": "abc"}, "$.a", "'abc' is longer than 2 characters"),
    (obj(a={"pattern": "^@[a-z]+$"}), {"a": "@bob"}, None, ""),
    (obj(a={"pattern": "^@[a-z]+$"}), {"a": "bob"}, "$.a", "'bob' does not match '^@[a-z]+$'"),
    (obj(a={"pattern": "b"}), {"a": "abc"}, None, ""),
    (obj(a={"format": "email"}), {"a": "not an email"}, None, ""),
    # annotations never fail a value
    (
        obj(a={"description": "d", "title": "t", "default": 1, "type": "string"}),
        {"a": "x"},
        None,
        "",
    ),
    # $ref to #/$defs, #/definitions and the root
    (
        {**obj(a={"$ref": "#/$defs/n"}), "$defs": {"n": {"type": "integer"}}},
        {"a": "x"},
        "$.a",
        "not of type integer",
    ),
    (
        {**obj(a={"$ref": "#/definitions/n"}), "definitions": {"n": {"type": "integer"}}},
        {"a": 1},
        None,
        "",
    ),
    ({**obj(child={"$ref": "#"}), "required": ["v"]}, {"v": 1, "child": {}}, "$.child", "'v'"),
]


@pytest.mark.parametrize(("schema", "value", "path", "message"), CASES)
def test_values_against_each_keyword(
    schema: dict[str, Any], value: Any, path: str | None, message: str
) -> None:
    check_schema(schema)
    problem = first_problem(schema, value)
    if path is None:
        assert problem is None
    else:
        assert problem is not None
        assert problem.path == path
        assert message in problem.message


def test_every_keyword_of_the_subset_has_a_case() -> None:
    used: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            used.update(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for schema, *_ in CASES:
        walk(schema)
    assert not KEYWORDS - used, KEYWORDS - used


LINKED_LIST = {
    "type": "object",
    "properties": {"head": {"$ref": "#/$defs/node"}},
    "required": ["head"],
    "additionalProperties": False,
    "$defs": {
        "node": {
            "type": "object",
            "properties": {
                "value": {"type": "number"},
                "next": {"anyOf": [{"$ref": "#/$defs/node"}, {"type": "null"}]},
            },
            "required": ["value", "next"],
            "additionalProperties": False,
        }
    },
}


def test_recursive_refs_validate_to_any_depth() -> None:
    chain: Any = None
    for value in range(50):
        chain = {"value": value, "next": chain}
    assert first_problem(LINKED_LIST, {"head": chain}) is None
    chain["next"]["next"]["value"] = "x"
    problem = first_problem(LINKED_LIST, {"head": chain})
    assert problem is not None
    assert problem.path == "$.head.next.next.value"


def test_a_value_nested_past_the_recursion_limit_is_a_problem_not_a_crash() -> None:
    deep: Any = None
    for _ in range(5000):
        deep = {"value": 0, "next": deep}
    problem = first_problem(LINKED_LIST, {"head": deep})
    assert problem is not None
    assert "nested too deeply" in problem.message


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ([], "must be a JSON-schema object, not list"),
        ({"type": "array"}, '#/type must be "object" at the top level'),
        ({"anyOf": [{"type": "object"}]}, '#/type must be "object" at the top level'),
        (obj(a={"type": "int"}), "#/properties/a/type must be one of object, array"),
        (obj(a={"type": []}), "#/properties/a/type must be one of"),
        (obj(a={"type": ["string", "string"]}), "#/properties/a/type must be one of"),
        (obj(a={"patternProperties": {}}), "#/properties/a/patternProperties is not in the strict"),
        (obj(a={"not": {}}), "#/properties/a/not is not supported by strict structured output"),
        (obj(a={"uniqueItems": True}), "#/properties/a/uniqueItems is not in the strict"),
        (obj(a={"prefixItems": []}), "#/properties/a/prefixItems is not in the strict"),
        ({**obj(), "$schema": "x"}, "#/$schema is not in the strict"),
        (obj(**{"a/b": {"x-if": {}}}), "#/properties/a~1b/x-if is not in the strict"),
        (obj(a=True), "#/properties/a is a bool; a schema must be an object"),
        ({"type": "object", "properties": []}, "#/properties must be an object of name: schema"),
        ({"type": "object", "required": "a"}, "#/required must be a list of property names"),
        ({"type": "object", "required": [1]}, "#/required must be a list of property names"),
        ({"type": "object", "additionalProperties": 1}, "#/additionalProperties is a int"),
        (obj(a={"items": [{}]}), "#/properties/a/items is a list"),
        (obj(a={"enum": []}), "#/properties/a/enum must be a non-empty list"),
        (obj(a={"anyOf": []}), "#/properties/a/anyOf must be a non-empty list of schemas"),
        (obj(a={"oneOf": {}}), "#/properties/a/oneOf must be a non-empty list of schemas"),
        (obj(a={"oneOf": [1]}), "#/properties/a/oneOf/0 is a int"),
        (obj(a={"$ref": "#/$defs/missing"}), "'#/$defs/missing' names no schema"),
        (obj(a={"$ref": "other.json#/x"}), "'other.json#/x' names no schema"),
        (obj(a={"$ref": "#/properties/a"}), "'#/properties/a' names no schema"),
        (obj(a={"$ref": 3}), "3 names no schema"),
        ({**obj(), "$defs": {"d": {"type": "nope"}}}, "#/$defs/d/type must be one of"),
        (obj(a={"minimum": "1"}), "#/properties/a/minimum must be a number"),
        (obj(a={"exclusiveMinimum": True}), "#/properties/a/exclusiveMinimum must be a number"),
        (obj(a={"maximum": float("inf")}), "#/properties/a/maximum must be a number"),
        (obj(a={"multipleOf": 0}), "#/properties/a/multipleOf must be greater than 0"),
        (obj(a={"minLength": -1}), "#/properties/a/minLength must be a non-negative integer"),
        (obj(a={"maxItems": 1.5}), "#/properties/a/maxItems must be a non-negative integer"),
        (obj(a={"minItems": True}), "#/properties/a/minItems must be a non-negative integer"),
        (obj(a={"pattern": "("}), "#/properties/a/pattern '(' is not a regular expression"),
        (obj(a={"format": 1}), "#/properties/a/format must be a string"),
        (obj(a={"description": None}), "#/properties/a/description must be a string"),
        (
            {
                **obj(a={"$ref": "#/$defs/x"}),
                "$defs": {"x": {"$ref": "#/$defs/y"}, "y": {"anyOf": [{"$ref": "#/$defs/x"}]}},
            },
            "the $ref loop #/$defs/x -> #/$defs/y -> #/$defs/x never reaches a value",
        ),
        ({"type": "object", "anyOf": [{"$ref": "#"}]}, "the $ref loop # -> # never reaches"),
    ],
)
def test_schemas_outside_the_subset_are_refused_with_their_location(
    schema: Any, message: str
) -> None:
    with pytest.raises(UnsupportedInputError, match="response_format") as caught:
        check_schema(schema)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_ref_loop_through_a_property_is_fine() -> None:
    tree = {
        **obj(children={"type": "array", "items": {"$ref": "#"}}),
        "additionalProperties": False,
    }
    check_schema(tree)
    problem = first_problem(tree, {"children": [{"children": []}, {"children": [{"x": 1}]}]})
    assert problem is not None
    assert (problem.path, problem.message) == (
        "$.children[1].children[0]",
        "the property 'x' is not allowed",
    )


# --- pydantic classes made strict ----------------------------------------------------------------


class Address(BaseModel):
    street: str
    number: int | None = None


class Node(BaseModel):
    value: int
    next: Node | None = Field(None, description="the next node")


class Person(BaseModel):
    """Someone."""

    name: str
    nickname: str | None = None
    home: Address = Field(description="where they live")
    work: Address | None = None
    kind: Literal["a", "b"] = "a"
    age: int = Field(0, ge=0)
    chain: Node


def test_a_pydantic_class_is_sent_closed_with_every_property_required() -> None:
    original = Person.model_json_schema()
    before = json.dumps(original, sort_keys=True)
    strict = strict_schema(original)
    assert json.dumps(original, sort_keys=True) == before  # the input is not changed
    assert strict["additionalProperties"] is False
    assert strict["required"] == ["name", "nickname", "home", "work", "kind", "age", "chain"]
    # optional fields stay nullable, defaults go (every property is sent anyway)
    assert strict["properties"]["nickname"] == {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "title": "Nickname",
    }
    assert strict["properties"]["age"] == {"minimum": 0, "title": "Age", "type": "integer"}
    # a $ref with a description next to it is inlined, and closed too
    home = strict["properties"]["home"]
    assert "$ref" not in home
    assert home["description"] == "where they live"
    assert (home["additionalProperties"], home["required"]) == (False, ["street", "number"])
    # nested definitions, recursive ones included
    assert strict["properties"]["work"]["anyOf"][0] == {"$ref": "#/$defs/Address"}
    for name in ("Address", "Node"):
        definition = strict["$defs"][name]
        assert definition["additionalProperties"] is False
        assert definition["required"] == list(definition["properties"])
    assert strict["$defs"]["Node"]["properties"]["next"] == {
        "anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}],
        "description": "the next node",
    }


def test_the_strict_schema_accepts_what_pydantic_accepts_once_every_field_is_sent() -> None:
    strict = strict_schema(Person.model_json_schema())
    answer = {
        "name": "Ann",
        "nickname": None,
        "home": {"street": "Main", "number": 3},
        "work": None,
        "kind": "b",
        "age": 4,
        "chain": {"value": 1, "next": {"value": 2, "next": None}},
    }
    assert first_problem(strict, answer) is None
    assert Person.model_validate(answer).chain.next is not None
    missing = {k: v for k, v in answer.items() if k != "nickname"}
    problem = first_problem(strict, missing)
    assert problem is not None
    assert problem.message == "the required property 'nickname' is missing"
    broken = {**answer, "home": {"street": "Main", "number": 3, "zip": "x"}}
    problem = first_problem(strict, broken)
    assert problem is not None
    assert (problem.path, problem.message) == ("$.home", "the property 'zip' is not allowed")


def test_a_ref_to_a_recursive_definition_with_a_description_is_inlined_once() -> None:
    class Tree(BaseModel):
        children: list[Tree]
        parent: Tree | None = Field(None, description="up")

    class Root(BaseModel):
        tree: Tree = Field(description="the tree")

    strict = strict_schema(Root.model_json_schema())
    tree = strict["properties"]["tree"]
    assert tree["description"] == "the tree"
    assert tree["properties"]["children"]["items"] == {"$ref": "#/$defs/Tree"}
    assert tree["properties"]["parent"]["anyOf"][0] == {"$ref": "#/$defs/Tree"}


def test_tagged_unions_become_anyof() -> None:
    class Cat(BaseModel):
        kind: Literal["cat"]

    class Dog(BaseModel):
        kind: Literal["dog"]

    class Pet(BaseModel):
        pet: Cat | Dog = Field(discriminator="kind")

    assert "discriminator" in json.dumps(Pet.model_json_schema())
    pet = strict_schema(Pet.model_json_schema())["properties"]["pet"]
    assert "discriminator" not in pet
    assert pet["anyOf"] == [{"$ref": "#/$defs/Cat"}, {"$ref": "#/$defs/Dog"}]


@pytest.mark.parametrize(
    ("annotation", "message"),
    [
        (dict[str, int], "#/properties/field/additionalProperties is a schema (a dict field)"),
        (set[int], "#/properties/field/uniqueItems is not in the strict"),
        (tuple[int, str], "#/properties/field/prefixItems is not in the strict"),
    ],
)
def test_class_fields_strict_output_cannot_express_are_refused(
    annotation: Any, message: str
) -> None:
    from pydantic import create_model

    model = create_model("M", field=(annotation, ...))
    with pytest.raises(UnsupportedInputError, match="response_format M") as caught:
        strict_schema(model.model_json_schema(), "response_format M")
    assert message in str(caught.value)


# --- keywords strict mode does not support --------------------------------------------------------

PREFIX = "response_format cannot be sent as a strict schema: "


@pytest.mark.parametrize(
    ("keyword", "fix"),
    [
        ("allOf", "merge its schemas into one"),
        ("not", "list the allowed values with enum instead"),
        ("dependentRequired", "make the properties nullable and check the dependency in your code"),
        ("dependentSchemas", "make the properties nullable and check the dependency in your code"),
        ("if", "make the properties nullable and check the condition in your code"),
        ("then", "make the properties nullable and check the condition in your code"),
        ("else", "make the properties nullable and check the condition in your code"),
    ],
)
def test_keywords_the_guide_lists_as_unsupported_are_refused_for_dicts_and_classes(
    keyword: str, fix: str
) -> None:
    from pydantic import create_model

    assert NOT_SUPPORTED[keyword] == fix
    expected = (
        f"#/properties/a/{keyword} is not supported by strict structured output (OpenAI's "
        f"structured-outputs guide); {fix}"
    )
    schema = obj(a={"type": "string", keyword: [{"type": "string"}]})
    for refuse in (check_schema, lambda s: strict_schema(s, caller=True)):
        with pytest.raises(UnsupportedInputError) as caught:
            refuse(schema)
        assert str(caught.value) == PREFIX + expected
    model = create_model("M", a=(str, Field(json_schema_extra={keyword: [{"type": "string"}]})))
    with pytest.raises(UnsupportedInputError) as caught:
        strict_schema(model.model_json_schema(), "response_format M")
    assert str(caught.value) == "response_format M cannot be sent as a strict schema: " + expected


def test_constraints_the_guide_refuses_only_for_fine_tuned_models_are_kept() -> None:
    kept = {"type": "string", "minLength": 1, "maxLength": 9, "pattern": "^a", "format": "email"}
    numbers = {"type": "number", "minimum": 0, "maximum": 9, "multipleOf": 0.5}
    array = {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3}
    schema = {**obj(s=kept, n=numbers, l=array), "required": ["s", "n", "l"]}
    assert strict_schema(schema, caller=True)["properties"] == {"s": kept, "n": numbers, "l": array}


# --- a caller's dict made strict -----------------------------------------------------------------


def test_a_plain_dict_is_sent_closed_every_property_required_optional_ones_nullable() -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    assert strict_schema(schema, caller=True) == {
        "type": "object",
        "properties": {"city": {"type": ["string", "null"]}},
        "additionalProperties": False,
        "required": ["city"],
    }
    assert schema == {"type": "object", "properties": {"city": {"type": "string"}}}


NESTED: dict[str, Any] = {
    "title": "Trip",
    "type": "object",
    "properties": {
        "city": {"type": "string", "description": "where", "default": "Paris"},
        "days": {"type": ["integer", "null"]},
        "mood": {"enum": ["calm", "busy"]},
        "stops": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "hours": {"type": "number"}},
                "required": ["name"],
            },
        },
        "home": {"$ref": "#/$defs/place"},
        "pick": {"oneOf": [{"type": "integer"}, {"type": "number"}]},
    },
    "required": ["city", "stops"],
    "$defs": {"place": {"type": "object", "properties": {"zip": {"type": "string"}}}},
}


def test_a_nested_dict_is_made_strict_without_changing_the_callers_dict() -> None:
    before = json.dumps(NESTED)
    strict = strict_schema(NESTED, caller=True)
    assert json.dumps(NESTED) == before
    assert strict == {
        "title": "Trip",
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "where"},  # required: as written
            "days": {"type": ["integer", "null"]},  # already nullable
            "mood": {"anyOf": [{"enum": ["calm", "busy"]}, {"type": "null"}]},
            "stops": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "hours": {"type": ["number", "null"]},
                    },
                    "required": ["name", "hours"],
                    "additionalProperties": False,
                },
            },
            "home": {"anyOf": [{"$ref": "#/$defs/place"}, {"type": "null"}]},
            "pick": {
                "anyOf": [{"anyOf": [{"type": "integer"}, {"type": "number"}]}, {"type": "null"}]
            },
        },
        "required": ["city", "days", "mood", "stops", "home", "pick"],
        "$defs": {
            "place": {
                "type": "object",
                "properties": {"zip": {"type": ["string", "null"]}},
                "additionalProperties": False,
                "required": ["zip"],
            }
        },
        "additionalProperties": False,
    }


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (
            {**obj(a={"type": "string"}), "additionalProperties": True},
            "#/additionalProperties is true: strict structured output only takes objects with "
            "fixed properties; remove it (objects are sent closed) or list the properties",
        ),
        (
            obj(a={"type": "object", "additionalProperties": {"type": "integer"}}),
            "#/properties/a/additionalProperties is a schema: strict structured output only "
            "takes objects with fixed properties; list the properties, or use an array of "
            "key/value objects",
        ),
        (
            {**obj(a={"type": "string"}), "required": ["a", "b"]},
            "#/required lists 'b', which is not in properties: strict structured output needs a "
            "schema for every property; add it to properties",
        ),
        (
            {**obj(), "$defs": {"d": {"type": "object", "additionalProperties": True}}},
            "#/$defs/d/additionalProperties is true: strict structured output",
        ),
    ],
)
def test_what_strict_mode_cannot_express_in_a_dict_is_refused(
    schema: dict[str, Any], message: str
) -> None:
    with pytest.raises(UnsupportedInputError) as caught:
        strict_schema(schema, caller=True)
    assert str(caught.value).startswith(PREFIX + message)
    assert "\n" not in str(caught.value)


def test_an_explicitly_closed_dict_is_sent_unchanged() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": ["number", "null"]}},
        "required": ["a", "b"],
        "additionalProperties": False,
    }
    assert strict_schema(schema, caller=True) == schema


# --- answers read back: nulls for optional properties dropped -------------------------------------


def test_a_null_the_strict_form_forced_is_dropped_and_the_value_fits_the_callers_schema() -> None:
    answer = {
        "city": "Oslo",
        "days": None,  # the caller's schema allows null: kept
        "mood": None,
        "stops": [{"name": "a", "hours": None}, {"name": "b", "hours": 2}],
        "home": {"zip": None},
        "pick": None,
    }
    before = json.dumps(answer)
    assert first_problem(NESTED, answer) is not None  # mood: null is not calm or busy
    value = drop_sent_nulls(NESTED, answer)
    assert json.dumps(answer) == before
    assert value == {
        "city": "Oslo",
        "days": None,
        "stops": [{"name": "a"}, {"name": "b", "hours": 2}],
        "home": {},
    }
    assert first_problem(NESTED, value) is None


def test_a_null_for_a_required_property_is_kept_and_reported() -> None:
    value = drop_sent_nulls(NESTED, {"city": None, "stops": []})
    assert value == {"city": None, "stops": []}
    problem = first_problem(NESTED, value)
    assert problem is not None
    assert problem.path == "$.city"


def test_nulls_inside_anyof_alternatives_are_dropped_along_the_one_that_fits() -> None:
    schema = obj(
        x={"anyOf": [{"type": "integer"}, obj(a={"type": "string"}, b={"type": "integer"})]}
    )
    value = drop_sent_nulls(schema, {"x": {"a": None, "b": 1}})
    assert value == {"x": {"b": 1}}
    assert first_problem(schema, value) is None


# --- never anything but our error ----------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=5)
    | st.integers(min_value=10**300, max_value=10**5000),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=12,
)
keywords = st.sampled_from([*sorted(KEYWORDS), "not", "items"])
schemas = st.recursive(
    st.dictionaries(keywords, json_values, max_size=3),
    lambda inner: st.dictionaries(
        keywords,
        inner
        | st.lists(inner, max_size=2)
        | st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2)
        | json_values,
        max_size=4,
    ),
    max_leaves=10,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schemas, json_values, st.booleans())
def test_checking_and_validating_raise_only_our_error(
    schema: dict[str, Any], value: Any, as_object: bool
) -> None:
    if as_object:
        schema = {**schema, "type": "object"}
    try:
        problem = first_problem(schema, value)
    except UnsupportedInputError:
        return
    assert problem is None or (problem.path.startswith("$") and problem.message)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_any_value_is_validated_against_a_recursive_schema(value: Any) -> None:
    problem = first_problem(LINKED_LIST, value)
    assert problem is None or problem.path.startswith("$")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schemas)
def test_a_dict_made_strict_is_closed_or_refused_with_our_error(schema: dict[str, Any]) -> None:
    schema = {**schema, "type": "object"}
    before = copy.deepcopy(schema)
    try:
        strict = strict_schema(schema, caller=True)
    except UnsupportedInputError:
        return
    finally:
        assert schema == before

    def closed(node: Any) -> None:
        # Only subschemas: the values of const, enum, default and examples are data, and the
        # keys of properties and $defs are names (a property may be called "properties").
        if not isinstance(node, dict):
            return
        if node.get("type") == "object" or "properties" in node:
            assert node["additionalProperties"] is False
            assert node["required"] == list(node.get("properties") or {})
        for key in ("properties", "$defs", "definitions", "patternProperties"):
            for value in (node.get(key) or {}).values():
                closed(value)
        for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            for value in node.get(key) or ():
                closed(value)
        for key in ("items", "not", "additionalProperties", "contains"):
            closed(node.get(key))

    closed(strict)
    check_schema(strict)
