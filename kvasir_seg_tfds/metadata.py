"""The text of each dataset folder's metadata files, generated from the catalog.

TFDS reads ``README.md`` (the description), ``CITATIONS.bib`` and ``TAGS.txt`` from a
dataset's folder. All three are written from :mod:`kvasir_seg.catalog` by ``python -m
kvasir_seg_tfds.generate``, so the catalog stays the one source; a test checks that the
files on disk are current.

No ``checksums.tsv`` is shipped: TFDS checks it only for what ``dl_manager.download``
fetches, and the builders never call it. The archive comes from ``manual_dir`` or the
archive store, else the core's downloader fetches it into the store (:mod:`kvasir_seg.
download`: one copy shared by Hugging Face, TFDS and the command line, a lock, resume, the
TLS chain the Simula server leaves incomplete, no minutes of retries offline) and checks it
against the catalog's published SHA-256, or the one pinned on first use, as Hugging Face
and the command line do.

Example:
    >>> from kvasir_seg.catalog import get_spec
    >>> sorted(metadata_files(get_spec("kvasir_seg")))
    ['CITATIONS.bib', 'README.md', 'TAGS.txt']
"""

from __future__ import annotations

from kvasir_seg.catalog import DatasetSpec

TAGS = (
    "content.data-type.image",
    "content.subject.health",
    "ml.task.image-segmentation",
    "ml.task.semantic-segmentation",
    "ml.task.object-detection",
)


def description(spec: DatasetSpec) -> str:
    """The dataset's description (Markdown): the catalog's, its configs and terms of use.

    Args:
        spec: A dataset of the catalog.

    Returns:
        The text of the folder's ``README.md``.

    Example:
        >>> from kvasir_seg.catalog import get_spec
        >>> text = description(get_spec("kvasir_seg"))
        >>> text.startswith("Kvasir-SEG: 1000 colonoscopy images"), "- `pranet`: " in text
        (True, True)
    """
    configs = "\n".join(f"- `{c.name}`: {c.description}" for c in spec.configs)
    return (
        f"{spec.description}\n\n"
        f"Configs:\n\n{configs}\n\n"
        f"Terms of use: {spec.terms_of_use}\n\n"
        f"Homepage: {spec.homepage}\n"
    )


def manual_download_instructions(spec: DatasetSpec) -> str:
    """How to build from a file downloaded by hand (TFDS shows it, and so do our errors).

    Args:
        spec: A dataset of the catalog.

    Returns:
        The builder's ``MANUAL_DOWNLOAD_INSTRUCTIONS``.

    Example:
        >>> from kvasir_seg.catalog import get_spec
        >>> "`kvasir-sessile.zip`" in manual_download_instructions(get_spec("kvasir_sessile"))
        True
    """
    folder = f"`{spec.root_folder}/`" if spec.root_folder else "the folder it extracts to"
    return (
        f"Optional: the archive is downloaded from {spec.url} otherwise. To use a copy "
        f"downloaded by hand (e.g. when Python's certificate check fails on that server), put "
        f"`{spec.filename}` or {folder} in a folder and pass it as "
        "`tfds.download.DownloadConfig(manual_dir=...)`. A zip is checked against the "
        "published SHA-256 when one is known; an extracted folder is read as it is."
    )


def metadata_files(spec: DatasetSpec) -> dict[str, str]:
    """The content of each metadata file of ``spec``'s folder, by file name.

    Args:
        spec: A dataset of the catalog.

    Returns:
        ``{"README.md": ..., "CITATIONS.bib": ..., "TAGS.txt": ...}``.

    Example:
        >>> from kvasir_seg.catalog import get_spec
        >>> metadata_files(get_spec("kvasir_seg"))["TAGS.txt"].splitlines()[0]
        'content.data-type.image'
    """
    return {
        "README.md": description(spec),
        "CITATIONS.bib": spec.citation + "\n",
        "TAGS.txt": "".join(f"{tag}\n" for tag in TAGS),
    }
