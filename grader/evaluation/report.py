"""An evaluation's or benchmark's figures as JSON: printed, and saved where asked (the commands'
``--json-out``, the files under docs/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def save(report: dict[str, Any], path: Path) -> None:
    """Write ``report`` to ``path`` as indented JSON, ending with a newline."""
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def emit(report: dict[str, Any], json_out: Path | None) -> None:
    """Print ``report`` as indented JSON, and save it to ``json_out`` when given."""
    print(json.dumps(report, indent=2))
    if json_out is not None:
        save(report, json_out)
