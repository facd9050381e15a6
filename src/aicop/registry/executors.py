"""Who runs the tasks: threads in this process (``local``), or a Ray cluster (``ray``, ``ray://HOST:PORT``).

Both take a list of ``(function, arguments)`` and yield ``(index, result or exception)`` as tasks
finish, so results stream into the same report, inventory and audit trail whichever runs them.

Local work is threads, not the scanner's forked processes: reading an object store is waiting on the
network (hashlib and socket reads release the GIL), and a ranged scan parses a few kilobytes per object.
Ctrl-C cancels every queued task; the running ones end with their current request.

Ray is an optional extra (``pip install 'aicop[ray]'``) and aicop runs none of its own: ``ray``
joins the cluster that ``RAY_ADDRESS`` names (what ``ray job submit`` and ``ray start`` set), and
``ray://HOST:PORT`` a remote one through Ray Client. A task whose worker dies or is pre-empted is
retried by Ray (``max_retries``); one that still fails comes back as its exception, and the caller
marks its objects *not checked*.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from aicop.errors import InputError

Task = tuple[Callable[..., Any], tuple[Any, ...]]


class LocalExecutor:
    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or min(16, 4 * (os.cpu_count() or 1))

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[int, Any]]:
        pool = ThreadPoolExecutor(max_workers=self.workers)
        pending: dict[Future[Any], int] = {}
        queue = iter(enumerate(tasks))
        try:
            while True:
                while len(pending) < 2 * self.workers:
                    item = next(queue, None)
                    if item is None:
                        break
                    index, (function, args) = item
                    pending[pool.submit(function, *args)] = index
                if not pending:
                    break
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    index = pending.pop(future)
                    error = future.exception()
                    yield index, error if error is not None else future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        """Nothing to release."""


class RayExecutor:
    name = "ray"

    def __init__(self, address: str | None, max_retries: int = 3) -> None:
        address = address or os.environ.get("RAY_ADDRESS")
        if not address:
            raise InputError(
                "--executor ray: no Ray cluster named; set RAY_ADDRESS (a Ray job has it) or give "
                "--executor ray://HOST:PORT"
            )
        _answers(address)
        try:
            import ray
        except ImportError:
            raise InputError("--executor ray needs Ray: pip install 'aicop[ray]'") from None
        self.ray = ray
        self.max_retries = max_retries
        self.parallel: int | None = None  # tasks in flight at once; by default four per CPU of the cluster
        self.address = address
        self._started = not ray.is_initialized()
        if self._started:
            try:
                ray.init(address=address, log_to_driver=False, configure_logging=False)
            except Exception as err:  # ray raises ConnectionError, RuntimeError, grpc errors…
                raise InputError(f"cannot join the Ray cluster at {address}: {err}") from err

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[int, Any]]:
        ray = self.ray
        remote = ray.remote(max_retries=self.max_retries, num_cpus=1)(_call)
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        queue = iter(enumerate(tasks))
        pending: dict[Any, int] = {}
        try:
            while True:
                while len(pending) < (self.parallel or 4 * cpus):  # the driver holds few results at once
                    item = next(queue, None)
                    if item is None:
                        break
                    index, (function, args) = item
                    pending[remote.remote(function, args)] = index
                if not pending:
                    break
                ready, _ = ray.wait(list(pending), num_returns=1)
                for ref in ready:
                    index = pending.pop(ref)
                    try:
                        yield index, ray.get(ref)
                    except ray.exceptions.RayError as err:  # retries exhausted, or the task raised
                        yield index, _RayTaskFailed(_reason(err))
        finally:
            for ref in pending:
                ray.cancel(ref, force=True)

    def close(self) -> None:
        if self._started:
            self.ray.shutdown()


class _RayTaskFailed(Exception):
    """A Ray task that failed after its retries: the worker died, or the task raised."""


def _reason(err: BaseException) -> str:
    first = str(err).strip().splitlines()[0] if str(err).strip() else ""
    return f"{type(err).__name__}: {first}"[:300]


def _call(function: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    return function(*args)


def _answers(address: str) -> None:
    """Fail in seconds, with the address, when nothing listens there (Ray itself waits minutes)."""
    target = address.split("://", 1)[-1]
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        raise InputError(f"--executor: {address!r} is not HOST:PORT")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as err:
        raise InputError(f"the Ray cluster at {address} does not answer ({err.strerror or err})") from err


def executor_for(spec: str, workers: int | None = None) -> LocalExecutor | RayExecutor:
    """``local``, ``ray`` or ``ray://HOST:PORT``."""
    if spec == "local":
        return LocalExecutor(workers)
    if spec == "ray":
        return RayExecutor(None)
    if spec.startswith("ray://"):
        return RayExecutor(spec)
    raise InputError(f"--executor {spec!r}: choose local, ray or ray://HOST:PORT")
