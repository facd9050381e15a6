"""The shipped schemas: pinned and intact; the fast OSV validator agrees with jsonschema."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import pytest

from aicop.advisory import schemas


def test_every_shipped_schema_matches_its_pin() -> None:
    folder = resources.files("aicop.advisory").joinpath("schemas")
    shipped = {i.name for i in folder.iterdir() if i.name.endswith(".json")}
    assert shipped == set(schemas.PINNED)
    for name in shipped:
        assert schemas.load(name)["$schema"]


def test_a_damaged_schema_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(schemas.PINNED, "cvss-v2.0.json", "0" * 64)
    with pytest.raises(schemas.SchemaDamaged, match="not the pinned"):
        schemas.raw("cvss-v2.0.json")


GOOD: dict[str, Any] = {
    "id": "GHSA-aaaa-bbbb-cccc",
    "modified": "2026-01-01T00:00:00Z",
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "x"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1"}]}],
        }
    ],
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
}


def broken(path: list[Any], value: Any) -> dict[str, Any]:
    record = copy.deepcopy(GOOD)
    node = record
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return record


CASES = [
    GOOD,
    broken(["modified"], KeyError),
    broken(["modified"], "yesterday"),
    broken(["id"], "NOPE-1"),
    broken(["affected", 0, "ranges", 0, "events"], [{"fixed": "1"}]),
    broken(["affected", 0, "ranges", 0, "events"], [{"introduced": "0", "fixed": "1"}]),
    broken(
        ["affected", 0, "ranges", 0, "events"], [{"introduced": "0"}, {"fixed": "1"}, {"last_affected": "2"}]
    ),
    broken(["affected", 0, "ranges", 0, "type"], "GIT"),  # GIT needs a repo
    broken(["severity", 0, "score"], "high"),
    broken(["unknown_field"], 1),
]


@pytest.mark.parametrize("record", CASES)
def test_fast_validator_agrees_with_jsonschema(record: dict[str, Any]) -> None:
    assert bool(schemas.osv_errors(record)) == bool(schemas.osv_full_errors(record)), json.dumps(record)
