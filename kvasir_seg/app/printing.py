"""What the commands print: JSON documents, aligned tables, sizes, counted nouns.

>>> human_size(46227172)
'44.1 MiB (46,227,172 bytes)'
>>> plural(1, "example"), plural(12, "example")
('1 example', '12 examples')
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


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """``count`` and ``noun``, the noun in the plural unless there is exactly one.

    Args:
        count: How many.
        noun: The noun (or phrase) in the singular.
        plural_form: Its plural when it is not ``noun + "s"``.

    Returns:
        E.g. ``"1 set"``, ``"3 sets"``, ``"0 sets"``.

    Example:
        >>> plural(2, "file or folder", "files or folders")
        '2 files or folders'
    """
    return f"{count} {noun if count == 1 else plural_form or noun + 's'}"


def print_table(rows: list[list[str]], header: list[str]) -> None:
    """Print ``rows`` as left-aligned columns under ``header``."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = (str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())
