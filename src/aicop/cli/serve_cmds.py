"""The store and its dashboard: ``aicop serve`` and ``aicop store migrate|import``."""

from __future__ import annotations

import argparse
import sys

from aicop.cli.common import add_store_option, announce_when_started, as_path, port_number
from aicop.errors import AicopError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from aicop.cli.common import Command, Group

DEFAULT_PORT = 8470


def configure_serve(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument(
        "--port", type=port_number, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free)"
    )
    add_store_option(p)
    p.add_argument(
        "--init-admin",
        nargs="?",
        const="admin",
        metavar="USER",
        help="create the admin USER (default 'admin') or reset its password, print a one-time password, "
        "and exit",
    )
    p.add_argument(
        "--insecure-cookies",
        action="store_true",
        help="send the session cookie without the Secure flag (only behind a proxy that speaks plain http "
        "to other hosts; browsers accept Secure cookies from http://127.0.0.1 and localhost)",
    )


def run_serve(a: argparse.Namespace) -> int:
    """Serve the dashboard over the store: portfolio, systems, provisions, attestations, imports."""
    from aicop.store import open_database, shown

    db = open_database(a.db)
    if a.init_admin is not None:
        from aicop.store.accounts import init_admin

        with db.session() as session:
            password = init_admin(session, a.init_admin)
        print(f"admin user: {a.init_admin}")
        print(f"one-time password: {password}")
        print("sign in with it and choose your own password; it works once.", file=sys.stderr)
        return 0
    import uvicorn

    from aicop.web import Settings, create_app

    app = create_app(db, settings=Settings(secure_cookies=not a.insecure_cookies))
    print(f"aicop serve: store {shown(db.url)}", file=sys.stderr)
    config = uvicorn.Config(app, host=a.host, port=a.port, log_level="warning", server_header=False)
    server = uvicorn.Server(config)
    announce_when_started(server, a.host, "aicop serve")
    server.run()
    return 0


def configure_migrate(p: argparse.ArgumentParser) -> None:
    add_store_option(p)


def run_migrate(a: argparse.Namespace) -> int:
    """Create or upgrade the store's tables (every app's) to this version of aicop."""
    from aicop.store import open_database, shown
    from aicop.store.migrate import migrate

    db = open_database(a.db, migrate=False)
    before, after = migrate(db)
    state = "already up to date" if before == after else f"{', '.join(sorted(before)) or 'empty'} → now"
    print(f"{shown(db.url)}: {state} at {', '.join(sorted(after))}")
    return 0


def configure_import(p: argparse.ArgumentParser) -> None:
    p.add_argument("reports", nargs="+", type=as_path, metavar="REPORT", help="aicop JSON reports")
    add_store_option(p)
    p.add_argument("--commit", help="the commit the run assessed (default: none)")
    p.add_argument("--ref", help="the branch or tag the run assessed")


def run_import(a: argparse.Namespace) -> int:
    """Record JSON reports of 'aicop assess' in the store (a report already stored is skipped). All
    reports are read and checked first: one bad report and nothing is recorded."""
    import getpass

    from aicop.store import open_database
    from aicop.store.runs import Provenance, parse_report, record_run

    parsed = []
    for path in a.reports:
        try:
            data = path.read_bytes()
        except OSError as err:
            raise AicopError(f"cannot read ({err.strerror})", path=path) from None
        parsed.append((path, parse_report(data, path=str(path))))
    db = open_database(a.db)
    who = _user(getpass)
    with db.session() as session:
        results = [
            (path, record_run(session, report, Provenance("import", who, a.commit, a.ref)))
            for path, report in parsed
        ]
    for path, done in results:
        what = "recorded as run" if done.created else "already stored as run"
        print(f"{path}: {done.system}: {what} {done.assessment_id}")
    return 0


def _user(getpass: object) -> str:
    try:
        return f"cli:{getpass.getuser()}"  # type: ignore[attr-defined]
    except (KeyError, OSError):
        return "cli"


COMMANDS: dict[str, Command] = {
    "serve": (
        "the dashboard over the store of assessments and attestations",
        None,
        configure_serve,
        run_serve,
    ),
}
GROUPS: dict[str, Group] = {
    "store": (
        "the store of systems, runs and attestations behind 'aicop serve'",
        {
            "migrate": ("create or upgrade the store's tables", None, configure_migrate, run_migrate),
            "import": ("record JSON reports in the store", None, configure_import, run_import),
        },
    ),
}
