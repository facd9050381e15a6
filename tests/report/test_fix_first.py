"""What to fix first: the gaps ordered by modality and severity, identical findings collapsed, paths
shortened in the middle, and a terminal view that fits 80 columns and pipes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aicop.assess import Assessment, assess
from aicop.assess.results import Evidence, Finding, Status
from aicop.catalog.model import Modality
from aicop.report import render
from aicop.report.common import awaiting_attestation, collapse, fix_first, priority, shorten_path
from aicop.report.terminal import render as render_terminal
from tests.conftest import EXAMPLE, MANIFEST, TODAY, MakeRepo

UNPINNED = "from transformers import AutoModel\nAutoModel.from_pretrained('org/model')\n"


@pytest.fixture(scope="module")
def assessment() -> Assessment:
    return assess(EXAMPLE, today=TODAY)


def test_fix_first_orders_shall_before_should_and_not_met_before_partial(assessment: Assessment) -> None:
    gaps = fix_first(assessment)
    assert gaps == sorted(gaps, key=priority)
    assert {v.id for v in gaps} == {
        v.id for v in assessment.provisions() if v.gap and v.status is not Status.NEEDS_ATTESTATION
    }
    modalities = [v.modality for v in gaps]
    assert modalities.index(Modality.SHOULD) > len(modalities) - 1 - modalities[::-1].index(Modality.SHALL)
    shall = [v.status for v in gaps if v.modality is Modality.SHALL]
    assert shall.index(Status.PARTIAL) > max(i for i, s in enumerate(shall) if s is Status.NOT_MET)


def test_provisions_awaiting_attestation_are_apart(assessment: Assessment) -> None:
    waiting = awaiting_attestation(assessment)
    ids = [v.id for group in waiting.values() for v in group]
    assert ids and not set(ids) & {v.id for v in fix_first(assessment)}
    assert all(v.status is Status.NEEDS_ATTESTATION for group in waiting.values() for v in group)
    assert list(waiting) == sorted(waiting, key=[Modality.SHALL, Modality.SHOULD, Modality.CAN].index)


def test_identical_findings_collapse_with_their_count_and_places() -> None:
    def finding(path: str, message: str = "loads a remote model with no revision") -> Finding:
        return Finding(
            provision="7.1",
            status=Status.NOT_MET,
            message=message,
            remediation="pin it",
            evidence=[Evidence(path=path, line=2)],
        )

    met = Finding(provision="7.1", status=Status.MET, message="fine", evidence=[Evidence(path="x")])
    hidden = finding("d.py").model_copy(update={"suppression": "reviewed: a test fixture"})
    merged = collapse(
        [finding("a.py"), finding("b.py"), finding("c.py", "a secret"), met, hidden, finding("e.py")]
    )
    assert [(c.message, c.count) for c in merged] == [
        ("loads a remote model with no revision", 3),
        ("a secret", 1),
    ]
    assert [e.path for e in merged[0].evidence] == ["a.py", "b.py", "e.py"]


@pytest.mark.parametrize(
    ("path", "width", "expected"),
    [
        ("src/app/model.py", 40, "src/app/model.py"),
        ("a/b/c/d/e/f/model.pkl", 20, "a/b/…/e/f/model.pkl"),
        ("vendor/pkg/.git/objects/ab/cdef0123456789", 30, "vendor/…/.git/…/cdef0123456789"),
        ("x/y/averyveryverylongfilename_of_the_model.safetensors", 30, "x/…/averyveryver…l.safetensors"),
    ],
)
def test_paths_are_shortened_in_the_middle(path: str, width: int, expected: str) -> None:
    short = shorten_path(path, width)
    assert short == expected and len(short) <= width


def test_a_git_directory_is_never_hidden() -> None:
    path = "deep/inside/some/vendored/project/.git/hooks/post-checkout.sample"
    for width in range(30, len(path)):
        short = shorten_path(path, width)
        assert "/.git/" in short and len(short) <= width, short
        assert short.startswith("deep/") and short.endswith(".sample")  # the name is cut last, in its middle


def test_terminal_view_is_the_gaps_not_every_row(assessment: Assessment) -> None:
    summary = render_terminal(assessment, width=80)
    full = render_terminal(assessment, width=80, full=True)
    lines = summary.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert not any(line.endswith(" ") for line in lines)  # fit for pipes and diffs
    assert "Principle 1:" not in summary and "Principle 1:" in full
    assert len(lines) < len(full.splitlines()) / 2
    numbered = [m.group(1) for line in lines if (m := re.match(r"\s*\d+\. ([\d.]+) \(", line))]
    assert numbered == [v.id for v in fix_first(assessment)]
    for v in fix_first(assessment):
        for f in v.findings:
            if f.status is not Status.MET and f.remediation and not f.suppression:
                assert " ".join(f.remediation.split()[:4]) in " ".join(summary.split())
    waiting = awaiting_attestation(assessment)[Modality.SHALL]
    assert ", ".join(v.id for v in waiting[:3]) in summary
    assert summary.rstrip().splitlines()[-1].endswith("should")  # the summary line closes it


def test_repeated_finding_is_shown_once_with_a_count(make_repo: MakeRepo) -> None:
    repo = make_repo({f"app/m{i}.py": UNPINNED for i in range(4)}, manifest=MANIFEST)
    result = assess(repo, today=TODAY)
    text = " ".join(render_terminal(result, width=80).split())
    assert text.count("from_pretrained('org/model') loads a remote model") == 2  # 7.1 and 7.2, once each
    assert "×4" in text and "(+1 more)" in text
    md = render(result, "markdown")
    assert "×4" in md and all(f"`app/m{i}.py:2`" in md for i in range(4))


def test_markdown_and_html_open_with_what_to_fix(assessment: Assessment) -> None:
    md = render(assessment, "markdown")
    first = fix_first(assessment)[0]
    assert md.index("## Fix these first") < md.index("## Principle 1")
    assert md.index(f"### 1. {first.id} ({first.modality.value})") < md.index("## Principle 1")
    html = render(assessment, "html")
    assert html.index('id="fix-first"') < html.index('data-principle="1"')
    assert f'href="#p-{first.id}"' in html


def test_paths_in_evidence_keep_git(tmp_path: Path) -> None:
    text = shorten_path(str(tmp_path / "repo" / ".git" / "config"), 24)
    assert "/.git/" in text
