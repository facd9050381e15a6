"""Each drafted document has what its check looks for: partial (never met) while TODO markers remain,
met once a person has answered them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aicop.assess import assess
from aicop.assess.registry import registered_checks
from aicop.assess.results import Status
from aicop.docs.draft import DEFAULT_PATHS, DraftError, Kind, Sources, draft
from aicop.risks.register import load_register
from aicop.risks.suggest import signals, suggest
from aicop.system.yamlsource import load_manifest
from tests.checks.test_p03_risks import COMMUNICATED
from tests.conftest import TODAY, MakeRepo

MANIFEST = """\
version: 1
system:
  name: test-system
  description: Answers customer questions from the help centre.
roles: [developer, system-operator]
models:
  - {name: classifier, path: models/clf, source: in-house, format: safetensors}
  - {name: answer, uri: 'openai:gpt-4o-mini'}
datasets:
  - {name: help-corpus, path: kb, public: true, sensitivity: public}
external_apis:
  - {name: OpenAI, provider: OpenAI, data_sent: [customer message]}
endpoints:
  - {name: chat, url: 'https://shop.example/chat', public: true}
"""
PROVISIONS = {
    Kind.THREAT_MODEL: ("3.1", "3.1.2"),
    Kind.MODEL_CARD: ("8.1", "8.1.1"),
    Kind.SECURITY_TXT: ("6.3",),
    Kind.DISCLOSURE_POLICY: ("6.3",),
    Kind.INCIDENT_PLAN: ("6.4",),
    Kind.USER_NOTICE: ("10.1", "10.3", "10.3.1", "10.3.2", "4.4", "4.5", "10.2"),
    Kind.RISK_SUMMARY: ("3.3",),
}


def fill(text: str) -> str:
    """What a person does with a draft: give the contact, answer each TODO, drop the instructions."""
    text = text.replace("TODO@your-domain.example", "security@shop.example")
    text = text.replace("mailto:TODO", "mailto:security@shop.example")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("# TODO")) + "\n"
    return re.sub(r"TODO[^|\n]*", "Answered by the owner after review.", text)


def repo(make_repo: MakeRepo, kind: Kind) -> tuple[Path, Sources]:
    files: dict[str, str | bytes] = {
        "models/clf/model.safetensors": b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ",
        "kb/a.md": "# Returns\n",
    }
    if kind is Kind.RISK_SUMMARY:
        files["risks.yaml"] = COMMUNICATED
    root = make_repo(files, manifest=MANIFEST, name=kind.value)
    manifest = load_manifest(root / "aicop.yaml", root)
    register = load_register(root / "risks.yaml").register if (root / "risks.yaml").is_file() else None
    return root, Sources(
        name="test-system",
        today=TODAY,
        manifest=manifest,
        register=register,
        suggestions=suggest(signals(root, manifest)),
        digests={"models/clf/model.safetensors": "sha256:ab12"},
    )


def statuses(root: Path, pids: tuple[str, ...]) -> dict[str, Status]:
    """Only the checks that judge these provisions run (a whole assessment per draft costs seconds)."""
    specs = [s for s in registered_checks() if set(s.provisions) & set(pids)]
    return {v.id: v.status for v in assess(root, today=TODAY, checks=specs).provisions() if v.id in pids}


@pytest.mark.parametrize("kind", list(Kind))
def test_a_draft_is_partial_until_its_todos_are_answered(make_repo: MakeRepo, kind: Kind) -> None:
    root, src = repo(make_repo, kind)
    text = draft(kind, src)
    assert "TODO" in text
    target = root / DEFAULT_PATHS[kind]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    pids = PROVISIONS[kind]
    before = statuses(root, pids)
    assert all(s in (Status.PARTIAL, Status.NOT_MET) for s in before.values()), before
    target.write_text(fill(text), encoding="utf-8")
    assert statuses(root, pids) == {pid: Status.MET for pid in pids}


def test_drafts_carry_what_aicop_knows(make_repo: MakeRepo) -> None:
    _, src = repo(make_repo, Kind.MODEL_CARD)
    card = draft(Kind.MODEL_CARD, src)
    assert "`models/clf/model.safetensors`: sha256:ab12" in card and "help-corpus" in card
    threats = draft(Kind.THREAT_MODEL, src)
    assert "AML.T0051.001 LLM Prompt Injection: Indirect" in threats  # from the public corpus
    assert "| denial-of-wallet |" in threats
    notice = draft(Kind.USER_NOTICE, src)
    assert "- customer message to OpenAI" in notice
    assert "Expires: 2027-11-27T00:00:00Z" in draft(Kind.SECURITY_TXT, src)


def test_what_cannot_be_drafted(make_repo: MakeRepo) -> None:
    _, src = repo(make_repo, Kind.THREAT_MODEL)
    with pytest.raises(DraftError, match=r"risks\.yaml"):
        draft(Kind.RISK_SUMMARY, src)
    with pytest.raises(DraftError, match="no model 'nope'"):
        draft(Kind.MODEL_CARD, src, model="nope")
