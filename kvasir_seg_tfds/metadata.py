"""The text of each dataset folder's metadata files, generated from the catalog.

TFDS reads ``README.md`` (the description), ``CITATIONS.bib`` and ``TAGS.txt`` from a
dataset's folder, and ``checksums.tsv`` to verify downloads. All four are written from
:mod:`kvasir_seg.catalog` by ``python -m kvasir_seg_tfds.generate``, so the catalog
stays the one source; a test checks that the files on disk are current.

    >>> from kvasir_seg.catalog import get_spec
    >>> checksums_tsv(get_spec("kvasir_seg")).split("\\t")[1]
    '46227172'
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
    """The dataset's description (Markdown): the catalog's, its configs and terms of use."""
    configs = "\n".join(f"- `{c.name}`: {c.description}" for c in spec.configs)
    return (
        f"{spec.description}\n\n"
        f"Configs:\n\n{configs}\n\n"
        f"Terms of use: {spec.terms_of_use}\n\n"
        f"Homepage: {spec.homepage}\n"
    )


def manual_download_instructions(spec: DatasetSpec) -> str:
    """How to build from a file downloaded by hand (shown by TFDS and in errors)."""
    folder = f"`{spec.root_folder}/`" if spec.root_folder else "the folder it extracts to"
    return (
        f"Optional: the archive is downloaded from {spec.url} otherwise. To use a copy "
        f"downloaded by hand (e.g. when Python's certificate check fails on that server), put "
        f"`{spec.filename}` or {folder} in a folder and pass it as "
        "`tfds.download.DownloadConfig(manual_dir=...)`. A zip is checked against the "
        "published SHA-256 when one is known; an extracted folder is read as it is."
    )


def checksums_tsv(spec: DatasetSpec) -> str:
    """``checksums.tsv``: the official URL with size, SHA-256 and file name, when known.

    TFDS cannot register a URL without its checksum, so a URL whose checksum is not
    published is listed as a comment: TFDS downloads it unchecked and the builder logs the
    computed SHA-256 (and reads a zip placed in ``manual_dir`` under its file name).
    """
    if spec.sha256 is None or spec.size_bytes is None:
        return (
            f"# {spec.url}\t{spec.filename}: size and SHA-256 are not published, so the URL is "
            "not registered. The builder logs the SHA-256 it computes; please report it.\n"
        )
    return f"{spec.url}\t{spec.size_bytes}\t{spec.sha256}\t{spec.filename}\n"


def metadata_files(spec: DatasetSpec) -> dict[str, str]:
    """The content of each metadata file of ``spec``'s folder, by file name."""
    return {
        "README.md": description(spec),
        "CITATIONS.bib": spec.citation + "\n",
        "TAGS.txt": "".join(f"{tag}\n" for tag in TAGS),
        "checksums.tsv": checksums_tsv(spec),
    }
