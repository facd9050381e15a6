"""One walk that honours .gitignore (nested too) and the manifest's exclude, and classifies files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aicop.system.walk import FileKind, classify, walk
from tests.conftest import MakeRepo


def test_walk_honours_gitignore_and_exclude(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            ".gitignore": "*.log\nbuild/\n",
            "app.py": "",
            "debug.log": "",
            "build/out.txt": "",
            "sub/.gitignore": "secret.txt\n",
            "sub/secret.txt": "",
            "sub/keep.txt": "",
            "vendor/lib.py": "",
            ".git/config": "",
            "node_modules/x.js": "",
        }
    )
    paths = [e.path for e in walk(root, exclude=["vendor/"])]
    assert paths == [".gitignore", "app.py", "sub/.gitignore", "sub/keep.txt"]


def test_symlinked_directories_are_not_followed(make_repo: MakeRepo) -> None:
    root = make_repo({"a/file.txt": "x"})
    os.symlink(root, root / "a" / "loop")
    os.symlink(root / "a" / "file.txt", root / "link.txt")
    entries = {e.path: e for e in walk(root)}
    assert set(entries) == {"a/file.txt", "link.txt"}
    assert entries["link.txt"].is_symlink


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("models/clf.safetensors", FileKind.MODEL),
        ("weights/pytorch_model.bin", FileKind.MODEL),
        ("ckpt/model.pt", FileKind.MODEL),
        ("data/train.csv", FileKind.DATASET),
        ("data/kb/returns.md", FileKind.DATASET),
        ("data/README.md", FileKind.DOCUMENT),  # documents the data; it is not a record of it
        ("datasets/tickets/readme.md", FileKind.DOCUMENT),
        ("corpus/LICENSE.txt", FileKind.DOCUMENT),
        ("data/readme.json", FileKind.DATASET),  # a JSON file in a data folder is data, whatever its name
        ("prompts/README.md", FileKind.DOCUMENT),
        ("prompts/readme-prompt.md", FileKind.PROMPT),
        ("corpus/docs.jsonl", FileKind.DATASET),
        ("prompts/system.md", FileKind.PROMPT),
        ("templates/answer.j2", FileKind.PROMPT),
        ("docs/threat-model.md", FileKind.DOCUMENT),
        ("src/app.py", FileKind.SOURCE),
        ("notebooks/eda.ipynb", FileKind.NOTEBOOK),
        ("requirements-dev.txt", FileKind.DEPENDENCIES),
        ("uv.lock", FileKind.DEPENDENCIES),
        ("config/settings.yaml", FileKind.CONFIG),
        ("misc/blob.xyz", FileKind.OTHER),
    ],
)
def test_classify(path: str, kind: FileKind) -> None:
    assert classify(path) is kind


def test_unreadable_directory_is_skipped(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"ok.txt": ""})
    (root / "gone").mkdir()
    os.symlink(tmp_path / "missing-target", root / "dangling")
    assert [e.path for e in walk(root)] == ["dangling", "ok.txt"]
