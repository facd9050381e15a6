"""aicop scan / inventory / verify against a real S3-compatible server on loopback (moto server mode)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from aicop.registry import digest, engine
from aicop.registry.executors import LocalExecutor
from aicop.registry.state import State
from aicop.registry.store import Store, StoreSpec
from aicop.scan.scanner import scan_paths
from tests.registry import corpus
from tests.registry.conftest import upload
from tests.registry.s3server import S3Server


def findings(report: Any, root: str) -> list[tuple[str, str, str | None, str | None]]:
    """(relative path, rule, member, callable) of every finding, whatever the root was."""
    return sorted(
        (f.path.split(root, 1)[1].lstrip("/"), f.rule, f.member, f.callable) for f in report.findings
    )


def corpus_in_store_and_scanned_locally(
    s3: S3Server, bucket: str, tmp_path: Path
) -> tuple[dict[str, bytes], Any]:
    """The corpus uploaded under ``hub/`` and written under ``tmp_path/local``; (files, local scan)."""
    files = corpus.corpus()
    upload(s3, bucket, files, prefix="hub/")
    for name, data in files.items():
        (tmp_path / "local" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "local" / name).write_bytes(data)
    return files, scan_paths([tmp_path / "local"], workers=1)


def test_listing_carries_size_etag_and_version(s3: S3Server, bucket: str) -> None:
    upload(s3, bucket, {"a/one.bin": b"1" * 10, "a/sub/two.bin": b"22", "b/three.bin": b"333"})
    objects = Store(StoreSpec(f"s3://{bucket}/a")).list()
    assert [(o.key, o.size) for o in objects] == [("one.bin", 10), ("sub/two.bin", 2)]
    assert all(o.etag and o.version and o.mtime for o in objects)
    assert objects[0].url == f"s3://{bucket}/a/one.bin"


def test_same_findings_as_a_local_scan(s3: S3Server, bucket: str, tmp_path: Path, run_cli: Any) -> None:
    files, local = corpus_in_store_and_scanned_locally(s3, bucket, tmp_path)
    report, counters = engine.scan_store(StoreSpec(f"s3://{bucket}/hub"), LocalExecutor(4))
    assert findings(report, f"{bucket}/hub") == findings(local, str(tmp_path / "local"))
    assert {Path(f.path).name: f.error is not None for f in report.files} == {
        Path(f.path).name: f.error is not None for f in local.files
    }
    assert counters.objects == len(files) and counters.unchanged == 0

    result = run_cli("scan", f"s3://{bucket}/hub", "--format", "json")
    assert result.code == 1  # unsafe findings
    doc = json.loads(result.out)
    assert doc["summary"]["unsafe_files"] == sum(1 for f in local.files if f.unsafe)
    assert "scanned 14 objects" in result.err


def test_ranged_reads_of_big_objects(s3: S3Server, bucket: str, tmp_path: Path) -> None:
    path = tmp_path / "big.safetensors"
    corpus.big_safetensors(path, 96 << 20)
    s3.client.upload_file(str(path), bucket, "big/model.safetensors")
    upload(s3, bucket, {"big/evil.pt": corpus.corpus()["evil/torch.pt"]})
    report, counters = engine.scan_store(StoreSpec(f"s3://{bucket}/big"), LocalExecutor(2))
    assert counters.bytes_total > 95 << 20
    assert counters.bytes_read < (96 << 20) / 100  # headers, central directories and a pickle only
    by_name = {Path(f.path).name: f for f in report.files}
    assert by_name["model.safetensors"].format == "safetensors" and not by_name["model.safetensors"].unsafe
    assert by_name["evil.pt"].unsafe


def test_listing_leaves_no_copies_in_the_server(s3: S3Server, bucket: str) -> None:
    """The benchmark's server must not keep a copy of every object per listing page (moto's did: a
    deep copy per version, kept by moto's instance tracker, 53 GB of temporary files at 10,000 objects)."""

    def open_temporary_files() -> int:
        count = 0
        for fd in Path(f"/proc/{s3.process.pid}/fd").iterdir():
            try:
                count += str(fd.readlink()).endswith("(deleted)")
            except FileNotFoundError:  # closed between the listing and the look (a socket, a pipe)
                continue
        return count

    big = bytes(6 << 20)  # above moto's in-memory buffer (5 MiB): the object lives in a temporary file
    upload(s3, bucket, {"m/big.bin": big, "m/small.bin": b"x"})
    before = open_temporary_files()
    for _ in range(3):
        assert [o.key for o in Store(StoreSpec(f"s3://{bucket}/m")).list()] == ["big.bin", "small.bin"]
    assert open_temporary_files() == before
    store = Store(StoreSpec(f"s3://{bucket}/m"))
    # the listing's copies, collected, did not close the object's file
    assert store.reader(store.list()[0]).read(len(big) - 4, len(big)) == b"\0" * 4


def test_the_servers_fast_listing_pages_like_moto(s3: S3Server, bucket: str) -> None:
    """The benchmark server answers ListObjectVersions itself (moto's serializer is slow); paged, it
    must give what moto gives (moto answers when a delimiter is asked)."""
    import time

    for key, body in [("p/a b+c.bin", b"1"), ("p/z.bin", b"2"), ("p/a b+c.bin", b"33"), ("q/other", b"4")]:
        s3.client.put_object(Bucket=bucket, Key=key, Body=body)
        time.sleep(0.01)  # moto orders a key's versions by time (in ms)
    s3.client.delete_object(Bucket=bucket, Key="p/z.bin")
    time.sleep(0.01)
    s3.client.put_object(Bucket=bucket, Key="p/é&<.bin", Body=b"5")

    def pages(size: int, **options: Any) -> tuple[list[tuple[str, str, bool, str]], bool]:
        out, owner = [], False
        paginator = s3.client.get_paginator("list_object_versions")
        config = {"PageSize": size}
        for page in paginator.paginate(Bucket=bucket, Prefix="p/", PaginationConfig=config, **options):
            for kind in ("Versions", "DeleteMarkers"):
                out += [(v["Key"], v["VersionId"], v["IsLatest"], kind) for v in page.get(kind, [])]
                owner |= any("Owner" in v for v in page.get(kind, []))
        return sorted(out), owner

    (ours, owner_ours), (moto, owner_moto) = pages(2), pages(2, Delimiter="~")
    assert owner_moto and not owner_ours  # moto's answer names an owner, the wrapper's does not
    assert ours == moto and len(ours) == 5
    assert pages(3) == pages(1000) == (ours, False)  # a page that ends between two versions of a key
    assert pages(2, Delimiter="") == (ours, False)  # s3fs's request: an empty delimiter is none
    assert [(o[0], o[3]) for o in ours if o[2]] == [
        ("p/a b+c.bin", "Versions"),
        ("p/z.bin", "DeleteMarkers"),
        ("p/é&<.bin", "Versions"),
    ]
    listed = Store(StoreSpec(f"s3://{bucket}/p")).list()
    assert [(o.key, o.size) for o in listed] == [("a b+c.bin", 2), ("é&<.bin", 1)]


def test_incremental_rerun_reads_nothing_and_catches_a_same_size_overwrite(
    s3: S3Server, bucket: str, tmp_path: Path
) -> None:
    upload(
        s3,
        bucket,
        {"m/a.pkl": corpus.b.evil_pickle(command="id"), "m/b.safetensors": corpus.b.safetensors_bytes()},
    )
    spec = StoreSpec(f"s3://{bucket}/m")
    state_file = tmp_path / "state.json"
    first, c1 = engine.scan_store(spec, LocalExecutor(2), state=State(state_file, spec.url))
    written = state_file.stat().st_ino
    again, c2 = engine.scan_store(spec, LocalExecutor(2), state=State(state_file, spec.url))
    assert c1.bytes_read > 0 and c2.bytes_read == 0 and c2.unchanged == 2
    assert state_file.stat().st_ino == written  # nothing changed: the state is not rewritten
    assert [(f.path, f.unsafe) for f in again.files] == [(f.path, f.unsafe) for f in first.files]
    # The same number of bytes, harmless now: the ETag and the version id change, so it is scanned again.
    same_size = corpus.b.evil_pickle(command="id")
    benign = same_size.replace(b"posix", b"xxxxx").replace(b"system", b"sxstem")
    assert len(benign) == len(same_size)
    upload(s3, bucket, {"m/a.pkl": benign})
    third, c3 = engine.scan_store(spec, LocalExecutor(2), state=State(state_file, spec.url))
    assert c3.unchanged == 1 and c3.bytes_read == len(benign)
    assert state_file.stat().st_ino != written
    assert State(state_file, spec.url).entry(spec.open().list()[0]) is not None
    assert not any("os.system" in (f.callable or "") for f in third.findings)


def test_objects_deleted_or_overwritten_mid_scan_are_not_checked(
    s3: S3Server, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload(
        s3,
        bucket,
        {
            "x/gone.pkl": corpus.b.evil_pickle(),
            "x/changed.pkl": b"\x80\x04K\x01.",
            "x/kept.pkl": b"\x80\x04K\x02.",
        },
    )
    listed = Store(StoreSpec(f"s3://{bucket}/x")).list()
    real_list = Store.list
    calls = []

    def listing_then_changes(self: Store) -> list[Any]:
        calls.append(1)
        if len(calls) == 1:  # the objects change after the listing, before and while they are read
            s3.client.delete_object(Bucket=bucket, Key="x/gone.pkl", VersionId=listed[1].version)
            upload(s3, bucket, {"x/changed.pkl": b"\x80\x04K\x07."})
            return listed
        return real_list(self)

    monkeypatch.setattr(Store, "list", listing_then_changes)
    report, _ = engine.scan_store(StoreSpec(f"s3://{bucket}/x"), LocalExecutor(2))
    errors = {Path(f.path).name: f.error for f in report.files}
    assert errors["kept.pkl"] is None
    assert "not checked" in (errors["gone.pkl"] or "") and "deleted" in (errors["gone.pkl"] or "")
    assert "not checked" in (errors["changed.pkl"] or "") and "overwritten" in (errors["changed.pkl"] or "")
    assert not report.unsafe  # the evil pickle was never read: not clean either, an error


def test_a_bucket_that_does_not_exist(s3: S3Server, bucket: str, run_cli: Any) -> None:
    result = run_cli("scan", "s3://no-such-bucket-here/models")
    assert result.code == 2 and result.out == ""
    assert "s3://no-such-bucket-here/models" in result.err and "does not exist" in result.err


def test_an_empty_prefix_is_an_error(s3: S3Server, bucket: str, run_cli: Any) -> None:
    result = run_cli("scan", f"s3://{bucket}/nothing-here/")
    assert result.code == 2 and "holds no object" in result.err


def test_refused_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: Any) -> None:
    """A server that checks credentials (moto with IAM authentication on) refuses unknown keys:
    exit 2, the URL and the reason, nothing written."""
    monkeypatch.setenv("INITIAL_NO_AUTH_ACTION_COUNT", "0")
    server = S3Server()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", server.endpoint)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXPIREDEXPIRED00")
        monkeypatch.setenv("AWS_SESSION_TOKEN", "expired")
        out = tmp_path / "report.json"
        result = run_cli("scan", "s3://models/x", "--format", "json", "--output", out)
        assert result.code == 2 and not out.exists()
        assert "s3://models/x" in result.err and "access denied" in result.err
    finally:
        server.stop()


def test_inventory_hashes_in_parts_resumes_and_checks(
    s3: S3Server, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: Any
) -> None:
    small, big = b"tokenizer" * 100, bytes(range(256)) * 5000  # 1.28 MB: 5 parts of 256 KiB
    upload(s3, bucket, {"inv/small.json": small, "inv/big.bin": big})
    spec, part = StoreSpec(f"s3://{bucket}/inv"), 256 << 10
    state = State(tmp_path / "hash.json", spec.url)
    real = engine.part_task
    hashed: list[int] = []

    def flaky(spec_: StoreSpec, obj: Any, index: int, start: int, end: int) -> Any:
        if index == 3 and not hashed.count(-1):
            hashed.append(-1)
            raise OSError("connection reset by peer")
        hashed.append(index)
        return real(spec_, obj, index, start, end)

    monkeypatch.setattr(engine, "part_task", flaky)
    with pytest.raises(engine.AicopError, match=r"could not be hashed.*no inventory was written"):
        engine.hash_store(spec, LocalExecutor(2), state=state, part_size=part)
    assert sorted(i for i in hashed if i >= 0) == [0, 1, 2, 4]
    hashed.clear()
    hashed.append(-1)  # no more failures
    assets, _counters = engine.hash_store(
        spec, LocalExecutor(2), state=State(state.path, spec.url), part_size=part
    )
    assert [i for i in hashed if i >= 0] == [3]  # resumed: only the missing part was read
    by_path = {a["path"]: a for a in assets}
    assert by_path["small.json"]["algorithm"] == "sha256"
    assert by_path["small.json"]["digest"] == hashlib.sha256(small).hexdigest()
    parts = [hashlib.sha256(big[i : i + part]).digest() for i in range(0, len(big), part)]
    assert by_path["big.bin"]["algorithm"] == "sha256-parts"
    assert by_path["big.bin"]["digest"] == hashlib.sha256(b"".join(parts)).hexdigest()
    assert by_path["big.bin"]["digest"] == digest.combine([p.hex() for p in parts])

    into = tmp_path / "records"
    result = run_cli("inventory", spec.url, "--into", into, "--format", "json")
    assert result.code == 0, result.err
    written = list((into / ".aicop" / "registry").glob("*.json"))
    assert len(written) == 1 and json.loads(written[0].read_text())["source"] == spec.url
    assert "inventory.recorded" in (into / ".aicop" / "audit.jsonl").read_text()
    assert run_cli("inventory", spec.url, "--into", into, "--check").code == 0
    upload(s3, bucket, {"inv/small.json": small.upper()})
    changed = run_cli("inventory", spec.url, "--into", into, "--check", "--format", "json")
    assert changed.code == 1 and json.loads(changed.out)["modified"] == ["small.json"]


def test_no_partial_inventory_when_an_object_cannot_be_read(
    s3: S3Server, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: Any
) -> None:
    upload(s3, bucket, {"p/a.bin": b"a" * 100, "p/b.bin": b"b" * 100})
    real = engine.hash_task

    def failing(spec: StoreSpec, objects: list[Any]) -> Any:
        return [
            (o.key, None, "cannot read: timed out") if o.key == "b.bin" else real(spec, [o])[0]
            for o in objects
        ]

    monkeypatch.setattr(engine, "hash_task", failing)
    result = run_cli("inventory", f"s3://{bucket}/p", "--into", tmp_path)
    assert result.code == 2 and "1 of 2 objects could not be hashed" in result.err
    assert not (tmp_path / ".aicop").exists()


def write_keypair(folder: Path) -> None:
    """FOLDER/key.pem and FOLDER/pub.pem: a fresh P-256 key pair."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    (folder / "pub.pem").write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def test_verify_a_signature_over_objects(s3: S3Server, bucket: str, tmp_path: Path, run_cli: Any) -> None:
    model = tmp_path / "model"
    files = {"config.json": b"{}", "weights.safetensors": corpus.b.safetensors_bytes()}
    for name, data in files.items():
        (model / name).parent.mkdir(parents=True, exist_ok=True)
        (model / name).write_bytes(data)
    write_keypair(tmp_path)
    signature = tmp_path / "model.sig"
    assert run_cli("sign", model, "--key", tmp_path / "key.pem", "--signature", signature).code == 0
    upload(s3, bucket, files, prefix="signed/")
    url = f"s3://{bucket}/signed"
    ok = run_cli("verify", url, "--key", tmp_path / "pub.pem", "--signature", signature, "--format", "json")
    assert ok.code == 0, ok.err
    assert json.loads(ok.out)["verified"] is True
    upload(s3, bucket, {"signed/config.json": b"[]"})
    bad = run_cli("verify", url, "--key", tmp_path / "pub.pem", "--signature", signature, "--format", "json")
    assert bad.code == 1 and json.loads(bad.out)["modified"] == ["config.json"]


def test_shards_that_leave_bytes_uncovered_do_not_verify(
    s3: S3Server, bucket: str, tmp_path: Path, run_cli: Any
) -> None:
    """A validly signed shards statement whose ranges skip, overlap or stop short of an object's bytes
    verifies nothing: every object must be cut exactly as the signed shard size cuts it."""
    from aicop.integrity import signing

    write_keypair(tmp_path)
    data = bytes(range(256)) * 40  # 10,240 bytes: shards 0:4096, 4096:8192, 8192:10240
    upload(s3, bucket, {"m/w.bin": data})
    url = f"s3://{bucket}/m"

    def shard(start: int, end: int) -> dict[str, str]:
        return {"name": f"w.bin:{start}:{end}", "digest": hashlib.sha256(data[start:end]).hexdigest()}

    def verdict(ranges: list[tuple[int, int]]) -> tuple[int, dict[str, Any]]:
        bundle = signing.sign_resources(
            "m",
            [shard(s, e) for s, e in ranges],
            {"method": "shards", "hash_type": "sha256", "shard_size": 4096},
            tmp_path / "key.pem",
            None,
        )
        sig = tmp_path / "m.sig"
        sig.write_text(json.dumps(bundle))
        result = run_cli("verify", url, "--key", tmp_path / "pub.pem", "--signature", sig, "--format", "json")
        return result.code, json.loads(result.out)

    code, doc = verdict([(0, 4096), (4096, 8192), (8192, 10240)])
    assert code == 0 and doc["verified"] is True
    for ranges in (
        [(0, 4096), (8192, 10240)],  # the middle shard's bytes are covered by no digest
        [(0, 4096), (4096, 8192), (4096, 8192 + 1), (8192, 10240)],  # an extra, overlapping range
        [(0, 4096), (4096, 8192)],  # the last bytes unsigned
        [(0, 8192), (8192, 10240)],  # ranges not of the signed shard size
    ):
        code, doc = verdict(ranges)
        assert code == 1 and doc["verified"] is False and doc["modified"] == ["w.bin"], ranges


def test_a_hugging_face_cache_mirror(tmp_path: Path, run_cli: Any) -> None:
    """models--org--name/snapshots/REV/FILE are links into blobs/: followed there, and only there."""
    repo = tmp_path / "models--org--tiny"
    data = corpus.b.evil_pickle()
    blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
    blob.parent.mkdir(parents=True)
    blob.write_bytes(data)
    snapshot = repo / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    (snapshot / "pytorch_model.bin").symlink_to(Path("../../blobs") / blob.name)
    outside = tmp_path / "outside.pkl"
    outside.write_bytes(data)
    (snapshot / "escape.pkl").symlink_to(outside)
    result = run_cli("scan", repo, "--format", "json", "--state", tmp_path / "s.json")
    assert result.code == 1
    doc = json.loads(result.out)
    assert [Path(f["path"]).name for f in doc["files"]] == ["pytorch_model.bin"]
    assert doc["findings"][0]["rule"] == "pickle.dangerous-import"


@pytest.mark.parametrize(
    ("url", "extra"), [("gs://bucket/models", "gcs"), ("az://container/models", "azure")]
)
def test_a_store_whose_package_is_missing(url: str, extra: str, run_cli: Any) -> None:
    pytest.importorskip("fsspec")
    package = {"gcs": "gcsfs", "azure": "adlfs"}[extra]
    try:
        __import__(package)
        pytest.skip(f"{package} is installed here")
    except ImportError:
        pass
    result = run_cli("scan", url)
    assert result.code == 2 and result.out == ""
    assert f"aicop[{extra}]" in result.err and url.split("://")[0] in result.err


def test_an_endpoint_option_for_another_store_is_refused(run_cli: Any) -> None:
    result = run_cli("scan", "gs://bucket/models", "--endpoint-url", "http://127.0.0.1:1")
    assert result.code == 2 and "S3-compatible" in result.err


def test_a_rerun_keeps_an_empty_objects_error_and_reads_a_failed_one_again(
    s3: S3Server, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload(s3, bucket, {"e/empty.pkl": b"", "e/flaky.pkl": b"\x80\x04K\x01.", "e/ok.pkl": b"\x80\x04K\x02."})
    spec = StoreSpec(f"s3://{bucket}/e")
    state_file = tmp_path / "state.json"
    real_reader = Store.reader

    def failing_once(self: Store, obj: Any) -> Any:
        reader = real_reader(self, obj)
        if obj.key == "flaky.pkl":

            def refuse(start: int, end: int) -> bytes:
                raise OSError("connection reset")

            reader._fetch = refuse
        return reader

    monkeypatch.setattr(Store, "reader", failing_once)
    first, c1 = engine.scan_store(spec, LocalExecutor(2), state=State(state_file, spec.url))
    assert c1.unchanged == 0
    errors = {Path(f.path).name: f.error for f in first.files}
    assert errors["empty.pkl"] == "not checked: empty file"
    assert "cannot read" in (errors["flaky.pkl"] or "") and errors["ok.pkl"] is None
    monkeypatch.setattr(Store, "reader", real_reader)
    again, c2 = engine.scan_store(spec, LocalExecutor(2), state=State(state_file, spec.url))
    # the empty object's error is the listing's to decide: kept; a failed read may not recur: read again
    assert c2.unchanged == 2 and c2.bytes_read == len(b"\x80\x04K\x01.")
    errors = {Path(f.path).name: f.error for f in again.files}
    assert errors == {"empty.pkl": "not checked: empty file", "flaky.pkl": None, "ok.pkl": None}
    third, c3 = engine.scan_store(spec, LocalExecutor(2), state=State(state_file, spec.url))
    assert c3.unchanged == 3 and c3.bytes_read == 0
    assert [(f.path, f.error) for f in third.files] == [(f.path, f.error) for f in again.files]


def test_an_empty_object_overwritten_mid_scan_is_not_kept(
    s3: S3Server, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload(s3, bucket, {"w/empty.pkl": b""})
    spec = StoreSpec(f"s3://{bucket}/w")
    listed = Store(spec).list()
    real_list = Store.list
    calls: list[int] = []

    def listing_then_overwrite(self: Store) -> list[Any]:
        calls.append(1)
        if len(calls) == 1:
            upload(s3, bucket, {"w/empty.pkl": corpus.b.evil_pickle()})
            return listed
        return real_list(self)

    monkeypatch.setattr(Store, "list", listing_then_overwrite)
    state_file = tmp_path / "state.json"
    report, _ = engine.scan_store(spec, LocalExecutor(1), state=State(state_file, spec.url))
    assert "overwritten" in (report.files[0].error or "")
    assert State(state_file, spec.url).objects == {}  # nothing a re-run could take for the new object


def test_listed_timestamps_are_what_botocores_own_parser_gives() -> None:
    from botocore.utils import parse_timestamp

    from aicop.registry.store import _timestamp

    for value in (
        "2026-11-29T07:10:00.000Z",
        "2026-11-29T07:10:00Z",
        "2026-11-29T07:10:00.123456Z",
        "2026-11-29T07:10:00.1234567Z",
        "2026-11-29T07:10:00.5+01:00",
        "Sun, 29 Nov 2026 07:10:00 GMT",  # an HTTP header's date: botocore's parser
        "2026-11-29T07:10:00",  # no zone: botocore's parser
        1764400200,
    ):
        mine, theirs = _timestamp(value), parse_timestamp(value)
        assert mine == theirs and mine.isoformat() == theirs.isoformat(), value


def test_the_listing_reads_the_same_mtime_as_botocore(s3: S3Server, bucket: str) -> None:
    upload(s3, bucket, {"t/one.bin": b"1"})
    listed = Store(StoreSpec(f"s3://{bucket}/t")).list()
    head = s3.client.list_object_versions(Bucket=bucket, Prefix="t/")["Versions"][0]
    assert listed[0].mtime == head["LastModified"].isoformat()  # what an earlier run's state recorded
