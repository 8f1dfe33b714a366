"""``kvasir-seg download``: fetch the official archives, verified, resumable."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kvasir_seg.app.options import (
    add_dataset_arguments,
    add_flag,
    add_json_argument,
    add_verify_arguments,
    specs_from_names,
    store_description,
)
from kvasir_seg.app.printing import human_size, print_json, print_table
from kvasir_seg.catalog import DatasetSpec
from kvasir_seg.errors import KvasirSegError
from kvasir_seg.store import MIRROR_VARIABLE, default_store, store_root

NAME = "download"
SUMMARY = "fetch the official archives (verified, resumable)"
DESCRIPTION = (
    "Download the official zips into the archive store, with a progress bar. Each is "
    "written to <name>.zip.part under a lock and renamed only once complete (every "
    "byte received, a zip with the expected members) and verified against its "
    "published SHA-256, or, where none is published, the one recorded the first time "
    "(trust on first use); an interrupted download resumes where it stopped. A file "
    "already in place is checked the same way: kept when good, downloaded again when "
    "broken. On failure the message says which URL to open in a browser and where to "
    "save the file. HTTPS is verified, completing an incomplete certificate chain as "
    "browsers do. "
    f"${MIRROR_VARIABLE} replaces the official server by a mirror."
)
EXAMPLES = ["download all", "download kvasir_seg --to ~/data/kvasir"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dataset_arguments(parser)
    parser.add_argument(
        "--to",
        metavar="DIR",
        help=f"folder for the zips (default: {store_description()})",
    )
    add_verify_arguments(parser)
    add_flag(parser, "--force", "download again even when a verified file is in place")
    add_flag(
        parser,
        "--forget-pin",
        "forget the checksum recorded on first use (archives without a published one), "
        "to trust a new copy",
    )
    add_json_argument(parser)


def fetch(
    spec: DatasetSpec,
    directory: Path,
    *,
    verify: bool,
    progress: bool,
    force: bool = False,
    ca_bundle: str | None = None,
) -> dict[str, Any]:
    """Download ``spec``'s archive into ``directory``; what happened, as plain data.

    ``status`` is ``present`` only for a file that was already there and is complete and
    verified; a broken file in its place is downloaded again (``downloaded``).
    """
    from kvasir_seg.download import archive_url, fetch_archive
    from kvasir_seg.trust import check_archive

    path, downloaded = fetch_archive(
        spec, directory, verify=verify, progress=progress, force=force, ca_bundle=ca_bundle
    )
    digest = check_archive(spec, path, verify=verify).identity  # recorded in the store
    pin = default_store().pin(spec)
    return {
        "name": spec.name,
        "path": str(path),
        "url": archive_url(spec),
        "status": "downloaded" if downloaded else "present",
        "size_bytes": path.stat().st_size,
        "sha256": digest,
        "published_sha256": spec.sha256,
        "pin": pin.source if pin else None,
        "pinned_at": pin.recorded_at if pin else None,
        "verified": pin is not None and digest == pin.sha256,
    }


def run(args: argparse.Namespace) -> int:
    directory = Path(args.to).expanduser() if args.to else store_root()
    results: list[dict[str, Any]] = []
    failures = 0
    for spec in specs_from_names(args.names):
        if args.forget_pin:
            default_store().forget(spec)
        try:
            results.append(
                fetch(
                    spec,
                    directory,
                    verify=args.verify,
                    progress=args.progress,
                    force=args.force,
                    ca_bundle=args.ca_bundle,
                )
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
        if result["verified"] and result["pin"] == "published":
            check = "sha256 verified (published)"
        elif result["verified"]:
            check = f"sha256 {result['sha256']} matches the pin recorded {result['pinned_at']}"
        else:
            check = f"sha256 {result['sha256']} DOES NOT MATCH the known one (--no-verify)"
        rows.append([result["name"], result["status"], human_size(result["size_bytes"]), check])
        rows.append(["", "", "", result["path"]])
    print_table(rows, ["dataset", "status", "size", "checksum / path"])
