"""Where the crosswalk facts are: ``shared/crosswalk`` beside the repository (CI) or beside the work
trees (a developer's machine); the package's copy must be identical to it. Without shared/, the
package's copy is read."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ROOT

PACKAGED = ROOT / "src" / "aicop" / "catalog" / "data" / "crosswalk"


def crosswalk_file(name: str) -> Path:
    for base in (ROOT.parent, ROOT.parent.parent):
        candidate = base / "shared" / "crosswalk" / name
        if candidate.is_file():
            assert candidate.read_bytes() == (PACKAGED / name).read_bytes(), (
                f"the packaged {name} differs from {candidate}: run python tools/build_final_catalogs.py"
            )
            return candidate
    return PACKAGED / name
