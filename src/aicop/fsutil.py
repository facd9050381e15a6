"""Writing files so that nothing is ever half-written: every output goes to a temporary file in the
same directory and is renamed into place. And where aicop keeps what it caches about a repository."""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from aicop.errors import AicopError


@functools.cache
def _umask() -> int:
    mask = os.umask(0o022)  # read by setting it; put back at once, once per process
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: str | bytes | Iterable[str], mode: int | None = None) -> None:
    """Write ``data`` (or an iterable of text chunks, written as they come: a report streamed from a
    spool never sits whole in memory) to ``path``, replacing it only once complete. The file gets
    ``mode``, or what the user's umask gives a new file (the temporary file starts owner-only, which
    every report and BOM kept after the rename); a private file never has a wider mode, not even for
    a moment."""
    write_all_atomic({path: data}, {path: mode} if mode is not None else None)


def write_all_atomic(
    files: Mapping[Path, str | bytes | Iterable[str]], modes: Mapping[Path, int] | None = None
) -> None:
    """Write several files together: each is written whole to a temporary file beside it first, and
    only when every one is complete are they renamed into place, so a failure while writing (a full
    disk, a folder that cannot be written) leaves every file as it was, never a new one beside an old
    one. The renames themselves are one after the other: a rename failing after another succeeded (rare
    within one folder) would still leave a mix. ``modes`` gives a file its own mode, as
    ``write_atomic``'s ``mode`` does."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in files.items():
            staged.append((_stage(path, data, (modes or {}).get(path)), path))
        for tmp, path in staged:
            tmp.replace(path)
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise


def _stage(path: Path, data: str | bytes | Iterable[str], mode: int | None) -> Path:
    """A complete, synced temporary file beside ``path`` with ``data`` and the file's mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    chunks = [data] if isinstance(data, str | bytes) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, (0o666 & ~_umask()) if mode is None else mode)
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def read_json_state(path: Path, what: str, error: type[AicopError]) -> dict[str, Any]:
    """A JSON object aicop wrote earlier (an inventory, a snapshot), with an ``assets`` list; any other
    content raises ``error`` (an AicopError subclass) naming the file and the line."""
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise error(f"cannot read: {err}", path=path) from err
    except json.JSONDecodeError as err:
        raise error(f"invalid JSON: {err.msg}", path=path, line=err.lineno) from err
    if not isinstance(data, dict) or not isinstance(data.get("assets"), list):
        raise error(f"not an aicop {what} (no 'assets' list)", path=path)
    return data


CACHE_OFF = ("", "off", "0", "no", "false")


def cache_home() -> Path | None:
    """The folder where aicop keeps what it caches: ``AICOP_CACHE_DIR``, else ``$XDG_CACHE_HOME/aicop``
    or ``~/.cache/aicop``; None when ``AICOP_CACHE_DIR=off``."""
    base = os.environ.get("AICOP_CACHE_DIR")
    if base is not None and base.strip().lower() in CACHE_OFF:
        return None
    if base is None:
        xdg = os.environ.get("XDG_CACHE_HOME")
        return Path(xdg) / "aicop" if xdg else Path.home() / ".cache" / "aicop"
    return Path(base)


def cache_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:24]


def user_cache(root: Path, name: str) -> Path | None:
    """Where a cache about the repository at ``root`` lives: with the user, never in the repository
    (assessing never writes into it, and a cache keyed by inodes never travels with a clone).
    ``name`` with ``{key}`` replaced by a digest of ``root``'s resolved path, under ``cache_home()``;
    None when caching is off."""
    base = cache_home()
    return None if base is None else base / name.format(key=cache_key(str(root.resolve())))
