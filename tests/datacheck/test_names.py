"""Names and places through Presidio over a local spaCy pipeline (a saved one, built here: no model is
downloaded), in the check and in the sanitised copy; and clear refusals without one."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from aicop.datacheck.engine import check_paths
from aicop.datacheck.names import Names
from aicop.errors import InputError
from tests.conftest import CliResult

Run = Callable[..., CliResult]
spacy = pytest.importorskip("spacy")


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A blank English pipeline whose entity ruler knows two people and two places."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(
        [
            {"label": "PERSON", "pattern": [{"LOWER": "ann"}, {"LOWER": "smith"}]},
            {"label": "PERSON", "pattern": [{"LOWER": "raj"}, {"LOWER": "patel"}]},
            {"label": "GPE", "pattern": "Leeds"},
            {"label": "LOC", "pattern": [{"LOWER": "lake"}, {"LOWER": "district"}]},
        ]
    )
    path = tmp_path_factory.mktemp("ner") / "pipeline"
    nlp.to_disk(path)
    return path


def test_people_and_places_with_their_places(tmp_path: Path, pipeline: Path) -> None:
    (tmp_path / "notes.csv").write_text(
        "id,note\n1,Ann Smith called about her order\n2,ships to Leeds next week\n3,nothing here\n"
    )
    (tmp_path / "story.txt").write_text("A walk.\nRaj Patel went to the Lake District.\n")
    report = check_paths([tmp_path], names=Names.load(str(pipeline)))
    found = {(Path(f.path).name, f.kind, f.row, f.line, f.column, f.example) for f in report.findings}
    assert ("notes.csv", "person", 1, 2, "note", "An*****th") in found
    assert ("notes.csv", "location", 2, 3, "note", "*****") in found  # short values are masked whole
    assert ("story.txt", "person", None, 2, 1, "Ra*****el") in found
    assert any(name == "story.txt" and kind == "location" and line == 2 for name, kind, _, line, *_ in found)
    assert report.counts["person"] == 2 and report.counts["location"] == 2


def test_without_a_model_nothing_is_named(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("Ann Smith lives in Leeds\n")
    assert not check_paths([tmp_path]).findings  # patterns alone do not guess at names


def test_cli_sanitised_copy_and_refusals(run_cli: Run, tmp_path: Path, pipeline: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "chat.jsonl").write_text(json.dumps({"text": "Ann Smith from Leeds, ann@example.com"}) + "\n")
    out = tmp_path / "clean"
    result = run_cli("data", "check", data, "--ner", pipeline, "--redact", out, "--format", "json")
    assert result.code == 1
    assert {f["kind"] for f in json.loads(result.out)["findings"]} == {"person", "location", "email"}
    cleaned = json.loads((out / "data" / "chat.jsonl").read_text())
    assert cleaned == {"text": "[PERSON] from [LOCATION], [EMAIL]"}
    missing = run_cli("data", "check", data, "--ner", "no_such_model_sm")
    assert missing.code == 2 and "no spaCy pipeline named 'no_such_model_sm'" in missing.err
    assert missing.out == ""


def test_load_refuses_a_folder_that_is_not_a_pipeline(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not the folder of a saved one"):
        Names.load(str(tmp_path))
