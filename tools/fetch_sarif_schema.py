"""Fetch the SARIF 2.1.0 JSON schema for the test suite, from the npm registry.

No PyPI package ships the schema; the npm package ``@microsoft/jest-sarif`` does (as
``sarif-2.1.0-rtm.5.json``, the release candidate that became SARIF 2.1.0). We pin the package
version and the schema's SHA-256, so the tests validate against exactly that file, and we never
commit a copy of it. Usage: python tools/fetch_sarif_schema.py DEST
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "@microsoft/jest-sarif@1.0.0-beta.0"
MEMBER = "package/lib/schemas/sarif-2.1.0-rtm.5.json"
SHA256 = "2d99159ae54a3eea97f81781cff48780548657c35949f4b7f25e99a2ba4de4f8"


def main(dest: Path) -> int:
    if dest.is_file() and hashlib.sha256(dest.read_bytes()).hexdigest() == SHA256:
        return 0
    npm = shutil.which("npm")
    if npm is None:
        print("fetch_sarif_schema: npm not found; the SARIF schema test will be skipped", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [npm, "pack", "--silent", PACKAGE],
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        tarballs = list(Path(tmp).glob("*.tgz"))
        if done.returncode != 0 or not tarballs:
            print(
                f"fetch_sarif_schema: npm pack {PACKAGE} failed: {done.stderr.strip()[:300]}", file=sys.stderr
            )
            return 0
        with tarfile.open(tarballs[0]) as archive:
            handle = archive.extractfile(MEMBER)
            if handle is None:
                print(f"fetch_sarif_schema: {MEMBER} missing from {PACKAGE}", file=sys.stderr)
                return 1
            data = handle.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        print(f"fetch_sarif_schema: unexpected SHA-256 {digest} for {MEMBER}", file=sys.stderr)
        return 1
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data)
    print(f"fetch_sarif_schema: wrote {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
