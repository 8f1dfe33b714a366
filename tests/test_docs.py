"""The documents: the README's quick starts and the reader's snippet run, their links lead
somewhere, the checksum rule is stated once, and the install table is the one CI checks.

The PyTorch snippets run in ``tests/test_torch_data.py``, the Keras one in
``tests/test_keras_metrics.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import kvasir_seg.archive
from kvasir_seg.scores import compute_scores

ROOT = Path(__file__).resolve().parents[1]

#: Every document of the checkout that a user or a contributor reads.
DOCUMENTS = sorted(
    [
        ROOT / "README.md",
        ROOT / "CONTRIBUTING.md",
        ROOT / "benchmarks" / "README.md",
        ROOT / "kvasir_seg" / "evaluate_module" / "README.md",
        *(ROOT / "docs").glob("*.md"),
    ]
)

Snippets = Callable[[str, str], list[str]]


def _run(code: str, name: str, namespace: dict | None = None) -> dict:
    namespace = {} if namespace is None else namespace
    exec(compile(code, name, "exec"), namespace)
    return namespace


def test_the_readme_hugging_face_quick_start_runs(
    snippets: Snippets, kvasir_seg_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's calls, verbatim; only the archive comes from the synthetic folder."""
    pytest.importorskip("datasets")
    import kvasir_seg_hf

    load_dataset = kvasir_seg_hf.load_dataset

    def from_synthetic_folder(*args: object, **kwargs: object):
        return load_dataset(*args, data_dir=kvasir_seg_folder, cache_dir=tmp_path, **kwargs)

    monkeypatch.setattr(kvasir_seg_hf, "load_dataset", from_synthetic_folder)
    (code,) = snippets("README.md", "Hugging Face")
    namespace = _run(code, "README.md: Hugging Face")
    assert {name: len(split) for name, split in namespace["ds"].items()} == {
        "train": 9,
        "validation": 3,
    }  # the synthetic archive's official split
    row = namespace["row"]
    assert row["image"].mode == "RGB" and row["mask"].mode == "1"
    assert row["bboxes"] and {"xmin", "ymin", "xmax", "ymax"} <= set(row["bboxes"][0])


def test_the_readme_tfds_quick_start_runs(
    snippets: Snippets, kvasir_seg_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's calls, verbatim; the synthetic folder is the manual download."""
    tfds = pytest.importorskip("tensorflow_datasets")
    tf = pytest.importorskip("tensorflow")
    import kvasir_seg_tfds  # noqa: F401  (registers the builders)

    load = tfds.load

    def from_synthetic_folder(*args: object, **kwargs: object):
        config = tfds.download.DownloadConfig(manual_dir=kvasir_seg_folder)
        kwargs.setdefault("download_and_prepare_kwargs", {"download_config": config})
        return load(*args, data_dir=tmp_path, **kwargs)

    monkeypatch.setattr(tfds, "load", from_synthetic_folder)
    (code,) = snippets("README.md", "TensorFlow Datasets")
    pairs = list(_run(code, "README.md: TensorFlow Datasets")["train"])
    assert len(pairs) == 9
    image, mask = pairs[0]
    assert image.dtype == tf.uint8 and image.shape[-1] == 3
    assert mask.dtype == tf.uint8 and mask.shape[-1] == 1 and set(np.unique(mask)) <= {0, 1}


def test_the_readme_scores_quick_start_runs(snippets: Snippets) -> None:
    """The README's calls, verbatim, on masks and maps the test makes."""
    rng = np.random.default_rng(0)
    references = [rng.random((40, 50)) < 0.3 for _ in range(4)]
    predictions = [np.clip(r + rng.normal(0, 0.3, r.shape), 0, 1) for r in references]
    (code,) = snippets("README.md", "Scores")
    namespace = _run(
        code, "README.md: Scores", {"predictions": predictions, "references": references}
    )
    assert namespace["compute_scores"] is compute_scores
    assert {"dice", "iou"} <= set(compute_scores(predictions, references))
    pranet = compute_scores(predictions, references, protocol="pranet")
    assert {"mdice", "miou", "s_measure"} <= set(pranet)


def test_the_reader_snippet_runs(
    snippets: Snippets, kvasir_seg_zip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/reader.md's calls, verbatim; the archive opened is the synthetic zip, which
    fails the published checksum: accepted once before, as a user would with verify=False,
    it is read without the option."""
    open_archive = kvasir_seg.archive.open_archive
    open_archive("kvasir_seg", kvasir_seg_zip, verify=False).close()

    def the_synthetic_zip(dataset: str, data_dir: object, **kwargs: object):
        return open_archive(dataset, kvasir_seg_zip, **kwargs)

    monkeypatch.setattr(kvasir_seg.archive, "open_archive", the_synthetic_zip)
    (code,) = snippets("docs/reader.md", "Reading an archive without any ecosystem")
    namespace = _run(code, "docs/reader.md")
    assert {name: len(ids) for name, ids in namespace["splits"].items()} == {
        "train": 9,
        "validation": 3,
    }
    example = namespace["example"]
    assert example.image_bytes[:2] == b"\xff\xd8" and example.mask.dtype == bool


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to ``-``."""
    text = re.sub(r"`([^`]*)`", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _prose(document: Path) -> list[str]:
    """The lines of ``document`` outside fenced code blocks."""
    lines, fenced = [], False
    for line in document.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def _anchors(document: Path) -> set[str]:
    return {_slug(line.lstrip("#")) for line in _prose(document) if re.match(r"#+ ", line)}


def _links(document: Path) -> list[str]:
    """The targets of the Markdown links of ``document`` (not those shown as code)."""
    targets = []
    for line in _prose(document):
        line = re.sub(r"``[^`]*``|`[^`]*`", "", line)
        targets += re.findall(r"\]\(([^)\s]+)\)", line)
    return targets


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_leads_to_a_file_and_a_heading(document: Path) -> None:
    broken = []
    for target in _links(document):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        path, _, anchor = target.partition("#")
        linked = (document.parent / path).resolve() if path else document
        if not linked.exists():
            broken.append(f"{target}: no file {linked}")
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            broken.append(f"{target}: no heading #{anchor} in {linked.relative_to(ROOT)}")
    assert not broken, f"{document.relative_to(ROOT)}: " + "; ".join(broken)


def test_the_checksum_rule_is_stated_once_and_linked_elsewhere() -> None:
    """The rule lives in docs/archive-store.md; the other documents link to it."""
    stating = [
        str(document.relative_to(ROOT))
        for document in DOCUMENTS
        for line in _prose(document)
        if "**One checksum rule**" in line or "never with a download attempt" in line
    ]
    assert stating == ["docs/archive-store.md", "docs/archive-store.md"]
    anchor = "archive-store.md#checksums-verified-accepted-refused"
    linking = {
        str(document.relative_to(ROOT))
        for document in DOCUMENTS
        if any(t.endswith(anchor) for t in _links(document))
    }
    assert {"docs/huggingface.md", "docs/tfds.md", "docs/cli.md", "docs/reader.md"} <= linking


def _install_rows() -> dict[str, str]:
    """The README's install table: what you want -> the install command."""
    rows = {}
    section = "\n".join(_prose(ROOT / "README.md")).split("## Install\n", 1)[1]
    for line in section.split("\n## ", 1)[0].splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 2 and cells[1].startswith("`pip install"):
            rows[cells[0]] = cells[1].split("`")[1]
    return rows


def _extras(command: str) -> str:
    """``pip install ".[hf,torch]"`` -> ``"hf,torch"``; ``pip install .`` -> ``""``."""
    found = re.search(r"\.\[([\w,-]+)\]", command)
    return found.group(1) if found else ""


def test_the_install_table_is_what_ci_installs() -> None:
    """``.ci/run`` runs the README's test command and smokes every other row of the table."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (test_command,) = re.findall(r"^python3 -m venv .*&& pytest$", readme, flags=re.M)
    dev_install, pins = re.search(
        r'pip install "\.\[dev\]" ("torch==[^"]+" "torchvision==[^"]+")', test_command
    ).group(0, 1)
    assert f"\n{dev_install}\n" in ci and "\npytest\n" in ci
    rows = _install_rows()
    assert rows.pop("development (all of the above + test tools)") == dev_install.replace(
        "install ", "install -e ", 1
    )
    assert len(rows) == 8 and "tfds-cli" in {_extras(command) for command in rows.values()}
    smoked = set(re.findall(r'smoke_row [\w-]+ "\$wheel(?:\[([\w,-]+)\])?"', ci))
    assert smoked == {_extras(command) for command in rows.values()}
    assert f'smoke_row torch "$wheel[torch]" {pins};' in ci


def test_the_sdist_ships_the_documents_the_readme_links() -> None:
    """The README is the PyPI description: what it links to is in the sdist."""
    tomllib = pytest.importorskip("tomllib")
    with open(ROOT / "pyproject.toml", "rb") as file:
        include = tomllib.load(file)["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]
    linked = {t.partition("#")[0] for t in _links(ROOT / "README.md") if not re.match("[a-z]+:", t)}
    missing = sorted(
        path
        for path in linked
        if path and not any(path == f or path.startswith(f"{f}/") for f in include)
    )
    assert not missing, f"not in the sdist include list of pyproject.toml: {missing}"
