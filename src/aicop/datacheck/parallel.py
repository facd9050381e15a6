"""The near-duplicate search in a helper process, on a second core, while this process reads.

On a table of short rows the search is about a third of a default check's CPU time: its budget (0.25 s
plus 0.03 s per MB) is spent in full whenever there are more records than it can compare, so in one
process it is time the reading waits for. Which records it looks up is decided by their keys alone
(neardup.Candidates), so this process sends each batch of new records' normalised texts as it reads
them, and asks for the answers when a file is read; the helper answers with the same numbers the
search in this process would (the report is the same, ``--jobs 1`` or not).

How the helper is made, and why not otherwise (as sourcecheck/parallel.py does for assess):
- a fresh ``python -I`` (the current directory, which may hold the data being checked, is never on its
  import path) that imports only ``aicop.datacheck.nearserve`` (its side of the exchange), the search
  and NumPy: 0.11 s to start, against 0.15 s with this module's imports, which are the parent's.
  Not ``fork``: the CLI shows a spinner from a thread, and a forked child inherits whatever lock that
  thread held. Not ``multiprocessing``: it pickles what it passes;
- in its own process group, ignoring Ctrl-C: the terminal's Ctrl-C reaches only aicop, which kills and
  reaps the helper;
- JSON lines over its stdin and stdout: ``{"read": BYTES, "count": N, "size": SIZE}`` and the N
  records' normalised texts one a line (SIZE bytes of UTF-8) to look them up, ``{"sync": true}`` for
  the answers so far, ``{"matches": [[number, earlier, similarity], ...],
  "spent": S, "skipped": N, "full": B}`` back. Requests are written by a thread of this process, so
  reading never waits for the helper; what goes wrong in it is raised here as a RuntimeError (a bug),
  with the end of what it printed.
"""

from __future__ import annotations

import contextlib
import json
import queue
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO

from aicop.datacheck.neardup import Budget, Matches

PENDING = 32  # requests queued for the helper before reading waits for it (each <= 4,096 records)
_PROGRAM = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
    "from aicop.datacheck.nearserve import serve; serve(*sys.argv[2:])"
)


class NearHelper:
    """The near-duplicate search (neardup.NearSearch) in a helper process."""

    def __init__(self, threshold: float, seconds: float | None, rate: float | None) -> None:
        import aicop

        here = str(Path(aicop.__file__).resolve().parent.parent)
        path = [here, *(p for p in sys.path if p and p != here)]
        self.budget = Budget(seconds, rate)
        self.full = False
        # what it prints (a traceback) goes to a file: a pipe nobody reads could fill and stop it
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        settings = (threshold, seconds, rate)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-c", _PROGRAM, json.dumps(path), *map(json.dumps, settings)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._errors,
                process_group=0,  # not in the terminal's foreground group: Ctrl-C is ours to handle
            )
        except (OSError, ValueError) as err:
            self._errors.close()
            raise OSError(f"cannot start a helper process: {err}") from err
        assert self.process.stdin is not None and self.process.stdout is not None
        self._stdout: IO[bytes] = self.process.stdout
        self._requests: queue.Queue[bytes | None] = queue.Queue(PENDING)
        self._writer = threading.Thread(
            target=_write, args=(self._requests, self.process.stdin), name="aicop-near-helper", daemon=True
        )
        self._writer.start()

    def feed(self, texts: list[str], read: int) -> None:
        # the texts one a line after a JSON head: normalised texts hold no line break, and joining them
        # cost a third of encoding them as a JSON list
        payload = "\n".join(texts).encode()
        head = json.dumps({"read": read, "count": len(texts), "size": len(payload)})
        self._put(head.encode() + b"\n" + payload)

    def _put(self, request: bytes) -> None:
        # Once the writer has stopped (the helper ended) nobody empties the queue: what is sent then is
        # dropped, and the next sync says why.
        if self._writer.is_alive():
            self._requests.put(request)

    def sync(self) -> Matches:
        self._put(b'{"sync":true}\n')
        line = self._stdout.readline()
        try:
            answer = json.loads(line) if line else None
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or not isinstance(answer.get("matches"), list):
            raise RuntimeError(f"the near-duplicate helper process failed: {self._said(line)}")
        self.budget.spent = float(answer["spent"])
        self.budget.skipped = int(answer["skipped"])
        self.full = bool(answer["full"])
        return {int(number): (int(earlier), float(score)) for number, earlier, score in answer["matches"]}

    def _said(self, line: bytes) -> str:
        """What the helper said instead of an answer: its error, or the end of what it printed."""
        with contextlib.suppress(ValueError, TypeError, KeyError):
            return str(json.loads(line)["error"])
        if line:  # something else than an answer: it is not to be trusted further
            self.process.kill()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # its output closed, and still running
            self.process.kill()
            self.process.wait()
        self._errors.seek(0)
        tail = self._errors.read()[-2000:].decode("utf-8", "replace").strip()
        return f"it ended with exit code {self.process.returncode}" + (f":\n{tail}" if tail else "")

    def close(self) -> None:
        """Stop the helper now (nothing it holds is wanted any more) and reap it."""
        with contextlib.suppress(queue.Full):
            self._requests.put_nowait(None)
        self.process.kill()
        self.process.wait()
        self._writer.join()
        self._stdout.close()
        self._errors.close()


def _write(requests: queue.Queue[bytes | None], stdin: IO[bytes]) -> None:
    """The writer thread: each request to the helper, in order, until told to stop or it has gone."""
    try:
        while (request := requests.get()) is not None:
            stdin.write(request)
            stdin.flush()
    except OSError:  # the helper has ended: sync says why
        pass
    finally:
        with contextlib.suppress(OSError):
            stdin.close()
        while True:  # a put waiting for room, before this thread was seen to stop, must not wait for ever
            try:
                requests.get_nowait()
            except queue.Empty:
                break
