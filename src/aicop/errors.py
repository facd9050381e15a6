"""The exceptions aicop raises for problems a user can fix, and the exit codes they map to.

Every error that reaches the command line is one of these: it carries a message that names the file,
the place in it and the problem, and the exit code the CLI returns. Anything else escaping a command
is a bug and exits with ``INTERNAL``.
"""

from __future__ import annotations

from enum import IntEnum

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path


class ExitCode(IntEnum):
    OK = 0
    GAPS = 1  # gaps at the --fail-on level (assess), or unsafe findings (scan)
    BAD_INPUT = 2  # bad input or usage: nothing was written
    INTERNAL = 3


class AicopError(Exception):
    """A problem the user can act on. ``str(err)`` is the one line the CLI prints."""

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(self, message: str, *, path: Path | str | None = None, line: int | None = None) -> None:
        self.problem = message
        self.path = str(path) if path is not None else None
        self.line = line
        super().__init__(self._render())

    def _render(self) -> str:
        if self.path is None:
            return self.problem
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.problem}"


class InputError(AicopError):
    """A file or argument aicop was given is missing, unreadable or invalid."""


class CatalogError(AicopError):
    """A catalog file is broken: aicop refuses to assess against it."""
