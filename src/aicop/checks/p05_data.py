"""5.4.1 (checks and sanitisation of data) and 7.3.1 (publicly sourced training data validated), from
running 'aicop data check' over the datasets the manifest declares."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from aicop.assess.context import Context
from aicop.assess.registry import check
from aicop.assess.results import Evidence, Finding, Status
from aicop.checks._common import days_since

PERSONAL_OK = {"personal", "special-category"}  # sensitivities under which personal data is expected
DEFECTS = {"secret", "injection", "poisoning"}


@check(
    "data.content",
    provisions=["5.4.1", "7.3.1"],
    title="The declared datasets hold no planted instructions, secrets or backdoor triggers, and no "
    "personal data their sensitivity does not declare",
    remediation="Run 'aicop data check' on each dataset, remove what it finds (or declare the dataset's "
    "sensitivity as personal), and run it again whenever the data is revised.",
)
def data_content(ctx: Context) -> Iterator[Finding]:
    if ctx.manifest is None:
        return
    local = [d for d in ctx.manifest.datasets if d.path and (ctx.root / d.path).exists()]
    if not local:
        return
    # compiling the detectors costs ~20 ms: only when there are datasets
    from aicop.datacheck.engine import CATEGORIES, check_paths, data_files

    judged: dict[str, tuple[list[str], Evidence]] = {}
    unread: dict[str, str] = {}  # dataset → what the data budget left unread
    public = {d.name for d in local if d.public}
    budget = Budget(ctx.data_budget, len(local))
    for dataset in local:
        assert dataset.path is not None
        files = data_files([ctx.root / dataset.path])
        chosen = budget.take(files)
        if len(chosen) < len(files):
            taken = set(chosen)
            left = [f for f in files if f not in taken]
            unread[dataset.name] = (
                f"{len(left)} of its {len(files)} files ({_mb(left)} of {_mb(files)}) not read: assess "
                f"reads at most {_size(ctx.data_budget or 0)} of data (--data-mb)"
            )
            if not chosen:
                judged[dataset.name] = ([], Evidence(path=dataset.path, detail=unread[dataset.name]))
                continue
        # the label-noise model takes seconds per 100k rows and depends on an extra: the data check
        # runs it, assess does not
        report = check_paths(chosen, label_noise=False)
        kinds = Counter(report.counts)
        defects = [f"{n} {k}" for k, n in sorted(kinds.items()) if CATEGORIES.get(k) in DEFECTS]
        personal = {k: n for k, n in kinds.items() if CATEGORIES.get(k) == "personal-data"}
        if personal and dataset.sensitivity not in PERSONAL_OK:
            listed = ", ".join(f"{n} {k}" for k, n in sorted(personal.items()))
            defects.append(f"personal data ({listed}) in a dataset declared {dataset.sensitivity}")
        first = next((f for f in report.findings if f.kind in kinds), None)
        detail = f"{report.files} files, {report.bytes / 1e6:.1f} MB checked"
        if kinds:
            detail += ": " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        if dataset.name in unread:
            detail += f"; {unread[dataset.name]}"
        evidence = Evidence(
            path=first.path.removeprefix(str(ctx.root) + "/") if first else dataset.path,
            line=first.line if first and isinstance(first.line, int) else None,
            detail=detail,
        )
        judged[dataset.name] = (defects, evidence)
    for provision, names in (("5.4.1", set(judged)), ("7.3.1", public & set(judged))):
        if not names:
            continue
        failing = {n: judged[n][0] for n in sorted(names) if judged[n][0]}
        places = [judged[n][1] for n in sorted(names)]
        partly = {n: unread[n] for n in sorted(names) if n in unread}
        if not failing and partly:
            yield Finding(
                provision=provision,
                status=Status.PARTIAL,
                evidence=places,
                message="no planted instructions, secrets, triggers or undeclared personal data in what "
                "was read; " + "; ".join(f"{n}: {why}" for n, why in partly.items()),
                remediation="Run 'aicop data check "
                + " ".join(str(d.path) for d in local if d.name in partly)
                + "' to check every file, or assess with a larger --data-mb (0 reads everything).",
            )
            continue
        if failing:
            message = "; ".join(f"{n}: {', '.join(d)}" for n, d in failing.items())
            if partly:
                message += (
                    f" (in what was read; {', '.join(partly)} read in part or not at all: see the evidence)"
                )
            yield Finding(
                provision=provision,
                status=Status.NOT_MET,
                evidence=places,
                message=message,
                remediation=_data_remedy(ctx, failing),
            )
        else:
            which = "public datasets" if provision == "7.3.1" else "declared datasets"
            yield Finding(
                provision=provision,
                status=Status.MET,
                evidence=places,
                message=f"{len(names)} {which} checked: no planted instructions, secrets, triggers or "
                "undeclared personal data",
            )


class Budget:
    """Bytes of data still to read, shared out among the datasets not yet read (what one dataset does not
    use passes to the next); None reads everything. Whole files only, first fit in their order, so the
    same repository always gets the same files read."""

    def __init__(self, total: int | None, datasets: int) -> None:
        self.left, self.datasets = total, datasets

    def take(self, files: list[Path]) -> list[Path]:
        if self.left is None:
            return files
        share = self.left // max(self.datasets, 1)
        self.datasets -= 1
        chosen, used = [], 0
        for path in files:
            size = path.stat().st_size
            if used + size <= share:
                chosen.append(path)
                used += size
        self.left -= used
        return chosen


def _mb(files: list[Path]) -> str:
    return _size(sum(f.stat().st_size for f in files))


def _size(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size >= 2**20 // 10 else f"{size:,} bytes"


def _data_remedy(ctx: Context, failing: dict[str, list[str]]) -> str:
    """The fix for these datasets: where to see every finding, and for personal data the choice between
    removing it and declaring it."""
    assert ctx.manifest is not None
    paths = {d.name: d.path for d in ctx.manifest.datasets if d.name in failing and d.path}
    remedy = (
        f"Run 'aicop data check {' '.join(str(paths[n]) for n in sorted(paths))}' to list each finding, then "
        "remove what does not belong (or write a cleaned copy with --redact OUT)"
    )
    undeclared = sorted(
        n for n, defects in failing.items() if any(d.startswith("personal data") for d in defects)
    )
    if undeclared:
        remedy += (
            f"; where the personal data in {', '.join(undeclared)} is intended, declare it instead: "
            "'sensitivity: personal' on its entry under datasets in aicop.yaml"
        )
    return remedy + "."


WATCH_DAYS = 30


@check(
    "data.sources-watched",
    provisions=["7.3.2"],
    title="The public data sources are recorded and were checked for changes within 30 days",
    remediation="Record the sources with 'aicop data watch --record' and run 'aicop data watch' on a "
    "schedule (it reports changed content, revisions and licences, and sources it could not reach).",
)
def sources_watched(ctx: Context) -> Iterator[Finding]:

    from aicop.datacheck.watch import STATE, load_state, sources
    from aicop.errors import AicopError

    if ctx.manifest is None or not sources(ctx.manifest):
        return
    names = [name for name, *_ in sources(ctx.manifest)]
    try:
        document = load_state(ctx.root)
    except AicopError as err:
        yield Finding(
            provision="7.3.2",
            status=Status.ERROR,
            message=str(err),
            evidence=[Evidence(path=STATE)],
            remediation=f"Restore {STATE} from version control, or record the sources again with "
            "'aicop data watch --record'.",
        )
        return
    recorded = document["sources"]
    if not recorded:
        yield Finding(
            provision="7.3.2",
            status=Status.NOT_MET,
            absence=True,
            message=f"the public sources ({', '.join(names[:3])}) are not recorded or watched",
        )
        return
    last = document.get("last_check") or {}
    when = str(last.get("checked", ""))[:10]
    age = days_since(ctx.today, when, unknown=WATCH_DAYS + 1)
    evidence = [Evidence(path=STATE, detail=f"last checked {when or 'never'}")]
    missing = [n for n in names if n not in recorded]
    if last.get("changed"):
        status, message = Status.NOT_MET, f"sources changed at the last check: {', '.join(last['changed'])}"
    elif missing or last.get("not_checked") or age > WATCH_DAYS:
        parts = (
            ([f"not recorded: {', '.join(missing)}"] if missing else [])
            + (
                [f"not reachable at the last check: {', '.join(last['not_checked'])}"]
                if last.get("not_checked")
                else []
            )
            + ([f"last checked {age} days ago"] if age > WATCH_DAYS else [])
        )
        status, message = Status.PARTIAL, "; ".join(parts)
    else:
        status, message = (
            Status.MET,
            f"{len(names)} public sources recorded and unchanged at the check of {when}",
        )
    yield Finding(provision="7.3.2", status=status, evidence=evidence, message=message)
