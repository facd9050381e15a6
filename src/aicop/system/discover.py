"""``aicop init``: a starting manifest discovered from a repository, written with comments.

Discovery reads file names and import lines; it never imports or runs anything it finds. What it
cannot know (roles, sensitivity, who attests what) it proposes and marks for the user to confirm.
"""

from __future__ import annotations

import configparser
import json
import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from aicop.assess.context import MAX_TEXT_BYTES
from aicop.catalog.loader import DEFAULT_CATALOG
from aicop.sourcecheck.services import (
    SETTINGS_FILE,
    Service,
    ServiceUse,
    Strength,
    is_test_path,
    summarise,
    uses_in_file,
)
from aicop.system.documents import DOCUMENT_STEMS
from aicop.system.manifest import DocumentKind
from aicop.system.walk import FileEntry, FileKind, walk

_IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", re.MULTILINE)
_FROM_PRETRAINED = re.compile(r"""from_pretrained\(\s*["']([\w.-]+/[\w.-]+)["']""")
MAX_GROUPED = 3  # more model or data files than this in one directory are listed as the directory
# Frameworks that assemble models, prompts and services into a system: evidence of the developer role.
FRAMEWORKS = {
    "langchain": "LangChain",
    "langgraph": "LangGraph",
    "llama_index": "LlamaIndex",
    "haystack": "Haystack",
    "crewai": "CrewAI",
    "autogen": "AutoGen",
    "semantic_kernel": "Semantic Kernel",
    "dspy": "DSPy",
    "smolagents": "smolagents",
    "pydantic_ai": "Pydantic AI",
    "transformers": "Transformers",
    "peft": "PEFT",
    "trl": "TRL",
    "torch": "PyTorch",
    "sentence_transformers": "Sentence Transformers",
}
# Servers that serve the system to users: evidence of the system-operator role.
SERVERS = {
    "fastapi": "FastAPI",
    "flask": "Flask",
    "starlette": "Starlette",
    "streamlit": "Streamlit",
    "gradio": "Gradio",
    "chainlit": "Chainlit",
    "django": "Django",
    "uvicorn": "Uvicorn",
    "langserve": "LangServe",
    "sanic": "Sanic",
    "quart": "Quart",
    "litestar": "Litestar",
    "bentoml": "BentoML",
    "aiohttp.web": "aiohttp",
    "tornado.web": "Tornado",
}
DEPLOY_FILES = re.compile(
    r"^(?:dockerfile(?:\..+)?|.+\.dockerfile|(?:docker-)?compose(?:[.-].+)?\.ya?ml|procfile|fly\.toml|app\.yaml|"
    r"serverless\.ya?ml|vercel\.json|render\.yaml|chart\.yaml|kustomization\.yaml|skaffold\.yaml|"
    r"railway\.(?:json|toml)|modal_app\.py)$",
    re.IGNORECASE,
)


@dataclass
class Discovery:
    name: str
    version: str | None = None
    models: list[dict[str, str]] = field(default_factory=list)
    datasets: list[dict[str, str | bool]] = field(default_factory=list)
    prompts: list[dict[str, str]] = field(default_factory=list)
    external_apis: list[dict[str, str]] = field(default_factory=list)
    documents: dict[str, str] = field(default_factory=dict)
    roles: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)  # role → the evidence it was proposed on
    services: list[Service] = field(default_factory=list)  # every provider found, product and tests


@dataclass
class _Signals:
    uses: list[ServiceUse] = field(default_factory=list)
    remote_models: dict[str, None] = field(default_factory=dict)
    frameworks: dict[str, str] = field(default_factory=dict)  # name → first file
    servers: dict[str, str] = field(default_factory=dict)


def discover(root: Path) -> Discovery:
    files = walk(root)
    found = Discovery(name=root.resolve().name, version=read_version(root))
    found.models = [
        {"name": _name(p), "path": p, "source": "TODO: in-house, vendor or hub"}
        for p in _grouped(files, FileKind.MODEL)
    ]
    found.datasets = [
        {"name": _name(p), "path": p, "public": False}
        for p in _grouped(files, FileKind.DATASET)
        if not is_test_path(p)
    ]
    found.prompts = [{"name": _name(e.path), "path": e.path} for e in files if e.kind is FileKind.PROMPT]
    found.documents = _documents(files)
    signals = _source_signals(root, files)
    found.services = summarise(signals.uses)  # an SDK imported but not seen in use is listed too, so say so
    found.external_apis = [
        {
            "name": s.provider.name,
            "provider": s.provider.name,
            **({"url": s.provider.endpoint} if s.provider.endpoint else {}),
        }
        for s in found.services
        if s.provider.external and not s.only_in_tests
    ]
    found.models += [
        {"name": m, "uri": f"hf://{m}", "revision": "TODO: pin a commit hash"} for m in signals.remote_models
    ]
    found.reasons = _roles(found, files, signals)
    found.roles = list(found.reasons)
    return found


def read_version(root: Path) -> str | None:
    """The system's version from pyproject.toml, package.json or setup.cfg at the root, where one says."""
    try:
        if (root / "pyproject.toml").is_file():
            data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
            version = data.get("project", {}).get("version") or data.get("tool", {}).get("poetry", {}).get(
                "version"
            )
            if isinstance(version, str):
                return version
        if (root / "package.json").is_file():
            package = json.loads((root / "package.json").read_text(encoding="utf-8"))
            if isinstance(package, dict) and isinstance(package.get("version"), str):
                return str(package["version"])
        if (root / "setup.cfg").is_file():
            parser = configparser.ConfigParser(interpolation=None)
            parser.read_string((root / "setup.cfg").read_text(encoding="utf-8"))
            version = parser.get("metadata", "version", fallback=None)
            if version and not version.startswith(("attr:", "file:")):
                return version
    except (OSError, UnicodeDecodeError, ValueError, tomllib.TOMLDecodeError, configparser.Error):
        return None  # an unreadable file leaves the version for the user to fill in; assess reports it
    return None


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


def _source_signals(root: Path, files: list[FileEntry]) -> _Signals:
    signals = _Signals()
    for entry in files:
        python = entry.kind is FileKind.SOURCE and entry.path.endswith(".py")
        notebook = entry.kind is FileKind.NOTEBOOK and entry.path.endswith(".ipynb")
        package = entry.name == "package.json" and "node_modules/" not in entry.path
        settings = SETTINGS_FILE.match(entry.name) is not None and "node_modules/" not in entry.path
        if not (python or notebook or package or settings) or entry.size > MAX_TEXT_BYTES or entry.is_symlink:
            continue
        try:
            text = (root / entry.path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        signals.uses += uses_in_file(entry.path, text)
        if package or settings or is_test_path(entry.path):
            continue
        for match in _IMPORT.finditer(text):
            module = match.group(1) or match.group(2)
            for table, into in ((FRAMEWORKS, signals.frameworks), (SERVERS, signals.servers)):
                for prefix, label in table.items():
                    if module == prefix or module.startswith(prefix + "."):
                        into.setdefault(label, entry.path)
        for model_id in _FROM_PRETRAINED.findall(text):
            signals.remote_models[model_id] = None
    return signals


def _roles(found: Discovery, files: list[FileEntry], signals: _Signals) -> dict[str, str]:
    """{role: why}, each on evidence in the product code: a Developer assembles models, prompts and
    services into a system (the Code's definition covers building on a vendor's model); a System
    Operator deploys or serves it; a Data Controller holds data it controls (test fixtures are not)."""
    reasons: dict[str, str] = {}
    build: list[str] = []
    product = [s for s in found.services if not s.only_in_tests]
    if product:
        build.append(
            "uses "
            + ", ".join(f"{s.provider.name} ({s.evidence.path}:{s.evidence.line})" for s in product[:3])
        )
    if signals.frameworks:
        build.append("builds on " + ", ".join(f"{k} ({v})" for k, v in list(signals.frameworks.items())[:3]))
    if any("path" in m for m in found.models):
        build.append(f"holds model files ({next(m['path'] for m in found.models if 'path' in m)})")
    if found.prompts:
        build.append(f"writes prompts ({found.prompts[0]['path']})")
    training = [
        e.path
        for e in files
        if e.kind is FileKind.SOURCE
        and not is_test_path(e.path)
        and re.search(r"train|fine_?tun", e.name, re.I)
    ]
    if training:
        build.append(f"trains or fine-tunes ({training[0]})")
    if build:
        reasons["developer"] = "; ".join(build)
    serve: list[str] = []
    deploy = [e.path for e in files if DEPLOY_FILES.match(e.name) and not is_test_path(e.path)]
    if deploy:
        serve.append("deploys it (" + ", ".join(deploy[:3]) + ")")
    if signals.servers:
        serve.append(
            "serves it with " + ", ".join(f"{k} ({v})" for k, v in list(signals.servers.items())[:3])
        )
    if serve:
        reasons["system-operator"] = "; ".join(serve)
    if found.datasets:
        reasons["data-controller"] = (
            "holds datasets (" + ", ".join(str(d["path"]) for d in found.datasets[:3]) + ")"
        )
    if not reasons:
        reasons["developer"] = "shows no evidence of any role: confirm the roles your organisation plays"
    return reasons


def render_manifest(found: Discovery) -> str:
    """The manifest as YAML, each section preceded by a comment saying what it is for."""

    def block(key: str, value: object) -> str:
        return yaml.safe_dump({key: value}, sort_keys=False, allow_unicode=True, width=100).rstrip()

    parts = [
        "# aicop.yaml: the AI system aicop assesses. Discovered by 'aicop init'; check every entry.",
        "# Reference: 'aicop manifest schema'. Validate with 'aicop manifest validate'.",
        "version: 1",
        "# The catalog the provision ids below are numbered in, and that 'aicop assess' assesses against",
        "# ('aicop catalog list'; 'aicop manifest migrate --to ID' moves the ids to another).",
        f"catalog: {DEFAULT_CATALOG}",
        block("system", {"name": found.name, **({"version": found.version} if found.version else {})}),
        "",
        "# The roles your organisation plays (developer, system-operator, data-controller).",
        "# Proposed from what was found; they decide which provisions apply:",
        *(f"#   {role}: {why}" for role, why in found.reasons.items()),
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
        *_service_comments(found),
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


def _service_comments(found: Discovery) -> list[str]:
    """Where each service was found, so a reviewer can check it; local and test-only ones apart."""
    lines: list[str] = []
    groups = (
        ("Found in the code", [s for s in found.services if s.provider.external and not s.only_in_tests]),
        (
            "Local (data stays on your machines; no entry needed)",
            [s for s in found.services if not s.provider.external and not s.only_in_tests],
        ),
        ("Only in tests, mocks and fixtures (not listed)", [s for s in found.services if s.only_in_tests]),
    )
    for title, services in groups:
        if services:
            lines.append(f"# {title}:")
            lines += [f"#   {_describe(s)}" for s in services]
    return lines


def _describe(service: Service) -> str:
    provider, evidence = service.provider, service.evidence
    where = "" if provider.where == "hosted" else f", {provider.where}"
    more = f", and {service.files - 1} more files" if service.files > 1 else ""
    hedge = " (no call seen: check it is used)" if evidence.strength is Strength.IMPORT else ""
    place = f"{evidence.path}:{evidence.line}"
    return f"{provider.name} ({provider.kind}{where}): {place} {evidence.how}{more}{hedge}"
