"""The BibTeX entries of a dataset's citation, and short references to them.

>>> from kvasir_seg.catalog import get_spec
>>> [short_reference(e) for e in bibtex_entries(get_spec("kvasir_sessile").citation)]
['Jha et al. 2021', 'Jha et al. 2020']
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_KEY = re.compile(r"@\w+\{([^,]+),")
_FIELD = re.compile(r"^\s*(\w+)\s*=\s*\{(.*)\},?\s*$")


def bibtex_entries(citation: str) -> list[str]:
    """The entries of ``citation`` (entries are separated by a blank line)."""
    return [entry.strip() for entry in re.split(r"\n\s*\n", citation.strip()) if entry.strip()]


def entry_key(entry: str) -> str:
    """The citation key of a BibTeX entry (the whole entry when it has none)."""
    match = _KEY.match(entry.strip())
    return match.group(1) if match else entry


def unique_entries(citations: Iterable[str]) -> list[str]:
    """The entries of several citations, each once (by key), in order of appearance."""
    seen: dict[str, str] = {}
    for citation in citations:
        for entry in bibtex_entries(citation):
            seen.setdefault(entry_key(entry), entry)
    return list(seen.values())


def short_reference(entry: str) -> str:
    """``Jha et al. 2020``: the first author's surname and the year of a BibTeX entry."""
    fields = {m.group(1).lower(): m.group(2) for m in map(_FIELD.match, entry.splitlines()) if m}
    authors = fields.get("author", "").split(" and ")
    surname = authors[0].split(",")[0].strip() or entry_key(entry)
    return f"{surname}{' et al.' if len(authors) > 1 else ''} {fields.get('year', '')}".strip()
