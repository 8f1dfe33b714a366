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
    """Split a citation into its BibTeX entries.

    Args:
        citation: one or more BibTeX entries, separated by blank lines (as the catalog's
            ``DatasetSpec.citation``).

    Returns:
        The entries, each stripped, in order.

    Example:
        >>> from kvasir_seg.catalog import get_spec
        >>> [entry[:22] for entry in bibtex_entries(get_spec("kvasir_sessile").citation)]
        ['@article{jha2021compre', '@inproceedings{jha2020']
    """
    return [entry.strip() for entry in re.split(r"\n\s*\n", citation.strip()) if entry.strip()]


def entry_key(entry: str) -> str:
    """The citation key of a BibTeX entry.

    Args:
        entry: one BibTeX entry.

    Returns:
        Its key, or the whole entry when it has none.

    Example:
        >>> from kvasir_seg.catalog import BIBTEX_KVASIR_SEG
        >>> entry_key(BIBTEX_KVASIR_SEG)
        'jha2020kvasir'
    """
    match = _KEY.match(entry.strip())
    return match.group(1) if match else entry


def unique_entries(citations: Iterable[str]) -> list[str]:
    """The entries of several citations, each once.

    Args:
        citations: citations as :func:`bibtex_entries` reads them.

    Returns:
        Their entries in order of appearance; an entry whose key came before is left out.

    Example:
        >>> from kvasir_seg.catalog import get_spec
        >>> citations = [get_spec(name).citation for name in ("kvasir_seg", "kvasir_sessile")]
        >>> [entry_key(entry) for entry in unique_entries(citations)]
        ['jha2020kvasir', 'jha2021comprehensive']
    """
    seen: dict[str, str] = {}
    for citation in citations:
        for entry in bibtex_entries(citation):
            seen.setdefault(entry_key(entry), entry)
    return list(seen.values())


def short_reference(entry: str) -> str:
    """A short reference to a BibTeX entry: its first author's surname and its year.

    Args:
        entry: one BibTeX entry.

    Returns:
        ``"<surname> et al. <year>"`` (no ``et al.`` for one author); the entry's key stands
        for the surname when it names no author.

    Example:
        >>> from kvasir_seg.catalog import BIBTEX_KVASIR_SEG
        >>> short_reference(BIBTEX_KVASIR_SEG)
        'Jha et al. 2020'
    """
    fields = {m.group(1).lower(): m.group(2) for m in map(_FIELD.match, entry.splitlines()) if m}
    authors = fields.get("author", "").split(" and ")
    surname = authors[0].split(",")[0].strip() or entry_key(entry)
    return f"{surname}{' et al.' if len(authors) > 1 else ''} {fields.get('year', '')}".strip()
