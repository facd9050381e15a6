from __future__ import annotations

import json
from pathlib import Path

import pytest

from aicop.errors import InputError
from aicop.risks import taxonomy
from aicop.risks.model import Register, rating
from aicop.risks.register import load_register
from aicop.system.manifest import Manifest
from tests.conftest import ROOT
from tests.risks.helpers import REGISTER

MANIFEST = Manifest.model_validate(
    {
        "system": {"name": "test-system"},
        "roles": ["developer"],
        "models": [{"name": "llm", "uri": "openai:gpt-4o"}],
    }
)
CHECKS = {"gateway.safeguards", "models.scan"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "risks.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str) -> Register:
    return load_register(write(tmp_path, text), manifest=MANIFEST, check_ids=CHECKS).register


def test_a_valid_register_loads(tmp_path: Path) -> None:
    reg = load(tmp_path, REGISTER)
    assert [r.id for r in reg.risks] == ["injection", "prompt-theft"]
    assert reg.risks[0].inherent == "high"  # high likelihood (3) x medium impact (2) = 6
    assert reg.risks[1].acceptance is not None and reg.risks[1].acceptance.approver == "Head of Product"


def test_rating_bands_the_matrix() -> None:
    assert rating("low", "low") == "low"
    assert rating("medium", "medium") == "medium"
    assert rating("high", "high") == "critical"
    assert rating("critical", "low") == "medium"


@pytest.mark.parametrize(
    ("old", "new", "line", "expected"),
    [
        (
            "atlas: [AML.T0051.000]",
            "atlas: [AML.T9999]",
            18,
            "risks.0.atlas.0: unknown ATLAS technique id 'AML.T9999'",
        ),
        ("atlas: [AML.T0051.000]", "atlas: [AML.M0015]", 18, "unknown ATLAS technique id 'AML.M0015'"),
        (
            "owasp: [LLM01:2025]",
            "owasp: [LLM01]",
            19,
            "unknown OWASP LLM Top 10 (2025) id 'LLM01' (write it as LLM01:2025)",
        ),
        ("    owner: Security lead\n    treatment", "    treatment", 16, "risks.0.owner: Field required"),
        ("      approver: Head of Product\n", "", 34, "risks.1.acceptance.approver: Field required"),
        (
            "    acceptance:\n      reason: The prompt holds no secrets at all.\n"
            "      approver: Head of Product\n",
            "",
            33,
            "risks.1.treatment: an accepted risk needs 'acceptance' with a reason and an approver",
        ),
        ("    treatment: mitigate", "    treatment: transfer", 24, "a transferred risk needs 'transfer'"),
        (
            "controls: [guard]",
            "controls: [guardrail]",
            22,
            "risks.0.controls.0: no control 'guardrail' in controls",
        ),
        (
            "depends_on: [rate-limit]",
            "depends_on: [nothing]",
            14,
            "controls.1.depends_on.0: no control 'nothing'",
        ),
        (
            "system: test-system",
            "system: another-system",
            2,
            "the register is for 'another-system' but aicop.yaml",
        ),
        ("check: gateway.safeguards", "check: gateway.nonsense", 12, "no aicop check 'gateway.nonsense'"),
        ("check: gateway.safeguards", "check: risks.controls", 12, "cannot be evidenced by a risks check"),
        ("  - id: guard", "  - id: rate-limit", 10, "controls.1.id: duplicate id 'rate-limit'"),
        (
            "likelihood: high\n    impact: medium",
            "likelihood: very high\n    impact: medium",
            20,
            "risks.0.likelihood",
        ),
        ("review: 2027-02-01", "review: soon", 26, "risks.0.review"),
        ("risk_appetite: medium", "risk_appetite: medium\nappetite: low", 6, "appetite: unknown field"),
        (
            "    residual: medium\n",
            "    residual: medium\n    communicated: {operators: true, where: ../../etc/passwd}\n",
            38,
            "risks.1.communicated.where: path '../../etc/passwd' is outside the repository",
        ),
    ],
)
def test_bad_registers_name_file_line_and_field(
    tmp_path: Path, old: str, new: str, line: int, expected: str
) -> None:
    assert old in REGISTER
    with pytest.raises(InputError) as err:
        load(tmp_path, REGISTER.replace(old, new, 1))
    assert err.value.path == str(tmp_path / "risks.yaml")
    assert err.value.line == line
    assert expected in err.value.problem


def test_a_circular_control_reference_is_named(tmp_path: Path) -> None:
    text = REGISTER.replace("    cost: low\n", "    cost: low\n    depends_on: [guard]\n", 1)
    with pytest.raises(InputError) as err:
        load(tmp_path, text)
    assert "circular dependency: rate-limit -> guard -> rate-limit" in err.value.problem
    assert err.value.line == 10


def test_a_capability_must_name_a_declared_model(tmp_path: Path) -> None:
    text = REGISTER.replace(
        "controls:\n",
        "capabilities:\n  - model: vision\n    offers: [text]\n    uses: [text]\ncontrols:\n",
        1,
    )
    with pytest.raises(InputError) as err:
        load(tmp_path, text)
    assert "capabilities.0.model: no model 'vision' in aicop.yaml" in str(err.value)


def test_invalid_yaml_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="invalid YAML"):
        load(tmp_path, "risks: [\n")
    with pytest.raises(InputError, match="empty"):
        load(tmp_path, "")
    with pytest.raises(InputError, match="duplicate key 'owner'"):
        load(tmp_path, REGISTER.replace("owner: Security lead\n", "owner: A\nowner: B\n", 1))


def test_the_shipped_tables_hold_real_ids() -> None:
    atlas, owasp = taxonomy.atlas(), taxonomy.owasp_llm()
    assert atlas["AML.T0051"] == "LLM Prompt Injection"
    assert atlas["AML.T0051.001"] == "LLM Prompt Injection: Indirect"
    assert atlas["AML.T0070"] == "RAG Poisoning"
    assert atlas["AML.M0015"] == "Adversarial Input Detection"
    assert set(owasp) == {f"LLM{n:02d}:2025" for n in range(1, 11)}
    assert owasp["LLM10:2025"] == "Unbounded Consumption"
    assert all(k.startswith(("AML.T", "AML.M")) for k in atlas)


def test_the_published_schema_is_current() -> None:
    assert json.loads((ROOT / "schemas" / "risks-1.json").read_text()) == Register.model_json_schema()


def test_the_example_register_loads() -> None:
    from aicop.system.yamlsource import load_manifest

    example = ROOT / "examples" / "support-assistant"
    manifest = load_manifest(example / "aicop.yaml", example)
    reg = load_register(example / "risks.yaml", manifest=manifest).register
    assert len(reg.risks) == 10 and {c.check for c in reg.controls} >= {"data.content", "models.scan"}
