"""``aicop data watch``: record the public data sources the manifest declares and report when their
content, revision or licence changes (7.3.2).

A source is a declared dataset with a ``url``: an http(s) URL is fetched and hashed (SHA-256, streamed);
``hf://datasets/ORG/NAME`` (or ``hf://ORG/NAME``) is looked up in the Hugging Face Hub API for its
current revision and licence (``AICOP_HF_ENDPOINT`` points elsewhere, e.g. a mirror). State is kept in
``.aicop/sources.json``, with each check recorded in the audit trail. A source that cannot be reached
is reported as *not checked* — never as unchanged.

Written on urllib: one GET per source with a timeout needs no client library.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aicop.errors import InputError
from aicop.system.manifest import Manifest

STATE = ".aicop/sources.json"
TIMEOUT = 20.0
HF_ENDPOINT = "https://huggingface.co"


@dataclass
class SourceState:
    name: str
    url: str
    checked: str
    sha256: str | None = None
    size: int | None = None
    revision: str | None = None
    licence: str | None = None
    error: str | None = None  # set when the source could not be reached: not checked


@dataclass
class WatchResult:
    states: list[SourceState] = field(default_factory=list)
    changes: dict[str, list[str]] = field(default_factory=dict)  # name -> what changed
    not_checked: dict[str, str] = field(default_factory=dict)  # name -> why
    new: list[str] = field(default_factory=list)


def sources(manifest: Manifest) -> list[tuple[str, str, str | None, str | None]]:
    """(name, url, pinned revision, declared licence) of every declared dataset with a URL."""
    return [(d.name, d.url, d.revision, d.licence) for d in manifest.datasets if d.url]


def _get(url: str) -> urllib.request.Request:
    """A GET request, for http(s) only: no file: or custom schemes (the S310 lines below rely on it)."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"only http(s) sources are fetched, not {url}")
    return urllib.request.Request(url, headers={"User-Agent": "aicop-data-watch"})  # noqa: S310


def fetch(name: str, url: str) -> SourceState:
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    state = SourceState(name=name, url=url, checked=now)
    try:
        if url.startswith("hf://"):
            repo = url.removeprefix("hf://").removeprefix("datasets/").split("@", 1)[0]
            endpoint = os.environ.get("AICOP_HF_ENDPOINT", HF_ENDPOINT).rstrip("/")
            api = _get(f"{endpoint}/api/datasets/{repo}")
            with urllib.request.urlopen(api, timeout=TIMEOUT) as response:  # noqa: S310
                info: Any = json.load(response)
            state.revision = str(info.get("sha")) if info.get("sha") else None
            card = info.get("cardData") or {}
            licence = card.get("license") if isinstance(card, dict) else None
            state.licence = str(licence) if licence else None
        elif url.startswith(("http://", "https://")):
            digest = hashlib.sha256()
            size = 0
            with urllib.request.urlopen(_get(url), timeout=TIMEOUT) as response:  # noqa: S310
                while chunk := response.read(1 << 20):
                    digest.update(chunk)
                    size += len(chunk)
            state.sha256, state.size = digest.hexdigest(), size
        else:
            state.error = "not an http(s) or hf:// URL"
    except (urllib.error.URLError, OSError, ValueError) as err:
        state.error = f"not reachable: {getattr(err, 'reason', err)}"
    return state


def load_state(root: Path) -> dict[str, Any]:
    """The recorded document: ``sources`` (name -> state), ``last_check`` and ``history``; empty
    sources when nothing was recorded yet."""
    path = root / STATE
    if not path.is_file():
        return {"sources": {}, "last_check": {}, "history": []}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InputError(f"cannot read the recorded sources: {err}", path=path) from err
    if not isinstance(data, dict) or not isinstance(data.get("sources"), dict):
        raise InputError("not an aicop sources file (no 'sources' object)", path=path)
    return data


def watch(root: Path, manifest: Manifest, *, record: bool = False) -> WatchResult:
    """Fetch every source and compare with the recorded state; ``record`` stores what was fetched
    (sources not reached keep their previous record)."""
    from aicop.audit import AuditLog
    from aicop.fsutil import write_atomic

    document = load_state(root)
    recorded: dict[str, dict[str, Any]] = document["sources"]
    result = WatchResult()
    for name, url, pinned, declared_licence in sources(manifest):
        state = fetch(name, url)
        result.states.append(state)
        if state.error is not None:
            result.not_checked[name] = state.error
            continue
        before = recorded.get(name)
        changed: list[str] = []
        if pinned and state.revision and state.revision != pinned:
            changed.append(f"revision {state.revision[:12]} is not the pinned {pinned[:12]}")
        if before is None:
            result.new.append(name)
        else:
            if before.get("url") != url:
                changed.append("URL changed in the manifest")
            if state.sha256 and before.get("sha256") and before["sha256"] != state.sha256:
                changed.append(f"content changed (sha256 {before['sha256'][:12]}… → {state.sha256[:12]}…)")
            if state.revision and before.get("revision") and before["revision"] != state.revision:
                changed.append(f"revision changed ({before['revision'][:12]} → {state.revision[:12]})")
            if before.get("licence") != state.licence and (before.get("licence") or state.licence):
                changed.append(f"licence changed ({before.get('licence')} → {state.licence})")
        if declared_licence and state.licence and declared_licence.lower() != state.licence.lower():
            changed.append(f"licence {state.licence} differs from the declared {declared_licence}")
        if changed:
            result.changes[name] = changed
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    history = {
        "checked": now,
        "changed": sorted(result.changes),
        "not_checked": sorted(result.not_checked),
    }
    stored = dict(recorded)
    if record:
        for state in result.states:
            if state.error is None:
                stored[state.name] = {k: v for k, v in vars(state).items() if v is not None and k != "name"}
    updated = {
        "sources": stored,
        "last_check": history,
        "history": [*list(document.get("history") or [])[-99:], history],
    }
    write_atomic(root / STATE, json.dumps(updated, indent=2) + "\n")
    AuditLog(root / ".aicop" / "audit.jsonl").append(
        "sources.recorded" if record else "sources.checked", history
    )
    return result
