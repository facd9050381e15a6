"""Where the registry's state lives: aicop's one cache folder, never the home when it is elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from aicop.registry.state import State, default_path


def test_the_state_follows_aicop_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AICOP_CACHE_DIR", str(tmp_path / "cache"))
    one, other = default_path("s3://models/hub", "scan"), default_path("s3://models/other", "scan")
    assert one is not None and one.parent == tmp_path / "cache" / "registry"
    assert one.name.startswith("scan-") and one != other
    assert default_path("s3://models/hub", "inventory") != one


@pytest.mark.parametrize("off", ["off", "0", "no"])
def test_no_state_when_caching_is_off(off: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AICOP_CACHE_DIR", off)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    assert default_path("s3://models/hub", "scan") is None
    state = State(default_path("s3://models/hub", "scan"), "s3://models/hub")  # every run a full one
    assert state.objects == {}
    state.objects["a.pt"] = {"identity": {"etag": "x"}}
    state.changed = True
    state.save()
    assert list(tmp_path.rglob("*")) == []  # nothing kept anywhere
