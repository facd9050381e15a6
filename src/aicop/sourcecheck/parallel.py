"""Helper processes that analyse files for ``check_tree`` on a big tree.

Analysing a file (parsing it, walking its tree, the secrets patterns) needs nothing but the file, and
on a big repository it is most of a cold ``aicop assess`` (private-gpt, 884 files: about 2.2 of 3 s).
So when there are enough files to repay a helper's start-up, helpers take batches of them, largest
first, while this process takes them one at a time from the same queue between the helpers' answers;
the report is built from the records in the files' order, exactly as if one process had made them all.

How the helpers are made, and why not otherwise:
- Each is a fresh ``python -I`` (isolated: the current directory, which may be the repository being
  checked, is never on its import path) that imports only ``aicop.sourcecheck``. Not ``fork``: assess
  shows a spinner from a thread, and a forked child inherits whatever lock that thread held. Not
  ``multiprocessing``: its pools share locks between processes and pickle what they pass.
- They run in their own process group, so the terminal's Ctrl-C reaches only aicop, which kills and
  reaps them at once; an interrupted run prints one line and exits 2, never a helper's traceback.
- They talk JSON lines over their stdin and stdout: a batch of (path, SHA-256) in, each file's record
  out in the shape the facts cache keeps (``facts._plain``), read back with the cache's validation.
  A helper that read other bytes than this process hashed (the file changed meanwhile) answers null
  and the file is analysed here; a helper that ends leaves its batches to the others and to this
  process; a helper whose analysis raises reports a bug (``RuntimeError``), as one process would.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections import deque
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from aicop.processes import usable_cpus
from aicop.sourcecheck.engine import analyse_file, fewer_collections
from aicop.sourcecheck.facts import FileRecord, _plain, _record

if TYPE_CHECKING:
    from collections.abc import Iterator

PARALLEL_FROM = 150  # files to analyse per helper: fewer, and its start-up (~0.15 s) is not repaid
MAX_HELPERS = 8
BATCH = 16  # files per request; each helper has at most two requests outstanding
BUDGET = 128 * 1024  # characters per request, and before a helper is sent a second one
# The helper's program: the parent's import path (without the current directory), then serve.
_PROGRAM = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
    "from aicop.sourcecheck.parallel import serve; serve(sys.argv[2])"
)


class Job(NamedTuple):
    """A file to analyse: its place in ``check_tree``'s list, its path, the SHA-256 of the bytes
    read, and their text."""

    position: int
    rel: str
    digest: str
    text: str


def helpers_for(files: int, workers: int | None = None) -> int:
    """How many helpers to start for ``files`` files: none for a small tree; otherwise one per CPU
    this process may use beyond its own, and at least ``PARALLEL_FROM`` files each."""
    if workers is not None:
        return max(0, min(workers, MAX_HELPERS))
    return max(0, min(usable_cpus() - 1, files // PARALLEL_FROM, MAX_HELPERS))


def analyse(root: str, jobs: list[Job], workers: int | None = None) -> dict[int, FileRecord]:
    """Records of the ``jobs`` (by position) that helpers and this process made; ``{}`` when the tree
    is too small for helpers (the caller analyses every file then). A file missing from the answer
    (its helper read other bytes) is for the caller to analyse."""
    count = helpers_for(len(jobs), workers)
    if count == 0 or not sys.executable:
        return {}
    done: dict[int, FileRecord] = {}
    # Largest first, so that no big file is left for the end: gpt-researcher's two 724 KB one-line
    # JSON files take 1 s each, and went to one helper while this process waited.
    queue = deque(sorted(jobs, key=lambda job: len(job.text), reverse=True))
    helpers: list[_Helper] = []
    try:
        for _ in range(count):
            try:
                with _ctrl_c_held():
                    helpers.append(_Helper(root))
            except (OSError, ValueError):  # no process to start (limits, a platform without groups)
                break
        while True:
            for helper in helpers:
                helper.feed(queue, len(helpers))
            busy = [helper for helper in helpers if helper.batches]
            if not busy and not queue:
                break
            for helper in _ready(busy, wait=not queue):
                helper.collect(done, queue)
            if queue:  # this process takes files too, one at a time, between answers
                job = queue.popleft()
                done[job.position] = analyse_file(os.path.join(root, job.rel), job.rel, job.text)
    finally:
        for helper in helpers:
            helper.close()
    return done


@contextlib.contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Ctrl-C held back while a helper is started and recorded: raised inside ``Popen``, it would
    leave a helper that nobody stops (1 try in 25 of the Ctrl-C test before this). It is raised
    afterwards, by the handler that was there. Only the main thread is ever interrupted."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: caught.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)
        if caught:  # even when starting failed: the user's Ctrl-C is never lost
            if previous is signal.default_int_handler:
                # raised here, not by a signal whose handler runs at the next bytecode anywhere
                # (inside a garbage-collector callback, it would be lost as 'unraisable')
                raise KeyboardInterrupt
            signal.raise_signal(signal.SIGINT)


class _Helper:
    """One helper process and the batches it has been sent, oldest first."""

    def __init__(self, root: str) -> None:
        import subprocess

        import aicop

        here = os.path.dirname(os.path.dirname(os.path.abspath(aicop.__file__)))
        path = [here, *(p for p in sys.path if p and p != here)]
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", _PROGRAM, json.dumps(path), root],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            process_group=0,  # not in the terminal's foreground group: Ctrl-C is ours to handle
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin: IO[bytes] = self.process.stdin
        self.fd = self.process.stdout.fileno()
        self.batches: deque[list[Job]] = deque()
        self.pending = b""  # an answer read in part
        self.load = 0  # characters of the batches in hand
        self.alive = True

    def feed(self, queue: deque[Job], helpers: int) -> None:
        """Keep two batches in hand (one, if it is big), smaller as the queue runs out so that all
        finish together."""
        while self.alive and len(self.batches) < 2 and queue and self.load < BUDGET:
            size = max(1, min(BATCH, len(queue) // (4 * (helpers + 1))))
            batch: list[Job] = []
            chars = 0
            while queue and len(batch) < size and (not batch or chars + len(queue[0].text) <= BUDGET):
                batch.append(queue.popleft())
                chars += len(batch[-1].text)
            request = json.dumps([[job.rel, job.digest] for job in batch], separators=(",", ":"))
            try:
                self.stdin.write(request.encode() + b"\n")
                self.stdin.flush()
            except OSError:  # it has ended: its answer to the earlier batches tells, via collect
                queue.extendleft(reversed(batch))
                self.alive = False
                return
            self.batches.append(batch)
            self.load += chars

    def collect(self, done: dict[int, FileRecord], queue: deque[Job]) -> None:
        """Read what the helper has sent; take each whole answer; give back its work if it ended."""
        data = os.read(self.fd, 1 << 20)
        if not data:  # it ended (killed, out of memory): its unanswered batches go back to the queue
            for batch in reversed(self.batches):
                queue.extendleft(reversed(batch))
            self.batches.clear()
            self.load = 0
            self.alive = False
            return
        self.pending += data
        while b"\n" in self.pending:
            line, self.pending = self.pending.split(b"\n", 1)
            batch = self.batches.popleft()
            self.load -= sum(len(job.text) for job in batch)
            for job, plain in zip(batch, _answer(line, len(batch)), strict=True):
                if plain is None:
                    continue
                try:
                    done[job.position] = _record(plain)
                except (KeyError, TypeError, ValueError) as err:
                    raise RuntimeError(
                        f"a helper process of the source checks sent a broken record: {err!r}"
                    ) from err

    def close(self) -> None:
        """Stop the helper now (it holds nothing worth waiting for) and reap it."""
        with contextlib.suppress(OSError):
            self.stdin.close()
        self.process.kill()
        self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def _answer(line: bytes, expected: int) -> list[Any]:
    """The records of one answer (a record, or None for a file the helper left), checked for shape."""
    try:
        answer = json.loads(line)
    except ValueError as err:
        raise RuntimeError(f"a helper process of the source checks sent what is not JSON: {err}") from err
    if isinstance(answer, dict) and answer.get("error") is not None:
        raise RuntimeError(f"a helper process of the source checks failed:\n{answer['error']}")
    records = answer.get("records") if isinstance(answer, dict) else None
    if not isinstance(records, list) or len(records) != expected:
        raise RuntimeError("a helper process of the source checks answered for other files than it was sent")
    return records


def _ready(helpers: list[_Helper], wait: bool) -> list[_Helper]:
    """The helpers that have sent something (or ended); without ``wait``, only those already have.
    ``poll``, not ``select``: no limit on the descriptors' numbers."""
    if not helpers:
        return []
    import select

    poller = select.poll()
    for helper in helpers:
        poller.register(helper.fd, select.POLLIN)
    readable = {fd for fd, _ in poller.poll(None if wait else 0)}
    return [h for h in helpers if h.fd in readable]


def serve(root: str) -> None:
    """The helper's side: answer each batch of (path, SHA-256) with the files' records until the
    parent closes the pipe. Ctrl-C is the parent's to handle; a bug is reported, not printed."""
    import signal
    import traceback

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        try:
            with fewer_collections():
                records = [_analysed(root, rel, digest) for rel, digest in json.loads(line)]
            answer: dict[str, Any] = {"records": records}
        except Exception:  # a bug in a rule: the parent raises it
            answer = {"error": traceback.format_exc()}
        try:
            out.write(json.dumps(answer, separators=(",", ":")).encode() + b"\n")
            out.flush()
        except OSError:  # the parent has gone
            return


def _analysed(root: str, rel: str, digest: str) -> dict[str, Any] | None:
    """The record of the file at ``rel``, or None when its bytes are not the ones the parent hashed."""
    import hashlib

    full = os.path.join(root, rel)
    try:
        with open(full, "rb") as handle:
            raw = handle.read()
    except OSError:
        return None
    if hashlib.sha256(raw).hexdigest() != digest:
        return None
    return _plain(analyse_file(full, rel, raw.decode("utf-8", "replace")))
