"""``aicop redteam run`` as a library function: configuration in, a finished ``Run`` and its reports out.

The reports are rendered in memory and written atomically only once the run has finished (passing,
failing or incomplete); an interruption leaves the journal, which ``--resume`` continues from, and no
report at all.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from aicop.errors import AicopError, InputError
from aicop.redteam import corpora
from aicop.redteam.binding import model_identity, system_prompt
from aicop.redteam.client import ChatClient, TargetError
from aicop.redteam.model import Binding, Result, Run, SuiteRef
from aicop.redteam.reports import RENDERERS, render_summary
from aicop.redteam.runner import (
    JOURNAL,
    Case,
    Journal,
    Observed,
    Planted,
    execute,
    fingerprint,
    new_run_id,
    now,
    plan,
    preflight,
    read_journal,
    summarise,
)
from aicop.redteam.suite import RedteamConfig, load_suites
from aicop.system.manifest import Manifest

RUN_FILE = "run.json"
SUMMARY = "summary.md"


class RunInterrupted(AicopError):
    """The run was interrupted; its journal is kept for --resume."""


@dataclass(frozen=True)
class Options:
    project: Path
    manifest: Manifest | None
    config: RedteamConfig
    config_base: Path
    output: Path | None = None
    resume: bool = False
    transport: httpx.AsyncBaseTransport | None = None  # tests talk to an in-process app
    judge_transport: httpx.AsyncBaseTransport | None = None


def _api_key(config: RedteamConfig) -> str | None:
    name = config.target.api_key_env
    if name is None:
        return None
    value = os.environ.get(name)
    if not value:
        raise InputError(f"target.api_key_env names {name}, which is not set in the environment")
    return value


def run(options: Options, progress: Callable[[int], Callable[[], None]] | None = None) -> tuple[Run, Path]:
    """Run the configured suites against the target; returns the run and the folder its reports are in."""
    config = options.config
    if not config.target.url:
        raise InputError("no target: pass --target URL or set target.url in redteam.yaml")
    suites_loaded = load_suites(config.suites, options.config_base)
    suites = [s for s, _ in suites_loaded]
    identity = model_identity(options.project, options.manifest, config.model)
    system_text, system_sha = system_prompt(options.config_base, config.system_prompt)
    unknown = sorted(set(config.thresholds.model_extra or {}) - {s.id for s in suites})
    if unknown:
        raise InputError(
            f"thresholds.{unknown[0]} names no suite of this run ({', '.join(s.id for s in suites)})"
        )
    thresholds = {"default": config.thresholds.default} | {s.id: config.thresholds.of(s.id) for s in suites}
    binding = Binding(
        model_name=identity.name,
        kind=identity.kind,
        digest=identity.digest,
        path=identity.path,
        uri=identity.uri,
        revision=config.target.revision or identity.revision,
        target_url=config.target.url,
        requested_model=config.target.model,
        system_prompt_sha256=system_sha,
        system_prompt_path=config.system_prompt,
        suites=[SuiteRef(id=s.id, version=s.version, sha256=sha) for s, sha in suites_loaded],
        corpora={s.corpus: corpora.corpus_version(s.corpus) for s in suites if s.corpus},
        thresholds=thresholds,
        samples=config.samples,
        temperature=config.temperature,
        seed=config.seed,
    )
    planted = Planted.from_seed(config.seed)
    cases = plan(suites, config, system_text, config.target.model, planted)
    plan_id = fingerprint(cases, binding)
    run_id = new_run_id()
    folder = _folder(options, config, run_id)
    done: dict[str, Result] = {}
    header: dict[str, object] = {"plan": plan_id, "run_id": run_id, "started": now()}
    if options.resume:
        header, done = read_journal(folder, plan_id)
    elif (folder / JOURNAL).exists() or (folder / RUN_FILE).exists():
        raise InputError(
            "already holds a run: pass --resume to continue an interrupted one, or choose another -o",
            path=folder,
        )
    todo = [c for c in cases if c.id not in done]
    key = _api_key(config)
    started = time.perf_counter()
    try:
        results, observed, retries = asyncio.run(
            _execute(options, key, todo, planted, folder, header, progress)
        )
    except KeyboardInterrupt:
        raise RunInterrupted(
            f"interrupted: no report written; continue with --resume -o {folder}", path=folder
        ) from None
    wall = time.perf_counter() - started
    binding = binding.model_copy(
        update={
            "reported_models": sorted(observed.reported_models),
            "system_fingerprints": sorted(observed.fingerprints),
        }
    )
    record = summarise(
        str(header["run_id"]),
        str(header["started"]),
        suites,
        [*done.values(), *results],
        binding,
        wall,
        retries,
    )
    _write(folder, record, planted, options)
    return record, folder


async def _execute(
    options: Options,
    key: str | None,
    todo: list[Case],
    planted: Planted,
    folder: Path,
    header: dict[str, object],
    progress: Callable[[int], Callable[[], None]] | None,
) -> tuple[list[Result], Observed, int]:
    config = options.config
    assert config.target.url is not None  # checked by run()
    client = ChatClient(
        config.target.url,
        api_key=key,
        timeout=config.timeout,
        retries=config.retries,
        concurrency=config.concurrency,
        transport=options.transport,
    )
    judge = None
    if config.judge_url:
        judge = ChatClient(
            config.judge_url,
            timeout=config.timeout,
            retries=config.retries,
            concurrency=config.concurrency,
            transport=options.judge_transport,
        )
    async with client:
        await preflight(client, config.target.model)
        if judge is not None:
            try:
                await preflight(judge, config.judge_model, "judge model")
            except TargetError as err:
                raise TargetError(f"judge model at {config.judge_url}: {err.problem}") from err
        journal = Journal(folder, header, append=options.resume)
        try:
            results, observed = await execute(
                todo,
                client,
                planted,
                journal,
                judge_client=judge,
                judge_model=config.judge_model,
                advance=progress(len(todo)) if progress else lambda: None,
            )
        finally:
            journal.close()
            if judge is not None:
                await judge.__aexit__()
    return results, observed, client.retried


def _folder(options: Options, config: RedteamConfig, run_id: str) -> Path:
    if options.output is not None:
        return options.output
    if options.resume:
        raise InputError("--resume needs -o DIR, the folder of the interrupted run")
    return options.project / config.runs / run_id


def _write(folder: Path, record: Run, planted: Planted, options: Options) -> None:
    from aicop.fsutil import write_all_atomic

    files: dict[Path, str | bytes] = {folder / name: render(record) for name, render in RENDERERS.values()}
    summary = render_summary(record, [planted.system_canary, *planted.secrets])
    files[folder / SUMMARY] = summary
    if options.config.share:
        files[options.config_base / options.config.share] = summary
    write_all_atomic(files)
