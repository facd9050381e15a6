"""One simulated consultation, analysed once per test session: its embeddings cost seconds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from aicop.consult.analysis import Analysis, analyse
from aicop.consult.questionnaire import Questionnaire, load_questionnaire
from aicop.consult.responses import Response
from aicop.consult.simulate import Simulated, simulate
from tests.gateway.conftest import model_folder
from tests.web.test_browser import browser  # noqa: F401 - the one Chromium launcher of the page tests


@dataclass
class Consultation:
    questionnaire: Questionnaire
    simulated: Simulated
    responses: list[Response]
    analysis: Analysis
    cache: Path


def need_model() -> None:
    model_folder()  # skipped without the embedding model, failed in CI


@pytest.fixture(scope="session")
def consultation(tmp_path_factory: pytest.TempPathFactory) -> Consultation:
    need_model()
    questionnaire = load_questionnaire()
    simulated = simulate(questionnaire, 800, seed=11)
    responses = [Response(str(r["id"]), r["answers"]) for r in simulated.responses]  # type: ignore[arg-type]
    cache = tmp_path_factory.mktemp("consult") / "embeddings.npz"
    analysis = analyse(questionnaire, responses, cache=cache)
    return Consultation(questionnaire, simulated, responses, analysis, cache)
