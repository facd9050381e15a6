"""What aicop needs to know to share work with helper processes (the source checks', the data check's)."""

from __future__ import annotations

import os


def usable_cpus() -> int:
    """The processors this process may run on (its affinity, as a container or `taskset` sets it),
    or the machine's count where that cannot be asked."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1
