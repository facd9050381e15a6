"""Why a scan of one file stopped. Raised inside format readers; the scanner turns each into the
file's ``error`` (exit 2) or, for bounds that only an attack would hit, into a finding too."""

from __future__ import annotations


class ScanError(Exception):
    """The content cannot be read as the format it claims to be (truncated, malformed)."""


class LimitExceeded(ScanError):
    """A bound was hit: time, memory, nesting or size. Large legitimate models stay well inside them."""


class Unverifiable(ScanError):
    """The content claims a format (by its name or a signature) that it does not parse as: what a
    loader would make of it cannot be verified."""


class Unsupported(ScanError):
    """The content is well-formed but uses a feature aicop cannot read (a 7z coder, LZ4 without its
    package): the file is not scanned (an error), which is not the same as malformed."""
