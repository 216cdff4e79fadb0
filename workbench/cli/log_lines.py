"""One form of log line for `workbench serve` and `workbench refresh`: ``prefix <time> event=... key=v``.

A value with anything but letters, digits and ``_ . @ : / + , -`` is quoted with JSON escapes, so a
line always splits into the same fields and a value a client made up cannot forge a line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime

SAFE_VALUE = re.compile(r"[\w.@:/+,-]+", re.ASCII)


def format_log_line(prefix: str, event: str, fields: Mapping[str, object]) -> str:
    """Return ``prefix <UTC time> event=<event> key=value ...``; a missing value is ``-``."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"
    parts = [prefix, stamp, f"event={event}"]
    for key, value in fields.items():
        text = "-" if value is None or value == "" else str(value)
        if not SAFE_VALUE.fullmatch(text):
            text = json.dumps(text)
        parts.append(f"{key}={text}")
    return " ".join(parts)
