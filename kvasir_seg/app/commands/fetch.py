"""``kvasir-seg download``: fetch the official archives, verified, resumable."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kvasir_seg.app.commands.common import (
    DATA_VARIABLE,
    DEFAULT_DATA_DIR,
    add_dataset_arguments,
    add_flag,
    add_json_argument,
    default_data_dir,
    human_size,
    print_json,
    print_table,
    specs_from_names,
)
from kvasir_seg.catalog import DatasetSpec
from kvasir_seg.download import MIRROR_VARIABLE, archive_url, download_archive, sha256_of
from kvasir_seg.errors import KvasirSegError

NAME = "download"
SUMMARY = "fetch the official archives (verified, resumable)"
DESCRIPTION = (
    "Download the official zips with a progress bar. Each is written to "
    "<name>.zip.part and renamed only once complete and verified against its "
    "published SHA-256; an interrupted download resumes where it stopped. A file "
    "already in place is verified and kept. On failure the message says which URL "
    "to open in a browser and where to save the file. "
    f"${MIRROR_VARIABLE} replaces the official server by a mirror."
)
EXAMPLES = ["download all", "download kvasir_seg --to ~/data/kvasir"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dataset_arguments(parser)
    parser.add_argument(
        "--to",
        metavar="DIR",
        help=f"folder for the zips (default: ${DATA_VARIABLE} or {DEFAULT_DATA_DIR})",
    )
    parser.add_argument(
        "--no-verify",
        dest="verify",
        action="store_false",
        help="keep a file whose SHA-256 does not match the published one (only warn)",
    )
    add_flag(parser, "--force", "download again even when a verified file is in place")
    add_json_argument(parser)


def fetch(
    spec: DatasetSpec, directory: Path, *, verify: bool, progress: bool, force: bool = False
) -> dict[str, Any]:
    """Download ``spec``'s archive into ``directory``; what happened, as plain data."""
    present = not force and (directory / spec.filename).is_file()
    path = download_archive(spec, directory, verify=verify, progress=progress, force=force)
    digest = sha256_of(path)
    return {
        "name": spec.name,
        "path": str(path),
        "url": archive_url(spec),
        "status": "present" if present else "downloaded",
        "size_bytes": path.stat().st_size,
        "sha256": digest,
        "published_sha256": spec.sha256,
        "verified": spec.sha256 is not None and digest == spec.sha256,
    }


def run(args: argparse.Namespace) -> int:
    directory = Path(args.to).expanduser() if args.to else default_data_dir()
    results: list[dict[str, Any]] = []
    failures = 0
    for spec in specs_from_names(args.names):
        try:
            results.append(
                fetch(spec, directory, verify=args.verify, progress=args.progress, force=args.force)
            )
        except KvasirSegError as error:
            failures += 1
            print(f"kvasir-seg: error: {spec.name}: {error}", file=sys.stderr)
            results.append({"name": spec.name, "status": "failed", "error": str(error)})
    if args.json:
        print_json(results)
    else:
        _print_results(results)
    return 1 if failures else 0


def _print_results(results: list[dict[str, Any]]) -> None:
    rows = []
    for result in results:
        if result["status"] == "failed":
            rows.append([result["name"], "FAILED", "", "see the error message"])
            continue
        if result["verified"]:
            check = "sha256 verified"
        elif result["published_sha256"]:
            check = f"sha256 {result['sha256']} DOES NOT MATCH the published one (--no-verify)"
        else:
            check = f"sha256 {result['sha256']} (no published checksum to compare)"
        rows.append([result["name"], result["status"], human_size(result["size_bytes"]), check])
        rows.append(["", "", "", result["path"]])
    print_table(rows, ["dataset", "status", "size", "checksum / path"])
