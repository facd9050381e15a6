"""The gateway's audit log (provision 12.1): every request and its answer as a hash-chained JSON line.

The records are those of ``aicop.audit.chain`` (seq, prev, hash over canonical JSON), so ``aicop audit
verify`` checks them; the data of each uses the OpenTelemetry GenAI attribute names
(``gen_ai.request.model``, ``gen_ai.usage.input_tokens``…) so other tools read them as they are.

- A record is written with one ``write`` on a file opened for appending, before the gateway sends the
  end of its answer: once a client has its answer, the record is in the operating system and survives
  a crash of the gateway (``durability: fsync`` also syncs it to the disk, at ~1 ms a record).
- The head file (last seq and hash) is rewritten atomically by a thread of its own once a second, and
  at every checkpoint, rotation and close: a log cut short behind it is reported as truncated.
- Every ``checkpoint_every`` records, with a signing key, a checkpoint record carries an Ed25519
  signature over the seq and hash before it: whoever rewrites the whole chain cannot sign it again.
- Past ``rotate_bytes`` the file is renamed ``NAME.000001.jsonl`` (and on) and a new one continues the
  same chain.
- With ``privacy: hashes`` the messages and answers are stored as SHA-256 digests only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from aicop.audit.chain import CHECKPOINT, GENESIS, AuditLog, checkpoint_message, new_record, rotated
from aicop.crypto import sign_bytes
from aicop.errors import InputError

CONTENT_FIELDS = ("gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions")


def hashed(value: Any) -> dict[str, str]:
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {"sha256": hashlib.sha256(canonical.encode()).hexdigest()}


class GatewayLog:
    def __init__(
        self,
        path: Path,
        privacy: str = "full",
        durability: str = "flush",
        rotate_bytes: int = 100 << 20,
        checkpoint_every: int = 1000,
        signer: Any = None,
        sink: Any = None,
    ) -> None:
        self.path = path
        self.privacy, self.durability = privacy, durability
        self.rotate_bytes, self.checkpoint_every = rotate_bytes, checkpoint_every
        self.signer, self.sink = signer, sink
        self.head = AuditLog(path)
        self.lock = threading.Lock()
        self.seq, self.last = self._resume()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self.size = os.fstat(self.fd).st_size
        self.since_checkpoint = 0
        self.headed = (self.seq, self.last)
        self.stopping = threading.Event()
        # the head file (an atomic rewrite with fsync, ~1 ms) is kept by a thread of its own, once a
        # second, so that no request waits for it
        self.header = threading.Thread(target=self._head_loop, name="aicop-audit-head", daemon=True)
        self.header.start()

    def _resume(self) -> tuple[int, str]:
        """The seq and hash to continue from: the last record on disk, which must not be behind the
        head file (a log shorter than its head was truncated: the gateway will not write over that)."""
        seq, last = 0, GENESIS
        for file in reversed([*rotated(self.path), self.path]):
            record = last_record(file)
            if record is not None:
                seq, last = int(record["seq"]), str(record["hash"])
                break
        head_seq, _ = self.head.head()
        if head_seq > seq:
            raise InputError(
                f"the audit log ends at record {seq} but its head says {head_seq}: it was truncated. "
                "Run 'aicop audit verify' and move the log aside before starting the gateway",
                path=self.path,
            )
        return seq, last

    def write(self, event: str, data: dict[str, Any], actor: str = "gateway") -> dict[str, Any]:
        if self.privacy == "hashes":
            data = {k: hashed(v) if k in CONTENT_FIELDS else v for k, v in data.items()}
        with self.lock:
            record = self._append(event, data, actor)
            self.since_checkpoint += 1
            if self.signer is not None and self.since_checkpoint >= self.checkpoint_every:
                self._checkpoint()
            if self.size >= self.rotate_bytes:
                self._rotate()
        if self.sink is not None:
            self.sink.put(record)
        return record

    def _append(self, event: str, data: dict[str, Any], actor: str) -> dict[str, Any]:
        record, line = new_record(self.seq, self.last, event, data, actor)
        os.write(self.fd, line)  # O_APPEND: one write, whole
        if self.durability == "fsync":
            os.fsync(self.fd)
        self.seq, self.last = record["seq"], record["hash"]
        self.size += len(line)
        return record

    def _checkpoint(self) -> None:
        signature = sign_bytes(self.signer, checkpoint_message(self.seq, self.last))
        self._append(
            CHECKPOINT,
            {"covers": self.seq, "hash": self.last, "signature": base64.b64encode(signature).decode()},
            "gateway",
        )
        self.since_checkpoint = 0
        os.fsync(self.fd)
        self._write_head()

    def _write_head(self) -> None:
        """Under the lock: the head is the last record written."""
        self.head.write_head(self.seq, self.last)
        self.headed = (self.seq, self.last)

    def _head_loop(self) -> None:
        while not self.stopping.wait(1.0):
            with self.lock:
                current = (self.seq, self.last)
                if current == self.headed or self.fd < 0:
                    continue
                os.fsync(self.fd)  # the records the head names are on disk before the head is
            self.head.write_head(*current)
            with self.lock:
                if self.headed[0] < current[0]:
                    self.headed = current

    def _rotate(self) -> None:
        os.fsync(self.fd)
        os.close(self.fd)
        existing = rotated(self.path)
        number = int(existing[-1].name.rsplit(".", 2)[-2]) + 1 if existing else 1
        self.path.replace(self.path.with_name(f"{self.path.stem}.{number:06d}{self.path.suffix}"))
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self.size = 0
        self._write_head()

    def close(self) -> None:
        self.stopping.set()
        self.header.join(timeout=10)
        with self.lock:
            if self.fd < 0:
                return
            os.fsync(self.fd)
            os.close(self.fd)
            self.fd = -1
            self._write_head()
        if self.sink is not None:
            self.sink.close()


def last_record(path: Path) -> dict[str, Any] | None:
    """The last complete record of a log file, read from its end."""
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            block = min(size, 1 << 16)
            while block:
                handle.seek(size - block)
                lines = handle.read(block).splitlines()
                for line in reversed(lines if block == size else lines[1:]):
                    try:
                        record = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(record, dict) and "seq" in record and "hash" in record:
                        return record
                if block == size:
                    return None
                block = min(size, block * 4)
    except FileNotFoundError:
        return None
    return None
