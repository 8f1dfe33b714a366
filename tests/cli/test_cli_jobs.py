"""``--jobs N``: worker processes measure the images; the scores are those of ``--jobs 1``."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from kvasir_seg.scores import parallel


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


def test_the_fork_server_starts_before_anything_is_read_with_two_jobs_only(
    test_dataset, tmp_path: Path, kvasir_seg_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kvasir_seg import workers
    from kvasir_seg.app import ground_truth

    started = []
    monkeypatch.setattr(workers, "start_server", started.append)
    predictions = test_dataset.write_predictions(tmp_path / "results", size=None)
    args = ["evaluate --references", test_dataset.root, "--predictions", predictions, "-q"]
    kvasir_seg_cli(*args, "--jobs 1")
    assert started == []
    kvasir_seg_cli(*args, "--jobs 2")
    assert started == [ground_truth.WORKER_MODULES]


def test_the_modules_the_fork_server_imports_exist() -> None:
    import importlib

    from kvasir_seg.app import ground_truth

    for name in ground_truth.WORKER_MODULES:
        importlib.import_module(name)  # the server skips a module it cannot import


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
