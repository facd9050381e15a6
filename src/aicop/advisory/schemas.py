"""The JSON schemas of OSV and CSAF 2.0, shipped as package data and pinned by digest.

aicop validates every OSV record it imports and every bulletin it writes; the schema that decides is
the file in this package, and only if its SHA-256 is the one pinned here (a damaged or edited install
is a bug, not a softer check). ``tools/fetch_advisory_schemas.py`` says where the files came from.

OSV records are validated with jsonschema-rs, a compiled validator of draft 2020-12 (the schema's own
draft): it checks a typical PyPI record in about 0.02 ms, where the pure-Python jsonschema took 4.3 ms
(about three minutes for a 40,000-record export) and fastjsonschema, which knows only drafts 4 to 7,
0.8 ms. The bulletins aicop writes (a handful, with external references to the CVSS schemas, and every
error wanted) go through jsonschema with a local registry (imported through ``aicop.schemaformat``,
without the second it would spend compiling a grammar these schemas never use).
"""

from __future__ import annotations

import hashlib
import json
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


@cache
def osv_validator() -> Any:
    """The compiled validator of one OSV record (jsonschema-rs, draft 2020-12)."""
    import jsonschema_rs

    return jsonschema_rs.validator_for(load("osv-schema.json"))


def osv_errors(record: Any) -> list[str]:
    """The schema errors of one OSV record (empty when valid), each naming the place in the record."""
    validator = osv_validator()
    if validator.is_valid(record):
        return []
    return [
        f"{'/'.join(str(p) for p in err.instance_path) or '(record)'}: {err.message}"
        for err in validator.iter_errors(record)
    ]


@cache
def _csaf_validator() -> Any:
    from referencing import Registry, Resource

    from aicop.schemaformat import jsonschema_module

    registry: Registry[Any] = Registry().with_resources(
        (url, Resource.from_contents(load(name))) for url, name in CVSS_URLS.items()
    )
    return jsonschema_module().Draft202012Validator(load("csaf-2.0.json"), registry=registry)


@cache
def _osv_full_validator() -> Any:
    from aicop.schemaformat import jsonschema_module

    return jsonschema_module().Draft202012Validator(load("osv-schema.json"))


def csaf_errors(document: Any) -> list[str]:
    """Every CSAF 2.0 schema error of ``document``, each as 'path: message'."""
    return [
        f"{'/'.join(str(p) for p in err.absolute_path) or '(document)'}: {err.message}"
        for err in sorted(
            _csaf_validator().iter_errors(document), key=lambda e: list(map(str, e.absolute_path))
        )
    ]


def osv_full_errors(record: Any) -> list[str]:
    """Every OSV schema error of a record we write ourselves (jsonschema: all errors, slower)."""
    return [
        f"{'/'.join(str(p) for p in err.absolute_path) or '(record)'}: {err.message}"
        for err in _osv_full_validator().iter_errors(record)
    ]
