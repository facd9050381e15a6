"""Re-extract the OSV and CSAF 2.0 JSON schemas that aicop ships (src/aicop/advisory/schemas/) from
the PyPI wheels that carry them, and check every file against the digest aicop pins.

The machine reaches no web site, only package registries. The ``osv`` wheel vendors ossf/osv-schema
(validation/schema.json); the ``csaf-lib`` wheel carries the OASIS CSAF 2.0 schema and the FIRST CVSS
schemas it refers to. Both wheels are pinned by version and SHA-256; they are downloaded without their
dependencies and never installed or imported. Usage: python tools/fetch_advisory_schemas.py [--check]
(--check compares instead of writing, and fails on any difference).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEST = ROOT / "src" / "aicop" / "advisory" / "schemas"
WHEELS = {
    "osv==0.0.22": (
        "osv-0.0.22-py3-none-any.whl",
        "95ed761d8f742dcf11ba8cd7e83ed6f945d5a6d45830fc6cf2cb4bf00bcc06ec",
        {"osv/osv-schema/validation/schema.json": "osv-schema.json"},
    ),
    "csaf-lib==0.1.0b12": (
        "csaf_lib-0.1.0b12-py3-none-any.whl",
        "2a120c60dca45f84ad070abcd6ff19cf3029cdfcc25888009245fe2e254db8bb",
        {
            "csaf_lib/verification/schemas/csaf_2_0.json": "csaf-2.0.json",
            "csaf_lib/verification/schemas/cvss_v2_0.json": "cvss-v2.0.json",
            "csaf_lib/verification/schemas/cvss_v3_0.json": "cvss-v3.0.json",
            "csaf_lib/verification/schemas/cvss_v3_1.json": "cvss-v3.1.json",
        },
    ),
}


def main(check: bool) -> int:
    sys.path.insert(0, str(ROOT / "src"))
    from aicop.advisory.schemas import PINNED

    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        for requirement, (wheel, wheel_sha, members) in WHEELS.items():
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                 requirement, "-d", tmp],
                check=True,
                timeout=300,
            )  # fmt: skip
            data = (Path(tmp) / wheel).read_bytes()
            if hashlib.sha256(data).hexdigest() != wheel_sha:
                problems.append(f"{wheel}: SHA-256 is not the pinned {wheel_sha}")
                continue
            with zipfile.ZipFile(Path(tmp) / wheel) as archive:
                for member, name in members.items():
                    content = archive.read(member)
                    digest = hashlib.sha256(content).hexdigest()
                    if digest != PINNED[name]:
                        problems.append(f"{name}: SHA-256 {digest} is not the pinned {PINNED[name]}")
                    elif check:
                        if (DEST / name).read_bytes() != content:
                            problems.append(f"{name}: the shipped file differs from {wheel}")
                    else:
                        (DEST / name).write_bytes(content)
    for problem in problems:
        print(f"fetch_advisory_schemas: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv[1:]))
