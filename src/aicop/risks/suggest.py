"""Propose the threats that apply to a system, each with the reason a reviewer can verify.

The reasons come from the manifest (datasets, models, endpoints, external services) and from a
reading of the source for the libraries that signal a design choice: a vector store means retrieval,
an agent framework or a ``tools=`` argument means the model can act, a web framework means an API.
Source files are read as text and matched, never imported. Rules, not a model: each suggestion says
which rule fired and where, so a reviewer can reject it with a reason.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from aicop.risks.model import Level
from aicop.sourcecheck.services import provider_of
from aicop.system.manifest import Manifest
from aicop.system.walk import FileEntry, FileKind, walk

MAX_SOURCE_BYTES = 512 * 1024
MAX_SOURCE_FILES = 5000
SOURCE_SUFFIXES = (".py", ".ts", ".tsx", ".js", ".mjs", ".jsx", ".go", ".java", ".rb", ".ipynb")

# Models that do more than one thing (several modalities, tool use, code): provision 3.1.3.
MULTI_FUNCTION = re.compile(
    r"gpt-4o|gpt-4\.1|gpt-4-turbo|gpt-4-vision|gpt-5|\bo[134](-mini)?\b|claude-3|claude-(opus|sonnet|haiku)|"
    r"claude-(sonnet|opus)-4|gemini|llava|pixtral|-vl\b|-vl-|[-_]vision\b|\bvision-|multimodal|llama-?3\.2-(11|90)b|phi-3\.5-vision|"
    r"qwen2(\.5)?-vl|idefics|blip-?2",
    re.IGNORECASE,
)
_PATTERNS: dict[str, re.Pattern[str]] = {
    "retrieval": re.compile(
        r"\b(chromadb|faiss|pinecone|qdrant_client|qdrant|weaviate|pgvector|lancedb|milvus|pymilvus|"
        r"vectorstores?|VectorStoreIndex|similarity_search|as_retriever|Retriever|embed_documents|"
        r"@pinecone-database|@qdrant|chroma|azure\.search\.documents|SearchClient|AzureSearch|"
        r"ElasticsearchStore|MongoDBAtlasVectorSearch)\b"
    ),
    "agents": re.compile(
        r"\b(AgentExecutor|create_react_agent|create_openai_tools_agent|initialize_agent|crewai|autogen|"
        r"langgraph|smolagents|tool_choice|function_call|@tool\b|StructuredTool|FunctionTool|"
        r"mcp\.server|ModelContextProtocol|@modelcontextprotocol)|\btools\s*=\s*\[|[\"']tools[\"']\s*:"
    ),
    "api": re.compile(
        r"\b(FastAPI\(|Flask\(|Quart\(|APIRouter\(|Blueprint\(|express\(\)|NextResponse|export\s+async\s+function\s+(POST|GET)\b|"
        r"@app\.(post|get|route)\(|gradio|streamlit|uvicorn\.run|HttpServer)"
    ),
    "feedback": re.compile(
        r"\b(feedback|thumbs_?(up|down)|user_rating|rlhf|dpo_?trainer|preference_data)\b", re.I
    ),
    "finetune": re.compile(
        r"\b(Trainer\(|SFTTrainer|fine_?tun(e|ing)|fine-tun(e|ing)|\.fit\(|peft|LoraConfig|train_dataset)\b"
    ),
    "llm_js": re.compile(
        r"""from\s+["'](openai|@anthropic-ai/sdk|@google/generative-ai|@google/genai|@ai-sdk/[\w-]+|"""
        r"""@mistralai/mistralai|cohere-ai|groq-sdk|ollama)["']"""
    ),
    "hosted_model": re.compile(
        r"[\"'](?:openai:|anthropic:|google_genai:|google_vertexai:|azure_openai:|bedrock:)?"
        r"(?:gpt-[\w.-]+|claude-[\w.-]+|gemini-[\w.-]+|o[134](?:-mini)?)[\"']"
        r"|\b(?:langchain_(?:openai|anthropic|google_genai|google_vertexai|mistralai|groq|cohere|aws)|"
        r"init_chat_model|ChatOpenAI|ChatAnthropic|AsyncAzureOpenAI|AzureOpenAI)\b"
    ),
    "fetch": re.compile(r"\b(httpx|requests\.(get|post)|aiohttp|urlopen|WebBaseLoader|fetch\()"),
    "model_names": re.compile(
        r"[\"'][\w./:-]*(?:" + MULTI_FUNCTION.pattern + r")[\w./:-]*[\"']", re.IGNORECASE
    ),
}
# A tool the model can call, defined in this file: with a network fetch beside it, the model reads content
# an outsider can write (indirect prompt injection through tools).
_TOOL_DEF = re.compile(r"@tool\b|@function_tool\b|\bStructuredTool\b|\bFunctionTool\b|\bBaseTool\b")
_PY_IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", re.MULTILINE)
_RETRIEVAL_DATA = re.compile(
    r"corpus|knowledge|\bkb\b|retriev|\brag\b|index|help[- ]?cent|docs|faq|articles", re.I
)
_FEEDBACK_DATA = re.compile(r"feedback|ticket|conversation|chat log|transcript|user|customer|rating", re.I)


@dataclass(frozen=True)
class Signal:
    """Something found that makes a threat apply, and where."""

    kind: str
    where: str  # path[:line] or "aicop.yaml: ..."
    what: str


@dataclass
class Suggestion:
    id: str
    title: str
    atlas: list[str]
    owasp: list[str]
    likelihood: Level
    impact: Level
    reasons: list[str]
    assets: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)  # aicop checks that evidence a control for it

    def to_yaml_entry(self, owner: str, review: dt.date) -> dict[str, object]:
        """The register entry ``risks suggest --write`` adds: everything aicop can fill, TODO the rest."""
        return {
            "id": self.id,
            "title": self.title,
            "atlas": self.atlas,
            "owasp": self.owasp,
            "assets": self.assets,
            "likelihood": self.likelihood,
            "impact": self.impact,
            "controls": [],
            "owner": owner,
            "treatment": "mitigate",
            "residual": self.likelihood,
            "review": review,
        }


def signals(root: Path, manifest: Manifest | None) -> list[Signal]:
    """What the manifest declares and what the source shows, each with where it was found."""
    found = list(_manifest_signals(manifest)) if manifest else []
    files = walk(root, manifest.exclude if manifest else ())
    found += _source_signals(root, files)
    for entry in files:
        if entry.kind is FileKind.DATASET and _FEEDBACK_DATA.search(entry.path):
            found.append(Signal("feedback-data", entry.path, "a dataset whose name suggests user feedback"))
    return found


def _manifest_signals(manifest: Manifest) -> Iterable[Signal]:
    for d in manifest.datasets:
        label = " ".join(filter(None, [d.name, d.path, d.url, d.source]))
        if _RETRIEVAL_DATA.search(label):
            yield Signal(
                "retrieval", f"aicop.yaml: datasets.{d.name}", "a document corpus the model reads from"
            )
        if d.public:
            yield Signal("public-data", f"aicop.yaml: datasets.{d.name}", "public data anyone can edit")
        if _FEEDBACK_DATA.search(label) and not _RETRIEVAL_DATA.search(label):
            yield Signal(
                "feedback-data", f"aicop.yaml: datasets.{d.name}", f"trained on {d.source or d.name}"
            )
    for m in manifest.models:
        ref = m.uri or m.path or ""
        if "embed" in (m.name + ref).lower():
            yield Signal("retrieval", f"aicop.yaml: models.{m.name}", "an embedding model (retrieval)")
        if MULTI_FUNCTION.search(ref) or MULTI_FUNCTION.search(m.name):
            yield Signal("multi-function", f"aicop.yaml: models.{m.name}", f"{ref} does more than one thing")
        if ref.startswith(("hf://", "https://huggingface.co")):
            yield Signal("hub-model", f"aicop.yaml: models.{m.name}", f"downloaded from a hub: {ref}")
        if m.path:
            yield Signal("local-model", f"aicop.yaml: models.{m.name}", f"our own model at {m.path}")
        if m.path and (m.format or "").lower() in ("pickle", "pt", "pytorch", "joblib", "bin"):
            yield Signal("pickle-model", f"aicop.yaml: models.{m.name}", f"{m.format} files can run code")
    for api in manifest.external_apis:
        sent = ", ".join(api.data_sent) or "data"
        yield Signal(
            "llm-service",
            f"aicop.yaml: external_apis.{api.name}",
            f"{sent} sent to {api.provider or api.name}",
        )
    for e in manifest.endpoints:
        if e.public:
            yield Signal(
                "public-api", f"aicop.yaml: endpoints.{e.name}", f"public endpoint {e.url or e.name}"
            )


def _source_signals(root: Path, files: list[FileEntry]) -> list[Signal]:
    found: list[Signal] = []
    seen: set[tuple[str, str]] = set()
    sources = [
        e
        for e in files
        if e.kind in (FileKind.SOURCE, FileKind.NOTEBOOK)
        and e.path.endswith(SOURCE_SUFFIXES)
        and e.size <= MAX_SOURCE_BYTES
        and not e.is_symlink
    ][:MAX_SOURCE_FILES]
    for entry in sources:
        try:
            text = (root / entry.path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        tool = _TOOL_DEF.search(text)
        if tool and _PATTERNS["fetch"].search(text):
            line = text.count("\n", 0, tool.start()) + 1
            found.append(Signal("tool-fetch", f"{entry.path}:{line}", "a tool that fetches outside content"))
        for kind, pattern in _PATTERNS.items():
            match = pattern.search(text) if kind != "fetch" else None
            if match is None or (kind, entry.path) in seen:
                continue
            seen.add((kind, entry.path))
            line = text.count("\n", 0, match.start()) + 1
            label = {
                "llm_js": "llm-service",
                "hosted_model": "llm-service",
                "model_names": "multi-function",
            }.get(kind, kind)
            found.append(Signal(label, f"{entry.path}:{line}", match.group(0).strip()[:60]))
        if entry.path.endswith(".py"):
            for match in _PY_IMPORT.finditer(text):
                module = match.group(1) or match.group(2)
                service = provider_of(module)  # the one detector of providers (aicop init, code, bom)
                provider = service.name if service is not None and service.external else None
                if provider and ("llm-service", entry.path) not in seen:
                    seen.add(("llm-service", entry.path))
                    line = text.count("\n", 0, match.start()) + 1
                    found.append(
                        Signal("llm-service", f"{entry.path}:{line}", f"imports {module} ({provider})")
                    )
    return found


def _first(found: list[Signal], *kinds: str, limit: int = 3) -> list[str]:
    hits = list({s.where: s for s in found if s.kind in kinds}.values())
    return [f"{s.where} ({s.what})" for s in hits[:limit]] + (
        [f"and {len(hits) - limit} more"] if len(hits) > limit else []
    )


def suggest(found: list[Signal]) -> list[Suggestion]:
    """The threats the signals make likely, most specific first."""
    kinds = {s.kind for s in found}
    out: list[Suggestion] = []
    llm = "llm-service" in kinds or "multi-function" in kinds
    if "retrieval" in kinds or "public-data" in kinds or "tool-fetch" in kinds:
        out.append(
            Suggestion(
                "indirect-prompt-injection",
                "Instructions planted in retrieved documents or fetched pages steer the model",
                ["AML.T0051.001"],
                ["LLM01:2025"],
                "high",
                "high",
                _first(found, "retrieval", "public-data", "tool-fetch"),
                checks=["gateway.safeguards", "data.content"],
            )
        )
    if "retrieval" in kinds or "public-data" in kinds:
        out.append(
            Suggestion(
                "retrieval-poisoning",
                "A poisoned or false entry in the retrieval corpus changes answers",
                ["AML.T0070", "AML.T0071"],
                ["LLM04:2025", "LLM08:2025"],
                "medium",
                "high",
                _first(found, "retrieval", "public-data"),
                checks=["data.content", "data.sources-watched"],
            )
        )
    if "feedback-data" in kinds or ("feedback" in kinds and "finetune" in kinds):
        out.append(
            Suggestion(
                "training-data-poisoning",
                "Users poison the model through the feedback or tickets it is trained on",
                ["AML.T0020"],
                ["LLM04:2025"],
                "medium",
                "high",
                _first(found, "feedback-data", "feedback", "finetune"),
                checks=["data.content"],
            )
        )
    if "public-api" in kinds or "api" in kinds:
        reasons = _first(found, "public-api", "api")
        if llm:
            out.append(
                Suggestion(
                    "direct-prompt-injection",
                    "Users of the API inject instructions or jailbreak the model",
                    ["AML.T0051.000", "AML.T0054"],
                    ["LLM01:2025"],
                    "high",
                    "medium",
                    reasons,
                    checks=["gateway.safeguards"],
                )
            )
            out.append(
                Suggestion(
                    "system-prompt-extraction",
                    "The system prompt and its business rules are extracted through the API",
                    ["AML.T0056"],
                    ["LLM07:2025"],
                    "high",
                    "medium",
                    reasons,
                    checks=["gateway.safeguards"],
                )
            )
        out.append(
            Suggestion(
                "denial-of-wallet",
                "Floods of requests or oversized inputs run up the model bill or deny service",
                ["AML.T0034", "AML.T0029"],
                ["LLM10:2025"],
                "high",
                "medium",
                reasons,
                checks=["gateway.limits"],
            )
        )
        if "local-model" in kinds:
            out.append(
                Suggestion(
                    "model-extraction",
                    "The model is copied by querying the API",
                    ["AML.T0024.002"],
                    ["LLM02:2025"],
                    "medium",
                    "medium",
                    reasons,
                    checks=["gateway.limits", "gateway.metadata"],
                )
            )
    if "agents" in kinds:
        out.append(
            Suggestion(
                "excessive-agency",
                "The model invokes tools with more reach than the task needs, on untrusted input",
                ["AML.T0053"],
                ["LLM06:2025"],
                "medium",
                "high",
                _first(found, "agents"),
                checks=["code.source-rules"],
            )
        )
    if "multi-function" in kinds:
        out.append(
            Suggestion(
                "unused-capability",
                "The model offers functions the system does not use (other modalities, tools, code)",
                ["AML.T0051"],
                ["LLM06:2025"],
                "medium",
                "medium",
                _first(found, "multi-function"),
            )
        )
    if "llm-service" in kinds:
        out.append(
            Suggestion(
                "data-leakage-to-llm-service",
                "Personal or confidential data leaks through the external LLM service or its answers",
                ["AML.T0057"],
                ["LLM02:2025"],
                "medium",
                "high",
                _first(found, "llm-service"),
                checks=["code.source-rules"],
            )
        )
    if "hub-model" in kinds or "pickle-model" in kinds:
        out.append(
            Suggestion(
                "model-supply-chain",
                "A model from a hub or in a pickle-based format carries code or a backdoor",
                ["AML.T0010.003", "AML.T0018"],
                ["LLM03:2025"],
                "medium",
                "high",
                _first(found, "hub-model", "pickle-model"),
                checks=["models.scan", "assets.signatures"],
            )
        )
    if llm:
        out.append(
            Suggestion(
                "overreliance-on-output",
                "Users or downstream code act on wrong or invented answers",
                ["AML.T0062"],
                ["LLM09:2025", "LLM05:2025"],
                "high",
                "medium",
                _first(found, "llm-service", "multi-function"),
            )
        )
    return out
