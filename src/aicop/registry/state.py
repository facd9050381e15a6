"""What each object was when aicop last read it, so a re-run reads only what changed.

An object is unchanged when every signal the store gave both times agrees: size, ETag, version id
(S3 VersionId, GCS generation), modification time and checksum. Which of them catches a rewrite that
kept the size and the timestamp, per store:

- S3 and S3-compatible stores: the ETag (the MD5 of a single-part upload, a hash of the part MD5s of a
  multipart one: any change of content changes it), and the VersionId on a versioned bucket;
- Google Cloud Storage: the generation (new on every write) and md5Hash/crc32c;
- Azure Blob Storage: the ETag (new on every write), and Content-MD5 where the writer set it;
- local files: the inode and ctime (every write changes the ctime, and no user tool can set it back);
- a Hugging Face cache mirror: the blob a snapshot file links to is named after its content's hash.

The state is a cache, kept with the user (``registry/`` in aicop's cache folder: ``AICOP_CACHE_DIR``,
else ``$XDG_CACHE_HOME/aicop``; none when that is ``off``) or where ``--state`` says: losing it costs a
full run, nothing else. It records scan results and digests per object and the part digests of a big
object hashed so far, which is what makes an interrupted inventory resumable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aicop.fsutil import cache_home, cache_key
from aicop.registry.store import ObjectInfo
from aicop.scan.model import FileResult, ScanFinding, Severity

SCHEMA = 1


def default_path(url: str, kind: str) -> Path | None:
    """The state of ``kind`` for the store at ``url`` under aicop's cache folder (the same
    ``AICOP_CACHE_DIR`` as the other caches); None when caching is off: every run is a full one."""
    base = cache_home()
    return None if base is None else base / "registry" / f"{kind}-{cache_key(url)}.json"


class State:
    def __init__(self, path: Path | None, url: str) -> None:
        self.path, self.url = path, url
        self.objects: dict[str, dict[str, Any]] = {}
        self.changed = True  # whether save() has anything to write that the file does not hold
        if path is not None and path.is_file():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                loaded = {}  # a damaged cache costs a full run
            if isinstance(loaded, dict) and loaded.get("schema") == SCHEMA and loaded.get("url") == url:
                objects = loaded.get("objects")
                self.objects = objects if isinstance(objects, dict) else {}
                self.changed = not isinstance(objects, dict)

    def entry(self, obj: ObjectInfo) -> dict[str, Any] | None:
        """The recorded entry if the object is unchanged, else None."""
        entry = self.objects.get(obj.key)
        if not isinstance(entry, dict) or not same(entry.get("identity"), obj.identity()):
            return None
        return entry

    def put(self, obj: ObjectInfo, **values: Any) -> None:
        entry = self.objects.get(obj.key)
        if not isinstance(entry, dict) or entry.get("identity") != obj.identity():
            entry = {"identity": obj.identity()}
            self.objects[obj.key] = entry
        entry.update(values)
        self.changed = True

    def forget_missing(self, keys: set[str]) -> None:
        for key in set(self.objects) - keys:
            del self.objects[key]
            self.changed = True

    def save(self) -> None:
        """Write the state, unless it is what the file already holds (an unchanged re-run of 10,000
        objects would rewrite 3 MB for nothing)."""
        if self.path is None or not self.changed:
            return
        from aicop.fsutil import write_atomic

        doc = {"schema": SCHEMA, "url": self.url, "objects": self.objects}
        write_atomic(self.path, json.dumps(doc, separators=(",", ":")))
        self.changed = False


def same(recorded: object, now: dict[str, Any]) -> bool:
    """Unchanged: the size agrees, and so does every other signal the store gave both times; at least
    one signal besides the size must be there (a size alone proves nothing)."""
    if not isinstance(recorded, dict) or recorded.get("size") != now["size"]:
        return False
    compared = 0
    for key in ("etag", "version", "mtime", "checksum"):
        if recorded.get(key) is not None and now[key] is not None:
            if recorded[key] != now[key]:
                return False
            compared += 1
    return compared > 0


def result_to_dict(result: FileResult) -> dict[str, Any]:
    return {
        "format": result.format,
        "size": result.size,
        "error": result.error,
        "findings": [
            [f.rule, f.severity.label, f.message, f.member, f.offset, f.callable] for f in result.findings
        ],
    }


def result_from_dict(path: str, data: dict[str, Any]) -> FileResult:
    result = FileResult(path, data.get("format"), int(data.get("size", 0)), data.get("error"))
    for rule, severity, message, member, offset, callable_ in data.get("findings", []):
        result.findings.append(
            ScanFinding(rule, Severity[str(severity).upper()], message, path, member, offset, callable_)
        )
    return result
