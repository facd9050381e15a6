"""A hash-chained JSON-lines log, and its verification.

Each record holds its sequence number and the hash of the previous record; its own hash covers
everything else in it (canonical JSON). Editing a record breaks its hash; deleting or reordering
breaks the chain; a log cut short is caught by the head file, rewritten atomically after every
append, that names the last sequence number and hash. Appends are flushed and synced before they
return: an event the caller was told about is on disk.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aicop.errors import AicopError

GENESIS = "0" * 64


def record_hash(record: dict[str, Any]) -> str:
    body = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _actor() -> str:
    try:
        return f"{getpass.getuser()}@{socket.gethostname()}"
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.head_path = path.with_suffix(path.suffix + ".head")

    def head(self) -> tuple[int, str]:
        if self.head_path.is_file():
            try:
                data = json.loads(self.head_path.read_text(encoding="utf-8"))
                return int(data["seq"]), str(data["hash"])
            except (OSError, ValueError, KeyError, TypeError) as err:
                raise AicopError(
                    f"audit head is damaged ({err}); run 'aicop audit verify'", path=self.head_path
                ) from err
        return 0, GENESIS

    def append(self, event: str, data: dict[str, Any], actor: str | None = None) -> dict[str, Any]:
        seq, previous = self.head()
        record, line = new_record(seq, previous, event, data, actor or _actor())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("ab") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        self.write_head(record["seq"], record["hash"])
        return record

    def write_head(self, seq: int, digest: str) -> None:
        """Replace the head file (atomically) with the last record's seq and hash."""
        from aicop.fsutil import write_atomic

        write_atomic(self.head_path, json.dumps({"seq": seq, "hash": digest}))


def new_record(
    seq: int, previous: str, event: str, data: dict[str, Any], actor: str, time: str | None = None
) -> tuple[dict[str, Any], bytes]:
    """The record that follows ``seq`` and ``previous`` in a chain, and its line as written; ``time``
    (ISO 8601) only for records made up for tests and simulations, else now."""
    record: dict[str, Any] = {
        "seq": seq + 1,
        "time": time or dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "event": event,
        "data": data,
        "prev": previous,
    }
    # The canonical JSON of the record without its hash, and then with it, are the same fields in the
    # same (sorted) order with "hash" between "event" and "prev": each field is encoded once (the data
    # is most of the work; the gateway writes a record a request), the same text record_hash hashes.
    fields = {name: _CANONICAL.encode(value) for name, value in record.items()}
    head = f'{{"actor":{fields["actor"]},"data":{fields["data"]},"event":{fields["event"]},'
    tail = f'"prev":{fields["prev"]},"seq":{fields["seq"]},"time":{fields["time"]}}}'
    record["hash"] = hashlib.sha256((head + tail).encode()).hexdigest()
    return record, f'{head}"hash":"{record["hash"]}",{tail}\n'.encode()


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"))  # as json.dumps(..., sort_keys=True)


def rotated(path: Path) -> list[Path]:
    """The files a rotated log was cut into, oldest first, before ``path`` (the live one)."""
    pattern = f"{path.stem}.[0-9][0-9][0-9][0-9][0-9][0-9]{path.suffix}"
    return sorted(path.parent.glob(pattern))


CHECKPOINT = "checkpoint"


def checkpoint_message(seq: int, digest: str) -> bytes:
    """What a checkpoint's signature covers: the sequence number and hash of the record before it."""
    return f"aicop-audit-checkpoint:v1:{seq}:{digest}".encode()


def verify_log(path: Path, public_key: Any = None) -> tuple[int, list[str]]:
    """(records verified, problems): each problem names the file, the record and what is wrong with it.
    A rotated log is verified as one chain across its files. With ``public_key`` (Ed25519) every signed
    checkpoint must carry a valid signature over the record before it; without, they are counted."""
    log = AuditLog(path)
    if not path.is_file():
        raise AicopError("no audit log here", path=path)
    files = [*rotated(path), path]
    problems: list[str] = []
    expected_seq, previous = 1, GENESIS
    count = checkpoints = 0
    for file in files:
        where = "" if len(files) == 1 else f"{file.name} "
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as err:
            raise AicopError(f"cannot read the audit log: {err}", path=file) from err
        for number, line in enumerate(lines, start=1):
            try:
                record = json.loads(line)
                seq, prev, stated = int(record["seq"]), str(record["prev"]), str(record["hash"])
            except (ValueError, KeyError, TypeError):
                problems.append(
                    f"{where}line {number}: not a complete record (edited, or cut off while written)"
                )
                continue
            count += 1
            if record_hash(record) != stated:
                problems.append(
                    f"{where}line {number}: record {seq} was edited (its content no longer matches its hash)"
                )
            if seq != expected_seq:
                what = "missing or deleted" if seq > expected_seq else "out of order or repeated"
                problems.append(
                    f"{where}line {number}: record {seq} where {expected_seq} was expected ({what})"
                )
            elif prev != previous:
                problems.append(
                    f"{where}line {number}: record {seq} does not follow the record before it "
                    "(a record was deleted, inserted or reordered)"
                )
            if record.get("event") == CHECKPOINT:
                checkpoints += 1
                if public_key is not None and not _signed(record, public_key):
                    problems.append(
                        f"{where}line {number}: checkpoint {seq} is not signed by the given key "
                        "(the chain before it may have been rewritten)"
                    )
            expected_seq, previous = seq + 1, stated
    head_seq, head_hash = log.head()
    if log.head_path.is_file():
        if head_seq > expected_seq - 1:
            problems.append(
                f"the log ends at record {expected_seq - 1} but its head says {head_seq}: truncated"
            )
        elif head_seq == expected_seq - 1 and head_hash != previous:
            problems.append(f"the last record {head_seq} is not the one the head recorded (replaced)")
    if public_key is not None and checkpoints == 0 and count:
        problems.append("no signed checkpoints in the log, so its signatures cannot vouch for it")
    return count, problems


def _signed(record: dict[str, Any], public_key: Any) -> bool:
    import base64

    from aicop.crypto import verify_bytes

    data = record.get("data")
    if not isinstance(data, dict):
        return False
    try:
        signature = base64.b64decode(str(data["signature"]))
        message = checkpoint_message(int(data["covers"]), str(data["hash"]))
    except (KeyError, ValueError, TypeError):
        return False
    if not verify_bytes(public_key, signature, message):
        return False
    return bool(data["covers"] == record["seq"] - 1 and data["hash"] == record["prev"])


def events(path: Path) -> Iterator[dict[str, Any]]:
    """The records of an audit log that parse, in order; whether they are intact is verify_log's job."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            yield record
