"""``--jobs N``: worker processes measure the images; the scores are those of ``--jobs 1``."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from kvasir_seg.scores import parallel


@pytest.fixture(autouse=True)
def every_image_worth_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers even for the few images of the test sets (unless a test says otherwise)."""
    monkeypatch.setattr(parallel, "MIN_IMAGES_PER_WORKER", 1)


@pytest.mark.parametrize("protocol", ["default", "pranet"])
def test_two_jobs_give_the_scores_of_one(
    test_dataset, tmp_path: Path, kvasir_seg_cli, protocol: str
) -> None:
    predictions = test_dataset.write_predictions(tmp_path / "results")
    args = ["evaluate --references", test_dataset.root, "--predictions", predictions]
    args += ["--resize bilinear --json -q --protocol", protocol]
    one = kvasir_seg_cli(*args, "--jobs 1").json()
    two = kvasir_seg_cli(*args, "--jobs 2").json()
    assert two == one


def test_a_bad_file_is_the_same_one_line_error_with_two_jobs(
    test_dataset, tmp_path: Path, kvasir_seg_cli
) -> None:
    predictions = test_dataset.write_predictions(tmp_path / "results", size=None)
    bad = sorted((predictions / "Kvasir").iterdir())[3]
    bad.write_bytes(b"not a png at all")
    args = ["evaluate --references", test_dataset.root, "--predictions", predictions, "-q"]
    lines = []
    for jobs in (1, 2):
        failed = kvasir_seg_cli(*args, "--jobs", jobs, ok=False)
        lines.append(failed.assert_user_error(bad.name))
    assert lines[0] == lines[1]


def test_one_job_starts_no_pool(
    test_dataset, tmp_path: Path, kvasir_seg_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", no_pool)
    predictions = test_dataset.write_predictions(tmp_path / "results", size=None)
    kvasir_seg_cli(
        "evaluate --references", test_dataset.root, "--predictions", predictions, "--jobs 1 -q"
    )


@pytest.mark.parametrize("command", ["evaluate", "compare A B", "report --out r.html", "show"])
@pytest.mark.parametrize("jobs", ["0", "-2", "many"])
def test_jobs_must_be_a_positive_number(kvasir_seg_cli, command: str, jobs: str) -> None:
    failed = kvasir_seg_cli(command, "--references R --jobs", jobs, ok=False)
    assert failed.returncode == 2
    assert "--jobs" in failed.stderr and "positive number of worker processes" in failed.stderr


def test_a_wrong_size_is_listed_with_two_jobs(test_dataset, tmp_path: Path, kvasir_seg_cli) -> None:
    predictions = test_dataset.write_predictions(tmp_path / "results", size=None)
    odd = sorted((predictions / "ETIS").iterdir())[0]
    Image.new("L", (10, 10)).save(odd)
    args = ["evaluate --references", test_dataset.root, "--predictions", predictions, "-q"]
    failed = kvasir_seg_cli(*args, "--jobs 2", ok=False)
    failed.assert_user_error("1 of the wrong size")
    assert f"ETIS/{odd.stem}: 10x10" in failed.stderr


def test_ctrl_c_with_two_jobs_prints_one_line_and_stops_the_workers(
    test_dataset, tmp_path: Path, kvasir_seg_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import multiprocessing

    from kvasir_seg.app import scoring

    def interrupted(pairs, total, enabled):
        for index, pair in enumerate(pairs):
            if index == 2:
                raise KeyboardInterrupt
            yield pair

    monkeypatch.setattr(scoring, "_progress", interrupted)
    predictions = test_dataset.write_predictions(tmp_path / "results", size=None)
    args = ["evaluate --references", test_dataset.root, "--predictions", predictions]
    failed = kvasir_seg_cli(*args, "--jobs 2 -q", ok=False)
    assert failed.returncode == 130
    assert failed.stderr.strip() == "kvasir-seg: interrupted"
    assert multiprocessing.active_children() == []


def test_two_jobs_on_too_few_images_start_no_pool(
    test_dataset, tmp_path: Path, kvasir_seg_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", no_pool)
    monkeypatch.setattr(parallel, "MIN_IMAGES_PER_WORKER", 1000)
    predictions = test_dataset.write_predictions(tmp_path / "results", size=None)
    kvasir_seg_cli(
        "evaluate --references", test_dataset.root, "--predictions", predictions, "--jobs 2 -q"
    )


def test_the_workers_are_forked_while_the_command_runs_no_other_thread(
    test_dataset, tmp_path: Path, python_beside_cli
) -> None:
    """A fresh command with its progress bars on (tqdm's monitor thread off): the workers
    are forked, the cheapest start, where that is safe (Linux)."""
    import sys

    predictions = test_dataset.write_predictions(tmp_path / "results", size=None)
    argv = ["evaluate", "--references", str(test_dataset.root)]
    argv += ["--predictions", str(predictions), "--jobs", "2"]
    code = f"""
import threading
from kvasir_seg.app.cli import main
from kvasir_seg.scores import parallel
parallel.MIN_IMAGES_PER_WORKER = 1
real, seen = parallel.worker_context, []
def context():
    seen.append((threading.active_count(), real().get_start_method()))
    return real()
parallel.worker_context = context
assert main({argv!r}) == 0
print(seen)
"""
    printed = python_beside_cli(code).stdout.strip().splitlines()[-1]
    assert printed == str([(1, "fork" if sys.platform.startswith("linux") else "forkserver")])


@pytest.mark.parametrize("processes", ["0", "-1", "two"])
def test_prepare_num_proc_must_be_a_positive_number(
    kvasir_seg_cli, processes: str, tmp_path: Path
) -> None:
    failed = kvasir_seg_cli(
        "prepare kvasir_seg --backend hf --cache-dir", tmp_path, "--num-proc", processes, ok=False
    )
    assert failed.returncode == 2
    assert "--num-proc" in failed.stderr
    assert "positive number of worker processes" in failed.stderr
