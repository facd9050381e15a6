"""Aliases cannot make a small YAML file expand without bound ("billion laughs") or contain itself."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from aicop.errors import InputError
from aicop.system.yamlsource import MAX_VALUES, load_manifest, parse_yaml
from tests.conftest import CliResult

LAUGHS = "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]" for i in range(8)]
)


def test_a_billion_laughs_is_refused_with_the_place_and_the_reason(tmp_path: Path) -> None:
    manifest = tmp_path / "aicop.yaml"
    manifest.write_text("version: 1\nsystem: {name: x}\n" + LAUGHS + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_manifest(manifest, tmp_path)
    assert f"more than {MAX_VALUES:,} values" in str(caught.value)
    assert caught.value.path == str(manifest) and caught.value.line is not None


def test_a_structure_that_contains_itself_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="deeper than 64 levels"):
        parse_yaml("a: &a [1, *a]\n", tmp_path / "x.yaml")


def test_ordinary_aliases_still_work(tmp_path: Path) -> None:
    data, _ = parse_yaml("base: &b {owner: me}\nx: *b\ny: *b\n", tmp_path / "x.yaml")
    assert data == {"base": {"owner": "me"}, "x": {"owner": "me"}, "y": {"owner": "me"}}


def test_the_command_line_says_so_and_exits_2(tmp_path: Path, run_cli: Callable[..., CliResult]) -> None:
    manifest = tmp_path / "aicop.yaml"
    manifest.write_text("version: 1\nsystem: {name: x}\n" + LAUGHS + "\n", encoding="utf-8")
    result = run_cli("manifest", "validate", manifest)
    assert result.code == 2 and "aicop.yaml:3: the YAML expands to more than" in result.err
