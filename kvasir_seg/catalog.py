"""What is known about each dataset: one frozen spec per dataset.

Everything a builder, the CLI or a user needs to know about an archive lives here and
nowhere else: its official URL, checksum, size, citation, terms of use and the splits
that exist for it. The facts and their sources are in the project's docs/datasets.md.

    >>> from kvasir_seg.catalog import get_spec
    >>> spec = get_spec("kvasir_seg")
    >>> spec.filename, [c.name for c in spec.configs]
    ('kvasir-seg.zip', ['official', 'pranet'])

The catalog is the single source of what datasets exist: the Hugging Face and TFDS
builders, the CLI choices and the parametrised tests follow from :data:`DATASETS`. A new
dataset in one of the known layouts is one more spec, here or registered at run time with
:func:`register` (for instance by a module named in ``$KVASIR_SEG_PLUGINS``, see
:mod:`kvasir_seg.plugins`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from kvasir_seg.errors import CatalogError, KvasirSegError
from kvasir_seg.fields import FIELD_TYPES, ExtraField, IdPart, SplitIn
from kvasir_seg.splits import ArchiveList, ConfigSpec, IdList, SplitSpec

#: The version of the datasets as this package builds them (Hugging Face, TFDS, Croissant).
VERSION = "1.0.0"

#: The terms of use shared by the three datasets, as the dataset page states them.
TERMS_OF_USE = (
    "Research and educational use only. Commercial use (or use in commercial products) "
    "requires prior written permission from the dataset authors (Simula Research "
    "Laboratory). If you use the dataset, cite the paper(s) listed in the citation. "
    "The dataset has no SPDX license; it is not CC-BY."
)

#: How far (a share of it) a zip may be from the size its dataset page states and still be
#: pinned on first use. The pages round their sizes to three digits (at most 0.4% off), and
#: their "MB" are MiB (Kvasir-SEG's 46,227,172 bytes are its "44.1 MB"; were a page's MB
#: decimal, 4.9% more): 10% covers both, while a copy that is not the archive falls far
#: outside, such as the authors' 715,425-byte GitHub zip of KvasirCapsule-SEG (26% of the
#: stated 2.66 MB). Such a copy is read when it is valid, and never becomes the pin.
STATED_SIZE_TOLERANCE = 0.10

#: The name of those terms where a licence name is asked for (e.g. a Hub card's
#: ``license_name``, with ``license: other``): they are no SPDX licence.
LICENSE_NAME = "simula-research-and-education-only"

#: The Kvasir-SEG paper (Jha et al., MultiMedia Modeling 2020).
BIBTEX_KVASIR_SEG = """@inproceedings{jha2020kvasir,
  title     = {Kvasir-SEG: A Segmented Polyp Dataset},
  author    = {Jha, Debesh and Smedsrud, Pia H. and Riegler, Michael A. and Halvorsen, P{\\aa}l and de Lange, Thomas and Johansen, Dag and Johansen, H{\\aa}vard D.},
  booktitle = {MultiMedia Modeling (MMM)},
  pages     = {451--462},
  year      = {2020},
  publisher = {Springer},
  doi       = {10.1007/978-3-030-37734-2_37}
}"""

#: The Kvasir-Sessile paper (Jha et al., IEEE JBHI 2021).
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

#: The NanoNet paper, which publishes KvasirCapsule-SEG (Jha et al., CBMS 2021).
BIBTEX_NANONET = """@inproceedings{jha2021nanonet,
  title     = {NanoNet: Real-Time Polyp Segmentation in Video Capsule Endoscopy and Colonoscopy},
  author    = {Jha, Debesh and Tomar, Nikhil Kumar and Ali, Sharib and Riegler, Michael A. and Johansen, H{\\aa}vard D. and Johansen, Dag and de Lange, Thomas and Halvorsen, P{\\aa}l},
  booktitle = {IEEE 34th International Symposium on Computer-Based Medical Systems (CBMS)},
  pages     = {37--43},
  year      = {2021},
  doi       = {10.1109/CBMS52027.2021.00014}
}"""

#: The Kvasir-Instrument paper (Jha et al., MultiMedia Modeling 2021).
BIBTEX_INSTRUMENT = """@inproceedings{jha2021kvasirinstrument,
  title     = {Kvasir-Instrument: Diagnostic and Therapeutic Tool Segmentation Dataset in Gastrointestinal Endoscopy},
  author    = {Jha, Debesh and Ali, Sharib and Emanuelsen, Krister and Hicks, Steven A. and Thambawita, Vajira and Garcia-Ceja, Enrique and Riegler, Michael A. and de Lange, Thomas and Schmidt, Peter T. and Johansen, H{\\aa}vard D. and Johansen, Dag and Halvorsen, P{\\aa}l},
  booktitle = {MultiMedia Modeling (MMM)},
  series    = {Lecture Notes in Computer Science},
  pages     = {218--229},
  year      = {2021},
  publisher = {Springer},
  doi       = {10.1007/978-3-030-67835-7_19}
}"""


@dataclass(frozen=True)
class DatasetSpec:
    """Everything known about one dataset and its official archive.

    Args:
        name: the dataset's name in every adapter and on the command line
            (lower_snake_case, e.g. ``"kvasir_seg"``).
        title: its name in prose (``"Kvasir-SEG"``).
        description: what the examples are, for the adapters' dataset info and cards.
        homepage: the dataset page.
        url: where the official zip is downloaded from.
        filename: the zip's official file name (``"kvasir-seg.zip"``).
        sha256: the zip's published SHA-256 (None: none is published; the first copy read
            whole is pinned).
        size_bytes: the zip's exact size when it is published with its checksum.
        root_folder: the folder the zip extracts to (None: not known).
        expected_examples: how many examples the official archive holds.
        citation: the BibTeX entries to cite, separated by blank lines.
        configs: the ways of splitting the examples, the default first.
        terms_of_use: the terms of use, as the dataset page states them.
        has_box_file: whether the official archive has a box file (None: not known; boxes
            are then taken from the file when there is one, else derived from the mask).
        box_file: the box file's name in the official archive, when it is known.
        extra_fields: the dataset's own fields of each example, each derived from the
            image id.
        classes: the object classes of the masks and boxes (the box labels' names).
        keywords: words a catalog finds the dataset by (the Hub card's tags, Croissant's
            keywords), beside "medical", "endoscopy" and its classes.
        stated_mib: the archive's size as its dataset page states it, in the page's "MB",
            which are MiB (None: the page states none; see :data:`STATED_SIZE_TOLERANCE`).

    Example:
        >>> from dataclasses import replace
        >>> mine = replace(KVASIR_SESSILE, name="my_polyps", title="My polyps")
        >>> mine.class_name, mine.default_config.name
        ('MyPolyps', 'default')
    """

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
    box_file: str | None = None
    extra_fields: tuple[ExtraField, ...] = field(default_factory=tuple)
    classes: tuple[str, ...] = ("polyp",)
    keywords: tuple[str, ...] = ()
    stated_mib: float | None = None

    def far_from_stated_size(self, size_bytes: int) -> bool:
        """Whether a zip's size is too far from the size the dataset page states to pin it.

        Args:
            size_bytes: the zip's size.

        Returns:
            True when it is farther than :data:`STATED_SIZE_TOLERANCE` from
            :attr:`stated_mib`; never when the page states no size.

        Example:
            >>> KVASIR_CAPSULE_SEG.far_from_stated_size(715_425)
            True
            >>> KVASIR_SEG.far_from_stated_size(46_227_172)
            False
            >>> KVASIR_INSTRUMENT.far_from_stated_size(1)  # its page states no size
            False
        """
        if self.stated_mib is None:
            return False
        stated = self.stated_mib * 2**20
        return abs(size_bytes - stated) > STATED_SIZE_TOLERANCE * stated

    @property
    def tags(self) -> list[str]:
        """Every keyword of the dataset: the shared ones, its classes, its own."""
        return list(dict.fromkeys(["medical", "endoscopy", *self.classes, *self.keywords]))

    @property
    def object_name(self) -> str:
        """What the masks mark, in words: the one class's name, else ``"object"``."""
        return self.classes[0] if len(self.classes) == 1 else "object"

    @property
    def class_name(self) -> str:
        """The adapters' builder class name (``KvasirCapsuleSeg`` for ``kvasir_capsule_seg``)."""
        return "".join(part.capitalize() for part in self.name.split("_"))

    @property
    def default_config(self) -> ConfigSpec:
        """The config used when none is named: the first."""
        return self.configs[0]

    def config(self, name: str | None) -> ConfigSpec:
        """One of the dataset's configs, by name.

        Args:
            name: the config's name; None or ``"default"``: the default config.

        Returns:
            The config.

        Raises:
            KvasirSegError: the dataset has no config of that name (the message lists them).

        Example:
            >>> [split.name for split in KVASIR_SEG.config("pranet").splits]
            ['train', 'test']
            >>> KVASIR_SEG.config(None).name
            'official'
        """
        if name is None or name == "default":
            return self.default_config
        for config in self.configs:
            if config.name == name:
                return config
        known = ", ".join(c.name for c in self.configs)
        raise KvasirSegError(f"{self.name} has no config {name!r}; choose one of: {known}.")


def _kvasir_seg_list(path: str) -> IdList:
    """One of the Kvasir-SEG lists shipped in :mod:`kvasir_seg.splits`."""
    return IdList("kvasir_seg.splits", f"kvasir_seg/{path}")


_ALL_IN_TRAIN = (
    ConfigSpec(
        name="default",
        description=(
            "Every example in one `train` split: no official split exists. Split by id "
            "yourself, without leakage: see the project's docs/datasets.md."
        ),
        splits=(SplitSpec("train", "all"),),
    ),
)

#: Kvasir-SEG: 1000 colonoscopy images; configs ``official`` and ``pranet``.
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
    stated_mib=44.1,
    root_folder="Kvasir-SEG",
    expected_examples=1000,
    citation=BIBTEX_KVASIR_SEG,
    has_box_file=True,
    box_file="kavsir_bboxes.json",
    keywords=("colonoscopy",),
    configs=(
        ConfigSpec(
            name="official",
            description=(
                "The dataset authors' split (train 880 / validation 120), the lists published "
                "in their repositories; NanoNet reports its scores on `validation`."
            ),
            splits=(
                SplitSpec("train", _kvasir_seg_list("official/train.txt"), 880),
                SplitSpec("validation", _kvasir_seg_list("official/val.txt"), 120),
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
                SplitSpec("test", _kvasir_seg_list("pranet/test.txt"), 100),
            ),
        ),
    ),
)

#: Kvasir-Sessile: the 196 sessile polyps of Kvasir-SEG, all in ``train``.
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
    stated_mib=13.7,
    root_folder="sessile-main-Kvasir-SEG",
    expected_examples=196,
    citation=BIBTEX_SESSILE + "\n\n" + BIBTEX_KVASIR_SEG,
    has_box_file=None,
    keywords=("colonoscopy",),
    configs=_ALL_IN_TRAIN,
    extra_fields=(
        ExtraField(
            "kvasir_seg_official_split",
            "string",
            "Split of this id in Kvasir-SEG's official config, or none.",
            SplitIn(KVASIR_SEG.config("official"), everyone=KVASIR_SEG.config("official")),
        ),
        ExtraField(
            "kvasir_seg_pranet_split",
            "string",
            "Split of this id in Kvasir-SEG's PraNet config, or none.",
            SplitIn(KVASIR_SEG.config("pranet"), everyone=KVASIR_SEG.config("official")),
        ),
    ),
)

#: Capsule frame names: ``<video id>_<frame>``.
_CAPSULE_NAME = r"^(?P<video>.+)_(?P<frame>\d+)$"

#: KvasirCapsule-SEG: 55 capsule endoscopy frames of one video, all in ``train``.
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
    stated_mib=2.66,
    root_folder=None,
    expected_examples=55,
    citation=BIBTEX_NANONET,
    has_box_file=False,
    keywords=("capsule endoscopy",),
    configs=_ALL_IN_TRAIN,
    extra_fields=(
        ExtraField(
            "video_id",
            "string",
            "Capsule video the frame comes from.",
            IdPart(_CAPSULE_NAME, "video"),
        ),
        ExtraField(
            "frame",
            "int32",
            "Frame number in the video (-1 when the file name does not say).",
            IdPart(_CAPSULE_NAME, "frame", otherwise=-1),
        ),
    ),
)

#: Kvasir-Instrument: 590 frames of endoscopic tools; the archive's own split.
KVASIR_INSTRUMENT = DatasetSpec(
    name="kvasir_instrument",
    title="Kvasir-Instrument",
    description=(
        "Kvasir-Instrument: 590 frames from gastrointestinal endoscopies that show diagnostic "
        "and therapeutic tools (snares, balloons, biopsy forceps and others), with pixel-level "
        "tool masks and bounding boxes verified by two expert endoscopists. Masks are stored "
        "here as 1-bit images, thresholded from the archive's PNG masks (tool = 255) at "
        "luminance > 127; boxes are the archive's own (`bboxes.json`), labelled `instrument`; "
        "the official split (train 472 / test 118) is read from the archive's `train.txt` and "
        "`test.txt`."
    ),
    homepage="https://datasets.simula.no/kvasir-instrument/",
    url="https://datasets.simula.no/downloads/kvasir-instrument.zip",
    filename="kvasir-instrument.zip",
    sha256=None,
    size_bytes=None,
    root_folder="kvasir-instrument",
    expected_examples=590,
    citation=BIBTEX_INSTRUMENT,
    has_box_file=True,
    box_file="bboxes.json",
    classes=("instrument",),
    keywords=("tools", "gastrointestinal endoscopy"),
    configs=(
        ConfigSpec(
            name="official",
            description=(
                "The dataset authors' split (train 472 / test 118), read from the lists "
                "published inside the archive (`train.txt`, `test.txt`)."
            ),
            splits=(
                SplitSpec("train", ArchiveList("train.txt"), 472),
                SplitSpec("test", ArchiveList("test.txt"), 118),
            ),
        ),
    ),
)

#: The names of the datasets this package knows itself (a plugin cannot remove them).
BUILT_IN = ("kvasir_seg", "kvasir_sessile", "kvasir_capsule_seg", "kvasir_instrument")

#: Every known dataset by name, in catalog order (the built-in ones first).
DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec for spec in (KVASIR_SEG, KVASIR_SESSILE, KVASIR_CAPSULE_SEG, KVASIR_INSTRUMENT)
}

_LISTENERS: list[Callable[[DatasetSpec], None]] = []
_NAME = re.compile(r"^[a-z][a-z0-9_]*[a-z0-9]$")


def get_spec(name: str) -> DatasetSpec:
    """The spec of a dataset of the catalog, by name.

    Args:
        name: a name of :data:`DATASETS` (``"kvasir_seg"``, ``"kvasir_sessile"``,
            ``"kvasir_capsule_seg"``, ``"kvasir_instrument"``, or a registered one), in any
            case, with hyphens or underscores.

    Returns:
        The dataset's spec.

    Raises:
        KvasirSegError: no dataset has that name (the message lists the names).

    Example:
        >>> get_spec("Kvasir-SEG").title
        'Kvasir-SEG'
    """
    key = name.strip().lower().replace("-", "_")
    try:
        return DATASETS[key]
    except KeyError:
        known = ", ".join(DATASETS)
        raise KvasirSegError(f"Unknown dataset {name!r}; choose one of: {known}.") from None


def register(spec: DatasetSpec) -> DatasetSpec:
    """Add a dataset to the catalog, so that every adapter and the command line know it.

    The adapters follow: ``kvasir_seg_hf.load_dataset(spec.name)``, ``tfds.builder(spec.name)``
    (after ``import kvasir_seg_tfds``) and ``kvasir-seg ... NAME``. Registering the same spec
    again does nothing.

    Args:
        spec: the dataset's spec (checked by :func:`check_spec`).

    Returns:
        ``spec``.

    Raises:
        CatalogError: the spec is not usable, or another spec has its name.

    Example:
        >>> from dataclasses import replace
        >>> spec = replace(KVASIR_SESSILE, name="kvasir_sessile_copy", title="Copy")
        >>> register(spec).name in DATASETS
        True
        >>> unregister("kvasir_sessile_copy")
    """
    check_spec(spec)
    known = DATASETS.get(spec.name)
    if known is spec:
        return spec
    if known is not None:
        raise CatalogError(
            f"A dataset named {spec.name!r} is already in the catalog; choose another name."
        )
    DATASETS[spec.name] = spec
    for listener in list(_LISTENERS):
        listener(spec)
    return spec


def unregister(name: str) -> None:
    """Remove a dataset that :func:`register` added (for tests; the built-in ones stay).

    Args:
        name: the dataset's name; a name the catalog does not hold is ignored.

    Raises:
        CatalogError: ``name`` is a built-in dataset.

    Example:
        >>> unregister("no_such_dataset")  # nothing to remove
    """
    if name in BUILT_IN:
        raise CatalogError(f"{name} is built in and cannot be removed from the catalog.")
    DATASETS.pop(name, None)


def on_register(listener: Callable[[DatasetSpec], None]) -> None:
    """Call ``listener(spec)`` for every spec :func:`register` adds from now on.

    Adapters that keep a registry of their own (TFDS) subscribe here.

    Args:
        listener: called with each new spec, once it is in :data:`DATASETS`.

    Example:
        >>> added = []
        >>> on_register(added.append)
        >>> from dataclasses import replace
        >>> _ = register(replace(KVASIR_SESSILE, name="listened_copy"))
        >>> [spec.name for spec in added]
        ['listened_copy']
        >>> unregister("listened_copy")  # the listener stays subscribed
    """
    _LISTENERS.append(listener)


_Value = TypeVar("_Value")


class CatalogTable(Mapping[str, _Value], Generic[_Value]):
    """A read-only mapping of every dataset's name to ``make(spec)``, as the catalog is now.

    The adapters' ``BUILDERS`` tables are such views, so a spec registered later is in them.

    Args:
        make: what a dataset's value is made from its spec (called at each look-up).

    Example:
        >>> titles = CatalogTable(lambda spec: spec.title)
        >>> titles["kvasir_seg"], len(titles) == len(DATASETS)
        ('Kvasir-SEG', True)
    """

    def __init__(self, make: Callable[[DatasetSpec], _Value]) -> None:
        self._make = make

    def __getitem__(self, name: str) -> _Value:
        if name not in DATASETS:
            raise KeyError(name)
        return self._make(DATASETS[name])

    def __iter__(self) -> Iterator[str]:
        return iter(list(DATASETS))

    def __len__(self) -> int:
        return len(DATASETS)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self)!r})"


def class_lookup(module: str, make: Callable[[DatasetSpec], _Value]) -> Callable[[str], _Value]:
    """A module ``__getattr__`` that gives ``make(spec)`` for the class name of any spec.

    So that ``kvasir_seg_hf.KvasirFourth`` is the builder of a ``kvasir_fourth`` registered
    at run time: ``__getattr__ = class_lookup(__name__, builder_class)``.

    Args:
        module: the module's name, for the error message.
        make: makes the attribute from a spec.

    Returns:
        The ``__getattr__`` function; it raises ``AttributeError`` for a name that is no
        spec's :attr:`DatasetSpec.class_name`.

    Example:
        >>> lookup = class_lookup("demo", lambda spec: spec.name)
        >>> lookup("KvasirCapsuleSeg")
        'kvasir_capsule_seg'
    """

    def __getattr__(name: str) -> _Value:
        for spec in list(DATASETS.values()):
            if spec.class_name == name:
                return make(spec)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__


def check_spec(spec: DatasetSpec) -> None:
    """Check that a spec can be registered: its name, configs, classes and field types.

    Args:
        spec: the spec to check.

    Raises:
        CatalogError: something is wrong with the spec (the message lists every problem).

    Example:
        >>> from dataclasses import replace
        >>> check_spec(KVASIR_SEG)
        >>> try:
        ...     check_spec(replace(KVASIR_SEG, name="Kvasir SEG"))
        ... except CatalogError as error:
        ...     print(str(error).split(". ")[0])
        Dataset spec 'Kvasir SEG' is not usable: name 'Kvasir SEG' is not lower_snake_case
    """
    problems = []
    if not _NAME.match(spec.name):
        problems.append(f"name {spec.name!r} is not lower_snake_case")
    if not spec.configs:
        problems.append("it has no config")
    if not spec.classes or len(set(spec.classes)) != len(spec.classes):
        problems.append(f"its classes {spec.classes!r} are empty or repeated")
    if len(spec.classes) > 1 and not spec.has_box_file:
        problems.append(
            "it has several classes but no box file: boxes derived from a mask have no class"
        )
    for config in spec.configs:
        if not config.splits:
            problems.append(f"config {config.name!r} has no split")
        for split in config.splits:
            if isinstance(split.source, str) and split.source not in ("all", "rest"):
                problems.append(
                    f"split {config.name}/{split.name} takes {split.source!r}: use 'all', "
                    "'rest', IdList(package, path) or ArchiveList(member)"
                )
    for extra in spec.extra_fields:
        if extra.dtype not in FIELD_TYPES:
            problems.append(f"extra field {extra.name!r} has type {extra.dtype!r}")
    if not spec.filename.endswith(".zip"):
        problems.append(f"archive {spec.filename!r} is not a .zip")
    if problems:
        raise CatalogError(
            f"Dataset spec {spec.name!r} is not usable: {'; '.join(problems)}. Expected: a "
            f"lower_snake_case name, configs with splits, extra field types among "
            f"{', '.join(FIELD_TYPES)}."
        )
