"""The SARIF 2.1.0 envelope every aicop tool writes its results into."""

from __future__ import annotations

from aicop import __version__

TYPE_CHECKING = False  # typing is not imported at run time: 'aicop scan FILE' start-up is measured
if TYPE_CHECKING:
    from typing import Any

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def sarif_log(
    tool: str,
    rules: list[dict[str, Any]],
    results: list[dict[str, Any]],
    properties: dict[str, Any] | None = None,
) -> dict[str, Any]:
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": tool,
                "version": __version__,
                "informationUri": "https://aicop.dev",
                "rules": rules,
            }
        },
        "results": results,
    }
    if properties:
        run["properties"] = properties
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
