"""The monitor on seeded traffic: quiet on steady traffic, a shift found soon after it starts, a
probing key found within 200 of its requests and no benign key flagged, and what it cannot judge said."""

from __future__ import annotations

from pathlib import Path

from aicop.monitor.detect import MAX_POINTS, Monitor, Settings, run
from aicop.monitor.events import ChainReader, Request, open_log, request_from
from aicop.monitor.simulate import Plan, requests


def _monitor(path: Path, **settings: object) -> Monitor:
    return run(open_log(str(path)), Settings(**settings))  # type: ignore[arg-type]


def test_steady_traffic_raises_no_alarm(logs: dict[str, Path]) -> None:
    monitor = _monitor(logs["steady"])
    assert monitor.monitored == 5000 and monitor.not_judged == []
    assert monitor.alarms == []
    assert not any(k.flagged for k in monitor.key_results())


def test_a_shift_to_an_unseen_domain_is_found_within_500_requests(logs: dict[str, Path]) -> None:
    monitor = _monitor(logs["shift"])
    vocabulary = [a for a in monitor.alarms if a.signal == "input.vocabulary" and a.scope == "all"]
    assert vocabulary and 2500 < vocabulary[0].start_index <= 3000
    assert vocabulary[0].direction == "up" and vocabulary[0].p_value < vocabulary[0].level
    assert not any(k.flagged for k in monitor.key_results())


def test_a_probing_key_is_flagged_within_200_of_its_requests(logs: dict[str, Path]) -> None:
    monitor = _monitor(logs["probe"])
    keys = {k.key: k for k in monitor.key_results()}
    assert keys["probe"].flagged and keys["probe"].flagged_after is not None
    assert keys["probe"].flagged_after <= 200
    assert [k for k, r in keys.items() if r.flagged] == ["probe"]  # no benign key


def test_a_baseline_too_small_is_not_judged(logs: dict[str, Path]) -> None:
    monitor = _monitor(logs["steady"], baseline=50)
    assert monitor.profile is None and monitor.alarms == []
    assert "at least 200" in monitor.not_judged[0].why


def test_a_log_shorter_than_its_baseline_says_so(logs: dict[str, Path]) -> None:
    monitor = _monitor(logs["steady"], baseline=10_000)
    assert monitor.monitored == 0
    assert any("no requests after the baseline" in n.why for n in monitor.not_judged)


def test_baseline_by_range_and_time_windows(logs: dict[str, Path]) -> None:
    monitor = _monitor(logs["shift"], baseline_range=(500, 1499), window_seconds=250.0)
    assert monitor.base_counts["errors.upstream"][1] == 1000
    assert any(a.signal == "input.vocabulary" for a in monitor.alarms)


def test_privacy_hashes_leave_text_signals_unjudged() -> None:
    import hashlib

    def hashed(item: dict) -> dict:  # type: ignore[type-arg]
        data = dict(item["data"])
        for name in ("gen_ai.input.messages", "gen_ai.output.messages"):
            if name in data:
                data[name] = {"sha256": hashlib.sha256(str(data[name]).encode()).hexdigest()}
        return data

    found = []
    for i, item in enumerate(requests(Plan(requests=1500, seed=4))):
        request = request_from(hashed(item), item["time"], item["actor"], i)
        assert isinstance(request, Request) and request.prompt is None
        found.append(request)
    monitor = run(found, Settings())
    assert "input.vocabulary" not in monitor.judged and "errors.upstream" in monitor.judged
    assert any("privacy: hashes" in n.why for n in monitor.not_judged)


def test_memory_stays_bounded(logs: dict[str, Path]) -> None:
    monitor = _monitor(logs["steady"], stride=5)
    assert all(len(points) <= MAX_POINTS for points in monitor.series.values())
    assert monitor.baseline == [] and monitor.scopes["all"].counts()[0] == 500
    assert all(len(positions) <= 500 for positions in monitor.scopes["all"].events)


def test_the_whole_chain_is_verified_while_monitoring(logs: dict[str, Path]) -> None:
    reader = ChainReader(logs["steady"])
    monitor = run(reader, Settings())
    assert monitor.read == 6000 and reader.integrity.records == 6000
    assert reader.integrity.problems == [] and reader.chain.expected == 6001
