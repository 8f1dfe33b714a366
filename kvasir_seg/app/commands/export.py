"""``kvasir-seg export``: Parquet shards and a dataset card, optionally pushed to the Hub."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys

from kvasir_seg.app.commands.common import (
    add_archive_arguments,
    add_config_argument,
    add_flag,
    add_json_argument,
    archive_of,
    print_json,
    print_table,
    require,
    single_dataset,
)
from kvasir_seg.catalog import get_spec

logger = logging.getLogger(__name__)

NAME = "export"
SUMMARY = "write Parquet shards and a dataset card (optionally push to the Hub)"
DESCRIPTION = (
    "Build the dataset through the Hugging Face builder and write DIR/data/<config>/"
    "<split>-*.parquet plus DIR/README.md, a dataset card whose YAML declares the "
    "configs, splits and features, so that plain datasets.load_dataset(DIR) loads it "
    "without this package. --push-to-hub uploads the folder with huggingface_hub "
    "(log in first with `hf auth login` or set HF_TOKEN). The terms of use allow "
    "research and education only: push to a private repository."
)
EXAMPLES = [
    "export kvasir_seg --to kvasir-seg-parquet",
    "export kvasir_sessile --to sessile --push-to-hub me/kvasir-sessile --private",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", type=single_dataset, metavar="NAME", help="the dataset")
    parser.add_argument("--to", required=True, metavar="DIR", help="the folder to write")
    add_config_argument(parser, "default: every config")
    add_archive_arguments(parser)
    parser.add_argument(
        "--cache-dir", metavar="PATH", help="the Hugging Face cache to build in (default: its own)"
    )
    add_flag(parser, "--overwrite", "replace the data/ folder and README.md of a non-empty DIR")
    parser.add_argument(
        "--push-to-hub", metavar="REPO", help="then upload DIR to this Hub dataset repository"
    )
    add_flag(parser, "--private", "with --push-to-hub: a private repository (refused if public)")
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    from kvasir_seg.app.export import export_dataset, push_to_hub
    from kvasir_seg.errors import KvasirSegError

    require("datasets", "hf", "export")
    if args.private and not args.push_to_hub:
        raise KvasirSegError("--private only applies with --push-to-hub REPO.")
    spec = get_spec(args.name)
    if not args.progress:
        import datasets

        datasets.disable_progress_bars()
    archive = archive_of(spec, args)
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
        if not args.private:
            logger.warning(
                "%s will be public unless it exists as a private repository; the terms of use "
                "allow research and education only (--private).",
                args.push_to_hub,
            )
        url = push_to_hub(result.directory, args.push_to_hub, private=args.private)
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
    print(f"dataset card: {result.directory / 'README.md'}")
    print(f"load it with: datasets.load_dataset({str(result.directory)!r})")
    if url:
        print(f"uploaded to: {url}")
    return 0
