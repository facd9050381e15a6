"""``aicop init``: a starting manifest discovered from a repository, written with comments.

Discovery reads file names and import lines; it never imports or runs anything it finds. What it
cannot know (roles, sensitivity, who attests what) it proposes and marks for the user to confirm.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from aicop.assess.context import MAX_TEXT_BYTES
from aicop.system.documents import DOCUMENT_STEMS
from aicop.system.manifest import DocumentKind
from aicop.system.walk import FileEntry, FileKind, walk

# SDKs and frameworks that send data to an LLM service outside the organisation (provision 2.3).
LLM_SDKS = {
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "google.generativeai": "Google Gemini",
    "google.genai": "Google Gemini",
    "vertexai": "Google Vertex AI",
    "cohere": "Cohere",
    "mistralai": "Mistral",
    "groq": "Groq",
    "together": "Together AI",
    "replicate": "Replicate",
    "huggingface_hub": "Hugging Face Hub",
    "langchain_openai": "OpenAI (via LangChain)",
    "langchain_anthropic": "Anthropic (via LangChain)",
    "llama_index.llms.openai": "OpenAI (via LlamaIndex)",
    "litellm": "LiteLLM (multi-provider)",
}
_IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", re.MULTILINE)
_FROM_PRETRAINED = re.compile(r"""from_pretrained\(\s*["']([\w.-]+/[\w.-]+)["']""")
MAX_GROUPED = 3  # more model or data files than this in one directory are listed as the directory


@dataclass
class Discovery:
    name: str
    models: list[dict[str, str]] = field(default_factory=list)
    datasets: list[dict[str, str | bool]] = field(default_factory=list)
    prompts: list[dict[str, str]] = field(default_factory=list)
    external_apis: list[dict[str, str]] = field(default_factory=list)
    documents: dict[str, str] = field(default_factory=dict)
    roles: list[str] = field(default_factory=list)


def discover(root: Path) -> Discovery:
    files = walk(root)
    found = Discovery(name=root.resolve().name)
    found.models = [
        {"name": _name(p), "path": p, "source": "TODO: in-house, vendor or hub"}
        for p in _grouped(files, FileKind.MODEL)
    ]
    found.datasets = [
        {"name": _name(p), "path": p, "public": False} for p in _grouped(files, FileKind.DATASET)
    ]
    found.prompts = [{"name": _name(e.path), "path": e.path} for e in files if e.kind is FileKind.PROMPT]
    found.documents = _documents(files)
    providers, remote_models = _source_signals(root, files)
    found.external_apis = [{"name": p, "provider": p} for p in sorted(providers)]
    found.models += [
        {"name": m, "uri": f"hf://{m}", "revision": "TODO: pin a commit hash"} for m in remote_models
    ]
    found.roles = _roles(found, files)
    return found


def _name(path: str) -> str:
    stem = path.rstrip("/").rsplit("/", 1)[-1]
    return stem.rsplit(".", 1)[0] if "." in stem[1:] else stem


def _grouped(files: list[FileEntry], kind: FileKind) -> list[str]:
    by_dir: dict[str, list[str]] = defaultdict(list)
    for entry in files:
        if entry.kind is kind:
            by_dir[entry.path.rsplit("/", 1)[0] if "/" in entry.path else ""].append(entry.path)
    out: list[str] = []
    for directory, paths in sorted(by_dir.items()):
        out += [directory] if directory and len(paths) > MAX_GROUPED else paths
    return out


def _documents(files: list[FileEntry]) -> dict[str, str]:
    by_stem: dict[str, list[str]] = defaultdict(list)
    for entry in files:
        if entry.kind in (FileKind.DOCUMENT, FileKind.CONFIG):
            stem = re.sub(r"[\s_.\-]+", "", entry.name.rsplit(".", 1)[0].lower())
            by_stem[stem].append(entry.path)
    out: dict[str, str] = {}
    for kind, stems in DOCUMENT_STEMS.items():
        for stem in stems:
            paths = sorted(by_stem.get(re.sub(r"[\s_.\-]+", "", stem), []), key=lambda p: (p.count("/"), p))
            if paths:
                out[kind.value] = paths[0]
                break
    return out


def _source_signals(root: Path, files: list[FileEntry]) -> tuple[set[str], list[str]]:
    providers: set[str] = set()
    remote: dict[str, None] = {}
    for entry in files:
        if entry.kind is not FileKind.SOURCE or not entry.path.endswith(".py") or entry.size > MAX_TEXT_BYTES:
            continue
        try:
            text = (root / entry.path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for match in _IMPORT.finditer(text):
            module = match.group(1) or match.group(2)
            for prefix, provider in LLM_SDKS.items():
                if module == prefix or module.startswith(prefix + "."):
                    providers.add(provider)
        for model_id in _FROM_PRETRAINED.findall(text):
            remote[model_id] = None
    return providers, list(remote)


def _roles(found: Discovery, files: list[FileEntry]) -> list[str]:
    roles = ["system-operator"]
    training = any(e.kind is FileKind.SOURCE and re.search(r"train|fine_?tun", e.name, re.I) for e in files)
    if (found.models and any("path" in m for m in found.models)) or training:
        roles.insert(0, "developer")
    if found.datasets:
        roles.append("data-controller")
    return roles


def render_manifest(found: Discovery) -> str:
    """The manifest as YAML, each section preceded by a comment saying what it is for."""

    def block(key: str, value: object) -> str:
        return yaml.safe_dump({key: value}, sort_keys=False, allow_unicode=True, width=100).rstrip()

    parts = [
        "# aicop.yaml: the AI system aicop assesses. Discovered by 'aicop init'; check every entry.",
        "# Reference: 'aicop manifest schema'. Validate with 'aicop manifest validate'.",
        "version: 1",
        block("system", {"name": found.name, "version": "0.1.0"}),
        "",
        "# The roles your organisation plays (developer, system-operator, data-controller).",
        "# Proposed from what was found; they decide which provisions apply.",
        block("roles", found.roles),
        "",
        "# Models: a local path, or a remote uri with a pinned revision (a commit hash).",
        block("models", found.models),
        "",
        "# Datasets: set public: true for data from public sources, and a sensitivity",
        "# (public, internal, confidential, personal, special-category).",
        block("datasets", found.datasets),
        "",
        "# Prompt templates and system prompts.",
        block("prompts", found.prompts),
        "",
        "# Services outside your control that the system sends data to (provision 2.3):",
        "# list what is sent (data_sent) and the controls applied (controls).",
        block("external_apis", found.external_apis),
        "",
        "# Documents the Code asks for, by kind: " + ", ".join(k.value for k in DocumentKind) + ".",
        block("documents", found.documents),
        "",
        "# Attestations for process provisions no file can show, e.g.:",
        '#   "1.3": {status: met, owner: Head of Engineering, evidence: https://lms.example/course/42,',
        "#           date: 2026-10-01, expires: 2027-10-01}",
        "attestations: {}",
        "",
        "# Provisions that do not apply to this system, each with a reason (shown in every report):",
        '#   "4.6": {reason: "We offer no API to external customers or collaborators."}',
        "exclusions: {}",
        "",
        "# gitignore-style patterns aicop skips, in addition to .gitignore.",
        "exclude: []",
    ]
    return "\n".join(parts) + "\n"
