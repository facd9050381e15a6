"""One walk of a repository that classifies every file.

Written on ``os.scandir`` rather than ``os.walk`` + ``Path`` objects: on a 20,000-file tree it is the
hot path of ``aicop assess``, and the walk with per-directory ``.gitignore`` handling through
``pathspec`` is most of the run. Symlinked directories are never followed (no loops, no escaping the
repository); symlinked files are recorded as such and never read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pathspec

ALWAYS_SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".tox",
        ".nox",
        ".aicop",
        ".idea",
        ".eggs",
        ".hypothesis",
    }
)


class FileKind(StrEnum):
    MODEL = "model"
    DATASET = "dataset"
    PROMPT = "prompt"
    DOCUMENT = "document"
    SOURCE = "source"
    NOTEBOOK = "notebook"
    DEPENDENCIES = "dependencies"
    CONFIG = "config"
    OTHER = "other"


MODEL_SUFFIXES = frozenset(
    {
        ".pt",
        ".pth",
        ".ckpt",
        ".safetensors",
        ".onnx",
        ".h5",
        ".hdf5",
        ".keras",
        ".pb",
        ".gguf",
        ".ggml",
        ".pkl",
        ".pickle",
        ".joblib",
        ".npy",
        ".npz",
        ".tflite",
        ".mar",
        ".mlmodel",
        ".pdparams",
        ".msgpack",
    }
)
DATASET_SUFFIXES = frozenset(
    {".csv", ".tsv", ".jsonl", ".ndjson", ".parquet", ".arrow", ".feather", ".avro", ".orc"}
)
DOCUMENT_SUFFIXES = frozenset({".md", ".rst", ".adoc", ".txt", ".pdf", ".docx", ".odt", ".html"})
SOURCE_SUFFIXES = frozenset(
    {
        ".py",
        ".pyi",
        ".js",
        ".mjs",
        ".ts",
        ".tsx",
        ".go",
        ".rs",
        ".java",
        ".kt",
        ".rb",
        ".cs",
        ".cpp",
        ".c",
        ".h",
        ".sh",
        ".scala",
        ".swift",
        ".php",
    }
)
CONFIG_SUFFIXES = frozenset({".yaml", ".yml", ".toml", ".ini", ".cfg", ".json", ".conf", ".env"})
PROMPT_SUFFIXES = frozenset({".prompt", ".j2", ".jinja", ".jinja2", ".tmpl", ".mustache"})
TEXTUAL_PROMPT_SUFFIXES = frozenset({".txt", ".md", ".yaml", ".yml", ".json", *PROMPT_SUFFIXES})
DEPENDENCY_NAMES = frozenset(
    {
        "pyproject.toml",
        "setup.py",
        "setup.cfg",
        "pipfile",
        "pipfile.lock",
        "poetry.lock",
        "uv.lock",
        "pdm.lock",
        "package.json",
        "package-lock.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "environment.yml",
        "environment.yaml",
        "conda-lock.yml",
        "go.mod",
        "go.sum",
        "cargo.toml",
        "cargo.lock",
        "gemfile.lock",
        "gemfile",
        "bun.lock",
        "bun.lockb",
        "npm-shrinkwrap.json",
        "pylock.toml",
        "constraints.txt",
    }
)
# What documents the files beside it, in whatever folder it stands: the README of a data folder
# describes the data and is not a record of it; the README of a prompts folder is not a prompt.
FOLDER_DOCUMENT_STEMS = frozenset({"readme", "license", "licence", "notice", "changelog"})
_REQUIREMENTS = re.compile(r"^requirements([-_.][\w.-]*)?\.(txt|in)$")
_DATA_DIR = re.compile(r"(^|/)(data|datasets?|corpus|corpora)(/|$)")
_MODEL_DIR = re.compile(r"(^|/)(models?|checkpoints?|weights)(/|$)")
_PROMPT_DIR = re.compile(r"(^|/)prompts?(/|$)")


@dataclass(frozen=True, slots=True)
class FileEntry:
    path: str  # relative to the repository root, "/"-separated
    kind: FileKind
    size: int
    is_symlink: bool = False

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def suffix(self) -> str:
        name = self.name
        dot = name.rfind(".")
        return name[dot:].lower() if dot > 0 else ""


def classify(path: str) -> FileKind:
    lower = path.lower()
    name = lower.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    suffix = name[dot:] if dot > 0 else ""
    directory = lower[: -len(name)]
    if name in DEPENDENCY_NAMES or _REQUIREMENTS.match(name):
        return FileKind.DEPENDENCIES
    if suffix in MODEL_SUFFIXES:
        return FileKind.MODEL
    if suffix == ".bin" and (name.startswith(("pytorch_model", "model")) or _MODEL_DIR.search(directory)):
        return FileKind.MODEL
    if suffix in DOCUMENT_SUFFIXES and name[: len(name) - len(suffix)] in FOLDER_DOCUMENT_STEMS:
        return FileKind.DOCUMENT
    if suffix in PROMPT_SUFFIXES or (
        suffix in TEXTUAL_PROMPT_SUFFIXES and ("prompt" in name or _PROMPT_DIR.search(directory))
    ):
        return FileKind.PROMPT
    if suffix in DATASET_SUFFIXES:
        return FileKind.DATASET
    if suffix in {".json", ".txt", ".md"} and _DATA_DIR.search(directory):
        return FileKind.DATASET
    if suffix == ".ipynb":
        return FileKind.NOTEBOOK
    if suffix in SOURCE_SUFFIXES:
        return FileKind.SOURCE
    if suffix in DOCUMENT_SUFFIXES or name in {"security.txt", "license", "notice"}:
        return FileKind.DOCUMENT
    if suffix in CONFIG_SUFFIXES:
        return FileKind.CONFIG
    return FileKind.OTHER


def walk(root: Path, exclude: Iterable[str] = ()) -> list[FileEntry]:
    """Every file under ``root`` that git would not ignore and ``exclude`` does not name, sorted."""
    extra = pathspec.GitIgnoreSpec.from_lines(list(exclude)) if exclude else None
    entries = list(_walk(str(root), "", [], extra))
    entries.sort(key=lambda e: e.path)
    return entries


def _walk(
    top: str, rel: str, specs: list[tuple[str, pathspec.GitIgnoreSpec]], extra: pathspec.GitIgnoreSpec | None
) -> Iterator[FileEntry]:
    directory = os.path.join(top, rel) if rel else top
    gitignore = os.path.join(directory, ".gitignore")
    if os.path.isfile(gitignore):
        try:
            with open(gitignore, encoding="utf-8", errors="replace") as handle:
                specs = [*specs, (rel, pathspec.GitIgnoreSpec.from_lines(handle))]
        except OSError:
            pass  # an unreadable .gitignore ignores nothing, as git does
    try:
        with os.scandir(directory) as scan:
            items = list(scan)
    except OSError:
        return
    for item in items:
        child = f"{rel}/{item.name}" if rel else item.name
        try:
            is_dir = item.is_dir(follow_symlinks=False)
        except OSError:
            continue
        if is_dir:
            if item.name in ALWAYS_SKIPPED_DIRS or _ignored(child + "/", specs, extra):
                continue
            yield from _walk(top, child, specs, extra)
            continue
        if _ignored(child, specs, extra):
            continue
        link = item.is_symlink()
        if link and item.is_dir():
            continue  # a symlinked directory: never followed
        try:
            size = item.stat(follow_symlinks=False).st_size
        except OSError:
            size = -1
        yield FileEntry(child, classify(child), size, link)


def _ignored(
    path: str, specs: list[tuple[str, pathspec.GitIgnoreSpec]], extra: pathspec.GitIgnoreSpec | None
) -> bool:
    if extra is not None and extra.match_file(path):
        return True
    for base, spec in specs:
        local = path[len(base) + 1 :] if base else path
        if spec.match_file(local):
            return True
    return False
