"""``kvasir-seg download``: fetch the official archives, verified, resumable."""

from __future__ import annotations

import argparse
import contextlib
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
from kvasir_seg.errors import ChecksumError, KvasirSegError
from kvasir_seg.store import default_store

NAME = "download"
SUMMARY = "fetch the official archives (verified, resumable), unless the store holds them"
DESCRIPTION = (
    "Download the official zips into the archive store, with a progress bar, unless the "
    "store already holds a copy that matches the checksum or that you accepted (a zip "
    "read through --data-dir / data_dir counts): then say where it is, offline. Each is "
    "written to <name>.zip.part under a lock and renamed only once complete (every "
    "byte received, a zip with the expected members) and verified against its "
    "published SHA-256, or, where none is published, the one recorded the first time "
    "(trust on first use); an interrupted download resumes where it stopped. A file "
    "already in place is checked the same way: kept when good, downloaded again when "
    "broken. On failure the message says which URL to open in a browser and where to "
    "save the file. HTTPS is verified, completing an incomplete certificate chain as "
    "browsers do. "
    "$KVASIR_SEG_MIRROR replaces the official server by a mirror."
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
    directory: Path | None,
    *,
    verify: bool,
    progress: bool,
    force: bool = False,
    ca_bundle: str | None = None,
) -> dict[str, Any]:
    """Download ``spec``'s archive into ``directory`` (None: the archive store, unless it
    holds a copy that matches the checksum or was accepted); what happened, as plain data.

    ``status`` is ``present`` for a copy that was already there (in ``directory``, or held
    by the store) and is complete and verified or accepted; a broken file in its place is
    downloaded again (``downloaded``).
    """
    from kvasir_seg.download import archive_url, fetch_archive
    from kvasir_seg.resolve import find_copy, resolve_path

    held = None
    if directory is None and not force:
        with contextlib.suppress(ChecksumError):  # a failing copy held: download the archive
            held = find_copy(spec, verify=verify)
    if held is not None and held.trust in ("verified", "accepted"):
        copy, status = held, "present"
    else:
        path, downloaded = fetch_archive(
            spec, directory, verify=verify, progress=progress, force=force, ca_bundle=ca_bundle
        )
        copy = resolve_path(spec, path, verify=verify)
        status = "downloaded" if downloaded else "present"
    pin = default_store().pin(spec)
    return {
        "name": spec.name,
        "path": str(copy.path),
        "url": archive_url(spec),
        "status": status,
        "size_bytes": copy.size_bytes,
        "sha256": copy.identity,
        "published_sha256": spec.sha256,
        "pin": pin.source if pin else None,
        "pinned_at": pin.recorded_at if pin else None,
        "verified": copy.matches_pin,
        "trust": copy.check,
    }


def run(args: argparse.Namespace) -> int:
    directory = Path(args.to).expanduser() if args.to else None
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
            check = f"sha256 {result['sha256']} DOES NOT MATCH the known one: {result['trust']}"
        rows.append([result["name"], result["status"], human_size(result["size_bytes"]), check])
        rows.append(["", "", "", result["path"]])
    print_table(rows, ["dataset", "status", "size", "checksum / path"])
