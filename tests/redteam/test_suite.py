"""Suites and redteam.yaml are data: validated strictly, every error names the file, line and field."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from aicop.errors import InputError
from aicop.redteam.suite import Suite, builtin_ids, load_config, load_suite, load_suites
from aicop.system.yamlsource import load_model


def test_every_builtin_suite_passes_the_strict_loader() -> None:
    ids = builtin_ids()
    assert len(ids) >= 10
    for suite_id in ids:
        with resources.as_file(resources.files("aicop.redteam") / "suites" / f"{suite_id}.yaml") as path:
            strict = load_model(path, Suite, "a suite")
        assert strict == load_suite(suite_id)[0]
        assert strict.id == suite_id


def test_adversarial_suites_carry_owasp_and_atlas_ids() -> None:
    suites = [s for s, _ in load_suites(["builtin"])]
    assert all(s.owasp and s.atlas for s in suites if s.adversarial)
    assert {s.owasp for s in suites if s.owasp} >= {"LLM01", "LLM02", "LLM05", "LLM06", "LLM07", "LLM10"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("attacks:\n  - {id: a, prompt: x}\n  - {id: a, prompt: y}\n", "appears twice"),
        (
            "attacks:\n  - {id: a, prompt: x, tools: [send_email], forbidden_tools: [run_shell]}\n",
            "not offered",
        ),
        ("attacks:\n  - {id: a, prompt: x}\njudge2: canary\n", "judge2: unknown field"),
        ("attacks: []\n", "attacks"),
    ],
)
def test_bad_suites(tmp_path: Path, text: str, message: str) -> None:
    head = 'id: s\nversion: "1"\ntitle: t\nprovisions: ["9.2.2"]\nowasp: LLM01\natlas: AML.T0051\n'
    head += "judge: canary\n"
    (tmp_path / "s.yaml").write_text(head + text)
    with pytest.raises(InputError, match=message):
        load_suite("s.yaml", tmp_path)


def test_an_adversarial_suite_without_tags_is_refused(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(
        'id: s\nversion: "1"\ntitle: t\nprovisions: ["9.2"]\njudge: canary\n'
        "attacks:\n  - {id: a, prompt: x}\n"
    )
    with pytest.raises(InputError, match="OWASP"):
        load_suite("s.yaml", tmp_path)


def test_unknown_suites_and_duplicate_ids(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no built-in suite 'nope'"):
        load_suites(["nope"], tmp_path)
    (tmp_path / "copy.yaml").write_text(
        (resources.files("aicop.redteam") / "suites" / "benign.yaml").read_text()
    )
    with pytest.raises(InputError, match="share the id 'benign'"):
        load_suites(["benign", "copy.yaml"], tmp_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("target:\n  urll: http://x\n", r"redteam\.yaml:2: target\.urll: unknown field"),
        ("samples: 0\n", "samples"),
        ("thresholds:\n  jailbreak: 2\n", "thresholds.jailbreak must be a number from 0 to 1"),
    ],
)
def test_bad_configs(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "redteam.yaml").write_text(text)
    with pytest.raises(InputError, match=message):
        load_config(tmp_path / "redteam.yaml")


def test_thresholds_per_suite_and_default(tmp_path: Path) -> None:
    (tmp_path / "redteam.yaml").write_text("thresholds:\n  default: 0.02\n  jailbreak: 0.1\n")
    config = load_config(tmp_path / "redteam.yaml")
    assert config.thresholds.of("jailbreak") == 0.1 and config.thresholds.of("benign") == 0.02
