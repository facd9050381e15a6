"""Requirements files: which lines are pinned to one version, and which carry hashes."""

from __future__ import annotations

from aicop.bom.requirements import parse_requirements

TEXT = """\
# comment
-r base.txt
--index-url https://pypi.org/simple
numpy==1.26.4 \\
    --hash=sha256:aaaa \\
    --hash=sha256:bbbb
requests>=2.31
torch
flask===3.0.0  # exact
pandas==2.*
pkg @ https://example.com/pkg-1.0.tar.gz#sha256=abcd
git+https://github.com/org/repo@0123456789abcdef0123456789abcdef01234567
not a requirement !!
"""


def test_pins_hashes_and_lines() -> None:
    reqs = {r.line: r for r in parse_requirements(TEXT)}
    assert reqs[4].name == "numpy" and reqs[4].pinned and reqs[4].hashed
    assert not reqs[7].pinned and not reqs[8].pinned
    assert reqs[9].pinned and not reqs[9].hashed
    assert not reqs[10].pinned  # a wildcard is a range
    assert reqs[11].pinned  # a direct URL
    assert reqs[12].pinned  # a VCS URL at a commit
    assert reqs[13].problem is not None and not reqs[13].pinned
    assert sorted(reqs) == [4, 7, 8, 9, 10, 11, 12, 13]


def test_empty() -> None:
    assert parse_requirements("\n# nothing\n") == []
