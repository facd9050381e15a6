"""Snapshots and restore: the round trip, the drill, and every way a store or a target can be unsafe."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from aicop.assess.results import Status
from aicop.audit import events
from aicop.errors import InputError
from aicop.integrity import store
from aicop.integrity.store import StoreError
from tests.checks.helpers import provision
from tests.conftest import MANIFEST, CliResult, MakeRepo

Run = Callable[..., CliResult]

FILES = {
    "models/clf.safetensors": b"\x00weights" * 1000,
    "data/train.csv": "a,b\n1,2\n",
    "prompts/system.md": "Be kind.",
    "docs/threat-model.md": "# TM\n",
}


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".aicop" not in p.parts
    }


def event_names(root: Path) -> list[str]:
    return [str(r["event"]) for r in events(root / ".aicop" / "audit.jsonl")]


def test_round_trip_restores_content_and_leaves_extra_files(make_repo: MakeRepo) -> None:
    root = make_repo(FILES, manifest=MANIFEST)
    doc, added = store.snapshot(root, None)
    assert added == len(doc["assets"]) == 5  # aicop.yaml is configuration
    good = tree(root)
    (root / "data/train.csv").write_text("poisoned\n")
    (root / "prompts/system.md").unlink()
    (root / "models/backdoor.pkl").write_bytes(b"evil")
    result = store.restore(root, None)
    assert sorted(result.restored) == ["data/train.csv", "prompts/system.md"]
    assert result.not_in_snapshot == ["models/backdoor.pkl"]
    after = tree(root)
    assert after.pop("models/backdoor.pkl") == b"evil" and after == good
    assert store.restore(root, None).restored == []  # nothing left to do
    assert event_names(root) == ["snapshot.created", "restore.completed"]
    assert not list((root / ".aicop").glob("restore-*"))  # the staging area is gone


def test_the_mtime_blind_spot_is_restored(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    store.snapshot(root, None)
    target = root / "data/train.csv"
    stat = target.stat()
    target.write_text("a,b\n1,3\n")  # same size, and the mtime is put back
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert store.restore(root, None).restored == ["data/train.csv"]
    assert target.read_text() == "a,b\n1,2\n"


def test_snapshots_share_objects(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    store.snapshot(root, None)
    (root / "data/train.csv").write_text("a,b\n3,4\n")
    _, added = store.snapshot(root, None)
    assert added == 1
    assert len(store.list_snapshots(root / ".aicop/store")) == 2  # ids end in the content digest


def test_dry_run_writes_nothing(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    store.snapshot(root, None)
    (root / "data/train.csv").write_text("poisoned\n")
    result = store.restore(root, None, dry_run=True)
    assert result.restored == ["data/train.csv"]
    assert (root / "data/train.csv").read_text() == "poisoned\n"


def test_drill_and_the_restore_check(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo(FILES, manifest=MANIFEST)
    assert provision(root, "5.3").status is Status.NOT_MET
    store.snapshot(root, None)
    assert provision(root, "5.3").status is Status.PARTIAL
    scratch = tmp_path / "drill"
    result = store.drill(root, None, into=scratch, keep=True)
    assert len(result.restored) == 5 and tree(scratch) == tree(root)
    found = provision(root, "5.3")
    assert found.status is Status.MET and "verified every byte" in found.findings[0].message
    store.drill(root, None)  # a scratch directory of its own, removed afterwards
    assert event_names(root).count("restore.drill") == 2


def test_corrupt_object_fails_the_drill_and_the_restore(make_repo: MakeRepo) -> None:
    root = make_repo(FILES, manifest=MANIFEST)
    doc, _ = store.snapshot(root, None)
    digest = next(a["digest"] for a in doc["assets"] if a["path"] == "data/train.csv")
    obj = store.object_path(root / ".aicop/store", digest)
    obj.chmod(0o644)
    obj.write_text("a,b\n6,6\n")
    with pytest.raises(StoreError, match=r"store object for data/train\.csv is corrupt"):
        store.drill(root, None)
    assert provision(root, "5.3").status is Status.NOT_MET  # the failed drill is on record
    (root / "data/train.csv").write_text("changed\n")
    with pytest.raises(StoreError, match="corrupt"):
        store.restore(root, None)
    assert (root / "data/train.csv").read_text() == "changed\n"  # nothing overwritten


def _rewrite(root: Path, change: Callable[[dict[str, object]], None], *, fix_digest: bool) -> None:
    path = store.list_snapshots(root / ".aicop/store")[-1]
    doc = json.loads(path.read_text())
    change(doc)
    if fix_digest:
        from aicop.integrity import inventory

        doc["digest"] = inventory.digest_of(doc["assets"])
        doc["id"] = str(doc["id"])[:-12] + str(doc["digest"])[:12]
    path.write_text(json.dumps(doc))


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("../outside.txt", "outside the project"),
        ("/etc/passwd", "outside the project"),
        (".aicop/audit.jsonl", "outside the project"),
        ("a\\b", "not a usable relative path"),
    ],
)
def test_crafted_snapshot_paths_are_refused(make_repo: MakeRepo, path: str, message: str) -> None:
    root = make_repo(FILES)
    store.snapshot(root, None)

    def change(doc: dict[str, object]) -> None:
        doc["assets"][0]["path"] = path  # type: ignore[index]

    _rewrite(root, change, fix_digest=True)
    before = tree(root)
    with pytest.raises(StoreError, match=message):
        store.restore(root, None)
    assert tree(root) == before and not (root.parent / "outside.txt").exists()


def test_altered_snapshot_manifest_is_refused(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    store.snapshot(root, None)

    def change(doc: dict[str, object]) -> None:
        doc["assets"][0]["size"] = 1  # type: ignore[index]

    _rewrite(root, change, fix_digest=False)
    with pytest.raises(StoreError, match="altered"):
        store.restore(root, None)
    _rewrite(root, lambda doc: None, fix_digest=True)  # digest recomputed: the audit trail still knows
    with pytest.raises(StoreError, match="not in the project's audit trail"):
        store.restore(root, None)


def test_symlink_in_the_way_is_refused(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo(FILES)
    store.snapshot(root, None)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    import shutil

    shutil.rmtree(root / "data")
    (root / "data").symlink_to(outside, target_is_directory=True)
    with pytest.raises(StoreError, match="symbolic link"):
        store.restore(root, None)
    assert list(outside.iterdir()) == []


def test_failed_swap_is_rolled_back(make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(FILES)
    store.snapshot(root, None)
    for rel in ("data/train.csv", "prompts/system.md"):
        (root / rel).write_text("bad\n")
    (root / "docs/threat-model.md").unlink()
    before = tree(root)
    real = Path.replace
    calls = {"n": 0}

    def flaky(self: Path, target: Path) -> Path:
        calls["n"] += 1
        if calls["n"] == 4:  # after the first file was swapped in
            raise OSError(28, "No space left on device", str(target))
        return real(self, target)

    monkeypatch.setattr(Path, "replace", flaky)
    with pytest.raises(StoreError, match="rolled back"):
        store.restore(root, None)
    monkeypatch.undo()
    assert tree(root) == before
    assert not (root / "docs").exists() or not any((root / "docs").iterdir())


def test_snapshot_of_a_missing_declared_asset(make_repo: MakeRepo) -> None:
    root = make_repo(FILES, manifest=MANIFEST + "models:\n  - name: gone\n    path: models/gone.bin\n")
    from aicop.system.yamlsource import load_manifest

    manifest = load_manifest(root / "aicop.yaml", root)
    with pytest.raises(InputError, match=r"model 'gone' at models/gone\.bin"):
        store.snapshot(root, manifest)
    assert not (root / ".aicop/store").exists()


def test_no_snapshot_and_unknown_snapshot(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    with pytest.raises(StoreError, match="no snapshots"):
        store.restore(root, None)
    store.snapshot(root, None)
    with pytest.raises(StoreError, match="no snapshot 'nope'"):
        store.restore(root, None, snap_id="nope")
    with pytest.raises(InputError, match="not a snapshot id"):
        store.restore(root, None, snap_id="../x")


def test_cli(run_cli: Run, make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo(FILES, manifest=MANIFEST)
    elsewhere = tmp_path / "vault"
    result = run_cli("snapshot", root, "--store", elsewhere)
    assert result.code == 0 and "5 assets" in result.out
    listed = run_cli("snapshot", root, "--store", elsewhere, "--list", "--format", "json")
    snap_id = json.loads(listed.out)[0]["id"]
    (root / "data/train.csv").write_text("poisoned\n")
    result = run_cli("restore", root, "--store", elsewhere, "--dry-run")
    assert result.code == 0 and "would restore data/train.csv" in result.out
    result = run_cli("restore", root, "--store", elsewhere, "--snapshot", snap_id)
    assert result.code == 0 and "restored data/train.csv" in result.out
    result = run_cli("restore", root, "--store", elsewhere, "--drill", "--format", "json")
    assert result.code == 0 and json.loads(result.out)["drill"] is True
    result = run_cli("restore", root, "--into", tmp_path / "x")
    assert result.code == 2 and "--drill" in result.err
    result = run_cli("restore", root)  # the default store is empty
    assert result.code == 2 and "no snapshots" in result.err


def test_signed_snapshot(make_repo: MakeRepo, tmp_path: Path, run_cli: Run) -> None:
    from aicop.integrity.signing import SignatureError
    from tests.integrity.test_signing import write_keys

    root = make_repo(FILES)
    key, pub = write_keys(tmp_path)
    _, other = write_keys(tmp_path, name="other")
    store.snapshot(root, None)
    with pytest.raises(StoreError, match="not signed"):
        store.restore(root, None, public_key=pub)
    doc, _ = store.snapshot(root, None, key=key)
    sig = root / ".aicop/store/snapshots" / f"{doc['id']}.sig"
    assert sig.is_file()
    (root / "data/train.csv").write_text("poisoned\n")
    with pytest.raises(SignatureError, match="another key"):
        store.restore(root, None, snap_id=doc["id"], public_key=other)
    assert (root / "data/train.csv").read_text() == "poisoned\n"
    assert store.restore(root, None, snap_id=doc["id"], public_key=pub).restored == ["data/train.csv"]
    # a signature taken from another snapshot does not vouch for this one
    (root / "prompts/system.md").write_text("Be unkind.")
    second, _ = store.snapshot(root, None, key=key)
    assert second["id"] != doc["id"]
    sig.write_bytes((root / ".aicop/store/snapshots" / f"{second['id']}.sig").read_bytes())
    with pytest.raises(StoreError, match="differs from what was signed"):
        store.restore(root, None, snap_id=doc["id"], public_key=pub)
    result = run_cli("snapshot", root, "--key", tmp_path / "missing.pem")
    assert result.code == 2 and "cannot read the private key" in result.err
