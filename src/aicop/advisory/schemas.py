"""The JSON schemas of OSV and CSAF 2.0, shipped as package data and pinned by digest.

aicop validates every OSV record it imports and every bulletin it writes; the schema that decides is
the file in this package, and only if its SHA-256 is the one pinned here (a damaged or edited install
is a bug, not a softer check). ``tools/fetch_advisory_schemas.py`` says where the files came from.

OSV records are validated with fastjsonschema, which compiles the schema into Python once: jsonschema
took 4.3 ms a record on OSV's schema (about three minutes for a 40,000-record export), fastjsonschema
0.8 ms. fastjsonschema knows drafts 4 to 7, and OSV's schema is declared 2020-12; it uses only keywords
whose meaning is the same in draft 7 (``DRAFT7_SAFE`` below; a test fails if a new schema uses any
other), so it is compiled as draft 7. CSAF (a handful of documents, with external references to the
CVSS schemas) goes through jsonschema with a local registry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

PINNED = {
    "osv-schema.json": "b769e23a12078b258ef4d2410f036eedbf23e84815e76f29aa358e43b0bd2a0d",
    "csaf-2.0.json": "29c114b35b0a30831f1674f2ab8b3ed9b2890cfeaa63b924ac6ed9d70ef44262",
    "cvss-v2.0.json": "cd1a7c0815b7a47dc12fb7dded10622b96d562841f7bc6d2d8765c5d937a28f2",
    "cvss-v3.0.json": "b2b587e5dfa6d9a4be89e25cb593df04f14e7ffbe8fe5b167ceee17b6097d919",
    "cvss-v3.1.json": "77ff3df106e4588e2bb5c9cf0237f962c62d35c5002443c4bf7cc7ca16ee171f",
}
CVSS_URLS = {
    "https://www.first.org/cvss/cvss-v2.0.json": "cvss-v2.0.json",
    "https://www.first.org/cvss/cvss-v3.0.json": "cvss-v3.0.json",
    "https://www.first.org/cvss/cvss-v3.1.json": "cvss-v3.1.json",
}
DRAFT7_SAFE = frozenset(
    {
        "$schema", "$id", "$defs", "$ref", "title", "description", "type", "properties", "required",
        "items", "pattern", "enum", "const", "if", "then", "allOf", "oneOf", "anyOf", "not", "contains",
        "minItems", "format", "additionalProperties", "uniqueItems", "minLength", "examples",
    }
)  # fmt: skip


class SchemaDamaged(RuntimeError):
    """A shipped schema file is not the pinned one: the installation is broken."""


def raw(name: str) -> bytes:
    data = resources.files("aicop.advisory").joinpath("schemas", name).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != PINNED[name]:
        raise SchemaDamaged(
            f"aicop/advisory/schemas/{name} has SHA-256 {digest}, not the pinned {PINNED[name]}"
        )
    return data


@cache
def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(raw(name))
    return document


def keywords(node: object, found: set[str] | None = None, *, under_properties: bool = False) -> set[str]:
    """Every schema keyword used anywhere in ``node`` (names under ``properties``/``$defs`` excluded)."""
    found = set() if found is None else found
    if isinstance(node, dict):
        for key, value in node.items():
            if not under_properties:
                found.add(key)
            keywords(value, found, under_properties=key in ("properties", "$defs") and not under_properties)
    elif isinstance(node, list):
        for item in node:
            keywords(item, found)
    return found


@cache
def osv_validator() -> Callable[[Any], Any]:
    """A compiled validator of one OSV record; raises fastjsonschema.JsonSchemaValueException."""
    import fastjsonschema

    schema = dict(load("osv-schema.json"))
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    validate: Callable[[Any], Any] = fastjsonschema.compile(schema)
    return validate


def osv_errors(record: Any) -> list[str]:
    """The schema errors of one OSV record (empty when valid), each naming the place in the record."""
    import fastjsonschema

    try:
        osv_validator()(record)
    except fastjsonschema.JsonSchemaValueException as err:
        return [err.message]
    return []


def csaf_errors(document: Any) -> list[str]:
    """Every CSAF 2.0 schema error of ``document``, each as 'path: message'."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    registry: Registry[Any] = Registry().with_resources(
        (url, Resource.from_contents(load(name))) for url, name in CVSS_URLS.items()
    )
    validator = Draft202012Validator(load("csaf-2.0.json"), registry=registry)
    return [
        f"{'/'.join(str(p) for p in err.absolute_path) or '(document)'}: {err.message}"
        for err in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    ]


def osv_full_errors(record: Any) -> list[str]:
    """Every OSV schema error of a record we write ourselves (jsonschema, all errors, slower)."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(load("osv-schema.json"))
    return [
        f"{'/'.join(str(p) for p in err.absolute_path) or '(record)'}: {err.message}"
        for err in validator.iter_errors(record)
    ]
