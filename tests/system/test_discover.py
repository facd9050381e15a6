"""aicop init: a starting manifest discovered from the repository, valid, and never overwriting."""

from __future__ import annotations

from aicop.catalog import Catalog
from aicop.system import load_manifest
from aicop.system.discover import discover, render_manifest
from tests.conftest import MakeRepo


def test_discovers_models_data_prompts_documents_and_sdks(make_repo: MakeRepo, catalog: Catalog) -> None:
    root = make_repo(
        {
            "models/clf.safetensors": b"\0" * 8,
            "data/train.csv": "text,label\n",
            "prompts/system.md": "You are…",
            "docs/Threat_Model.md": "# Threats",
            "SECURITY.md": "Report to security@example.com",
            "src/llm.py": "from anthropic import Anthropic\nimport openai\n",
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
    assert found.roles == ["developer", "system-operator", "data-controller"]
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
