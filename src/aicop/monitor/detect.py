"""The monitor itself: a baseline of normal traffic, then every request reduced to events and every
window of recent traffic tested against the baseline (``stats``), for all traffic, per model and, for
probing and extraction, per key.

A request is read once and kept only as a few bits in bounded windows, so memory does not grow with
the log: the baseline (at most ``MAX_BASELINE`` requests), one window per scope, the last prompts of
each key, and a series of window rates thinned to at most ``MAX_POINTS`` points per signal.

Speed (``benchmarks/monitor_bench.py``): a request's events are one integer of bits, one per signal; a
window keeps only the positions of its events (most requests have none), so adding a request without
events costs a counter; each test's p-value is cached, since a full window's test sees the same few
counts again and again; the text features are computed once per request (``features``).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from aicop.errors import InputError
from aicop.monitor import features as ft
from aicop.monitor.embedding import CachedEmbedder
from aicop.monitor.events import Request
from aicop.monitor.model import Alarm, KeyResult, Leak, NotJudged, Point
from aicop.monitor.stats import Budget, rate_test

MAX_BASELINE = 50_000
MAX_POINTS = 600
MAX_LEAKS = 1000
CLOSE_ABOVE = 0.05  # an alarm closes once its direction's p-value is back above this
MODEL_SCOPE_MINIMUM = 200  # baseline requests a model needs for a scope of its own
# Users differ (one writes longer prompts, another repeats a template): against the population's rate a
# test alone would flag heavy but honest users, so a key must also exceed that rate by this much.
KEY_MIN_EXCESS = 0.10


@dataclass(frozen=True)
class Settings:
    baseline: int = 1000  # the first N requests, unless ``baseline_range`` is given
    baseline_range: tuple[Any, Any] | None = None  # (from, to): request indexes or datetimes
    window: int = 500  # requests in a window...
    window_seconds: float | None = None  # ...or its length in time
    stride: int = 50
    alpha: float = 0.05
    horizon: int = 10_000
    key_window: int = 200
    key_stride: int = 25
    history: int = 20  # a key's last prompts a new one is compared with
    similar: float = 0.6  # Jaccard of words and word pairs: "near-identical"
    min_baseline: int = 200
    embeddings: bool = False
    # Embed one monitored request in this many (by position, whatever it says, so the sample is like
    # the baseline's under steady traffic and the test keeps its level); its windows hold that share.
    embed_every: int = 1


# name -> (what it means, which part of the request it needs)
SIGNALS: dict[str, tuple[str, str]] = {
    "input.vocabulary": ("prompts whose words are mostly new to the baseline", "prompt"),
    "input.length": ("prompt length outside the baseline's 0.5-99.5% range", "prompt"),
    "input.script": ("prompts mostly in scripts the baseline did not use", "prompt"),
    "input.embedding": ("prompts far from every baseline prompt in meaning (MiniLM)", "embedding"),
    "output.refusal": ("answers that refuse", "answer"),
    "output.length": ("answer length outside the baseline's 0.5-99.5% range", "answer"),
    "output.finish": ("answers cut by length or a content filter", "any"),
    "errors.upstream": ("requests the upstream failed (5xx, timeouts)", "any"),
    "errors.refused": ("requests the gateway refused (auth, limits, guards)", "any"),
    "latency": ("upstream time above the baseline's 99th percentile", "latency"),
    "guards.input": ("prompts the input guards flagged", "any"),
    "guards.output": ("answers the output guards redacted or withheld", "any"),
    "leaks": ("answers withheld for disclosing protected instructions or canaries", "any"),
}
# Each signal's bit in a request's events (the order of SIGNALS).
BIT: dict[str, int] = {name: 1 << i for i, name in enumerate(SIGNALS)}
KEY_SIGNALS: dict[str, str] = {
    "key.repeats": "prompts near-identical to one of the key's last prompts (perturbation, enumeration)",
    "key.guards": "prompts the input guards flagged",
    "key.refusals": "answers that refuse, or requests the gateway refused",
    "key.volume": "prompts longer than the baseline's 99th percentile",
}
_OUTPUT_GUARDS = ("leak", "redacted", "personal-data-output", "secrets")
_INPUT_GUARDS = ("injection", "personal-data-input")


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(q * len(ordered))))]


def _iso(when: dt.datetime | None) -> str | None:
    return when.isoformat() if when else None


class Derived(NamedTuple):
    """What two signals share, computed once per request."""

    tokens: list[str]
    refusal: bool


def derive(r: Request) -> Derived:
    refusal = r.answer is not None and r.status < 400 and ft.is_refusal(r.answer)
    return Derived(ft.words(r.prompt) if r.prompt is not None else [], refusal)


@dataclass
class Profile:
    """What the baseline says is normal, fitted once."""

    vocabulary: frozenset[str]
    novelty: float
    prompt_range: tuple[float, float]
    answer_range: tuple[float, float]
    script: float
    latency: float
    volume: float
    embed_threshold: float = 0.0
    reference: Any = None  # unit embeddings of half the baseline (numpy), when embeddings are on


class Window:
    """The events of a scope's recent requests: the last ``size`` requests, or those of the last
    ``seconds``. It keeps, per signal, the positions of its events (request numbers, or times) and, for
    a window in time, every request's time; a request without events costs a counter."""

    def __init__(self, signals: int, size: int, seconds: float | None) -> None:
        self.size, self.seconds = size, seconds
        self.total = 0  # requests added
        self.events: list[deque[float]] = [deque() for _ in range(signals)]
        self.times: deque[float] | None = deque() if seconds is not None else None

    def add(self, when: float, bits: int) -> None:
        self.total += 1
        if self.times is not None:
            self.times.append(when)
            at = when
        else:
            at = float(self.total)
        while bits:
            low = bits & -bits
            self.events[low.bit_length() - 1].append(at)
            bits ^= low

    def counts(self) -> tuple[int, list[int]]:
        """(requests in the window, each signal's events in it); drops what has left the window."""
        if self.times is None:
            edge, size = float(self.total - self.size), min(self.total, self.size)
            for positions in self.events:
                while positions and positions[0] <= edge:
                    positions.popleft()
        else:
            assert self.seconds is not None
            times = self.times
            edge = times[-1] - self.seconds if times else 0.0
            while times and times[0] < edge:
                times.popleft()
            size = len(times)
            for positions in self.events:
                while positions and positions[0] < edge:
                    positions.popleft()
        return size, [len(positions) for positions in self.events]


@dataclass
class KeyState:
    history: deque[tuple[int, int]]  # fingerprints of the last prompts, with their bit counts
    skeletons: deque[int]
    window: Window
    requests: int = 0
    totals: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    open: dict[str, Alarm] = field(default_factory=dict)
    flagged_after: int | None = None
    flagged: set[str] = field(default_factory=set)


class Monitor:
    """Feed it requests in order (``feed``), then ``finish``."""

    def __init__(self, settings: Settings, embed: Callable[[list[str]], Any] | None = None) -> None:
        if settings.embeddings and embed is None:
            raise InputError("embeddings were asked for, but no embedding model was given")
        self.s = settings
        if settings.embed_every < 1:
            raise InputError(f"embed_every must be 1 or more, not {settings.embed_every}")
        self.embed = CachedEmbedder(embed) if settings.embeddings and embed is not None else None
        self.names = [n for n in SIGNALS if n != "input.embedding" or self.embed is not None]
        self.baseline: list[Request] = []
        self.baseline_capped = False
        self.profile: Profile | None = None
        self.base_counts: dict[str, tuple[int, int]] = {}
        self.key_base: list[tuple[int, int]] = []
        self.scopes: dict[str, Window] = {}
        self.model_scopes: dict[str, Window] = {}  # the model scopes by model name
        self.embed_scopes: dict[str, Window] = {}  # the embedding signal's windows: sampled requests
        self.position = {name: i for i, name in enumerate(SIGNALS)}
        self.keys: dict[str, KeyState] = {}
        self.pending: list[Request] = []
        self.read = 0
        self.monitored = 0
        self.first: dt.datetime | None = None
        self.last: dt.datetime | None = None
        self.open: dict[tuple[str, str, str], Alarm] = {}
        self.alarms: list[Alarm] = []
        self.series: dict[str, list[Point]] = {n: [] for n in self.names}
        self.thin: dict[str, int] = {n: 1 for n in self.names}
        self.leaks: list[Leak] = []
        self.leak_count = 0
        self.not_judged: list[NotJudged] = []
        self.unavailable: set[str] = set()
        self.level = 0.0
        self.key_level = Budget(settings.alpha, settings.horizon, settings.key_stride, len(KEY_SIGNALS)).level
        self.new_models: set[str] = set()
        self.known_models: set[str] = set()
        self.judged: list[str] = []
        self.baseline_failed = False
        self._held_distances: list[float] = []

    @property
    def repeats(self) -> bool:
        """Whether repeated prompts can be judged (the log keeps the prompts' text)."""
        return "key.repeats" not in self.unavailable

    # ------------------------------------------------------------------ reading
    def feed(self, request: Request) -> list[Alarm]:
        """Take one request; the alarms it opened (in batches of ``stride``, so often none)."""
        self.read += 1
        if request.time is not None:
            self.first = self.first or request.time
            self.last = request.time
        if self.profile is None:
            role = self._baseline_role(request)
            if role == "before":
                return []
            if role == "baseline":
                if len(self.baseline) < MAX_BASELINE:
                    self.baseline.append(request)
                else:
                    self.baseline_capped = True
                return []
            if not self.fit():
                return []
        self.pending.append(request)
        if len(self.pending) >= self.s.stride:
            return self._process()
        return []

    def _baseline_role(self, request: Request) -> str:
        if self.s.baseline_range is None:
            return "baseline" if request.index < self.s.baseline else "after"
        start, end = self.s.baseline_range
        if isinstance(start, int):
            position: Any = request.index
        else:
            if request.time is None:
                raise InputError("a baseline given by time needs records with times")
            position = request.time
        if position < start:
            return "before"
        return "baseline" if position <= end else "after"

    def fit(self) -> bool:
        """Fit the profile from the baseline; False (and said why) when it is too small to judge."""
        if self.profile is not None:
            return True
        if self.baseline_failed:
            return False
        base = self.baseline
        if len(base) < self.s.min_baseline:
            self.not_judged.append(
                NotJudged(
                    what="every signal",
                    why=f"the baseline has {len(base)} requests; at least {self.s.min_baseline} are needed",
                )
            )
            self.baseline_failed = True
            self.baseline = []
            return False
        texts = [r for r in base if r.prompt is not None]
        if len(texts) < len(base) / 2:
            for name, (_, needs) in SIGNALS.items():
                if needs in ("prompt", "answer", "embedding") and name in self.names:
                    self.unavailable.add(name)
            self.unavailable.add("key.repeats")
            self.not_judged.append(
                NotJudged(
                    what="signals on the text of prompts and answers",
                    why="the log keeps only digests of messages (privacy: hashes)",
                )
            )
        half_a, half_b = texts[0::2], texts[1::2]
        counts: dict[str, int] = {}
        for r in half_a:
            for w in set(ft.words(r.prompt or "")):
                counts[w] = counts.get(w, 0) + 1
        vocabulary = frozenset(w for w, c in counts.items() if c >= 2)
        novelty = [ft.novelty(ft.words(r.prompt or ""), vocabulary) for r in half_b]
        prompt_lengths = [float(len(r.prompt or "")) for r in texts]
        answers = [float(len(r.answer)) for r in base if r.answer is not None and r.status < 400]
        latencies = [r.upstream_ms for r in base if r.upstream_ms is not None]
        if not latencies:
            self.unavailable.add("latency")
        self.profile = Profile(
            vocabulary=vocabulary,
            novelty=max(_quantile(novelty, 0.99), 0.05),
            prompt_range=(_quantile(prompt_lengths, 0.005), _quantile(prompt_lengths, 0.995)),
            answer_range=(_quantile(answers, 0.005), _quantile(answers, 0.995)),
            script=max(_quantile([ft.foreign_script(r.prompt or "") for r in texts], 0.99), 0.3),
            latency=_quantile(latencies, 0.99),
            volume=_quantile([self._volume(r) for r in base], 0.99),
        )
        if self.embed is not None and texts:
            self._fit_embeddings(half_a, half_b)
        self._baseline_counts(base, half_b)
        self.judged = [n for n in self.names if n not in self.unavailable]
        models: dict[str, int] = {}
        for r in base:
            models[r.model] = models.get(r.model, 0) + 1
        scopes = ["all"] + [f"model:{m}" for m, c in sorted(models.items()) if c >= MODEL_SCOPE_MINIMUM]
        if len(scopes) == 2:  # one model: its scope is "all" again
            scopes = ["all"]
        self.known_models = set(models)
        for scope in scopes:
            self.scopes[scope] = Window(len(SIGNALS), self.s.window, self.s.window_seconds)
        self.model_scopes = {scope[6:]: w for scope, w in self.scopes.items() if scope.startswith("model:")}
        if "input.embedding" in self.judged:
            size = max(1, self.s.window // self.s.embed_every)
            self.embed_scopes = {scope: Window(1, size, self.s.window_seconds) for scope in scopes}
        self.level = Budget(
            self.s.alpha, self.s.horizon, self.s.stride, len(scopes) * len(self.judged) * 2
        ).level
        self.baseline = []  # fitted: the requests themselves are no longer needed
        return True

    def _fit_embeddings(self, half_a: list[Request], half_b: list[Request]) -> None:
        import numpy as np

        assert self.embed is not None and self.profile is not None
        with self.embed.one_thread():
            reference = self.embed([r.prompt or "" for r in half_a[:500]])
            held = self.embed([r.prompt or "" for r in half_b[:500]])
            if len(reference) and len(held):
                distances = 1.0 - (held @ reference.T).max(axis=1)
            else:
                distances = np.zeros(len(held))
        self.profile.reference = reference
        self.profile.embed_threshold = float(np.quantile(distances, 0.99)) if len(distances) else 1.0
        self._held_distances = [float(d) for d in distances]

    def _baseline_counts(self, base: list[Request], half_b: list[Request]) -> None:
        """Each signal's events in the baseline. Vocabulary and embedding novelty are counted on the half
        of the baseline their reference was not built from, so the comparison is like for like."""
        held = {id(r) for r in half_b}
        totals = dict.fromkeys(self.names, 0)
        sizes = dict.fromkeys(self.names, 0)
        derived = [derive(r) for r in base]
        for r, d in zip(base, derived, strict=True):
            events = self._events(r, d, embedding=None)
            for name in self.names:
                if name in ("input.vocabulary", "input.embedding"):
                    continue
                sizes[name] += 1
                totals[name] += bool(events & BIT[name])
            if id(r) in held:
                sizes["input.vocabulary"] += 1
                totals["input.vocabulary"] += bool(events & BIT["input.vocabulary"])
        if "input.embedding" in self.names:
            distances = self._held_distances
            sizes["input.embedding"] = len(distances)
            totals["input.embedding"] = sum(d > self.profile.embed_threshold for d in distances)  # type: ignore[union-attr]
        self.base_counts = {n: (totals[n], sizes[n]) for n in self.names}
        keys: dict[str, KeyState] = {}
        key_totals, key_size = [0, 0, 0, 0], 0
        for r, d in zip(base, derived, strict=True):
            bits = self._key_events(keys, r, d)
            key_size += 1
            for i in range(4):
                key_totals[i] += bits >> i & 1
        self.key_base = [(key_totals[i], key_size) for i in range(4)]

    # ------------------------------------------------------------------ events
    def _volume(self, r: Request) -> float:
        if r.input_tokens is not None:
            return float(r.input_tokens)
        return len(r.prompt or "") / 4

    def _events(self, r: Request, d: Derived, embedding: float | None) -> int:
        """The request's events, as the bits of BIT."""
        p = self.profile
        assert p is not None
        events = 0
        prompt = r.prompt
        if prompt is not None:
            if ft.novelty(d.tokens, p.vocabulary) > p.novelty:
                events |= BIT["input.vocabulary"]
            if not p.prompt_range[0] <= len(prompt) <= p.prompt_range[1]:
                events |= BIT["input.length"]
            if not prompt.isascii() and ft.foreign_script(prompt) > p.script:
                events |= BIT["input.script"]
        if embedding is not None and embedding > p.embed_threshold:
            events |= BIT["input.embedding"]
        status = r.status
        if r.answer is not None and status < 400:
            if d.refusal:
                events |= BIT["output.refusal"]
            if not p.answer_range[0] <= len(r.answer) <= p.answer_range[1]:
                events |= BIT["output.length"]
        if r.finish and any(f in ("length", "content_filter") for f in r.finish):
            events |= BIT["output.finish"]
        if status >= 500 or r.decision.startswith("upstream"):
            events |= BIT["errors.upstream"]
        elif status >= 400:
            events |= BIT["errors.refused"]
        if r.upstream_ms is not None and p.latency and r.upstream_ms > p.latency:
            events |= BIT["latency"]
        if r.guards:
            if any(g in _INPUT_GUARDS for g in r.guards):
                events |= BIT["guards.input"]
            if any(g in _OUTPUT_GUARDS for g in r.guards):
                events |= BIT["guards.output"]
            if "leak" in r.guards:
                events |= BIT["leaks"]
        return events

    def _key_events(self, keys: dict[str, KeyState], r: Request, d: Derived) -> int:
        """The key signals of one request as bits (repeats, guards, refusals, volume)."""
        state = keys.get(r.key)
        if state is None:
            state = KeyState(
                deque(maxlen=self.s.history),
                deque(maxlen=self.s.history),
                Window(len(KEY_SIGNALS), self.s.key_window, None),
            )
            keys[r.key] = state
        bits = 0
        if r.prompt is not None and self.repeats:
            shingles = ft.shingles(d.tokens)
            shape = ft.skeleton(d.tokens)
            if shape in state.skeletons or ft.near(shingles, state.history, self.s.similar):
                bits |= 1
            state.history.append((shingles, shingles.bit_count()))
            state.skeletons.append(shape)
        if r.guards and any(g in _INPUT_GUARDS for g in r.guards):
            bits |= 2
        if d.refusal or (400 <= r.status < 500 and r.status != 429):
            bits |= 4
        assert self.profile is not None
        volume = float(r.input_tokens) if r.input_tokens is not None else len(r.prompt or "") / 4
        if volume > self.profile.volume:
            bits |= 8
        return bits

    # ------------------------------------------------------------------ testing
    def _distances(self, batch: list[Request]) -> list[float | None]:
        """Each request's distance in meaning from the nearest baseline prompt, for the requests the
        embedding signal samples (None for the others)."""
        distances: list[float | None] = [None] * len(batch)
        if self.embed is None or self.profile is None or self.profile.reference is None:
            return distances
        every, start = self.s.embed_every, self.monitored
        chosen = [i for i, r in enumerate(batch) if r.prompt is not None and (start + i + 1) % every == 0]
        if chosen and len(self.profile.reference):
            with self.embed.one_thread():
                vectors = self.embed([batch[i].prompt or "" for i in chosen])
                near = (vectors @ self.profile.reference.T).max(axis=1)
            for i, value in zip(chosen, near, strict=True):
                distances[i] = float(1.0 - value)
        return distances

    def _process(self) -> list[Alarm]:
        batch, self.pending = self.pending, []
        distances = self._distances(batch)
        opened: list[Alarm] = []
        everything, by_model = self.scopes["all"], self.model_scopes
        timed = self.s.window_seconds is not None
        leak = BIT["leaks"]
        for r, distance in zip(batch, distances, strict=True):
            self.monitored += 1
            d = derive(r)
            bits = self._events(r, d, distance)
            when = (r.time.timestamp() if r.time else float(self.monitored)) if timed else 0.0
            if bits or timed:
                everything.add(when, bits)
            else:
                everything.total += 1  # what add does for a request without events
            model_scope = by_model.get(r.model)
            if model_scope is not None:
                if bits or timed:
                    model_scope.add(when, bits)
                else:
                    model_scope.total += 1
            if distance is not None and self.embed_scopes:
                self._embedded(r, when, bits)
            elif r.model not in self.known_models:
                self.new_models.add(r.model)
            if bits & leak:
                self.leak_count += 1
                if len(self.leaks) < MAX_LEAKS:
                    self.leaks.append(Leak(index=r.index, time=_iso(r.time), key=r.key, model=r.model))
            found = self._key(r, d)
            if found:
                opened += found
        last = batch[-1]
        names = [n for n in self.judged if n != "input.embedding"]
        for scope, window in self.scopes.items():
            opened += self._test(scope, window, last, names, self.position)
        for scope, window in self.embed_scopes.items():
            opened += self._test(scope, window, last, ["input.embedding"], {"input.embedding": 0})
        return opened

    def _embedded(self, r: Request, when: float, bits: int) -> None:
        """Count a sampled request in the embedding signal's windows."""
        event = 1 if bits & BIT["input.embedding"] else 0
        self.embed_scopes["all"].add(when, event)
        model_scope = self.embed_scopes.get(f"model:{r.model}")
        if model_scope is not None:
            model_scope.add(when, event)

    def _test(
        self, scope: str, window: Window, last: Request, names: list[str], slot: dict[str, int]
    ) -> list[Alarm]:
        opened = []
        size, counts = window.counts()
        for name in names:
            base_events, base_size = self.base_counts[name]
            events = counts[slot[name]]
            if scope == "all":
                self._point(name, last, events / max(size, 1))
            up, down = rate_test(events, size, base_events, base_size)
            for direction, p in (("up", up), ("down", down)):
                key = (name, scope, direction)
                current = self.open.get(key)
                if current is None and p < self.level:
                    alarm = Alarm(
                        signal=name,
                        scope=scope,
                        direction=direction,
                        start_index=last.index + 1,
                        start_time=_iso(last.time),
                        end_index=None,
                        end_time=None,
                        window_rate=events / max(size, 1),
                        baseline_rate=base_events / max(base_size, 1),
                        p_value=p,
                        level=self.level,
                    )
                    self.open[key] = alarm
                    self.alarms.append(alarm)
                    opened.append(alarm)
                elif current is not None:
                    if p < current.p_value:
                        current.p_value, current.window_rate = p, events / max(size, 1)
                    if p > CLOSE_ABOVE:
                        current.end_index, current.end_time = last.index + 1, _iso(last.time)
                        del self.open[key]
        return opened

    def _point(self, name: str, last: Request, rate: float) -> None:
        """Keep every ``thin``-th point; when the series is full, halve it and double the step."""
        series = self.series[name]
        step = self.thin[name]
        if ((last.index + 1) // self.s.stride) % step:
            return
        series.append(Point(index=last.index + 1, time=_iso(last.time), rate=rate))
        if len(series) >= MAX_POINTS:
            self.series[name] = series[::2]
            self.thin[name] = step * 2

    def _key(self, r: Request, d: Derived) -> list[Alarm]:
        bits = self._key_events(self.keys, r, d)
        state = self.keys[r.key]
        state.requests += 1
        if bits:
            for i in range(4):
                state.totals[i] += bits >> i & 1
        state.window.add(0.0, bits)
        if state.requests % self.s.key_stride:
            return []
        opened = []
        size, counts = state.window.counts()
        for i, name in enumerate(KEY_SIGNALS):
            if name in self.unavailable:
                continue
            base_events, base_size = self.key_base[i]
            up, _ = rate_test(counts[i], size, base_events, base_size)
            excess = counts[i] / max(size, 1) - base_events / max(base_size, 1)
            current = state.open.get(name)
            if current is None and up < self.key_level and excess >= KEY_MIN_EXCESS:
                alarm = Alarm(
                    signal=name,
                    scope=f"key:{r.key}",
                    direction="up",
                    start_index=r.index + 1,
                    start_time=_iso(r.time),
                    end_index=None,
                    end_time=None,
                    window_rate=counts[i] / max(size, 1),
                    baseline_rate=base_events / max(base_size, 1),
                    p_value=up,
                    level=self.key_level,
                )
                state.open[name] = alarm
                state.flagged.add(name)
                state.flagged_after = state.flagged_after or state.requests
                self.alarms.append(alarm)
                opened.append(alarm)
            elif current is not None and up > CLOSE_ABOVE:
                current.end_index, current.end_time = r.index + 1, _iso(r.time)
                del state.open[name]
        return opened

    # ------------------------------------------------------------------ the end
    def finish(self) -> list[Alarm]:
        """Test what is still pending; fit a baseline that never ended (a log shorter than it)."""
        if self.profile is None:
            self.fit()  # a log that ended inside its baseline
        opened = self._process() if self.pending and self.profile is not None else []
        if self.profile is not None and self.monitored == 0:
            self.not_judged.append(
                NotJudged(what="every signal", why="no requests after the baseline to compare with it")
            )
        if self.baseline_capped:
            self.not_judged.append(
                NotJudged(
                    what="part of the baseline", why=f"only its first {MAX_BASELINE} requests were used"
                )
            )
        for name in sorted(self.unavailable & set(SIGNALS)):
            if name == "latency":
                self.not_judged.append(NotJudged(what=name, why="the records carry no upstream time"))
        return opened

    def key_results(self) -> list[KeyResult]:
        results = []
        for key, state in sorted(self.keys.items()):
            results.append(
                KeyResult(
                    key=key,
                    requests=state.requests,
                    repeats=state.totals[0],
                    guard_hits=state.totals[1],
                    refusals=state.totals[2],
                    high_volume=state.totals[3],
                    flagged=bool(state.flagged),
                    flagged_after=state.flagged_after,
                    signals=sorted(state.flagged),
                )
            )
        return results


def run(
    requests: Iterable[Request], settings: Settings, embed: Callable[[list[str]], Any] | None = None
) -> Monitor:
    monitor = Monitor(settings, embed)
    for request in requests:
        monitor.feed(request)
    monitor.finish()
    return monitor
