"""Inventory by content, the hash cache and its blind spot, and the audit chain's tamper evidence."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from aicop.audit import AuditLog, verify_log
from aicop.errors import AicopError, InputError
from aicop.integrity import inventory
from aicop.integrity.hashing import HashCache, HashError, hash_file, hash_files
from aicop.sourcecheck.facts import location_for
from tests.conftest import MANIFEST, CliResult, MakeRepo

Run = Callable[..., CliResult]


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AICOP_CACHE_DIR", str(tmp_path / "cache"))


FILES = {
    "models/clf.safetensors": "weights",
    "data/train.csv": "a,b\n1,2\n",
    "prompts/system.md": "Be kind.",
    "docs/threat-model.md": "# TM\n",
    "src/app.py": "print(1)\n",
}


def test_hash_matches_sha256sum(tmp_path: Path) -> None:
    import hashlib

    path = tmp_path / "blob.bin"
    path.write_bytes(os.urandom(3 * (1 << 20) + 17))
    assert hash_file(path) == (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_size)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(HashError, match="cannot read"):
        hash_file(tmp_path / "missing.bin")


def test_file_changing_while_hashed_is_detected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "growing.bin"
    path.write_bytes(b"x" * 10)
    real_stat = Path.stat
    calls = {"n": 0}

    def stat(self: Path, **kwargs: object) -> os.stat_result:
        calls["n"] += 1
        if calls["n"] == 2:  # the stat after reading: the file grew meanwhile
            with self.open("ab") as handle:
                handle.write(b"more")
        return real_stat(self)

    monkeypatch.setattr(Path, "stat", stat)
    with pytest.raises(HashError, match="changed while it was being hashed"):
        hash_file(path)


def test_inventory_records_assets_and_checks_by_content(make_repo: MakeRepo) -> None:
    root = make_repo(FILES, manifest=MANIFEST + "models:\n  - {name: clf, path: models, source: in-house}\n")
    recorded, diff = inventory.record(root, None)
    paths = {a["path"]: a for a in recorded["assets"]}
    assert set(paths) == set(FILES) - {"src/app.py"} | {"aicop.yaml"}
    assert paths["data/train.csv"]["type"] == "dataset" and len(paths["data/train.csv"]["digest"]) == 64
    assert diff["added"] and not diff["removed"]
    assert inventory.check(root, None) == {"added": [], "removed": [], "modified": []}
    (root / "prompts/system.md").write_text("Be cruel.")
    (root / "data/new.csv").write_text("x\n")
    (root / "docs/threat-model.md").unlink()
    assert inventory.check(root, None) == {
        "added": ["data/new.csv"],
        "removed": ["docs/threat-model.md"],
        "modified": ["prompts/system.md"],
    }


def test_the_mtime_blind_spot_is_caught(make_repo: MakeRepo) -> None:
    """Bytes changed, size and mtime put back (DVC reports such a file up to date)."""
    root = make_repo(FILES)
    inventory.record(root, None)
    target = root / "models/clf.safetensors"
    stat = target.stat()
    target.write_text("WEIGHTS")  # same size
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    after = target.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (stat.st_size, stat.st_mtime_ns, stat.st_ino)
    # the ctime in the cache key changed with the write: even the cached check re-reads the file
    assert inventory.check(root, None)["modified"] == ["models/clf.safetensors"]
    assert inventory.check(root, None, paranoid=True)["modified"] == ["models/clf.safetensors"]


def test_cache_is_used_and_never_written_into_the_repository(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo(FILES)
    inventory.record(root, None)
    assert not (root / ".aicop" / "hash-cache.json").exists()
    location = inventory.cache_path(root)
    assert location is not None and location.is_file() and location.parent == tmp_path / "cache"
    digests = hash_files(root, ["data/train.csv"], cache=HashCache(location))
    assert digests["data/train.csv"][1] == len(FILES["data/train.csv"])


def test_the_hash_cache_follows_aicop_cache_dir_like_the_code_cache(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One place decides where caches live: AICOP_CACHE_DIR moves the hash cache too, and 'off' turns
    it off (the hash cache used to follow only XDG_CACHE_HOME, so tests wrote it into the home)."""
    root = make_repo(FILES)
    location = inventory.cache_path(root)
    code = location_for(root)
    assert location is not None and code is not None and location.parent == code.parent.parent
    monkeypatch.setenv("AICOP_CACHE_DIR", "off")
    assert inventory.cache_path(root) is None
    inventory.record(root, None)
    assert not list((tmp_path / "cache").rglob("*"))
    assert inventory.check(root, None)["modified"] == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON"),
        ('{"assets": 3}', "no 'assets' list"),
        ('{"assets": [{"path": "../../etc/passwd", "digest": "x"}]}', "leaves the repository"),
        ('{"assets": [{"path": "/etc/passwd", "digest": "x"}]}', "leaves the repository"),
    ],
)
def test_crafted_inventory_is_refused(make_repo: MakeRepo, content: str, message: str) -> None:
    root = make_repo({".aicop/inventory.json": content})
    with pytest.raises(InputError, match=message):
        inventory.load(root)


def _chain(tmp_path: Path, n: int = 4) -> AuditLog:
    log = AuditLog(tmp_path / "audit.jsonl")
    for i in range(n):
        log.append("asset.changed", {"i": i}, actor="tester")
    return log


def _rewrite(log: AuditLog, change: Callable[[list[str]], list[str]]) -> None:
    lines = log.path.read_text().splitlines()
    log.path.write_text("\n".join(change(lines)) + "\n")


def test_intact_chain(tmp_path: Path) -> None:
    assert verify_log(_chain(tmp_path).path) == (4, [])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda ls: [ls[0], ls[1].replace('"i":1', '"i":7'), *ls[2:]], "record 2 was edited"),
        (lambda ls: [ls[0], *ls[2:]], "where 2 was expected"),
        (lambda ls: [ls[0], ls[2], ls[1], ls[3]], "where 2 was expected"),
        (lambda ls: ls[:3], "truncated"),
        (lambda ls: [*ls[:3], ls[3][:40]], "not a complete record"),
    ],
)
def test_tampering_is_named(tmp_path: Path, change: Callable[[list[str]], list[str]], message: str) -> None:
    log = _chain(tmp_path)
    _rewrite(log, change)
    _, problems = verify_log(log.path)
    assert any(message in p for p in problems), problems


def test_replaced_last_record_is_caught_by_the_head(tmp_path: Path) -> None:
    log = _chain(tmp_path)
    other = _chain(tmp_path / "other")
    _rewrite(log, lambda ls: [*ls[:3], other.path.read_text().splitlines()[3]])
    assert any("replaced" in p or "does not follow" in p for p in verify_log(log.path)[1])


def test_missing_log(tmp_path: Path) -> None:
    with pytest.raises(AicopError, match="no audit log"):
        verify_log(tmp_path / "nope.jsonl")


def test_cli(run_cli: Run, make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    assert run_cli("inventory", root).code == 0
    assert run_cli("inventory", root, "--check").code == 0
    (root / "prompts/system.md").write_text("changed")
    changed = run_cli("inventory", root, "--check", "--format", "json")
    assert changed.code == 1 and json.loads(changed.out)["modified"] == ["prompts/system.md"]
    assert run_cli("audit", "verify", root).code == 0
    log = root / ".aicop" / "audit.jsonl"
    log.write_text(log.read_text().replace('"assets":', '"assets":1'))
    tampered = run_cli("audit", "verify", root)
    assert tampered.code == 1 and "was edited" in tampered.out
    assert run_cli("inventory", root / "missing").code == 2
