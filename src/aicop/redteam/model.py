"""The record of a run (``run.json``): one pydantic model, from which its JSON Schema is generated
(``aicop redteam schema``, published as schemas/redteam-run-1.json)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aicop.redteam.suite import JudgeKind


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SuiteRef(_Record):
    id: str
    version: str
    sha256: str = Field(description="SHA-256 of the suite file as run.")


class Binding(_Record):
    """What was tested: the model, the system prompt, the suites and the thresholds."""

    model_name: str | None = Field(None, description="The model's name in aicop.yaml.")
    kind: Literal["local", "remote", "unbound"]
    digest: str | None = Field(None, description="Local model: the inventory content hash of its files.")
    path: str | None = None
    uri: str | None = Field(None, description="Remote model: its reference in aicop.yaml.")
    revision: str | None = None
    target_url: str
    requested_model: str | None = None
    reported_models: list[str] = Field(
        default_factory=list, description="'model' as the endpoint reported it."
    )
    system_fingerprints: list[str] = Field(default_factory=list)
    system_prompt_sha256: str
    system_prompt_path: str | None = None
    suites: list[SuiteRef]
    corpora: dict[str, str | None] = Field(
        default_factory=dict, description="Corpus → package version or None."
    )
    thresholds: dict[str, float]
    samples: int
    temperature: float
    seed: int


class ModelJudgement(_Record):
    success: bool | None = Field(description="None when the judge model's answer was neither yes nor no.")
    answer: str


class Result(_Record):
    case: str
    suite: str
    attack: str
    mutation: str
    sample: int
    judge: JudgeKind
    prompt: str = Field(description="The final user turn (long inputs cut to 2,000 characters).")
    response: str | None
    tool_calls: list[str] = Field(default_factory=list)
    http_status: int | None = None
    success: bool | None = Field(description="The attack succeeded; None when the request failed.")
    reason: str
    error: str | None = None
    elapsed_ms: float
    model_judge: ModelJudgement | None = Field(None, description="The optional judge model; reported apart.")


class SuiteResult(_Record):
    id: str
    version: str
    title: str
    provisions: list[str]
    owasp: str | None
    atlas: str | None
    adversarial: bool
    judge: JudgeKind
    attempts: int
    successes: int
    errors: int
    rate: float
    wilson_low: float
    wilson_high: float
    threshold: float
    passed: bool
    model_judge_successes: int | None = None


class Counts(_Record):
    requests: int
    errors: int
    retries: int
    wall_seconds: float
    requests_per_second: float


class Run(_Record):
    schema_version: Literal[1] = 1
    run_id: str
    tool_version: str
    started: str
    finished: str
    complete: bool = Field(description="False when requests failed: never a passing run.")
    status: Literal["pass", "fail", "incomplete"]
    binding: Binding
    suites: list[SuiteResult]
    counts: Counts
    results: list[Result]
    notes: list[str] = Field(
        default_factory=list, description="What the judges could not do in this run, e.g. see deflections."
    )

    def failing(self) -> list[SuiteResult]:
        return [s for s in self.suites if not s.passed]
