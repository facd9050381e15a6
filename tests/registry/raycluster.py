"""A small real Ray cluster on loopback for the tests and the benchmark: a head and worker nodes
started with ``ray start``, every port chosen free (Ray's default GCS port, 6379, is Redis's here),
no dashboard, a temporary directory of its own, and stopped by killing exactly its own processes.
The nodes use 127.0.0.2: Ray rewrites 127.0.0.1 into the host's own network address for any cluster
of more than one node, and 127.0.0.2 is loopback too.

Ray's processes do not say which cluster they belong to except through the session directory in
their command lines, which is why ``processes()`` looks for this cluster's unique temporary directory.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
ENV = {
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_agent_register_timeout_ms": "180000",  # a loaded 2-core machine starts agents slowly
}


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _node_ports() -> list[str]:
    metrics, grpc, listen, runtime, manager, store = free_ports(6)
    return [
        f"--metrics-export-port={metrics}",
        f"--dashboard-agent-grpc-port={grpc}",
        f"--dashboard-agent-listen-port={listen}",
        f"--runtime-env-agent-port={runtime}",
        f"--node-manager-port={manager}",
        f"--object-manager-port={store}",
    ]


class RayCluster:
    def __init__(self, workers: int = 1, head_cpus: int = 0, env: dict[str, str] | None = None) -> None:
        self.temp = tempfile.mkdtemp(prefix="aicop-ray-", dir="/tmp")  # short: Ray's socket paths are long
        # Every Ray process imports jsonschema, whose format checker imports rfc3987_syntax when it is
        # installed; that module builds a grammar at import, seconds of CPU in each of the node's
        # processes (7 s of its 8 s import here). The cluster's processes get a stand-in that refuses
        # to import, which jsonschema takes as "not installed".
        shim = Path(self.temp) / "shim"
        shim.mkdir()
        (shim / "rfc3987_syntax.py").write_text('raise ImportError("left out of the test cluster")\n')
        path = os.pathsep.join(p for p in (str(shim), os.environ.get("PYTHONPATH", "")) if p)
        self.env = {**os.environ, **ENV, **(env or {}), "PYTHONPATH": path}
        self.address = ""
        self.head_cpus = head_cpus
        self._start(head=True)
        for _ in range(workers):
            self.add_worker()

    def _start(self, *, head: bool) -> None:
        """``ray start`` for the head or a worker node. Ray's raylet gives its agents a fixed 15 s to
        write their port files and exits when they are late (ray-project/ray#65983), which a loaded
        2-core machine sees: a failed start is cleaned up and tried again, with fresh ports."""
        common = ["--node-ip-address=127.0.0.2", "--disable-usage-stats", "--object-store-memory=80000000"]
        error = ""
        for _ in range(4):
            if head:
                (gcs,) = free_ports(1)
                self.address = f"127.0.0.2:{gcs}"
                args = [
                    "--head",
                    f"--port={gcs}",
                    "--include-dashboard=false",
                    f"--temp-dir={self.temp}",
                    f"--num-cpus={self.head_cpus}",
                ]
            else:
                args = [f"--address={self.address}", "--num-cpus=1"]
            before = set(self.processes())
            done = subprocess.run(
                [str(BIN / "ray"), "start", *args, *common, *_node_ports()],
                env=self.env,
                capture_output=True,
                text=True,
                timeout=240,
                check=False,
            )
            if done.returncode == 0:
                return
            error = done.stderr[-1500:]
            self._kill(set(self.processes()) - before)
        raise RuntimeError(f"ray start failed four times:\n{error}")

    def add_worker(self) -> None:
        self._start(head=False)

    def processes(self) -> list[int]:
        """PIDs of this cluster's processes: those whose command line names its temporary directory,
        and their descendants (task workers rename themselves ``ray::…``)."""
        table: dict[int, tuple[int, str]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            table[int(entry.name)] = (ppid, cmdline)
        ours = {pid for pid, (_, cmdline) in table.items() if self.temp in cmdline}
        grew = True
        while grew:
            more = {pid for pid, (ppid, _) in table.items() if ppid in ours} - ours
            ours |= more
            grew = bool(more)
        return sorted(ours)

    def task_workers(self, title: bytes = b"ray::_call") -> list[int]:
        """This cluster's worker processes running a task (their title is ``ray::`` and the task's
        function; the node's agents call themselves ``ray::…`` too, and are left alone)."""
        ours = set(self.processes())
        out = []
        for pid in ours:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if cmdline.startswith(title):
                out.append(pid)
        return out

    def wait_for_nodes(self, count: int, timeout: float = 120) -> None:
        import ray

        deadline = time.monotonic() + timeout
        while sum(1 for n in ray.nodes() if n["Alive"]) < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Ray cluster did not reach {count} nodes")
            time.sleep(0.5)

    @staticmethod
    def _kill(pids: set[int] | list[int]) -> None:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        for _ in range(3):
            pids = self.processes()
            if not pids:
                break
            self._kill(pids)
            time.sleep(0.5)
        subprocess.run(["rm", "-rf", self.temp], check=False)
