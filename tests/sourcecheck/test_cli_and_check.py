"""aicop code, and the assess check built on it."""

from __future__ import annotations

import json
from collections.abc import Callable

from aicop.assess.results import Status
from tests.checks.helpers import assessed, provision
from tests.conftest import EXAMPLE, MANIFEST, CliResult, MakeRepo

Run = Callable[..., CliResult]
BAD = "import torch\nm = torch.load(p, weights_only=False)\n"


def test_exit_codes_and_formats(run_cli: Run, make_repo: MakeRepo) -> None:
    root = make_repo({"train.py": BAD})
    result = run_cli("code", root)
    assert result.code == 1 and "AIC101" in result.out
    data = json.loads(run_cli("code", root, "--format", "json").out)
    finding = data["findings"][0]
    assert {"rule", "path", "line", "severity", "provisions", "message"} <= set(finding)
    assert finding["provisions"] == ["2.7", "7.2"]
    sarif = json.loads(run_cli("code", root, "--format", "sarif").out)
    assert sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    example = run_cli("code", EXAMPLE)  # the example's evaluation script loads an unpinned tokenizer
    assert example.code == 1 and "AIC301" in example.out and "1 suppressed with a reason" in example.out
    assert run_cli("code", root / "missing").code == 2


def test_single_file(run_cli: Run, make_repo: MakeRepo) -> None:
    root = make_repo({"train.py": BAD})
    assert run_cli("code", root / "train.py").code == 1


def test_check_not_met(make_repo: MakeRepo) -> None:
    root = make_repo({"train.py": BAD}, manifest=MANIFEST)
    result = provision(root, "2.7")
    assert result.status is Status.NOT_MET
    assert result.findings[0].evidence[0].path == "train.py" and result.findings[0].evidence[0].line == 2


def test_check_met_for_declared_services_and_limited_routes(make_repo: MakeRepo) -> None:
    app = (
        "from fastapi import FastAPI\nfrom slowapi import Limiter\nfrom openai import OpenAI\n"
        "app = FastAPI()\nlimiter = Limiter(key_func=str)\nc = OpenAI()\n\n@app.post('/q')\n"
        "@limiter.limit('1/second')\ndef q(s: str):\n    return c.chat.completions.create(messages=s)\n"
    )
    manifest = MANIFEST + "external_apis:\n  - {name: OpenAI, provider: OpenAI, controls: [redaction]}\n"
    root = make_repo({"app.py": app}, manifest=manifest)
    assert provision(root, "2.3").status is Status.MET
    assert provision(root, "4.3").status is Status.MET


def test_suppressions_are_listed_not_counted(make_repo: MakeRepo) -> None:
    source = (
        "import torch\nm = torch.load(p, weights_only=False)  # aicop: ignore[AIC101] our own checkpoint\n"
    )
    root = make_repo({"train.py": source}, manifest=MANIFEST)
    assessment = assessed(root)
    assert next(v for v in assessment.provisions() if v.id == "2.7").status is not Status.NOT_MET
    assert {(s.provision, s.reason, s.line) for s in assessment.suppressions} == {
        ("2.7", "our own checkpoint", 2),
        ("7.2", "our own checkpoint", 2),
    }
