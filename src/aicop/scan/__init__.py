"""The model artifact scanner: finds code execution hidden in serialised models without loading them.

``scan_path(path)`` scans a file or directory and returns a ``ScanReport``; ``aicop scan`` is its
command. Every format is parsed, never loaded, unpickled or imported.
"""

from aicop.scan.model import FileResult, ScanFinding, ScanReport, Severity
from aicop.scan.policy import Policy
from aicop.scan.scanner import Limits, scan_file, scan_path, scan_paths

__all__ = [
    "FileResult",
    "Limits",
    "Policy",
    "ScanFinding",
    "ScanReport",
    "Severity",
    "scan_file",
    "scan_path",
    "scan_paths",
]
