"""OSV's evaluation algorithm, case by case: each row is derived by hand from the schema's
"Evaluation" pseudocode and its examples (several events, last_affected, limit, the versions list)
over PEP 440's ordering (pre-releases, post-releases, local versions, epochs). 100% agreement is the bar.
"""

from __future__ import annotations

from typing import Any

import pytest

from aicop.deps.versions import Outcome, SemVer, VersionError, in_range, is_affected, pypi_key

A, U, K = Outcome.AFFECTED, Outcome.UNAFFECTED, Outcome.UNKNOWN


def eco(*events: dict[str, str]) -> list[dict[str, Any]]:
    return [{"type": "ECOSYSTEM", "events": list(events)}]


I0 = {"introduced": "0"}

# (case, version, ranges, versions list, expected)
TABLE: list[tuple[str, str, list[dict[str, Any]], list[str], Outcome]] = [
    # the schema's examples
    ("every version affected", "99.0", eco(I0), [], A),
    ("before fixed", "1.0.1", eco(I0, {"fixed": "1.0.2"}), [], A),
    ("at fixed", "1.0.2", eco(I0, {"fixed": "1.0.2"}), [], U),
    ("after fixed", "1.0.3", eco(I0, {"fixed": "1.0.2"}), [], U),
    # several events: [1.0.0, 1.0.2) and [3.0.0, 3.2.5)
    (
        "below first range",
        "0.9",
        eco({"introduced": "1.0.0"}, {"fixed": "1.0.2"}, {"introduced": "3.0.0"}, {"fixed": "3.2.5"}),
        [],
        U,
    ),
    (
        "in first range",
        "1.0.1",
        eco({"introduced": "1.0.0"}, {"fixed": "1.0.2"}, {"introduced": "3.0.0"}, {"fixed": "3.2.5"}),
        [],
        A,
    ),
    (
        "between ranges",
        "2.0",
        eco({"introduced": "1.0.0"}, {"fixed": "1.0.2"}, {"introduced": "3.0.0"}, {"fixed": "3.2.5"}),
        [],
        U,
    ),
    (
        "at second introduced",
        "3.0.0",
        eco({"introduced": "1.0.0"}, {"fixed": "1.0.2"}, {"introduced": "3.0.0"}, {"fixed": "3.2.5"}),
        [],
        A,
    ),
    (
        "in second range",
        "3.2.4",
        eco({"introduced": "1.0.0"}, {"fixed": "1.0.2"}, {"introduced": "3.0.0"}, {"fixed": "3.2.5"}),
        [],
        A,
    ),
    (
        "past second range",
        "3.2.5",
        eco({"introduced": "1.0.0"}, {"fixed": "1.0.2"}, {"introduced": "3.0.0"}, {"fixed": "3.2.5"}),
        [],
        U,
    ),
    (
        "events out of order are sorted",
        "3.1",
        eco({"fixed": "3.2.5"}, {"introduced": "3.0.0"}, {"fixed": "1.0.2"}, {"introduced": "1.0.0"}),
        [],
        A,
    ),
    (
        "events out of order, between",
        "2.0",
        eco({"fixed": "3.2.5"}, {"introduced": "3.0.0"}, {"fixed": "1.0.2"}, {"introduced": "1.0.0"}),
        [],
        U,
    ),
    # last_affected is inclusive, fixed exclusive
    ("at last_affected", "2.1.214", eco(I0, {"last_affected": "2.1.214"}), [], A),
    ("above last_affected", "2.1.215", eco(I0, {"last_affected": "2.1.214"}), [], U),
    ("post-release above last_affected", "2.1.214.post1", eco(I0, {"last_affected": "2.1.214"}), [], U),
    (
        "introduced then last_affected, below",
        "0.5",
        eco({"introduced": "1.0"}, {"last_affected": "1.5"}),
        [],
        U,
    ),
    # limit events
    ("below limit", "1.5", eco(I0, {"limit": "2.0"}), [], A),
    ("at limit", "2.0", eco(I0, {"limit": "2.0"}), [], U),
    ("limit *", "9.0", eco(I0, {"limit": "*"}), [], A),
    # pre-releases: 2.0rc1 < 2.0, dev < a < b < rc
    ("pre-release before fix", "2.0rc1", eco(I0, {"fixed": "2.0"}), [], A),
    ("dev release before fix", "2.0.dev3", eco(I0, {"fixed": "2.0"}), [], A),
    ("fixed in a pre-release", "2.0rc2", eco(I0, {"fixed": "2.0rc2"}), [], U),
    ("final after pre-release fix", "2.0", eco(I0, {"fixed": "2.0rc2"}), [], U),
    ("pre-release before introduced", "1.0a1", eco({"introduced": "1.0"}, {"fixed": "1.1"}), [], U),
    ("alpha introduced", "1.0b1", eco({"introduced": "1.0a1"}, {"fixed": "1.1"}), [], A),
    # post-releases
    ("post-release of a vulnerable version", "1.0.post1", eco(I0, {"fixed": "1.1"}), [], A),
    ("post-release that fixes", "1.0.post2", eco(I0, {"fixed": "1.0.post2"}), [], U),
    # local versions sort after their public version (PEP 440)
    ("local build of a vulnerable version", "2.5.1+cpu", eco(I0, {"fixed": "2.6.0"}), [], A),
    ("local build of the fixed version", "2.6.0+cu121", eco(I0, {"fixed": "2.6.0"}), [], U),
    ("local build at introduced", "1.0+local", eco({"introduced": "1.0"}, {"fixed": "2.0"}), [], A),
    ("local build at last_affected", "1.5+x", eco(I0, {"last_affected": "1.5"}), [], U),
    # epochs: 1!0.1 sorts after every version without an epoch
    ("epoch above fixed", "1!0.1", eco(I0, {"fixed": "5.0"}), [], U),
    ("epoch range", "1!1.5", eco({"introduced": "1!1.0"}, {"fixed": "1!2.0"}), [], A),
    ("no epoch below an epoch range", "9.0", eco({"introduced": "1!1.0"}, {"fixed": "1!2.0"}), [], U),
    # PEP 440 normalisation: equal versions spelt differently
    ("normalised spelling", "1.0.0", eco({"introduced": "1.0"}, {"fixed": "1.0.0.1"}), [], A),
    ("versions list, normalised", "1.0.0", [], ["1.0"], A),
    ("versions list, v prefix", "v1.2", [], ["1.2"], A),
    # the versions list alone, or besides a range
    ("listed version", "0.4.2", [], ["0.4.1", "0.4.2"], A),
    ("unlisted version", "0.4.3", [], ["0.4.1", "0.4.2"], U),
    ("listed though outside the range", "5.0", eco(I0, {"fixed": "1.0"}), ["5.0"], A),
    # yanked releases are still releases: a yanked version in range is affected
    ("yanked release in range", "1.0.3", eco(I0, {"fixed": "1.0.4"}), ["1.0.2", "1.0.3"], A),
    # zero-width range: introduced and fixed at the same version
    ("introduced and fixed together", "1.0", eco({"introduced": "1.0"}, {"fixed": "1.0"}), [], U),
    # several ranges: any one suffices
    (
        "second range matches",
        "4.1",
        eco(I0, {"fixed": "1.0"}) + eco({"introduced": "4.0"}, {"fixed": "4.2"}),
        [],
        A,
    ),
    # what cannot be evaluated is unknown, never unaffected
    (
        "git range only",
        "1.0",
        [{"type": "GIT", "repo": "https://x", "events": [{"introduced": "abc"}]}],
        [],
        K,
    ),
    (
        "git range beside a non-matching range",
        "3.0",
        [*eco(I0, {"fixed": "2.0"}), {"type": "GIT", "repo": "x", "events": [I0]}],
        [],
        U,  # the GIT range is the same range in commits: the release numbers decide
    ),
    ("git range beside a versions list", "3.0", [{"type": "GIT", "repo": "x", "events": [I0]}], ["2.0"], U),
    ("no range and no versions", "3.0", [], [], K),
    ("unparseable bound", "1.0", eco(I0, {"fixed": "not a version"}), [], K),
    ("unparseable version", "banana", eco(I0), [], K),
    ("unparseable version listed", "banana", [], ["banana"], A),
]


@pytest.mark.parametrize(
    ("case", "version", "ranges", "versions", "expected"), TABLE, ids=[t[0] for t in TABLE]
)
def test_osv_evaluation(
    case: str, version: str, ranges: list[dict[str, Any]], versions: list[str], expected: Outcome
) -> None:
    assert is_affected(version, "PyPI", ranges, versions) is expected, case


SEMVER_TABLE = [
    ("1.0.0-alpha", "1.0.0", True),
    ("1.0.0-alpha", "1.0.0-alpha.1", True),
    ("1.0.0-alpha.1", "1.0.0-alpha.beta", True),
    ("1.0.0-beta.2", "1.0.0-beta.11", True),
    ("1.0.0-rc.1", "1.0.0", True),
    ("1.0.0+build.1", "1.0.0+build.2", False),  # build metadata is ignored
    ("2.0.0", "10.0.0", True),
]


@pytest.mark.parametrize(("low", "high", "strictly_less"), SEMVER_TABLE)
def test_semver_precedence(low: str, high: str, strictly_less: bool) -> None:
    assert (SemVer.parse(low) < SemVer.parse(high)) is strictly_less


def test_semver_range_in_a_pypi_record() -> None:
    events = [I0, {"fixed": "1.0.0-rc.2"}]
    assert in_range("1.0.0-rc.1", events, SemVer.parse)
    assert not in_range("1.0.0", events, SemVer.parse)
    ranges = [{"type": "SEMVER", "events": events}]
    assert is_affected("1.0.0", "PyPI", ranges, []) is U  # a PEP 440 version that SemVer cannot read
    assert is_affected("0.9.0", "PyPI", ranges, []) is A


def test_bad_versions_raise() -> None:
    with pytest.raises(VersionError):
        pypi_key("not.a version")
    with pytest.raises(VersionError):
        SemVer.parse("1.0")
