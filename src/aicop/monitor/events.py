"""What the monitor reads: the requests a model answered, from the gateway's audit log (JSON lines,
rotated files, or its PostgreSQL copy by URL) or from any JSON lines that use the OpenTelemetry GenAI
attribute names.

Reading is streamed: one record at a time, so memory does not grow with the log. The gateway's log is
verified as it is read — each record's hash, the sequence, the link to the record before and, at the
end, the head file — and every break is kept as a problem for the report, never skipped in silence.
A record's hash is checked on the line as written (the chain writes canonical JSON, so the hashed body
is the line less its ``hash`` member): a sha256 instead of a second serialisation, which is what lets a
reader keep up with tens of thousands of records a second. A line that fails that fast check is
checked again the slow way before it is called edited. Lines are parsed with orjson, a third of the
standard library's time on these records (measured in benchmarks/monitor_bench.py's read figure).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from aicop.audit.chain import GENESIS, AuditLog, record_hash, rotated
from aicop.errors import InputError

REQUEST_EVENT = "gen_ai.request"
_HASH_MEMBER = b',"hash":"'


@dataclass
class Request:
    """One request the model (or the gateway) answered, as the monitor sees it."""

    index: int  # 0-based position among the requests read
    time: dt.datetime | None
    key: str
    model: str
    status: int
    decision: str
    prompt: str | None  # None when the log keeps only digests (privacy: hashes)
    answer: str | None
    finish: tuple[str, ...] = ()
    input_tokens: int | None = None
    output_tokens: int | None = None
    upstream_ms: float | None = None
    guards: tuple[str, ...] = ()  # "injection", "personal-data-input", "leak", "redacted", "error"...


@dataclass
class Integrity:
    """What the reader found out about the log itself."""

    chained: bool = False  # a hash-chained log (the gateway's): verified as read
    records: int = 0  # every record read, requests or not
    problems: list[str] = field(default_factory=list)
    skipped: int = 0  # lines that were not requests the monitor can read (counted, and said)
    reasons: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1


def _texts(value: Any) -> str | None:
    """The text of an input or output messages value: strings, message dicts or typed parts."""
    if type(value) is list and all(type(item) is str for item in value):  # the common case, quickly
        return "\n".join(filter(None, value))
    if value is None:
        return ""
    if isinstance(value, dict) and set(value) == {"sha256"}:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        content = value.get("content", value.get("text", ""))
        return _texts(content)
    if isinstance(value, list):
        parts = [_texts(item) for item in value]
        if any(p is None for p in parts):
            return None
        return "\n".join(p for p in parts if p)
    return str(value)


_USER_ROLES = frozenset(("user", "tool", "function"))


def _user_prompt(messages: Any) -> str | None:
    """The user's (and tools') words: what an attacker controls. System prompts are left out."""
    if type(messages) is list:
        quick: list[str] = []
        for m in messages:  # role and content as plain strings: the gateway's records, quickly
            if type(m) is not dict or type(content := m.get("content")) is not str:
                break
            if content and m.get("role", "user") in _USER_ROLES:
                quick.append(content)
        else:
            return "\n".join(quick)
    if isinstance(messages, list) and all(isinstance(m, dict) for m in messages):
        chosen = [m for m in messages if m.get("role", "user") in _USER_ROLES]
        return _texts(chosen)
    return _texts(messages)


def _time(value: Any) -> dt.datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1e9 if value > 1e14 else value  # OTel's unix nanoseconds, or seconds
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return None


def _int(value: Any) -> int | None:
    return value if type(value) is int else None  # JSON's integers; not True or False


def _guards(entries: Any) -> tuple[str, ...]:
    if not entries:
        return ()
    names = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("guard"), str):
            names.append(str(entry["guard"]))
    return tuple(names)


# Who sent a request, when the record says so in an attribute (in this order); else the gateway's actor.
_KEY_NAMES = ("aicop.key", "enduser.id", "user.id", "gen_ai.request.user")


def request_from(data: dict[str, Any], when: Any, actor: str, index: int) -> Request | None:
    """A Request from GenAI attributes (the gateway's record data or an OTel span's attributes)."""
    if "gen_ai.operation.name" not in data and "gen_ai.request.model" not in data:
        return None
    key = actor[4:] if actor.startswith("key:") else actor
    if any(map(data.__contains__, _KEY_NAMES)):
        for name in _KEY_NAMES:
            if isinstance(data.get(name), str):
                key = str(data[name])
                break
    finish = data.get("gen_ai.response.finish_reasons")
    status = _int(data.get("http.response.status_code"))
    if status is None:
        status = 500 if data.get("error.type") else 200
    upstream = data.get("aicop.upstream_ms")
    return Request(
        index=index,
        time=_time(when),
        key=key or "unknown",
        model=str(data.get("gen_ai.request.model") or data.get("gen_ai.response.model") or "unknown"),
        status=status,
        decision=str(data.get("aicop.decision") or ("allowed" if status < 400 else "error")),
        prompt=_user_prompt(data.get("gen_ai.input.messages")),
        answer=_texts(data.get("gen_ai.output.messages")),
        finish=tuple(map(str, finish)) if type(finish) is list else (),
        input_tokens=_int(data.get("gen_ai.usage.input_tokens")),
        output_tokens=_int(data.get("gen_ai.usage.output_tokens")),
        upstream_ms=float(upstream) if isinstance(upstream, int | float) else None,
        guards=_guards(data.get("aicop.guards")),
    )


class ChainVerifier:
    """Checks records of one chain in order (hash, sequence, link), noting every break in ``integrity``."""

    def __init__(self, integrity: Integrity) -> None:
        self.integrity = integrity
        self.expected, self.previous = 1, GENESIS

    def verify(self, line: bytes, record: dict[str, Any], where: str, number: int = 0) -> None:
        """``line`` is the record as written (b"" when only the parsed record is known); ``where`` names
        it in a problem, with `` line {number}`` after it when a number is given (the text is only
        built for a problem: most records have none)."""
        try:
            seq, prev, stated = int(record["seq"]), str(record["prev"]), str(record["hash"])
        except (KeyError, TypeError, ValueError):
            where = f"{where} line {number}" if number else where
            self.integrity.problems.append(f"{where}: not a chained record (no seq, prev or hash)")
            return
        cut = line.rfind(_HASH_MEMBER)
        fast = cut >= 0 and hashlib.sha256(line[:cut] + line[cut + 74 :]).hexdigest() == stated
        if fast and seq == self.expected and prev == self.previous:
            self.expected, self.previous = seq + 1, stated
            return
        where = f"{where} line {number}" if number else where
        if not fast and record_hash(record) != stated:
            self.integrity.problems.append(f"{where}: record {seq} was edited (its hash does not match)")
        if seq != self.expected:
            what = "missing or deleted" if seq > self.expected else "out of order or repeated"
            self.integrity.problems.append(
                f"{where}: record {seq} where {self.expected} was expected ({what})"
            )
        elif prev != self.previous:
            self.integrity.problems.append(f"{where}: record {seq} does not follow the record before it")
        self.expected, self.previous = seq + 1, stated


class ChainReader:
    """The gateway's audit log, rotated parts first, verified as it is read."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise InputError("no such log file", path=path)
        self.path = path
        self.integrity = Integrity(chained=True)
        self.chain = ChainVerifier(self.integrity)
        self.index = 0

    def line(self, raw: bytes, where: str, number: int = 0) -> Request | None:
        """Verify one line of the log (in order) and return its request, if it is one. ``where`` (and
        ``number``, see ChainVerifier.verify) name the line in a problem."""
        line = raw.rstrip(b"\r\n")
        if not line:
            return None
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            where = f"{where} line {number}" if number else where
            self.integrity.problems.append(f"{where}: not JSON (cut off while written, or edited)")
            return None
        if type(record) is not dict:
            where = f"{where} line {number}" if number else where
            self.integrity.problems.append(f"{where}: not a JSON object")
            return None
        self.integrity.records += 1
        self.chain.verify(line, record, where, number)
        if record.get("event") != REQUEST_EVENT:
            return None
        data = record.get("data")
        actor = record.get("actor", "")
        found = (
            request_from(data, record.get("time"), actor if type(actor) is str else str(actor), self.index)
            if type(data) is dict
            else None
        )
        if found is None:
            self.integrity.skip("a request record without GenAI attributes")
            return None
        self.index += 1
        return found

    def __iter__(self) -> Iterator[Request]:
        for file in [*rotated(self.path), self.path]:
            try:
                handle = file.open("rb")
            except OSError as err:
                raise InputError(f"cannot read the log: {err.strerror}", path=file) from err
            with handle:
                name = file.name
                for number, raw in enumerate(handle, start=1):
                    found = self.line(raw, name, number)
                    if found is not None:
                        yield found
        self.check_head()

    def check_head(self) -> None:
        log = AuditLog(self.path)
        if not log.head_path.is_file():
            return
        try:
            head_seq, head_hash = log.head()
        except InputError as err:
            self.integrity.problems.append(str(err))
            return
        last = self.chain.expected - 1
        if head_seq > last:
            self.integrity.problems.append(
                f"the log ends at record {last} but its head says {head_seq}: truncated"
            )
        elif head_seq == last and head_hash != self.chain.previous:
            self.integrity.problems.append(f"the last record {last} is not the one the head recorded")


class OtelReader:
    """JSON lines whose records carry GenAI attributes, flat or under ``attributes`` (an OTel span or
    log record exported as JSON); no chain, so nothing to verify, and the report says so."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise InputError("no such log file", path=path)
        self.path = path
        self.integrity = Integrity(chained=False)

    def __iter__(self) -> Iterator[Request]:
        index = 0
        with self.path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    record = json.loads(raw)
                except ValueError:
                    self.integrity.problems.append(f"{self.path.name} line {number}: not JSON")
                    continue
                self.integrity.records += 1
                if not isinstance(record, dict):
                    self.integrity.skip("not a JSON object")
                    continue
                attributes = record.get("attributes", record)
                when = next(
                    (
                        record[k]
                        for k in ("time", "timestamp", "startTimeUnixNano", "timeUnixNano")
                        if k in record
                    ),
                    None,
                )
                found = request_from(attributes, when, "", index) if isinstance(attributes, dict) else None
                if found is None:
                    self.integrity.skip("no GenAI attributes (gen_ai.operation.name or gen_ai.request.model)")
                    continue
                index += 1
                yield found


class PostgresReader:
    """The gateway's PostgreSQL copy of its audit log, in sequence order, verified like the file."""

    def __init__(self, url: str, table: str = "aicop_gateway_audit") -> None:
        self.url, self.table = url, table
        self.integrity = Integrity(chained=True)

    def __iter__(self) -> Iterator[Request]:
        import sqlalchemy as sa

        from aicop.gateway.pgsink import engine_url

        chain = ChainVerifier(self.integrity)
        try:
            engine = sa.create_engine(engine_url(self.url))
            connection = engine.connect()
        except Exception as err:  # the driver's errors vary: say which database, and why
            raise InputError(
                f"cannot reach the database: {type(err).__name__}: {err}".splitlines()[0]
            ) from err
        index = 0
        try:
            columns = "seq, time, actor, event, data, prev, hash"
            query = sa.text(f"SELECT {columns} FROM {self.table} ORDER BY seq")  # noqa: S608 - our own table
            try:
                rows = connection.execution_options(stream_results=True, yield_per=2000).execute(query)
            except sa.exc.SQLAlchemyError as err:
                raise InputError(f"cannot read the table {self.table}: {type(err).__name__}") from err
            for row in rows:
                record = dict(row._mapping)
                self.integrity.records += 1
                chain.verify(b"", record, f"row seq {record['seq']}")
                if record.get("event") != REQUEST_EVENT or not isinstance(record.get("data"), dict):
                    continue
                found = request_from(record["data"], record["time"], str(record["actor"]), index)
                if found is None:
                    self.integrity.skip("a request record without GenAI attributes")
                    continue
                index += 1
                yield found
        finally:
            connection.close()
            engine.dispose()


def open_log(source: str) -> ChainReader | OtelReader | PostgresReader:
    """The reader for a file (the gateway's chain when its first record is chained, else OTel JSON
    lines) or a postgresql:// URL."""
    if source.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        return PostgresReader(source)
    path = Path(source)
    if not path.is_file():
        raise InputError("no such log file", path=path)
    first = [*rotated(path), path][0]
    with first.open("rb") as handle:
        heads = [handle.readline() for _ in range(5)]  # a damaged first line must not hide the chain
    for head in heads:
        try:
            record = json.loads(head) if head.strip() else None
        except ValueError:
            continue
        if isinstance(record, dict) and {"seq", "prev", "hash"} <= set(record):
            return ChainReader(path)
    return OtelReader(path)
