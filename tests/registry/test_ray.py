"""--executor ray on a real local Ray cluster: a head and a worker node on loopback (127.0.0.2).

One cluster for the whole module and few tests, because a Ray cluster takes tens of seconds to start
on a loaded 2-core machine. Ray's raylet gives up on its agents after a fixed 15 s
(ray-project/ray#65983): when four tries all fail, the tests skip saying so, or fail in CI.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aicop.registry import engine
from aicop.registry.executors import RayExecutor
from aicop.registry.store import StoreSpec
from tests.conftest import IN_CI
from tests.registry.raycluster import ENV, RayCluster
from tests.registry.s3server import ENV as S3_ENV
from tests.registry.s3server import S3Server
from tests.registry.test_s3 import corpus_in_store_and_scanned_locally, findings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster(s3: S3Server) -> Iterator[RayCluster]:
    pytest.importorskip("ray")
    os.environ.update(ENV)
    try:
        started = RayCluster(workers=1, head_cpus=1, env={**S3_ENV, "AWS_ENDPOINT_URL_S3": s3.endpoint})
    except RuntimeError as err:
        if IN_CI:
            raise
        pytest.skip(f"a local Ray cluster did not start on this loaded machine: {str(err)[-300:]}")
    try:
        yield started
    finally:
        import ray

        if ray.is_initialized():
            ray.shutdown()
        started.stop()


def test_ray_scans_like_a_local_run_even_when_workers_die(
    s3: S3Server,
    bucket: str,
    cluster: RayCluster,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run_cli: Any,
) -> None:
    files, local = corpus_in_store_and_scanned_locally(s3, bucket, tmp_path)
    expected = findings(local, str(tmp_path / "local"))
    spec = StoreSpec(f"s3://{bucket}/hub", s3.endpoint)
    monkeypatch.setenv("RAY_ADDRESS", cluster.address)

    # 1. The command, as a Ray job runs it: the same findings as the local scan.
    result = run_cli("scan", spec.url, "--executor", "ray", "--format", "json", "--full")
    assert result.code == 1, result.err
    assert "with the ray executor" in result.err
    doc = json.loads(result.out)
    assert (
        sorted(
            (f["path"].split(f"{bucket}/hub/", 1)[1], f["rule"], f["member"], f["callable"])
            for f in doc["findings"]
        )
        == expected
    )

    # 2. Workers killed mid-run: Ray retries their tasks and the report is the same, nothing missing.
    executor = RayExecutor(cluster.address, max_retries=3)
    killed: list[int] = []

    def kill_once(counters: engine.Counters) -> None:
        if not killed and counters.objects_done >= 2:
            for pid in cluster.task_workers():
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

    s3.latency(150)  # every request waits: tasks are still running when the workers die
    try:
        report, counters = engine.scan_store(spec, executor, progress=kill_once)
    finally:
        s3.latency(0)
    assert killed, "no Ray worker process was found to kill"
    assert findings(report, f"{bucket}/hub") == expected
    assert not counters.failed and counters.objects_done == len(files)

    # 3. No retries left: the dead worker's objects are 'not checked' (an error, exit 2), never clean.
    executor.max_retries = 0
    killed.clear()
    s3.latency(150)
    try:
        report, counters = engine.scan_store(spec, executor, progress=kill_once)
    finally:
        s3.latency(0)
        executor.close()
    assert killed and counters.failed
    lost = [f for f in report.files if f.path in counters.failed]
    assert lost and all(f.error and f.error.startswith("not checked") and not f.findings for f in lost)


def test_a_ray_address_that_does_not_answer(run_cli: Any, s3: S3Server, bucket: str) -> None:
    from tests.registry.raycluster import free_ports

    (port,) = free_ports(1)
    result = run_cli("scan", f"s3://{bucket}/x", "--executor", f"ray://127.0.0.1:{port}")
    assert result.code == 2 and result.out == ""
    assert f"127.0.0.1:{port}" in result.err and "does not answer" in result.err
    assert run_cli("scan", f"s3://{bucket}/x", "--executor", "spark").code == 2
