"""``aicop``: the command line.

Built on the standard library's ``argparse`` rather than click: ``aicop scan FILE`` runs once per file
in CI loops, and importing click costs about 21 ms, half of the fastest anchor scanner's whole run
(measured in benchmarks/scan_compare.py). Each command is one ``configure`` (its arguments) and one
``run``, kept in the module of its command group (``assess_cmds``, ``scan_cmds``, ...), each of which
exports a ``COMMANDS`` and a ``GROUPS`` table; this module only knows which module holds each command
(``WHERE``), imports that one and builds the parser of the command being run (so start-up does not
grow with the number of commands; a module's ``QUICK`` readers take a command's common form without a
parser at all) and turns errors into exit codes. Heavy modules (pydantic, rich, Jinja2) are imported
inside the commands.

Every user-facing problem is an ``AicopError`` (one line on stderr, its exit code); argument errors
exit 2; anything else is a bug and exits 3.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from aicop import __version__
from aicop.errors import AicopError, ExitCode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType
    from typing import NoReturn

    from aicop.cli.common import Command, Group

DESCRIPTION = """\
aicop makes the UK AI Cyber Security Code of Practice executable.

Describe your AI system in aicop.yaml ('aicop init'), then 'aicop assess' it: every provision
that applies to the roles you play gets a status with evidence, in reports for people, CI
pipelines (SARIF) and auditors (OSCAL). 'aicop scan' finds code execution hidden in model files;
'aicop inventory', 'sign', 'snapshot', 'restore' and 'bom' keep the assets known and restorable;
'aicop data' checks the data that trains and feeds the model; 'aicop deps' checks dependencies
against an offline advisory snapshot and 'aicop advisory' publishes your own security bulletins.
"""
EPILOG = (
    "Exit codes: 0 no gaps at the --fail-on level, 1 gaps (or unsafe models), 2 bad input or usage, "
    "3 internal error."
)


def _gateway() -> dict[str, Group]:
    from aicop.cli import gateway_cmds

    return {
        "gateway": (
            "a guard and tamper-evident audit log in front of an OpenAI-compatible model API",
            {
                "serve": ("run the gateway", None, gateway_cmds.configure_serve, gateway_cmds.run_serve),
                "keys": (
                    "create, list and revoke API keys",
                    None,
                    gateway_cmds.configure_keys,
                    gateway_cmds.run_keys,
                ),
                "mock-upstream": (
                    "an OpenAI-compatible fake model for tests and demos",
                    None,
                    gateway_cmds.configure_mock,
                    gateway_cmds.run_mock,
                ),
            },
        ),
        "guard": (
            "the gateway's guards from the command line",
            {
                "check": (
                    "score prompts for injection and jailbreak attempts",
                    None,
                    gateway_cmds.configure_guard_check,
                    gateway_cmds.run_guard_check,
                )
            },
        ),
    }


# The module of each top-level command and group (``main`` is this module's own: the gateway's), so a
# run imports the one module it names, not every command's (``aicop scan FILE`` runs once per file in CI
# loops; importing the fourteen modules was a tenth of its instructions). tests/cli checks it against
# the modules' own tables.
WHERE: dict[str, str] = {
    **dict.fromkeys(("assess", "init", "manifest", "report"), "assess_cmds"),
    **dict.fromkeys(("catalog", "checks"), "catalog_cmds"),
    "consult": "consult_cmds",
    "data": "data_cmds",
    **dict.fromkeys(("deps", "advisories", "advisory"), "deps_cmds"),
    "docs": "docs_cmds",
    "dispose": "eol_cmds",
    **dict.fromkeys(("inventory", "bom", "sign", "verify", "snapshot", "restore", "audit"), "integrity_cmds"),
    "monitor": "monitor_cmds",
    **dict.fromkeys(("redteam", "release"), "redteam_cmds"),
    "risks": "risks_cmds",
    **dict.fromkeys(("scan", "code"), "scan_cmds"),
    **dict.fromkeys(("serve", "store"), "serve_cmds"),
    **dict.fromkeys(("gateway", "guard"), "main"),
}
MODULES = (
    "assess_cmds",
    "catalog_cmds",
    "consult_cmds",
    "data_cmds",
    "deps_cmds",
    "docs_cmds",
    "eol_cmds",
    "integrity_cmds",
    "monitor_cmds",
    "redteam_cmds",
    "risks_cmds",
    "scan_cmds",
    "serve_cmds",
)


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"aicop.cli.{name}")


def tables(only: str | None = None) -> tuple[dict[str, Command], dict[str, Group]]:
    """(commands, groups): name → (help, description or None, configure, run) for commands, name →
    (help, {subcommands}) for groups; with ``only`` (a name in WHERE), just what its module has."""
    names = MODULES if only is None else (WHERE[only],)
    modules = [_module(name) for name in names if name != "main"]
    commands: dict[str, Command] = {name: c for m in modules for name, c in m.COMMANDS.items()}
    groups: dict[str, Group] = {name: g for m in modules for name, g in m.GROUPS.items()}
    if only is None or WHERE[only] == "main":
        groups |= _gateway()
    return commands, groups


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``only``, just that top-level command's part of it (a faster start)."""
    parser = argparse.ArgumentParser(
        prog="aicop",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"aicop, version {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    commands, groups = tables(only if only in WHERE else None)
    for name, (summary, description, configure, run) in commands.items():
        if only in (None, name):
            command = sub.add_parser(
                name,
                help=summary,
                description=description or run.__doc__,
                formatter_class=argparse.RawDescriptionHelpFormatter,
            )
            configure(command)
            command.set_defaults(run=run)
    for name, (summary, members) in groups.items():
        if only in (None, name):
            group = sub.add_parser(name, help=summary, description=summary)
            group.set_defaults(run=None, group=group)
            group_sub = group.add_subparsers(dest="subcommand", metavar="COMMAND", title="commands")
            for member, (member_help, description, configure, run) in members.items():
                command = group_sub.add_parser(
                    member, help=member_help, description=description or run.__doc__
                )
                configure(command)
                command.set_defaults(run=run)
    return parser


def main(argv: list[str] | None = None) -> NoReturn:
    args_list = sys.argv[1:] if argv is None else argv
    first = args_list[0] if args_list else None
    quick = getattr(_module(WHERE[first]), "QUICK", {}).get(first) if first in WHERE else None
    args = quick(args_list[1:]) if quick is not None else None
    if args is None:
        parser = build_parser(first if first in WHERE else None)
        try:
            args = parser.parse_args(args_list)
        except SystemExit as exit_:  # argparse: --help/--version exit 0, usage errors exit 2
            sys.exit(int(ExitCode.OK) if exit_.code in (0, None) else int(ExitCode.BAD_INPUT))
    run = getattr(args, "run", None)
    if run is None:
        (getattr(args, "group", None) or parser).print_help()
        sys.exit(int(ExitCode.OK))
    try:
        code = run(args)
        sys.stdout.flush()  # inside the handlers: a reader that has gone away shows here, not at exit
    except BrokenPipeError:
        if not _stdout_closed():
            raise
        _exit_on_closed_pipe()
    except AicopError as err:
        print(f"aicop: error: {err}", file=sys.stderr)
        sys.exit(int(err.exit_code))
    except KeyboardInterrupt:
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not print a traceback now
        print("aicop: error: interrupted", file=sys.stderr)
        sys.exit(int(ExitCode.BAD_INPUT))
    except Exception as err:  # a bug: say so, with the traceback when asked for
        if os.environ.get("AICOP_DEBUG"):
            raise
        print(
            f"aicop: error: internal error ({type(err).__name__}: {err}); rerun with AICOP_DEBUG=1 and "
            "report it",
            file=sys.stderr,
        )
        sys.exit(int(ExitCode.INTERNAL))
    sys.exit(code)


def _stdout_closed() -> bool:
    """Whether the reader of standard output has gone away (``aicop ... | head``), as opposed to a
    broken connection elsewhere, which is not the user's doing."""
    import select

    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), 0)  # POLLERR is always reported: a pipe with no reader
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll (Windows) or no real stdout: assume it was
        return True


def _exit_on_closed_pipe() -> NoReturn:
    """Stop quietly, as cat or grep do when the reader of their output has gone: the process ends by
    SIGPIPE (the shell sees 141), which Python itself ignores so that sockets report it as an error."""
    import signal

    # Python's own recipe: stdout points at /dev/null, so the final flush at exit cannot fail again.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sigpipe = getattr(signal, "SIGPIPE", None)
    if sigpipe is not None:
        signal.signal(sigpipe, signal.SIG_DFL)
        os.kill(os.getpid(), sigpipe)
    sys.exit(int(ExitCode.BAD_INPUT))
