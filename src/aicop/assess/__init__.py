"""The assessment pipeline: Context, check registry, engine and results."""

from aicop.assess.context import Context
from aicop.assess.engine import assess
from aicop.assess.registry import CheckSpec, check, registered_checks
from aicop.assess.results import Assessment, Evidence, FailOn, Finding, Status

__all__ = [
    "Assessment",
    "CheckSpec",
    "Context",
    "Evidence",
    "FailOn",
    "Finding",
    "Status",
    "assess",
    "check",
    "registered_checks",
]
