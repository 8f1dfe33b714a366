"""The `evaluate` metric module: loading, compute, add_batch, combine, distributed use."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import evaluate
import numpy as np
import pytest
from evaluate.loading import get_imports

import kvasir_seg
from kvasir_seg import MetricInputError
from kvasir_seg.scores import compute_scores, evaluate_module_path

MODULE_DIR = Path(__file__).resolve().parents[1] / "kvasir_seg" / "evaluate_module"
SCRIPT = str(MODULE_DIR / "kvasir_seg.py")


def masks(seed: int, count: int = 6) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Float probability maps and 0/255 references of differing sizes."""
    rng = np.random.default_rng(seed)
    predictions, references = [], []
    for _ in range(count):
        shape = tuple(rng.integers(5, 40, size=2))
        references.append(((rng.random(shape) < 0.3) * 255).astype(np.uint8))
        predictions.append(rng.random(shape))
    return predictions, references


@pytest.fixture
def cache(tmp_path: Path) -> str:
    return str(tmp_path / "evaluate-cache")


def test_evaluate_module_path_points_at_the_one_loadable_script(cache: str) -> None:
    """One file, in a checkout, an editable install and a wheel (tests/smoke_installed.py
    checks the wheel's)."""
    path = Path(evaluate_module_path())
    installed = Path(kvasir_seg.__file__).resolve().parent / "evaluate_module"
    assert path == installed / "kvasir_seg.py"  # the package's own copy, wherever installed
    assert (installed / "README.md").is_file()  # the metric card, beside its script
    assert path.read_bytes() == (MODULE_DIR / "kvasir_seg.py").read_bytes()
    metric = evaluate.load(str(path), "pranet", cache_dir=cache)
    assert metric.name == "kvasir_seg"
    predictions, references = masks(1)
    result = metric.compute(predictions=predictions, references=references)
    assert result == compute_scores(predictions, references, protocol="pranet")


def test_the_citation_is_the_cards_and_cites_the_pranet_measures(cache: str) -> None:
    """``MetricInfo.citation`` is the card's BibTeX block, word for word: the dataset
    papers, PraNet, and the papers of the S-measure, E-measure and weighted F-measure."""
    card = (MODULE_DIR / "README.md").read_text(encoding="utf-8")
    block = card.split("## Citation\n\n```bibtex\n", 1)[1].split("```", 1)[0]
    citation = evaluate.load(SCRIPT, cache_dir=cache).citation
    assert citation == block
    keys = [line.split("{", 1)[1].rstrip(",") for line in block.splitlines() if "@" in line]
    assert keys == [
        "jha2020kvasir",
        "jha2021nanonet",
        "fan2020pranet",
        "fan2017structure",
        "fan2018enhanced",
        "margolin2014evaluate",
    ]


def test_script_imports_only_what_evaluate_can_check() -> None:
    imports = get_imports(SCRIPT)
    libraries = {name for kind, name, *_ in imports if kind == "library"}
    assert libraries <= {"__future__", "typing", "datasets", "evaluate", "kvasir_seg"}
    assert all(kind == "library" for kind, *_ in imports)


def test_add_batch_and_add_store_statistics_not_masks(cache: str) -> None:
    metric = evaluate.load(SCRIPT, cache_dir=cache)
    predictions, references = masks(3)
    metric.add_batch(predictions=predictions[:3], references=references[:3])
    metric.add(prediction=predictions[3], reference=references[3])
    metric.add_batch(predictions=predictions[4:], references=references[4:])
    assert len(metric) == 6
    ids = [f"img{n}" for n in range(6)]
    times = [0.01, 0.02, 0.03, 0.04, 0.05, 0.06]
    result = metric.compute(image_ids=ids, inference_times=times, per_image=True)
    expected = compute_scores(
        predictions, references, image_ids=ids, inference_times=times, per_image=True
    )
    assert result == expected
    assert list(result["per_image"]) == ids
    features = metric.features
    assert features["predictions"].feature.dtype == "float64"  # per-image counts


def test_threshold_is_a_load_or_compute_setting(cache: str) -> None:
    predictions, references = masks(4)
    expected = compute_scores(predictions, references, threshold=0.7)
    at_load = evaluate.load(SCRIPT, threshold=0.7, cache_dir=cache)
    assert at_load.compute(predictions=predictions, references=references) == expected
    metric = evaluate.load(SCRIPT, cache_dir=cache)
    at_compute = metric.compute(predictions=predictions, references=references, threshold=0.7)
    assert at_compute == expected
    # The setting applied to that call only.
    again = metric.compute(predictions=predictions, references=references)
    assert again == compute_scores(predictions, references)
    pranet = metric.compute(predictions=predictions, references=references, protocol="pranet")
    assert pranet == compute_scores(predictions, references, protocol="pranet")


def test_changing_a_setting_after_masks_were_added_is_an_error(cache: str) -> None:
    metric = evaluate.load(SCRIPT, cache_dir=cache)
    predictions, references = masks(5, count=2)
    metric.add_batch(predictions=predictions, references=references)
    with pytest.raises(MetricInputError, match="evaluate.load"):
        metric.compute(threshold=0.3)
    # Repeating the setting in force is fine.
    assert metric.compute(threshold=0.5)["num_images"] == 2


def test_input_errors_come_from_the_engine(cache: str) -> None:
    metric = evaluate.load(SCRIPT, cache_dir=cache)
    predictions, references = masks(6, count=2)
    with pytest.raises(MetricInputError, match="not a binary mask"):
        metric.add_batch(predictions=predictions, references=[r // 2 for r in references])
    with pytest.raises(MetricInputError, match="2 predictions and 1 references"):
        metric.add_batch(predictions=predictions, references=references[:1])
    with pytest.raises(MetricInputError, match="Give both a prediction and a reference"):
        metric.add(reference=references[0])
    with pytest.raises(MetricInputError, match="Empty batch"):
        metric.add_batch(predictions=[], references=[])
    with pytest.raises(MetricInputError, match="does not match"):
        metric.add(prediction=predictions[0], reference=references[1])
    with pytest.raises(MetricInputError, match="image_ids"):
        metric.compute(predictions=predictions, references=references, image_ids=["a"])
    with pytest.raises(MetricInputError, match="Unknown config"):
        evaluate.load(SCRIPT, "nanonet", cache_dir=cache)


def test_combine_two_protocols(cache: str) -> None:
    default = evaluate.load(SCRIPT, cache_dir=cache)
    pranet = evaluate.load(SCRIPT, "pranet", cache_dir=cache)
    combined = evaluate.combine({"nanonet": default, "pranet": pranet})
    predictions, references = masks(7)
    combined.add_batch(predictions=predictions[:3], references=references[:3])
    combined.add_batch(predictions=predictions[3:], references=references[3:])
    result = combined.compute()
    assert result["dice"] == compute_scores(predictions, references)["dice"]
    assert result["mdice"] == compute_scores(predictions, references, protocol="pranet")["mdice"]
    assert result["nanonet_num_images"] == result["pranet_num_images"] == 6


_WORKER = textwrap.dedent(
    """
    import json, sys
    import evaluate, numpy as np

    script, cache, experiment, process_id, data = sys.argv[1:]
    arrays = np.load(data)
    half = [name for name in arrays.files if name.startswith(f"p{process_id}_")]
    predictions = [arrays[n] for n in sorted(half) if n.endswith("_pred")]
    references = [arrays[n] for n in sorted(half) if n.endswith("_ref")]
    metric = evaluate.load(
        script, "pranet", num_process=2, process_id=int(process_id),
        experiment_id=experiment, cache_dir=cache,
    )
    metric.add_batch(predictions=predictions, references=references)
    ids = [f"p{p}_{n}" for p in (0, 1) for n in range(len(predictions))]
    print(json.dumps(metric.compute(image_ids=ids, per_image=True)))
    """
)


def test_two_processes_share_one_computation(tmp_path: Path, cache: str) -> None:
    predictions, references = masks(8, count=6)
    data = {}
    for index, (prediction, reference) in enumerate(zip(predictions, references, strict=True)):
        process, position = divmod(index, 3)
        data[f"p{process}_{position}_pred"] = prediction
        data[f"p{process}_{position}_ref"] = reference
    np.savez(tmp_path / "data.npz", **data)
    worker = tmp_path / "worker.py"
    worker.write_text(_WORKER)
    experiment = uuid.uuid4().hex
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                str(worker),
                SCRIPT,
                cache,
                experiment,
                str(process_id),
                str(tmp_path / "data.npz"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for process_id in (0, 1)
    ]
    outputs = [run.communicate(timeout=240) for run in runs]
    for run, (_, errors) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, errors[-2000:]
    main, other = (stdout.strip().splitlines()[-1] for stdout, _ in outputs)
    assert other == "null"  # only process 0 returns the scores
    result = json.loads(main)
    ids = [f"p{p}_{n}" for p in (0, 1) for n in range(3)]
    expected = compute_scores(
        predictions, references, protocol="pranet", image_ids=ids, per_image=True
    )
    assert result["num_images"] == 6
    assert list(result["per_image"]) == ids
    for name in ("mdice", "miou", "s_measure", "max_e_measure", "weighted_f_measure", "mae"):
        assert result[name] == pytest.approx(expected[name], abs=1e-12)
