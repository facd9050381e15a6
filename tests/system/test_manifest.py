"""aicop.yaml: a valid manifest loads; every bad input names the file, the line and the field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from aicop.catalog import Catalog, Role
from aicop.errors import InputError
from aicop.system import load_manifest
from aicop.system.manifest import DocumentKind
from tests.conftest import MANIFEST, CliResult, MakeRepo

Run = Callable[..., CliResult]

FULL = """\
version: 1
system: {name: shop-assistant, version: "1.0"}
roles: [developer, system-operator]
models:
  - {name: clf, path: models/clf.safetensors, source: in-house}
  - {name: emb, uri: hf://org/emb, revision: 0123456789abcdef0123456789abcdef01234567}
datasets:
  - {name: kb, path: data/kb, public: true, sensitivity: public}
prompts:
  - {name: system, path: prompts/system.md}
external_apis:
  - {name: OpenAI, provider: OpenAI, data_sent: [messages]}
documents:
  threat-model: docs/threat-model.md
attestations:
  6.2: {status: met, owner: Platform lead, evidence: https://wiki/env, date: 2026-10-01, expires: 2027-10-01}
exclusions:
  4.6: {reason: "We offer no API to external customers."}
exclude: ["vendor/"]
"""


def test_full_manifest_loads(make_repo: MakeRepo, catalog: Catalog) -> None:
    root = make_repo(manifest=FULL)
    manifest = load_manifest(root / "aicop.yaml", root, catalog)
    assert manifest.roles == [Role.DEVELOPER, Role.SYSTEM_OPERATOR]
    assert manifest.models[1].revision == "0123456789abcdef0123456789abcdef01234567"
    assert manifest.documents[DocumentKind.THREAT_MODEL] == "docs/threat-model.md"
    # an unquoted key such as 6.2 stays the provision id "6.2", not the float 6.2
    assert manifest.attestations["6.2"].expires == dt.date(2027, 10, 1)
    assert "4.6" in manifest.exclusions


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("system: [unclosed\n", 2, "invalid YAML"),
        (MANIFEST + "colour: blue\n", 5, "colour: unknown field"),
        (
            MANIFEST.replace("roles: [developer, system-operator]", "roles: [developer, operator]"),
            4,
            "roles.1: Input should be",
        ),
        (
            MANIFEST + "attestations:\n  9.9: {status: met, owner: a, evidence: b, date: 2026-01-01}\n",
            6,
            "no provision 9.9 in catalog dsit-2024-05",
        ),
        (
            MANIFEST + 'exclusions:\n  2.1.2: {reason: "this provision does not exist at all"}\n',
            6,
            "no provision 2.1.2",
        ),
        (MANIFEST + "documents:\n  threat-model: ../../etc/passwd\n", 6, "outside the repository"),
        (MANIFEST + "documents:\n  threat-model: /etc/passwd\n", 6, "outside the repository"),
        (MANIFEST + "models:\n  - {name: m}\n", 6, "exactly one of 'path'"),
        (MANIFEST + "system:\n  name: again\n", 5, "duplicate key 'system'"),
        (
            MANIFEST + "attestations:\n  6.2: {status: done, owner: a, evidence: b, date: 2026-01-01}\n",
            6,
            "attestations.6.2.status",
        ),
        (
            MANIFEST + "attestations:\n  6.2:\n    status: met\n    owner: a\n    evidence: b\n"
            "    date: 2026-13-01\n",
            10,
            "attestations.6.2.date: '2026-13-01' is not a valid value: month must be in 1..12",
        ),
        (
            MANIFEST + "exclusions:\n  4.6: {reason: a reason long enough, expires: 2027-02-30}\n",
            6,
            "exclusions.4.6.expires: '2027-02-30' is not a valid value",
        ),
        (MANIFEST + "exclusions:\n  4.6: {reason: n/a}\n", 6, "at least 10 characters"),
        (MANIFEST + "exclusions:\n  4.6: {reason: no}\n", 6, "quote the value"),
        ("- just\n- a list\n", 1, "must be a mapping"),
        ("", 1, "empty"),
    ],
)
def test_bad_manifest(make_repo: MakeRepo, catalog: Catalog, text: str, line: int, message: str) -> None:
    root = make_repo()
    path = root / "aicop.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_manifest(path, root, catalog)
    assert f"{path}:{line}:" in str(info.value)
    assert message in str(info.value)


def test_unreadable_manifest(make_repo: MakeRepo, catalog: Catalog) -> None:
    root = make_repo()
    path = root / "aicop.yaml"
    path.write_bytes(b"system:\n  name: \xff\xfe\n")
    with pytest.raises(InputError, match=rf"{path}:2: not valid UTF-8"):
        load_manifest(path, root, catalog)


def test_directory_instead_of_manifest(make_repo: MakeRepo, catalog: Catalog) -> None:
    root = make_repo()
    (root / "aicop.yaml").mkdir()
    with pytest.raises(InputError, match="is a directory"):
        load_manifest(root / "aicop.yaml", root, catalog)


def test_missing_manifest(tmp_path: Path, catalog: Catalog) -> None:
    with pytest.raises(InputError, match="cannot read"):
        load_manifest(tmp_path / "aicop.yaml", tmp_path, catalog)


def test_schema_is_generated_from_the_model() -> None:
    from aicop.system.manifest import Manifest

    schema = Manifest.model_json_schema()
    assert schema["additionalProperties"] is False
    assert {"system", "roles"} <= set(schema["required"])


@pytest.mark.parametrize(
    ("section", "line"),
    [
        ("models:\n  - name: m\n    path: models/clf.safetensors\n", 7),
        ("datasets:\n  - name: d\n    path: data/train/\n", 7),
        ("prompts:\n  - name: p\n    path: prompts/system.md\n", 7),
    ],
)
def test_a_declared_asset_that_does_not_exist_is_an_error_at_its_line(
    make_repo: MakeRepo, catalog: Catalog, run_cli: Run, section: str, line: int
) -> None:
    root = make_repo(manifest=MANIFEST + section)
    path = root / "aicop.yaml"
    load_manifest(path, root, catalog)  # verify and restore still load it: a missing file is what they report
    with pytest.raises(InputError, match="does not exist") as caught:
        load_manifest(path, root, catalog, declared_must_exist=True)
    assert caught.value.line == line
    for command in (("manifest", "validate", path), ("assess", root)):
        result = run_cli(*command)
        assert result.code == 2 and f"aicop.yaml:{line}:" in result.err and result.out == ""
    value = section.split("path: ")[1].strip()
    target = root / value
    target.parent.mkdir(parents=True, exist_ok=True)
    target.mkdir() if value.endswith("/") else target.write_text("x")
    assert run_cli("manifest", "validate", path).code == 0
