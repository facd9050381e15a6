"""The bundled example meets some provisions and deliberately misses others; the demo depends on it."""

from __future__ import annotations

from aicop.assess import assess
from aicop.assess.results import Status
from tests.conftest import EXAMPLE, TODAY

EXPECTED = {
    "1.1": Status.MET,
    "1.1.1": Status.NOT_MET,
    "1.3": Status.MET,
    "2.1": Status.MET,
    "2.4": Status.NOT_APPLICABLE,
    "3.1": Status.MET,
    "3.1.2": Status.MET,
    # 3.1.1 depends on the git history of the example (a later commit to its prompts turns it into a gap
    # naming that commit), so it is tested on repositories built in the tests instead.
    "3.1.3": Status.MET,  # the answer model's unused vision and tools are recorded and managed
    "3.2": Status.NOT_APPLICABLE,  # the data team, a data controller, is assessed separately
    "3.3": Status.MET,  # the accepted and transferred risks are named in docs/risk-summary.md
    "3.4": Status.MET,
    "3.5": Status.NOT_MET,  # supply.dependencies-pinned fails, so model-supply-chain rises above appetite
    "3.6": Status.MET,
    "4.4": Status.MET,
    "4.5": Status.PARTIAL,  # the notice states limitations but not failure modes
    "10.2": Status.MET,
    "4.6": Status.NOT_APPLICABLE,
    "6.1": Status.PARTIAL,
    "6.3": Status.MET,
    "6.4": Status.PARTIAL,
    "7.2": Status.NOT_MET,
    "8.1": Status.MET,
    "8.1.1": Status.PARTIAL,
    "9.1": Status.NEEDS_ATTESTATION,
    "10.1": Status.MET,
    "10.3": Status.MET,
    "10.3.1": Status.MET,
    "10.3.2": Status.NOT_MET,
    "2.3": Status.MET,  # OpenAI is declared with its controls
    "4.3": Status.MET,  # the chat route is rate-limited
    "7.1": Status.NOT_MET,  # scripts/evaluate.py loads an unpinned tokenizer
    "2.6": Status.MET,
    "2.7": Status.MET,  # the joblib.load in scripts/evaluate.py is suppressed with a reason
}


def test_example_statuses() -> None:
    statuses = {v.id: v.status for v in assess(EXAMPLE, today=TODAY).provisions()}
    assert {pid: statuses[pid] for pid in EXPECTED} == EXPECTED
