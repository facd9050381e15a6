"""The monitor's report as data: one pydantic model, from which the JSON Schema is generated."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Point(_Model):
    index: int = Field(description="requests read when the window ended")
    time: str | None
    rate: float


class Alarm(_Model):
    signal: str
    scope: str = Field(description="'all', 'model:NAME' or 'key:ID'")
    direction: str = Field(description="'up' or 'down'")
    start_index: int
    start_time: str | None
    end_index: int | None = Field(description="where the rate came back; None while open at the end")
    end_time: str | None
    window_rate: float
    baseline_rate: float
    p_value: float
    level: float = Field(description="the per-test level that the false-alarm budget allows")

    @property
    def open(self) -> bool:
        return self.end_index is None


class SignalSeries(_Model):
    signal: str
    scope: str
    description: str
    baseline_events: int
    baseline_size: int
    baseline_rate: float
    points: list[Point]


class KeyResult(_Model):
    key: str
    requests: int
    repeats: int = Field(description="prompts near-identical to one of the key's last prompts")
    guard_hits: int
    refusals: int
    high_volume: int
    flagged: bool
    flagged_after: int | None = Field(description="the key's requests read when it was first flagged")
    signals: list[str]


class Leak(_Model):
    index: int
    time: str | None
    key: str
    model: str


class NotJudged(_Model):
    what: str
    why: str


class Source(_Model):
    log: str
    chained: bool
    records: int
    requests: int
    first_time: str | None
    last_time: str | None
    integrity_problems: list[str]
    skipped: dict[str, int]


class Method(_Model):
    baseline: str
    baseline_requests: int
    window: str
    stride: int
    alpha: float
    horizon: int
    level: float
    key_level: float
    embeddings: str | None = Field(
        default=None, description="how the embedding signal was computed and sampled, when it was on"
    )
    test: str = (
        "conditional binomial test of each window's event count against the baseline's, every stride "
        "requests, per signal, scope and direction; Bonferroni over the tests run per horizon; a key is "
        "flagged only when its rate is also at least 10 points above the population's"
    )


class MonitorReport(_Model):
    schema_version: str = SCHEMA_VERSION
    tool: str
    generated: str
    source: Source
    method: Method | None
    verdict: str = Field(description="'steady', 'changed', 'tampered' or 'not judged'")
    alarms: list[Alarm]
    series: list[SignalSeries]
    keys: list[KeyResult]
    leaks: list[Leak]
    leak_count: int
    not_judged: list[NotJudged]
