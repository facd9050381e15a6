"""make demo-gateway: the tour runs and shows what it promises."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_demo_gateway_tour() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "demo_gateway.py")], capture_output=True, text=True, timeout=120
    )
    out = done.stdout
    assert done.returncode == 0, done.stderr
    assert "-> 400 prompt_blocked" in out and "-> 401 invalid_api_key" in out
    assert "[withheld by the gateway" in out and "The key is [SECRET] and the admin is [EMAIL]." in out
    assert "[200, 200, 200, 200, 429, 429]" in out and "11 records, chain intact" in out
    assert sum(" met " in line for line in out.splitlines()) == 6
    assert "verdict: changed" in out and "probing: key probe after" in out
