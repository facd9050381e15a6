"""aicop bom: a CycloneDX 1.6 ML-BOM that the library's own validator accepts, with references that
resolve and the 8.1.1 fields of the model card."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from aicop.bom.cyclonedx import BomError, build, validate
from aicop.errors import InputError
from aicop.system.yamlsource import load_manifest
from tests.conftest import CliResult, MakeRepo

Run = Callable[..., CliResult]
EXAMPLE = Path(__file__).parents[2] / "examples" / "support-assistant"


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def example_bom() -> dict[str, Any]:
    return build(EXAMPLE, load_manifest(EXAMPLE / "aicop.yaml", EXAMPLE))


def by_ref(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["bom-ref"]: c for c in document["components"]}


def test_the_example_bom_validates_and_its_references_resolve() -> None:
    document = example_bom()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(document)) is None
    assert document["specVersion"] == "1.6"
    assert document["metadata"]["component"]["bom-ref"] == "system"
    assert "system" not in by_ref(document)  # the metadata component is not repeated
    system = next(d for d in document["dependencies"] if d["ref"] == "system")
    assert {"model:intent-classifier", "dataset:intent-training-set", "prompt:system-prompt"} <= set(
        system["dependsOn"]
    )
    assert "service:Azure OpenAI" in system["dependsOn"]


def test_model_card_carries_the_8_1_1_fields() -> None:
    components = by_ref(example_bom())
    model = components["model:intent-classifier"]
    card = model["modelCard"]
    assert {"ref": "dataset:intent-training-set"} in card["modelParameters"]["datasets"]
    assert "English" in card["considerations"]["useCases"][0]
    names = {p["name"] for p in card["properties"]}
    assert "aicop:8.1.1:guardrails" in names
    files = {c["name"]: c["hashes"][0]["content"] for c in model["components"]}
    assert len(files["models/intent-classifier/model.safetensors"]) == 64
    remote = components["model:embedding-model"]
    assert remote["version"] == "c9745ed1d9f207416be6d2e6f8de32d1f16199bf"
    assert remote["externalReferences"][0]["url"].startswith("hf://")
    assert components["dataset:intent-training-set"]["data"][0]["classification"] == "internal"


def test_dependencies_from_requirements_and_lock_files(make_repo: MakeRepo) -> None:
    digest = "a" * 64
    root = make_repo(
        {
            "requirements.txt": f"requests==2.32.3 --hash=sha256:{digest}\nnumpy>=1.26\n",
            "uv.lock": (
                'version = 1\n[[package]]\nname = "torch"\nversion = "2.13.0"\n'
                f'sdist = {{ url = "https://x/torch.tar.gz", hash = "sha256:{"b" * 64}" }}\n'
            ),
        },
        manifest="version: 1\nsystem: {name: s}\nroles: [developer]\n",
    )
    components = by_ref(build(root, load_manifest(root / "aicop.yaml", root)))
    requests = components["pkg:pypi/requests@2.32.3"]
    assert requests["hashes"] == [{"alg": "SHA-256", "content": digest}]
    assert components["pkg:pypi/torch@2.13.0"]["hashes"][0]["content"] == "b" * 64
    assert "version" not in components["pkg:pypi/numpy"]  # a range is not a version


def test_broken_lock_file(make_repo: MakeRepo) -> None:
    root = make_repo(
        {"poetry.lock": "[[package]\n"}, manifest="version: 1\nsystem: {name: s}\nroles: [developer]\n"
    )
    with pytest.raises(InputError, match="cannot read the lock file"):
        build(root, load_manifest(root / "aicop.yaml", root))


def test_validate_catches_what_the_schema_does_not() -> None:
    document = example_bom()
    document["dependencies"].append({"ref": "model:ghost"})
    with pytest.raises(BomError, match="model:ghost"):
        validate(document)
    document = example_bom()
    document["components"][0]["type"] = "not-a-type"
    with pytest.raises(BomError, match="does not validate"):
        validate(document)


def test_cli(run_cli: Run, tmp_path: Path, make_repo: MakeRepo) -> None:
    out = tmp_path / "bom.cdx.json"
    result = run_cli("bom", EXAMPLE, "-o", out)
    assert result.code == 0 and json.loads(out.read_text())["bomFormat"] == "CycloneDX"
    result = run_cli("bom", make_repo({"x.txt": "x"}), "-o", tmp_path / "none.json")
    assert result.code == 2 and "aicop init" in result.err
    assert not (tmp_path / "none.json").exists()


def test_the_bom_check(make_repo: MakeRepo) -> None:
    from aicop.assess.results import Status
    from tests.checks.helpers import provision

    manifest = (
        "version: 1\nsystem: {name: s}\nroles: [developer]\nmodels: [{name: clf, path: m.safetensors}]\n"
    )
    root = make_repo({"m.safetensors": "w", "requirements.txt": "numpy==1.26.4\n"}, manifest=manifest)
    assert provision(root, "8.1.2").status is Status.NOT_MET
    document = build(root, load_manifest(root / "aicop.yaml", root))
    (root / "bom.cdx.json").write_text(json.dumps(document))
    assert provision(root, "8.1.2").status is Status.MET
    (root / "aicop.yaml").write_text(manifest + "datasets: [{name: new-data, path: m.safetensors}]\n")
    result = provision(root, "8.1.2")
    assert result.status is Status.PARTIAL and "new-data" in result.findings[0].message


def test_services_the_code_uses_are_in_the_bom_declared_or_not(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "app/llm.py": "from openai import OpenAI\nfrom anthropic import Anthropic\n"
            "from langchain_ollama import ChatOllama\na = OpenAI()\nb = Anthropic()\nc = ChatOllama()\n",
            "tests/test_llm.py": "import cohere\ncohere.Client()\n",
        },
        manifest="version: 1\nsystem: {name: s}\nroles: [developer]\n"
        "external_apis:\n  - {name: Chat model, provider: OpenAI, controls: [redaction]}\n",
    )
    document = build(root, load_manifest(root / "aicop.yaml", root))
    services = {s["name"]: s for s in document["services"]}
    assert set(services) == {"Chat model", "Anthropic", "Ollama"}  # one OpenAI; Cohere is only in a test

    def props(name: str) -> dict[str, str]:
        return {p["name"]: p["value"] for p in services[name].get("properties", [])}

    assert props("Chat model")["aicop:declared"] == "true"
    assert props("Chat model")["aicop:found-in"].startswith("app/llm.py:4 calls openai.OpenAI")
    assert props("Anthropic")["aicop:declared"] == "false"
    assert (
        services["Anthropic"]["x-trust-boundary"] is True and services["Ollama"]["x-trust-boundary"] is False
    )
    assert props("Ollama")["aicop:where"] == "local"
    system = next(d for d in document["dependencies"] if d["ref"] == "system")
    assert {"service:Anthropic", "service:Ollama", "service:Chat model"} <= set(system["dependsOn"])
