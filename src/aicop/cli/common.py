"""What every command module of the CLI shares: argument types, the catalog option, writing output,
the spinner, and the project (a repository and its manifest) a command works on.

Nothing here imports more than the standard library at module level: ``aicop --help`` and
``aicop scan FILE`` must start fast (tests/cli checks what --help imports).
"""

from __future__ import annotations

import argparse
import sys

from aicop.errors import AicopError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from contextlib import AbstractContextManager
    from pathlib import Path
    from typing import TypeAlias

    from rich.console import Console

    from aicop.catalog.model import Catalog, Role
    from aicop.system.manifest import Manifest

    Command: TypeAlias = tuple[
        str, str | None, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]
    ]
    """(help, description or None, configure, run): one command."""
    Group: TypeAlias = tuple[str, dict[str, Command]]
    """(help, {name: command}): a command group such as ``aicop catalog``."""

ROLE_NAMES = ("developer", "system-operator", "data-controller", "data-custodian")
REPORT_FORMATS = ("json", "markdown", "html", "sarif", "oscal")
SECTIONS = (
    "secure-design",
    "secure-development",
    "secure-deployment",
    "secure-maintenance",
    "secure-end-of-life",
)


class UsageError(AicopError):
    """Arguments that do not fit together."""


def as_path(text: str) -> Path:
    from pathlib import Path

    return Path(text)


def positive_int(text: str) -> int:
    """A count of at least 1 (``--jobs``): 0 or -3 workers is a mistake, not a request to run serially."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not at least 1")
    return value


def positive_float(text: str) -> float:
    """A duration in seconds above zero (``--timeout``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is not a number of seconds above zero")
    return value


def output_file(text: str) -> Path:
    """``--output FILE``, checked when the arguments are read, before any work: a report that took
    minutes must not be lost (or printed half) because of a mistyped path."""
    from pathlib import Path

    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{path}: is a directory; give the name of a file to write")
    _check_writable(path.parent)
    return path


def output_directory(text: str) -> Path:
    """``--output DIR`` for commands that write several files, checked like ``output_file``."""
    from pathlib import Path

    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{path}: is a file; give a directory to write the reports into")
    _check_writable(path)
    return path


def new_directory(text: str) -> Path:
    """A directory to create, or an empty one (``data check --redact OUT``): nothing is overwritten, and
    that is known before the data are read, not after."""
    from pathlib import Path

    path = Path(text)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise argparse.ArgumentTypeError(f"{path}: must be a new or empty directory; nothing is overwritten")
    _check_writable(path)
    return path


def _check_writable(directory: Path) -> None:
    """The directory, or the nearest part of it that exists (the rest is created), takes new files. A
    real probe file, not os.access, which says yes to root on a read-only mount."""
    import os
    import tempfile
    from pathlib import Path

    existing = directory
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise argparse.ArgumentTypeError(
            f"{existing}: is not a directory, so nothing can be written under it"
        )
    try:
        fd, probe = tempfile.mkstemp(prefix=".aicop-probe-", dir=existing)
    except OSError as err:
        raise argparse.ArgumentTypeError(f"{existing}: cannot write here ({err.strerror})") from err
    os.close(fd)
    Path(probe).unlink()


def port_number(text: str) -> int:
    """A TCP port for an option (0: any free one)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (0-65535)")
    return value


def add_db_option(p: argparse.ArgumentParser, help: str) -> None:
    """--db PATH: a database file of aicop's (``help`` says which, and its default)."""
    p.add_argument("--db", type=as_path, default=None, metavar="PATH", help=help)


def add_store_option(p: argparse.ArgumentParser) -> None:
    """--db: the store that aicop serve, consult serve and store migrate|import share."""
    add_db_option(
        p,
        "the SQLite store file (default: AICOP_DB_URL if set, else store.sqlite3 under the user's data "
        "directory)",
    )


def announce_when_started(server: object, host: str, command: str) -> None:
    """Print "COMMAND: listening on URL" once a uvicorn server's socket is bound (with --port 0 the port
    is known only then)."""
    import uvicorn

    assert isinstance(server, uvicorn.Server)
    startup = server.startup

    async def startup_and_announce(sockets: object = None) -> None:
        await startup(sockets=sockets)  # type: ignore[arg-type]
        for s in server.servers:
            for sock in s.sockets:
                port = sock.getsockname()[1]
                print(f"{command}: listening on http://{host}:{port}/", file=sys.stderr, flush=True)
                return

    server.startup = startup_and_announce  # type: ignore[method-assign]


def catalog_from(source: str | None) -> Catalog:
    from aicop.catalog import load_catalog

    return load_catalog(source)


def add_catalog_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--catalog",
        dest="catalog_source",
        metavar="ID|PATH",
        default=None,
        help="catalog id: dsit-2024-05 (the draft Code, the default), dsit-2025-01 (the final Code) or "
        "etsi-en-304-223; or a catalog JSON file (its mapping to checks beside it as NAME.mapping.csv)",
    )


def catalog_path(source: str | None) -> Path | None:
    """The catalog file ``--catalog`` names, or None for a packaged id."""
    from pathlib import Path

    from aicop.catalog import available_catalogs

    return None if source is None or source in available_catalogs() else Path(source)


def add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        dest="fmt",
        choices=("text", "json", "sarif"),
        default="text",
        help="output format (default: text)",
    )
    parser.add_argument(
        "--output", "-o", type=output_file, metavar="FILE", help="write the report to this file"
    )


def parse_roles(value: list[str]) -> list[Role]:
    from aicop.catalog.model import Role

    names = [n.strip() for item in value for n in item.split(",") if n.strip()]
    bad = [n for n in names if n not in ROLE_NAMES]
    if bad:
        raise UsageError(f"--roles: unknown role {bad[0]!r}; choose from {', '.join(ROLE_NAMES)}")
    return [Role(n) for n in names]


def emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    write_files({output: text})
    print(f"wrote {output}", file=sys.stderr)


def stdout_console() -> Console:
    """The console tables are printed on. Rich's own answer to a closed pipe is to exit 1, which aicop
    uses for "gaps found"; this one raises the BrokenPipeError, which the CLI ends quietly on.

    Its width is the terminal's, or COLUMNS, or 80 in a pipe; tables give their text columns a minimum
    width (``text_column``) so that a narrow console wraps rows instead of squeezing a column to a few
    characters."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return _Console(highlight=False)


def write_files(files: dict[Path, str]) -> None:
    """Write rendered output atomically. The place was checked before the work began, but a disk can
    fill or a directory vanish meanwhile: that is the user's to fix (exit 2), not a bug."""
    from aicop.fsutil import write_all_atomic

    try:
        write_all_atomic(files)
    except OSError as err:
        where = err.filename or next(iter(files), None)
        raise AicopError(f"cannot write: {err.strerror or err}", path=where) from err


def spinner(
    first: str = "walking the repository…", then: str = "running check {}…"
) -> AbstractContextManager[Callable[[str], None] | None]:
    """A status line on stderr during long work (checks, hashing), only when a person is watching."""
    import contextlib

    @contextlib.contextmanager
    def spinner() -> Iterator[Callable[[str], None] | None]:
        if not sys.stderr.isatty():
            yield None
            return
        from rich.console import Console

        with Console(stderr=True).status(first) as status:
            yield lambda item: status.update(then.format(item))

    return spinner()


def project(path: Path | None) -> tuple[Path, Manifest | None]:
    """(root, manifest or None) for a repository argument."""
    from pathlib import Path

    from aicop.system.manifest import MANIFEST_NAME
    from aicop.system.yamlsource import load_manifest

    root = path or Path()
    if not root.is_dir():
        raise AicopError("not a directory", path=root)
    manifest = load_manifest(root / MANIFEST_NAME, root) if (root / MANIFEST_NAME).is_file() else None
    return root, manifest


def configure_nothing(p: argparse.ArgumentParser) -> None:
    return None
