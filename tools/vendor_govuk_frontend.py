"""Fetch GOV.UK Frontend's compiled stylesheet from the npm registry and commit it under
src/aicop/consult/static/ (a fresh machine has Python and make but no npm, so it is not built there).

Its @font-face rules are removed: the GDS Transport font may be used only on gov.uk services, so
pages fall back to the stylesheet's next family (Arial) instead of asking for font files we do not
ship. The crest image it names is not shipped either (the header does not show it).

Usage: python tools/vendor_govuk_frontend.py [VERSION]   (needs npm; default 6.3.0, the version
govuk-frontend-jinja 4.1 is built for)
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

TARGET = Path(__file__).resolve().parents[1] / "src" / "aicop" / "consult" / "static"
LICENCE = """\
GOV.UK Frontend {version} (https://github.com/alphagov/govuk-frontend), govuk-frontend.min.css

The MIT License (MIT)

Copyright (c) 2016 Crown Copyright (Government Digital Service)

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction, including
without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the
following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial
portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT
LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO
EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER
IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE
USE OR OTHER DEALINGS IN THE SOFTWARE.

Changed here: the @font-face rules were removed (tools/vendor_govuk_frontend.py says why).
"""


def main() -> None:
    version = sys.argv[1] if len(sys.argv) > 1 else "6.3.0"
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"govuk-frontend@{version}", "--silent"], cwd=tmp, check=True)
        with tarfile.open(Path(tmp) / f"govuk-frontend-{version}.tgz") as archive:
            member = archive.extractfile("package/dist/govuk/govuk-frontend.min.css")
            assert member is not None
            css = member.read().decode("utf-8")
    css = re.sub(r"@font-face\{[^}]*\}", "", css)
    css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)
    TARGET.mkdir(parents=True, exist_ok=True)
    (TARGET / "govuk-frontend.min.css").write_text(css, encoding="utf-8")
    (TARGET / "LICENCE-govuk-frontend.txt").write_text(LICENCE.format(version=version), encoding="utf-8")
    print(f"wrote {TARGET / 'govuk-frontend.min.css'} ({len(css):,} bytes)")


if __name__ == "__main__":
    main()
