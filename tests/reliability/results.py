"""Where the reliability tests leave what they saw, for ``report`` to render into RELIABILITY.md.

One JSON file per finding under ``tests/reliability/.results/`` (git-ignored): a run of part of
the suite replaces only its own files, so the report always shows the latest run of each part.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / ".results"

#: Set once a test of this session wrote a result: the session hook then re-renders the report.
written_this_session = False


def record(section: str, name: str, data: dict[str, Any]) -> None:
    global written_this_session
    RESULTS_DIR.mkdir(exist_ok=True)
    payload = {"section": section, "name": name, "recorded": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               **data}
    (RESULTS_DIR / f"{section}--{name}.json").write_text(json.dumps(payload, indent=2, sort_keys=True))
    written_this_session = True


def load(section: str) -> list[dict[str, Any]]:
    if not RESULTS_DIR.is_dir():
        return []
    return [json.loads(path.read_text()) for path in sorted(RESULTS_DIR.glob(f"{section}--*.json"))]
