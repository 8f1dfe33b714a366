"""What the commands print: JSON documents, aligned tables, sizes.

>>> human_size(46227172)
'44.1 MiB (46,227,172 bytes)'
"""

from __future__ import annotations

import json
import sys
from typing import Any


def print_json(document: Any) -> None:
    """Print ``document`` as indented JSON on stdout."""
    json.dump(document, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")


def human_size(size: int | None) -> str:
    """``46227172`` -> ``'44.1 MiB (46,227,172 bytes)'``; None -> ``'size not published'``."""
    if size is None:
        return "size not published"
    value, unit = float(size), "bytes"
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            break
        value /= 1024
    if unit == "bytes":
        return f"{size:,} bytes"
    return f"{value:.1f} {unit} ({size:,} bytes)"


def print_table(rows: list[list[str]], header: list[str]) -> None:
    """Print ``rows`` as left-aligned columns under ``header``."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = (str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())
