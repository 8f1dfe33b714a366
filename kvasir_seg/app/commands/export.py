"""``kvasir-seg export``: Parquet shards and a dataset card, optionally pushed to the Hub."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys

from kvasir_seg.app.export_folder import CARD_NAME, CROISSANT_NAME, MANIFEST_NAME
from kvasir_seg.app.options import (
    ArchiveOptions,
    add_archive_arguments,
    add_config_argument,
    add_flag,
    add_json_argument,
    archive_of,
    require,
    single_dataset,
)
from kvasir_seg.app.printing import print_json, print_table
from kvasir_seg.catalog import get_spec

logger = logging.getLogger(__name__)

NAME = "export"
SUMMARY = "write Parquet shards, a dataset card and Croissant (optionally push to the Hub)"
DESCRIPTION = (
    "Build the dataset through the Hugging Face builder and write DIR/data/<config>/"
    "<split>-*.parquet, DIR/README.md (a dataset card whose YAML declares the configs, "
    "splits and features, so that plain datasets.load_dataset(DIR) loads it without this "
    "package, and the Hub's access gate) and DIR/croissant.json (Croissant metadata). "
    f"DIR/{MANIFEST_NAME} lists the files written: --overwrite deletes those and nothing "
    "else. --push-to-hub uploads those files with huggingface_hub (log in first with "
    "`hf auth login` or set HF_TOKEN) to a repository that is private and gated unless "
    "--public / --gated say otherwise: the terms of use allow research and education only."
)
EXAMPLES = [
    "export kvasir_seg --to kvasir-seg-parquet",
    "export kvasir_sessile --to sessile --push-to-hub me/kvasir-sessile",
    "export kvasir_seg --to kvasir-seg-parquet --push-to-hub me/kvasir-seg --gated auto",
]
GATES = {"manual": "manual", "auto": "auto", "off": False}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", type=single_dataset, metavar="NAME", help="the dataset")
    parser.add_argument("--to", required=True, metavar="DIR", help="the folder to write")
    add_config_argument(parser, "default: every config")
    add_archive_arguments(parser)
    parser.add_argument(
        "--cache-dir", metavar="PATH", help="the Hugging Face cache to build in (default: its own)"
    )
    add_flag(
        parser,
        "--overwrite",
        f"replace an earlier export in DIR (only the files its {MANIFEST_NAME} lists)",
    )
    parser.add_argument(
        "--push-to-hub",
        metavar="REPO",
        help="then upload the export to this Hub dataset repository",
    )
    visibility = parser.add_mutually_exclusive_group()
    add_flag(
        visibility,
        "--private",
        "with --push-to-hub: a private repository, refused if it exists and is public (default)",
    )
    add_flag(visibility, "--public", "with --push-to-hub: do not make the repository private")
    parser.add_argument(
        "--gated",
        choices=list(GATES),
        default=None,
        help=(
            "with --push-to-hub: who gets access after accepting the terms: manual (you approve "
            "each request, default), auto (anyone who accepts), off (no gate)"
        ),
    )
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    from kvasir_seg.app.export import export_dataset, push_to_hub
    from kvasir_seg.errors import KvasirSegError

    require("datasets", "hf", "export")
    for given, flag in (
        (args.private, "--private"),
        (args.public, "--public"),
        (args.gated, "--gated"),
    ):
        if given and not args.push_to_hub:
            raise KvasirSegError(f"{flag} only applies with --push-to-hub REPO.")
    spec = get_spec(args.name)
    if not args.progress:
        import datasets

        datasets.disable_progress_bars()
    archive = archive_of(spec, ArchiveOptions.from_args(args))
    with contextlib.redirect_stdout(sys.stderr):  # stdout holds the report only
        result = export_dataset(
            spec.name,
            args.to,
            configs=[args.config] if args.config else None,
            data_dir=archive,
            cache_dir=args.cache_dir,
            verify=args.verify,
            overwrite=args.overwrite,
        )
    url = None
    if args.push_to_hub:
        gated = GATES[args.gated or "manual"]
        opened = [word for word, on in (("public", args.public), ("ungated", gated is False)) if on]
        if opened:
            logger.warning(
                "%s will be %s; the terms of use allow research and education only.",
                args.push_to_hub,
                " and ".join(opened),
            )
        url = push_to_hub(result.directory, args.push_to_hub, private=not args.public, gated=gated)
    if args.json:
        print_json(
            {
                "name": spec.name,
                "directory": str(result.directory),
                "files": result.files,
                "examples": result.examples,
                "hub_url": url,
            }
        )
        return 0
    rows = [
        [config, split, str(result.examples[config][split]), ", ".join(paths)]
        for config, splits in result.files.items()
        for split, paths in splits.items()
    ]
    print_table(rows, ["config", "split", "examples", "files"])
    print(f"dataset card: {result.directory / CARD_NAME}")
    print(f"croissant:    {result.directory / CROISSANT_NAME}")
    print(f"load it with: datasets.load_dataset({str(result.directory)!r})")
    if url:
        print(f"uploaded to: {url}")
    return 0
