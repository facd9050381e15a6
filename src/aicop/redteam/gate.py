"""The release gate (9.1, 11.3) and the comparison of two runs (9.3).

``release_status`` answers, for every model aicop.yaml declares: is there a complete run, recorded for
the model's current hash (or remote reference and revision) and the current system prompt, within the
age limit, whose every configured suite is within today's thresholds? A changed model or system prompt
without a new run is a gap, named as such.

``compare`` flags a suite whose attack success rate rose significantly (one-sided Fisher's exact test),
so that noise between two runs of a sampled model is not called a regression.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from aicop.errors import InputError
from aicop.redteam.binding import ModelIdentity, model_identity, system_prompt
from aicop.redteam.model import Run
from aicop.redteam.stats import fisher_greater
from aicop.redteam.suite import RedteamConfig, load_suites
from aicop.system.manifest import Manifest

RUN_FILE = "run.json"


def load_run(path: Path) -> Run:
    """A run.json, or the folder that holds one."""
    if path.is_dir():
        path = path / RUN_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read the run: {getattr(err, 'strerror', None) or err}", path=path) from err
    try:
        return Run.model_validate_json(text)
    except ValueError as err:
        first = str(err).splitlines()
        raise InputError(
            f"not an aicop redteam run.json ({first[1] if len(first) > 1 else err})", path=path
        ) from err


def load_runs(folder: Path) -> list[tuple[Path, Run]]:
    """Every run recorded under ``folder`` (one sub-folder per run), oldest first. A run.json that does not
    load is an error: a gate must not silently skip evidence."""
    if not folder.is_dir():
        return []
    runs = [(p, load_run(p)) for p in sorted(folder.glob(f"*/{RUN_FILE}"))]
    return sorted(runs, key=lambda item: (item[1].started, item[1].finished))


@dataclass
class ModelGate:
    model: str
    identity: str
    passed: bool
    reason: str
    run: str | None = None
    evidence: list[str] = field(default_factory=list)


def _identity_of(run: Run) -> ModelIdentity:
    b = run.binding
    return ModelIdentity(b.model_name, b.kind, digest=b.digest, path=b.path, uri=b.uri, revision=b.revision)


def _age(run: Run, today: dt.date) -> int:
    return (today - dt.date.fromisoformat(run.finished[:10])).days


def judge_run(run: Run, config: RedteamConfig, suite_versions: dict[str, str]) -> str | None:
    """Why ``run`` does not pass today's configuration, or None when it does."""
    if not run.complete:
        return "the run is incomplete"
    by_id = {s.id: s for s in run.suites}
    for suite_id, version in suite_versions.items():
        suite = by_id.get(suite_id)
        if suite is None:
            return f"suite {suite_id} was not run"
        if suite.version != version:
            return f"suite {suite_id} ran at version {suite.version}, now {version}"
        limit = config.thresholds.of(suite_id)
        if suite.rate > limit:
            return (
                f"suite {suite_id}: {suite.successes}/{suite.attempts} attacks succeeded, above {limit:.1%}"
            )
    return None


def release_status(
    root: Path, manifest: Manifest, config: RedteamConfig, config_base: Path, today: dt.date, max_age: int
) -> list[ModelGate]:
    if not manifest.models:
        raise InputError("aicop.yaml declares no models: nothing to gate", path=root / "aicop.yaml")
    suite_versions = {s.id: s.version for s, _ in load_suites(config.suites, config_base)}
    _, prompt_sha = system_prompt(config_base, config.system_prompt)
    runs = load_runs(root / config.runs)
    gates = []
    for declared in manifest.models:
        current = model_identity(root, manifest, declared.name)
        mine = [(p, r) for p, r in runs if r.binding.model_name == declared.name]
        gates.append(_gate(current, mine, config, suite_versions, prompt_sha, today, max_age))
    return gates


def _gate(
    current: ModelIdentity,
    runs: list[tuple[Path, Run]],
    config: RedteamConfig,
    suite_versions: dict[str, str],
    prompt_sha: str,
    today: dt.date,
    max_age: int,
) -> ModelGate:
    name = str(current.name)
    if not runs:
        return ModelGate(name, current.describe(), False, "never tested: no run recorded for this model")
    same = [(p, r) for p, r in runs if _identity_of(r).same_model(current)]
    if not same:
        path, last = runs[-1]
        return ModelGate(
            name, current.describe(), False,
            f"changed since its last run ({last.finished[:10]} tested {_identity_of(last).describe()}): "
            "this version was never tested",
            last.run_id, [str(path)],
        )  # fmt: skip
    prompted = [(p, r) for p, r in same if r.binding.system_prompt_sha256 == prompt_sha]
    if not prompted:
        path, last = same[-1]
        return ModelGate(
            name, current.describe(), False,
            f"the system prompt changed since the last run of this model ({last.finished[:10]})",
            last.run_id, [str(path)],
        )  # fmt: skip
    fresh = [(p, r) for p, r in prompted if _age(r, today) <= max_age]
    if not fresh:
        path, last = prompted[-1]
        return ModelGate(
            name, current.describe(), False,
            f"the last run of this model is {_age(last, today)} days old, older than {max_age}",
            last.run_id, [str(path)],
        )  # fmt: skip
    reasons = []
    for path, candidate in reversed(fresh):
        why = judge_run(candidate, config, suite_versions)
        if why is None:
            return ModelGate(
                name, current.describe(), True,
                f"run {candidate.run_id} of {candidate.finished[:10]} passes every suite",
                candidate.run_id, [str(path)],
            )  # fmt: skip
        reasons.append((path, candidate, why))
    path, last, why = reasons[0]
    return ModelGate(
        name, current.describe(), False, f"latest run {last.run_id}: {why}", last.run_id, [str(path)]
    )


@dataclass(frozen=True)
class SuiteChange:
    suite: str
    old: tuple[int, int]
    new: tuple[int, int]
    p_value: float
    regression: bool
    note: str = ""


def compare(old: Run, new: Run, alpha: float = 0.05) -> list[SuiteChange]:
    """Per suite in both runs: the change in success rate and whether it is a significant rise."""
    before = {s.id: s for s in old.suites}
    changes = []
    for suite in new.suites:
        previous = before.get(suite.id)
        if previous is None:
            changes.append(
                SuiteChange(suite.id, (0, 0), (suite.successes, suite.attempts), 1.0, False, "new suite")
            )
            continue
        p = fisher_greater(suite.successes, suite.attempts, previous.successes, previous.attempts)
        note = (
            f"suite version {previous.version} -> {suite.version}"
            if previous.version != suite.version
            else ""
        )
        changes.append(
            SuiteChange(
                suite.id,
                (previous.successes, previous.attempts),
                (suite.successes, suite.attempts),
                p,
                p < alpha and suite.rate > previous.rate,
                note,
            )
        )
    return changes
