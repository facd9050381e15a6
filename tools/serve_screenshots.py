"""Screenshots of aicop serve's pages for the README: a demo store (six systems, eight runs each, from
the bundled example's real report), attestations in every state, then each page in Debian's Chromium.

    .venv/bin/python tools/serve_screenshots.py docs/screenshots
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from store_data import base_report, variant

from aicop.assess.results import Assessment as Report
from aicop.store import attestations as workflow
from aicop.store import open_database
from aicop.store.accounts import create_user
from aicop.store.models import Role, System, User
from aicop.store.runs import Provenance, record_run
from aicop.web import Settings, create_app

PASSWORD = "screenshots only 1"
SYSTEMS = {
    "support-assistant": 0.55,
    "claims-triage-llm": 0.7,
    "fraud-scoring": 0.8,
    "hr-cv-screening": 0.35,
    "code-review-bot": 0.6,
    "search-reranker": 0.9,
}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip


def seed(db_path: Path) -> int:
    db = open_database(db_path)
    rng = random.Random(16)
    base = base_report()
    start = dt.datetime(2026, 8, 3, 9, 0, tzinfo=dt.UTC)
    with db.session() as s:
        for role in Role:
            create_user(s, f"{role.value}", role, PASSWORD, actor="demo")
        for name, quality in SYSTEMS.items():
            for run in range(8):
                drift = quality + (run - 4) * 0.02 + rng.uniform(-0.05, 0.05)
                report = variant(
                    base, name, start + dt.timedelta(days=14 * run), rng, max(0.05, min(drift, 0.98))
                )
                record_run(
                    s,
                    Report.model_validate(report),
                    Provenance("push", "token:ci", f"{rng.getrandbits(160):040x}", "main"),
                )
    with db.session() as s:
        system = s.query(System).filter_by(name="support-assistant").one()
        assessor = s.query(User).filter_by(username="assessor").one()
        for pid, state in (
            ("1.1", "approved"),
            ("3.6", "submitted"),
            ("5.3", "requested"),
            ("11.1", "rejected"),
        ):
            row = workflow.request(s, system, pid, "owner", dt.date(2026, 12, 15), actor="assessor")
            if state == "requested":
                continue
            owner = s.query(User).filter_by(username="owner").one()
            workflow.submit(
                s,
                row,
                "met",
                f"https://wiki.example.org/ai/{pid}",
                "Reviewed with the security lead; minutes linked.",
                actor=owner,
            )
            if state != "submitted":
                workflow.decide(
                    s,
                    row,
                    state == "approved",
                    "" if state == "approved" else "The link needs sign-in; attach the PDF.",
                    dt.date(2026, 12, 20) if state == "approved" else None,
                    actor=assessor,
                )
        return system.id


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        system_id = seed(Path(tmp) / "demo.sqlite3")
        app = create_app(open_database(Path(tmp) / "demo.sqlite3"), settings=Settings(secure_cookies=True))
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(base_url=url, viewport={"width": 1200, "height": 860})
            page.goto("/login")
            page.screenshot(path=str(out / "login.png"))
            page.fill("#username", "assessor")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/")
            shots = {
                "portfolio": "/?sort=worst",
                "system": f"/systems/{system_id}",
                "provision": f"/systems/{system_id}/provisions/3.6#attestation",
                "attestations": "/attestations",
                "import": "/import",
            }
            for name, path in shots.items():
                page.goto(path)
                # the system page is long (every provision): its top, with the chart and the changes, is shown
                tall = {"system": 1500, "provision": 1600}.get(name)
                page.set_viewport_size({"width": 1200, "height": tall or 860})
                page.screenshot(path=str(out / f"{name}.png"))
                print(f"wrote {out / name}.png")
            browser.close()
        server.should_exit = True


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
