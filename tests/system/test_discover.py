"""aicop init: a starting manifest discovered from the repository, valid, and never overwriting."""

from __future__ import annotations

import pytest
import yaml

from aicop.catalog import Catalog
from aicop.system import load_manifest
from aicop.system.discover import discover, render_manifest
from tests.conftest import MakeRepo


def test_discovers_models_data_prompts_documents_and_sdks(make_repo: MakeRepo, catalog: Catalog) -> None:
    root = make_repo(
        {
            "models/clf.safetensors": b"\0" * 8,
            "data/train.csv": "text,label\n",
            "data/README.md": "# Training data\nWhere it came from.\n",  # documentation, not a dataset
            "prompts/system.md": "You are…",
            "prompts/README.md": "# Prompts\n",
            "docs/Threat_Model.md": "# Threats",
            "SECURITY.md": "Report to security@example.com",
            "src/llm.py": "from anthropic import Anthropic\nimport openai\nc = Anthropic()\n",
            "src/embed.py": 'm = AutoModel.from_pretrained("org/encoder")\n',
        }
    )
    found = discover(root)
    assert {m.get("path") for m in found.models} >= {"models/clf.safetensors"}
    assert {
        "name": "org/encoder",
        "uri": "hf://org/encoder",
        "revision": "TODO: pin a commit hash",
    } in found.models
    assert [d["path"] for d in found.datasets] == ["data/train.csv"]
    assert [p["path"] for p in found.prompts] == ["prompts/system.md"]
    assert found.documents == {"threat-model": "docs/Threat_Model.md", "disclosure-policy": "SECURITY.md"}
    assert {a["provider"] for a in found.external_apis} == {"Anthropic", "OpenAI"}
    assert found.roles == ["developer", "data-controller"]  # nothing deploys or serves it
    path = root / "aicop.yaml"
    path.write_text(render_manifest(found), encoding="utf-8")
    manifest = load_manifest(path, root, catalog)
    assert manifest.system.name == "repo"


def test_many_model_files_are_listed_as_their_directory(make_repo: MakeRepo) -> None:
    root = make_repo({f"ckpt/shard-{i}.safetensors": b"" for i in range(6)})
    assert [m["path"] for m in discover(root).models] == ["ckpt"]


def test_empty_repository(make_repo: MakeRepo) -> None:
    found = discover(make_repo())
    assert found.models == [] and found.documents == {}
    assert "models: []" in render_manifest(found)


def test_roles_are_proposed_from_evidence_with_reasons(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "app/main.py": "from fastapi import FastAPI\n"
            "from langchain_openai import ChatOpenAI\nx = ChatOpenAI()\n",
            "Dockerfile": "FROM python:3.11\n",
            "tests/fixtures/chats.csv": "q,a\n",  # a test fixture is not a dataset the organisation controls
            "tests/test_main.py": "from anthropic import Anthropic\nAnthropic()\n",
        }
    )
    found = discover(root)
    assert found.roles == ["developer", "system-operator"]
    assert "OpenAI (app/main.py:3)" in found.reasons["developer"]
    assert "Dockerfile" in found.reasons["system-operator"] and "FastAPI" in found.reasons["system-operator"]
    assert found.datasets == []
    assert [a["name"] for a in found.external_apis] == ["OpenAI"]  # Anthropic is only in a test
    text = render_manifest(found)
    assert "#   Anthropic (model API): tests/test_main.py:2" in text.split("Only in tests")[1]


def test_a_repository_that_only_holds_data_is_a_data_controller(make_repo: MakeRepo) -> None:
    found = discover(make_repo({"data/corpus.jsonl": "{}\n"}))
    assert found.roles == ["data-controller"]


@pytest.mark.parametrize(
    ("files", "version"),
    [
        ({"pyproject.toml": '[project]\nname = "x"\nversion = "1.4.2"\n'}, "1.4.2"),
        ({"pyproject.toml": '[tool.poetry]\nname = "x"\nversion = "0.9.0"\n'}, "0.9.0"),
        ({"pyproject.toml": '[project]\nname = "x"\ndynamic = ["version"]\n'}, None),
        ({"package.json": '{"name": "x", "version": "2.0.1"}'}, "2.0.1"),
        ({"setup.cfg": "[metadata]\nname = x\nversion = 3.1\n"}, "3.1"),
        ({"setup.cfg": "[metadata]\nversion = attr: x.__version__\n"}, None),
        ({"pyproject.toml": "this is [not toml"}, None),
    ],
)
def test_the_system_version_is_read_where_one_is_declared(
    make_repo: MakeRepo, files: dict[str, str], version: str | None
) -> None:
    found = discover(make_repo(files))
    assert found.version == version
    assert yaml.safe_load(render_manifest(found))["system"].get("version") == version
