from __future__ import annotations

from aicop.risks import taxonomy
from aicop.risks.suggest import signals, suggest
from aicop.system.yamlsource import load_manifest
from tests.conftest import MANIFEST, MakeRepo


def ids(root_files: dict[str, str], make_repo: MakeRepo, manifest: str | None = None) -> dict[str, list[str]]:
    root = make_repo(root_files, manifest=manifest)
    loaded = load_manifest(root / "aicop.yaml", root) if manifest else None
    return {s.id: s.reasons for s in suggest(signals(root, loaded))}


def test_manifest_declarations_each_bring_their_threats(make_repo: MakeRepo) -> None:
    manifest = MANIFEST + (
        "models:\n  - {name: answer, uri: 'openai:gpt-4o-mini'}\n"
        "datasets:\n  - {name: help-corpus, path: kb, public: true}\n"
        "  - {name: feedback, path: fb.csv, source: user feedback ratings}\n"
        "external_apis:\n  - {name: OpenAI, provider: OpenAI, data_sent: [messages]}\n"
        "endpoints:\n  - {name: chat, url: 'https://x.example/chat', public: true}\n"
    )
    found = ids({"kb/a.md": "# A\n", "fb.csv": "a,b\n"}, make_repo, manifest)
    assert set(found) >= {
        "indirect-prompt-injection",
        "retrieval-poisoning",
        "training-data-poisoning",
        "direct-prompt-injection",
        "system-prompt-extraction",
        "denial-of-wallet",
        "unused-capability",
        "data-leakage-to-llm-service",
    }
    assert "excessive-agency" not in found  # no tools anywhere
    assert any("endpoints.chat" in r for r in found["denial-of-wallet"])
    assert any("external_apis.OpenAI" in r for r in found["data-leakage-to-llm-service"])


def test_source_alone_shows_agents_retrieval_and_services(make_repo: MakeRepo) -> None:
    files = {
        "app/agent.py": "from openai import OpenAI\nfrom langgraph.graph import StateGraph\n"
        "client = OpenAI()\nresp = client.chat.completions.create(model='gpt-4o', tools=[search])\n",
        "app/rag.py": "import chromadb\n",
        "web/route.ts": 'import Anthropic from "@anthropic-ai/sdk";\nexport async function POST(req) {}\n',
    }
    found = ids(files, make_repo)
    assert "excessive-agency" in found and any("app/agent.py:2" in r for r in found["excessive-agency"])
    assert any("app/rag.py:1" in r for r in found["indirect-prompt-injection"])
    assert any("web/route.ts:1" in r for r in found["data-leakage-to-llm-service"])
    assert "denial-of-wallet" in found  # a POST handler serves an API
    assert any("'gpt-4o'" in r for r in found["unused-capability"])


def test_nothing_ai_nothing_suggested(make_repo: MakeRepo) -> None:
    assert ids({"main.py": "print('hello, vision of the future')\n"}, make_repo) == {}


def test_every_suggested_id_is_in_the_tables(make_repo: MakeRepo) -> None:
    files = {
        "a.py": "import openai, faiss\nfrom fastapi import FastAPI\napp = FastAPI()\ntools=[x]\n",
        "m.pkl": "x",
    }
    root = make_repo(files, manifest=MANIFEST + "models:\n  - {name: m, path: m.pkl, format: pickle}\n")
    found = suggest(signals(root, load_manifest(root / "aicop.yaml", root)))
    assert {"model-supply-chain", "model-extraction"} <= {s.id for s in found}
    for s in found:
        assert all(taxonomy.atlas_title(i) for i in s.atlas), s.id
        assert all(taxonomy.owasp_title(i) for i in s.owasp), s.id
