"""Derive the packaged catalog → control mappings (``src/aicop/catalog/data/mappings/<catalog>.csv``).

Inputs: ``controls.csv`` (what each check verifies), the crosswalk (``data/crosswalk/draft-to-final.csv``)
and the hand-kept ``mappings/overrides.csv`` (a control the final Code no longer asks for, or one added
to a new provision, each with its reason). Run it after adding a control; ``tests/assess/test_controls.py``
fails while the files on disk differ from what this derives. The procedure for converting a check is
in the docstring of ``aicop.assess.controls``.

Usage: python tools/derive_mappings.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from aicop.assess.controls import derive_mappings, load_controls, load_overrides, mapping_csv  # noqa: E402
from aicop.catalog import load_catalog  # noqa: E402
from aicop.catalog.crosswalk import FINAL  # noqa: E402

OUT = ROOT / "src" / "aicop" / "catalog" / "data" / "mappings"


def main() -> int:
    derived = derive_mappings(load_controls(), load_overrides(), load_catalog(FINAL))
    for catalog_id, rows in derived.items():
        path = OUT / f"{catalog_id}.csv"
        path.write_text(mapping_csv(rows), encoding="utf-8")
        print(
            f"wrote {path.relative_to(ROOT)}: {len(rows)} provision-control pairs, "
            f"{len({r[0] for r in rows})} provisions"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
