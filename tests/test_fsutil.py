"""write_atomic: whole files only, with the mode a new file of the user's gets (or the one asked)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from aicop.fsutil import _umask, write_atomic


def test_a_written_file_gets_the_users_umask_not_the_temporary_files_owner_only_mode(tmp_path: Path) -> None:
    report = tmp_path / "out" / "report.json"
    write_atomic(report, "{}")
    expected = 0o666 & ~_umask()
    assert report.stat().st_mode & 0o777 == expected
    plain = tmp_path / "plain"
    with plain.open("w"):
        pass  # what open() gives a new file under the same umask
    assert report.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777


def test_a_private_file_is_owner_only_and_replacing_keeps_the_mode_asked(tmp_path: Path) -> None:
    secret = tmp_path / "keys.json"
    write_atomic(secret, "one", mode=0o600)
    write_atomic(secret, ["two", "three"], mode=0o600)
    assert secret.read_text() == "twothree" and secret.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["keys.json"]  # no temporary file left
    assert os.umask(_umask()) == _umask()  # the umask is left as it was


def test_several_files_are_written_all_or_none(tmp_path: Path) -> None:
    from aicop.fsutil import write_all_atomic

    first, second = tmp_path / "responses.jsonl", tmp_path / "identities.jsonl"
    write_all_atomic({first: "old answers\n", second: "old names\n"}, {second: 0o600})

    def failing() -> Iterator[str]:
        yield "new names, half"
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        write_all_atomic({first: "new answers\n", second: failing()})
    assert first.read_text() == "old answers\n" and second.read_text() == "old names\n"
    assert second.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["identities.jsonl", "responses.jsonl"]
