"""What is known about each dataset: one frozen spec per dataset.

Everything a builder, the CLI or a user needs to know about an archive lives here and
nowhere else: its official URL, checksum, size, citation, terms of use and the splits
that exist for it. The facts and their sources are in the project README.

    >>> from kvasir_seg.catalog import get_spec
    >>> spec = get_spec("kvasir_seg")
    >>> spec.filename, [c.name for c in spec.configs]
    ('kvasir-seg.zip', ['official', 'pranet'])
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kvasir_seg.errors import KvasirSegError

VERSION = "1.0.0"

#: The terms of use shared by the three datasets, as the dataset page states them.
TERMS_OF_USE = (
    "Research and educational use only. Commercial use (or use in commercial products) "
    "requires prior written permission from the dataset authors (Simula Research "
    "Laboratory). If you use the dataset, cite the paper(s) listed in the citation. "
    "The dataset has no SPDX license; it is not CC-BY."
)

BIBTEX_KVASIR_SEG = """@inproceedings{jha2020kvasir,
  title     = {Kvasir-SEG: A Segmented Polyp Dataset},
  author    = {Jha, Debesh and Smedsrud, Pia H. and Riegler, Michael A. and Halvorsen, P{\\aa}l and de Lange, Thomas and Johansen, Dag and Johansen, H{\\aa}vard D.},
  booktitle = {MultiMedia Modeling (MMM)},
  pages     = {451--462},
  year      = {2020},
  publisher = {Springer},
  doi       = {10.1007/978-3-030-37734-2_37}
}"""

BIBTEX_SESSILE = """@article{jha2021comprehensive,
  title   = {A Comprehensive Study on Colorectal Polyp Segmentation with ResUNet++, Conditional Random Field and Test-Time Augmentation},
  author  = {Jha, Debesh and Smedsrud, Pia H. and Johansen, Dag and de Lange, Thomas and Johansen, H{\\aa}vard D. and Halvorsen, P{\\aa}l and Riegler, Michael A.},
  journal = {IEEE Journal of Biomedical and Health Informatics},
  volume  = {25},
  number  = {6},
  pages   = {2029--2040},
  year    = {2021},
  doi     = {10.1109/JBHI.2021.3049304}
}"""

BIBTEX_NANONET = """@inproceedings{jha2021nanonet,
  title     = {NanoNet: Real-Time Polyp Segmentation in Video Capsule Endoscopy and Colonoscopy},
  author    = {Jha, Debesh and Tomar, Nikhil Kumar and Ali, Sharib and Riegler, Michael A. and Johansen, H{\\aa}vard D. and Johansen, Dag and de Lange, Thomas and Halvorsen, P{\\aa}l},
  booktitle = {IEEE 34th International Symposium on Computer-Based Medical Systems (CBMS)},
  pages     = {37--43},
  year      = {2021},
  doi       = {10.1109/CBMS52027.2021.00014}
}"""


@dataclass(frozen=True)
class SplitSpec:
    """One split of a config.

    ``source`` is ``"all"`` (every example), ``"rest"`` (every example not in another split
    of the same config) or the package-data path of an id list, relative to
    ``kvasir_seg/splits/`` (e.g. ``"kvasir_seg/official/train.txt"``).
    """

    name: str
    source: str
    expected_count: int | None = None


@dataclass(frozen=True)
class ConfigSpec:
    """A named way of splitting a dataset (``official``, ``pranet``, ...)."""

    name: str
    description: str
    splits: tuple[SplitSpec, ...]


@dataclass(frozen=True)
class DatasetSpec:
    """Everything known about one dataset and its official archive."""

    name: str
    title: str
    description: str
    homepage: str
    url: str
    filename: str
    sha256: str | None
    size_bytes: int | None
    root_folder: str | None
    expected_examples: int
    citation: str
    configs: tuple[ConfigSpec, ...]
    terms_of_use: str = TERMS_OF_USE
    has_box_file: bool | None = None
    #: Per-dataset fields of each example, as (name, type) with type "string" or "int32".
    extra_fields: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def default_config(self) -> ConfigSpec:
        return self.configs[0]

    def config(self, name: str | None) -> ConfigSpec:
        """The config called ``name`` (the default one when ``name`` is None)."""
        if name is None or name == "default":
            return self.default_config
        for config in self.configs:
            if config.name == name:
                return config
        known = ", ".join(c.name for c in self.configs)
        raise KvasirSegError(f"{self.name} has no config {name!r}; choose one of: {known}.")


_ALL_IN_TRAIN = (
    ConfigSpec(
        name="default",
        description=(
            "Every example in one `train` split: no official split exists. Split by id "
            "yourself (see the README on leakage)."
        ),
        splits=(SplitSpec("train", "all"),),
    ),
)

KVASIR_SEG = DatasetSpec(
    name="kvasir_seg",
    title="Kvasir-SEG",
    description=(
        "Kvasir-SEG: 1000 colonoscopy images of gastrointestinal polyps with pixel-level "
        "polyp masks and bounding boxes, annotated by a medical doctor and verified by an "
        "experienced gastroenterologist (Oslo University Hospital / Vestre Viken). Images "
        "range from 332x487 to 1920x1072 pixels. Masks are stored here as 1-bit images, "
        "thresholded from the archive's RGB JPEG masks at luminance > 127; boxes are the "
        "archive's own (`kavsir_bboxes.json`)."
    ),
    homepage="https://datasets.simula.no/kvasir-seg/",
    url="https://datasets.simula.no/downloads/kvasir-seg.zip",
    filename="kvasir-seg.zip",
    sha256="03b30e21d584e04facf49397a2576738fd626815771afbbf788f74a7153478f7",
    size_bytes=46_227_172,
    root_folder="Kvasir-SEG",
    expected_examples=1000,
    citation=BIBTEX_KVASIR_SEG,
    has_box_file=True,
    configs=(
        ConfigSpec(
            name="official",
            description=(
                "The dataset authors' split (train 880 / validation 120), the lists published "
                "in their repositories; NanoNet reports its scores on `validation`."
            ),
            splits=(
                SplitSpec("train", "kvasir_seg/official/train.txt", 880),
                SplitSpec("validation", "kvasir_seg/official/val.txt", 120),
            ),
        ),
        ConfigSpec(
            name="pranet",
            description=(
                "The PraNet benchmark split (train 900 / test 100), the protocol most "
                "benchmark tables use. Not from the dataset authors; 91 of its test ids are "
                "in the official train split."
            ),
            splits=(
                SplitSpec("train", "rest", 900),
                SplitSpec("test", "kvasir_seg/pranet/test.txt", 100),
            ),
        ),
    ),
)

KVASIR_SESSILE = DatasetSpec(
    name="kvasir_sessile",
    title="Kvasir-Sessile",
    description=(
        "Kvasir-Sessile: 196 images of sessile (flat) polyps smaller than 10 mm, a subset of "
        "Kvasir-SEG with the same image ids. Training on Kvasir-SEG and testing on "
        "Kvasir-Sessile leaks: every example carries the Kvasir-SEG official and PraNet split "
        "of its id. Boxes come from the archive when it has a box file, otherwise they are "
        "derived from the mask's connected components in the Kvasir-SEG box convention."
    ),
    homepage="https://datasets.simula.no/kvasir-sessile/",
    url="https://datasets.simula.no/downloads/kvasir-sessile.zip",
    filename="kvasir-sessile.zip",
    sha256=None,
    size_bytes=None,
    root_folder="sessile-main-Kvasir-SEG",
    expected_examples=196,
    citation=BIBTEX_SESSILE + "\n\n" + BIBTEX_KVASIR_SEG,
    has_box_file=None,
    configs=_ALL_IN_TRAIN,
    extra_fields=(("kvasir_seg_official_split", "string"), ("kvasir_seg_pranet_split", "string")),
)

KVASIR_CAPSULE_SEG = DatasetSpec(
    name="kvasir_capsule_seg",
    title="KvasirCapsule-SEG",
    description=(
        "KvasirCapsule-SEG: 55 polyp frames from video capsule endoscopy (one video, "
        "consecutive frames) with pixel-level masks. The archive has no box coordinates; "
        "boxes are derived from the mask's connected components in the Kvasir-SEG box "
        "convention. Consecutive frames are nearly identical: a random split leaks."
    ),
    homepage="https://datasets.simula.no/kvasir-capsule-seg/",
    url="https://datasets.simula.no/downloads/kvasir-capsule-seg.zip",
    filename="kvasir-capsule-seg.zip",
    sha256=None,
    size_bytes=None,
    root_folder=None,
    expected_examples=55,
    citation=BIBTEX_NANONET,
    has_box_file=False,
    configs=_ALL_IN_TRAIN,
    extra_fields=(("video_id", "string"), ("frame", "int32")),
)

DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec for spec in (KVASIR_SEG, KVASIR_SESSILE, KVASIR_CAPSULE_SEG)
}


def get_spec(name: str) -> DatasetSpec:
    """The spec of dataset ``name`` (``kvasir_seg``, ``kvasir_sessile``, ``kvasir_capsule_seg``).

    Hyphenated spellings (``kvasir-seg``) are accepted too.
    """
    key = name.strip().lower().replace("-", "_")
    try:
        return DATASETS[key]
    except KeyError:
        known = ", ".join(DATASETS)
        raise KvasirSegError(f"Unknown dataset {name!r}; choose one of: {known}.") from None
