"""The line a registry run ends with says what was read, also when nothing was."""

from __future__ import annotations

from aicop.cli.registry_cmds import summary
from aicop.registry.engine import Counters


def test_an_unchanged_run_says_nothing_was_read() -> None:
    line = summary("scanned", Counters(objects=3, bytes_total=30, unchanged=3), "local", 0.5)
    assert line.endswith("3 unchanged since the last run, nothing read") and " - " not in line


def test_a_run_that_read_says_how_much_and_in_how_many_requests() -> None:
    read = Counters(objects=2, bytes_total=4096, bytes_read=1234, requests=3, failed=["a"])
    assert "1,234 bytes read in 3 requests, 1 not checked" in summary("scanned", read, "local", 1.0)
    uncounted = Counters(objects=2, bytes_total=4096, bytes_read=1234)
    assert summary("scanned", uncounted, "ray", 1.0).endswith("1,234 bytes read")
