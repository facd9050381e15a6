from __future__ import annotations

from aicop.assess.results import Status
from tests.checks.helpers import provision, status
from tests.conftest import MANIFEST, MakeRepo

CARD = """\
# Model card
## Model details
Linear probe.
## Training data
Tickets.
## Intended use and limitations
English only.
## Guardrails
Routing only.
SHA-256: 0f3a
Retention: 90 days
Review frequency: quarterly
## Failure modes
Sarcasm.
## Maintenance
Retrained monthly.
"""


def test_complete_model_card(make_repo: MakeRepo) -> None:
    root = make_repo({"docs/model-card.md": CARD}, manifest=MANIFEST)
    assert status(root, "8.1") is Status.MET
    result = provision(root, "8.1.1")
    assert result.status is Status.MET
    assert len(result.findings[0].evidence) == 7


def test_missing_fields_are_named(make_repo: MakeRepo) -> None:
    card = CARD.replace("Retention: 90 days\n", "").replace("Review frequency: quarterly\n", "")
    root = make_repo({"docs/model-card.md": card}, manifest=MANIFEST)
    result = provision(root, "8.1.1")
    assert result.status is Status.PARTIAL
    assert result.findings[0].message.endswith("does not cover: retention time, suggested review frequency")


def test_hugging_face_layout_readme_is_the_card(make_repo: MakeRepo) -> None:
    root = make_repo({"models/clf/model.safetensors": b"\0", "models/clf/README.md": CARD}, manifest=MANIFEST)
    assert provision(root, "8.1.1").findings[0].evidence[0].path == "models/clf/README.md"


def test_no_model_card(make_repo: MakeRepo) -> None:
    root = make_repo(manifest=MANIFEST)
    assert status(root, "8.1") is Status.NOT_MET
    assert status(root, "8.1.1") is Status.NOT_MET


def test_card_without_design_or_maintenance(make_repo: MakeRepo) -> None:
    root = make_repo({"MODEL_CARD.md": "# Card\nRetention: 1 day\n"}, manifest=MANIFEST)
    assert status(root, "8.1") is Status.NOT_MET
