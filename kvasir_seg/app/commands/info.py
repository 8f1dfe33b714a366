"""``kvasir-seg info``: the datasets at a glance, and their citations."""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from kvasir_seg.app.options import (
    UsageError,
    add_flag,
    add_json_argument,
    dataset_name,
    specs_from_names,
)
from kvasir_seg.app.printing import human_size, print_json
from kvasir_seg.catalog import DATASETS, DatasetSpec
from kvasir_seg.citations import unique_entries

NAME = "info"
SUMMARY = "the datasets at a glance, and what is on this machine; --bibtex for citations"
DESCRIPTION = (
    "Show each dataset's splits and example counts, its archive (file, size, whether its "
    "SHA-256 is published, recorded on first use (with the date) or unknown), its "
    "homepage and terms of use, and what this machine holds: the copies of the archive "
    "the store knows and what the checksum rule makes of each, which copy a call without "
    "a path reads, and the Hugging Face and TFDS caches built in their default places, "
    "with paths and sizes."
)
EXAMPLES = [
    "info",
    "info kvasir_seg --json",
    "info kvasir_sessile --bibtex > refs.bib",
    "info kvasir_seg --croissant > croissant.json",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "name",
        nargs="?",
        default="all",
        type=dataset_name,
        metavar="NAME",
        help=f"one dataset (default: all {len(DATASETS)}: {', '.join(DATASETS)})",
    )
    add_flag(parser, "--bibtex", "print the BibTeX entries to cite, nothing else")
    add_flag(
        parser,
        "--croissant",
        "print the Croissant JSON-LD of NAME's export (what `export` writes as croissant.json)",
    )
    add_json_argument(parser)


def describe(spec: DatasetSpec) -> dict[str, Any]:
    """What ``info`` reports about ``spec``, as plain data."""
    from kvasir_seg.app.status import dataset_status  # reads the archive (numpy)

    return {
        "name": spec.name,
        "title": spec.title,
        "examples": spec.expected_examples,
        "configs": {
            config.name: {
                split.name: split.expected_count
                if split.expected_count is not None
                else spec.expected_examples
                for split in config.splits
            }
            for config in spec.configs
        },
        "archive": spec.filename,
        "url": spec.url,
        "size_bytes": spec.size_bytes,
        "stated_mib": spec.stated_mib,
        "sha256": spec.sha256,
        "checksum_pinned": spec.sha256 is not None,
        "homepage": spec.homepage,
        "terms_of_use": spec.terms_of_use,
        "description": spec.description,
        "status": dataset_status(spec),
    }


def bibtex_entries(specs: list[DatasetSpec]) -> list[str]:
    """The BibTeX entries of ``specs``, each once (Kvasir-SEG's is shared by two)."""
    return unique_entries(spec.citation for spec in specs)


def run(args: argparse.Namespace) -> int:
    specs = specs_from_names([args.name])
    if args.croissant:
        from kvasir_seg.app.croissant import croissant_metadata

        if args.name == "all" or args.bibtex:
            raise UsageError("--croissant describes one dataset: name it, without --bibtex.")
        print_json(croissant_metadata(specs[0]))
        return 0
    if args.bibtex:
        entries = bibtex_entries(specs)
        if args.json:
            print_json(entries)
        else:
            print("\n\n".join(entries))
        return 0
    described = [describe(spec) for spec in specs]
    if args.json:
        print_json(described if args.name == "all" else described[0])
        return 0
    print("\n\n".join(_text(spec, facts) for spec, facts in zip(specs, described, strict=True)))
    return 0


def _cache_rows(label: str, caches: list[dict[str, Any]]) -> list[tuple[str, str]]:
    if not caches:
        return [(label, "not built")]
    return [
        (
            label if index == 0 else "",
            f"{c['config']} {c['version']}, {human_size(c['size_bytes'])}"
            + ("" if c["current"] else " (not from the copy that would be read now)")
            + f": {c['path']}",
        )
        for index, c in enumerate(caches)
    ]


def _copy_rows(status: dict[str, Any]) -> list[tuple[str, str]]:
    """One row per copy of the archive the store holds, with what the checksum rule makes
    of it, then the copy a call without a path reads."""
    copies = status["copies"]
    rows = [("store" if i == 0 else "", f"{c['path']}: {c['trust']}") for i, c in enumerate(copies)]
    reads = status["reads"]
    if reads is None:
        said = "nothing yet: a call without a path downloads the archive into the store"
    elif reads["path"] is None:
        said = reads["why"]
    else:
        said = f"{reads['path']} ({reads['why']})"
    return [*(rows or [("store", f"no archive yet in {status['store']}")]), ("reads", said)]


def _size(spec: DatasetSpec) -> str:
    """The archive's exact size, else the one its dataset page states."""
    if spec.size_bytes is None and spec.stated_mib is not None:
        return f"{spec.stated_mib} MB as its page states (exact size not published)"
    return human_size(spec.size_bytes)


def _text(spec: DatasetSpec, facts: dict[str, Any]) -> str:
    configs = [
        f"{name}: " + ", ".join(f"{split} {count}" for split, count in splits.items())
        for name, splits in facts["configs"].items()
    ]
    status = facts["status"]
    rows = [
        ("examples", str(spec.expected_examples)),
        ("splits", configs[0]),
        *(("", line) for line in configs[1:]),
        ("archive", f"{spec.filename}, {_size(spec)}"),
        ("checksum", status["checksum"]),
        ("url", spec.url),
        ("homepage", spec.homepage),
        *_copy_rows(status),
        *_cache_rows("HF cache", status["hf_caches"]),
        *_cache_rows("TFDS", status["tfds_caches"]),
    ]
    lines = [f"{spec.title} ({spec.name})"]
    lines += [f"  {label:<10}{value}" for label, value in rows]
    terms = textwrap.wrap(spec.terms_of_use, width=76)
    lines.append(f"  {'terms':<10}{terms[0]}")
    lines += [f"  {'':<10}{line}" for line in terms[1:]]
    return "\n".join(lines)
