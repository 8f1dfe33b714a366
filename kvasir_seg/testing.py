"""Test helpers: synthetic archives in the exact layouts of the real ones.

Not used by the readers, builders or scores: only by tests (this project's and a plugin
author's), the benchmarks and ``python -m kvasir_seg_tfds.generate`` (TFDS dummy data).

The project cannot ship or download the real data in its tests, so the tests, the
benchmarks and the TFDS dummy data are built from archives this module writes: the same
folder and file names, RGB JPEG images at real Kvasir-SEG sizes, JPEG masks with
compression noise (RGB for Kvasir-SEG and Sessile, single-channel for the capsule frames),
PNG masks with three equal channels, tool = 255, for Kvasir-Instrument (as public scripts
read them, ``np.array(png)[:, :, 0] / 255``), an unsorted box file with several and
degenerate boxes, and real ids taken from the official split lists.

    >>> import tempfile
    >>> from kvasir_seg.testing import write_archive
    >>> write_archive("kvasir_seg", tempfile.mkdtemp(), count=12).name
    'kvasir-seg.zip'

How a dataset's stand-in is written is its :class:`SyntheticLayout`: the built-in datasets
have theirs here; a plugin registers one with :func:`register_layout` (otherwise a default
follows from its spec).
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image

from kvasir_seg.catalog import DatasetSpec, get_spec
from kvasir_seg.errors import CatalogError
from kvasir_seg.masks import boxes_from_mask
from kvasir_seg.splits import read_id_list


@dataclass(frozen=True)
class SyntheticLayout:
    """How :func:`write_archive` writes a stand-in archive of a dataset.

    Args:
        style: ``"kvasir"`` (``<root>/images/<id>.jpg`` and ``<root>/masks/<id>.jpg`` with
            real Kvasir-SEG ids, RGB JPEG masks, and ``kavsir_bboxes.json`` when
            ``box_file``), ``"capsule"`` (frames ``<video>_<frame>`` of one capsule video,
            in one of :data:`CAPSULE_LAYOUTS`) or ``"instrument"`` (Kvasir-Instrument as a
            public converter reads it: ``<root>/images/<id>.jpg``, ``<root>/masks/<id>.png``
            (RGB, equal channels, 0/255, or another of :data:`MASK_MODES`),
            ``<root>/bboxes.json`` whose labels name the spec's first class, and the split
            lists ``<root>/train.txt`` and ``<root>/test.txt``; the other
            :data:`INSTRUMENT_LAYOUTS` nest the folders as users have them).
        count: the default number of examples.
        box_file: whether a ``"kvasir"`` archive has a box file.
        dummy_count: the number of examples in the TFDS folder's ``dummy_data/``.
        dummy_sizes: the image sizes there (None: the style's own).
        dummy_layout: the layout written there.

    Example:
        >>> SyntheticLayout(count=4, box_file=True).style
        'kvasir'
    """

    style: str = "kvasir"
    count: int = 8
    box_file: bool = False
    dummy_count: int = 4
    dummy_sizes: tuple[tuple[int, int], ...] | None = ((88, 72), (100, 80))
    dummy_layout: str = "repack"


#: The styles of :class:`SyntheticLayout`.
STYLES = ("kvasir", "capsule", "instrument")

#: The forms Kvasir-Instrument is found in (see FACTS.md), by ``layout`` name:
INSTRUMENT_LAYOUTS = {
    # the folders unpacked: <root>/images/<id>.jpg and <root>/masks/<id>.png
    "repack": ("images", "masks"),
    # as two public preparation scripts read the download: images.tar.gz and masks.tar.gz
    # members (each holding images/ or masks/) beside the lists and the box file
    "nested": ("images.tar.gz", "masks.tar.gz"),
    # as public notebooks read it: each .tar.gz unpacked in place into a folder of its
    # name, <root>/images/images/<id>.jpg and <root>/masks/masks/<id>.png
    "notebook": ("images/images", "masks/masks"),
}

#: The PNG encodings :func:`write_archive` writes Kvasir-Instrument's masks in (tool = 255):
#: RGB and RGBA (opaque) with equal channels, 8-bit grey, 1-bit, and a palette whose index
#: 1 is the tool.
MASK_MODES = ("RGB", "RGBA", "L", "1", "P")

_LAYOUTS: dict[str, SyntheticLayout] = {
    "kvasir_seg": SyntheticLayout(
        count=12, box_file=True, dummy_count=6, dummy_sizes=((96, 80), (120, 90), (80, 64))
    ),
    "kvasir_sessile": SyntheticLayout(),
    "kvasir_capsule_seg": SyntheticLayout(
        style="capsule", count=55, dummy_count=3, dummy_sizes=None, dummy_layout="official-guess"
    ),
    "kvasir_instrument": SyntheticLayout(
        style="instrument", count=10, box_file=True, dummy_count=5, dummy_sizes=((96, 80),)
    ),
}


def register_layout(spec: DatasetSpec, layout: SyntheticLayout) -> SyntheticLayout:
    """Say how the stand-in archives of a dataset (e.g. a plugin's) are written.

    Args:
        spec: the dataset.
        layout: its synthetic layout.

    Returns:
        ``layout``.

    Raises:
        CatalogError: the layout cannot stand in for the spec's archive (an unknown style,
            a box file the spec says the archive lacks or has).

    Example:
        >>> from dataclasses import replace
        >>> spec = replace(get_spec("kvasir_sessile"), name="my_polyps")
        >>> register_layout(spec, SyntheticLayout(count=5)).count
        5
    """
    problems = []
    if layout.style not in STYLES:
        problems.append(f"style {layout.style!r} is not one of {', '.join(STYLES)}")
    writes_boxes = layout.style == "instrument" or (layout.box_file and layout.style == "kvasir")
    if spec.has_box_file is not None and spec.has_box_file != writes_boxes:
        problems.append(
            f"the spec's has_box_file is {spec.has_box_file} but these synthetic archives "
            f"{'have' if writes_boxes else 'have no'} box file"
        )
    if problems:
        raise CatalogError(f"Synthetic layout of {spec.name!r}: {'; '.join(problems)}.")
    _LAYOUTS[spec.name] = layout
    return layout


def synthetic_layout(spec: DatasetSpec) -> SyntheticLayout:
    """The layout of a dataset's stand-in archives.

    Args:
        spec: the dataset.

    Returns:
        The layout registered for it (the built-in datasets have theirs), else one made
        from the spec: at most 8 examples, a box file when the spec says it has one.

    Example:
        >>> synthetic_layout(get_spec("kvasir_capsule_seg")).count
        55
    """
    known = _LAYOUTS.get(spec.name)
    if known is not None:
        return known
    return SyntheticLayout(count=min(8, spec.expected_examples), box_file=bool(spec.has_box_file))


#: Image sizes (width x height: count) of the 1000 Kvasir-SEG images, as recorded in the
#: archive's box file. Sampling from it reproduces the real size distribution.
KVASIR_SEG_SIZES = """
622x530:78 626x547:66 626x546:61 622x529:56 622x528:53 622x531:50 570x530:33 570x531:19
720x576:17 1348x1070:17 571x530:14 623x528:14 621x529:12 621x530:11 571x531:10 621x528:10
621x531:9 623x529:8 616x530:7 599x531:6 616x528:6 584x530:5 600x528:5 615x530:5 617x531:5
618x530:5 619x528:5 627x547:5 605x528:4 613x530:4 616x529:4 619x529:4 619x530:4 620x530:4
622x527:4 1220x1011:4 570x529:3 576x530:3 590x528:3 593x530:3 598x531:3 603x530:3 604x530:3
611x530:3 612x530:3 615x529:3 617x528:3 620x531:3 625x547:3 494x530:2 510x528:2 528x528:2
548x531:2 554x529:2 554x531:2 559x530:2 562x530:2 568x529:2 569x531:2 572x547:2 584x529:2
587x530:2 591x529:2 594x528:2 594x530:2 595x528:2 595x531:2 597x529:2 598x530:2 598x546:2
599x528:2 600x529:2 601x528:2 602x528:2 605x529:2 605x530:2 607x528:2 607x530:2 608x528:2
608x529:2 609x531:2 611x528:2 611x531:2 613x528:2 613x531:2 614x530:2 614x531:2 615x528:2
615x546:2 616x546:2 617x529:2 617x530:2 618x528:2 618x531:2 619x531:2 619x547:2 621x547:2
622x511:2 622x546:2 623x546:2 625x546:2 1220x1010:2 332x487 370x523 396x480 401x415 421x547
437x529 443x530 446x530 451x530 459x526 465x525 465x530 469x449 474x458 475x528 477x530
480x531 481x530 484x530 490x531 495x529 502x529 504x530 509x530 511x530 519x511 520x529
522x483 524x529 525x531 529x531 530x528 531x530 535x531 536x530 537x530 540x528 540x530
541x528 541x530 543x528 545x433 545x547 546x530 547x437 547x530 547x546 549x530 549x531
551x430 551x477 551x531 552x530 552x531 553x530 554x530 556x530 557x474 557x528 557x530
557x531 558x454 558x531 560x424 560x529 561x528 561x529 561x530 562x449 562x502 562x529
563x531 564x527 564x529 564x530 565x530 566x429 566x492 566x530 566x531 567x528 568x352
568x497 568x531 568x546 569x430 569x495 569x518 569x530 570x479 570x508 570x518 570x521
570x528 571x506 571x521 571x529 572x529 572x531 574x530 575x509 575x530 575x531 576x476
576x547 577x505 577x506 577x528 577x530 578x530 580x528 580x531 581x528 581x529 581x531
582x531 583x530 585x530 585x546 586x479 586x514 586x528 586x530 588x528 588x530 589x530
589x546 590x506 590x529 590x530 590x531 591x530 592x421 592x482 592x527 592x528 592x529
592x531 593x435 593x529 594x529 595x546 596x508 596x528 596x530 597x401 597x528 597x546
597x547 598x528 599x527 599x530 600x531 601x506 601x526 602x474 602x546 603x520 603x528
603x531 604x445 604x531 605x444 605x473 605x510 605x511 605x531 605x546 606x528 606x530
606x531 609x505 609x528 609x530 609x546 610x509 610x528 610x531 611x423 611x529 612x482
612x519 612x522 612x528 612x529 612x544 612x546 613x529 613x547 614x528 614x529 614x546
615x490 615x520 616x503 616x547 617x513 617x547 618x494 618x529 619x471 620x475 620x529
620x546 620x547 621x510 621x520 621x522 621x527 621x546 622x393 622x480 622x484 622x496
622x504 622x508 622x510 622x547 623x476 623x547 624x546 625x513 626x474 626x538 1205x1010
1210x1011 1214x1019 1220x1009 1224x1012 1348x1062 1920x1072
"""

#: The id of the capsule video the frames come from.
CAPSULE_VIDEO = "131368cc17e44240"
#: The capsule frames: 28955..29015 without 28988..28993 (55 frames of one video).
CAPSULE_FRAMES = tuple(f for f in range(28955, 29016) if not 28988 <= f <= 28993)
#: The capsule frames' size (width, height).
CAPSULE_SIZE = (336, 336)

#: Folder layouts of the capsule archive (its real folder names are unknown), as
#: (images, masks, box-drawn overlays or None, mask file suffix): the re-pack seen in the
#: wild, a guess at the official one with a folder of box-drawn images, folders whose
#: names say nothing, names that mislead (a "labelled" folder of overlays, an annotated
#: folder listed before the images), and the authors' own copy with RGB PNG masks.
CAPSULE_LAYOUTS = {
    "repack": ("Kvasir_Capsule_Seg/images", "Kvasir_Capsule_Seg/masks", None, ".jpg"),
    "official-guess": (
        "kvasir-capsule-seg/images",
        "kvasir-capsule-seg/ground truth",
        "kvasir-capsule-seg/bbox",
        ".jpg",
    ),
    "unnamed": ("capsule/a", "capsule/b", None, ".jpg"),
    "misleading": (
        "capsule/images",
        "capsule/segmentation",
        "capsule/labelled_frames",
        ".jpg",
    ),
    "annotated-first": (
        "capsule/images",
        "capsule/masks",
        "capsule/images_annotated",
        ".jpg",
    ),
    "authors-copy": (
        "Kvasir-Capsule-polyp-seg-Final/images",
        "Kvasir-Capsule-polyp-seg-Final/masks",
        None,
        ".png",
    ),
}


def size_distribution() -> list[tuple[int, int]]:
    """All 1000 Kvasir-SEG (width, height) pairs, most common first."""
    sizes = []
    for token in KVASIR_SEG_SIZES.split():
        size, _, count = token.partition(":")
        width, height = (int(v) for v in size.split("x"))
        sizes.extend([(width, height)] * int(count or 1))
    return sizes


def kvasir_seg_ids(count: int) -> list[str]:
    """Real Kvasir-SEG ids, from the official validation, PraNet test and official train splits.

    Args:
        count: how many.

    Returns:
        ``count`` ids, sorted (all 1000 when ``count`` >= 1000).

    Example:
        >>> len(kvasir_seg_ids(8)), len(kvasir_seg_ids(2000))
        (8, 1000)
    """
    train = read_id_list("kvasir_seg/official/train.txt")
    val = read_id_list("kvasir_seg/official/val.txt")
    if count >= len(train) + len(val):
        return sorted(train + val)
    pranet = set(read_id_list("kvasir_seg/pranet/test.txt"))
    quarter = max(1, count // 4)
    chosen = list(val[:quarter])
    chosen += [i for i in train if i in pranet][:quarter]
    chosen += [i for i in train if i not in pranet][: count - len(chosen)]
    return sorted(chosen[:count])


def _image(rng: np.random.Generator, width: int, height: int) -> bytes:
    """An endoscopy-like RGB JPEG: a smooth reddish vignette plus texture noise."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    radius = np.hypot((x - width / 2) / width, (y - height / 2) / height)
    base = np.clip(1.1 - 1.6 * radius, 0, 1)[..., None] * np.array([200, 110, 90], np.float32)
    noise = rng.normal(0, 12, size=(height, width, 3)).astype(np.float32)
    pixels = np.clip(base + noise, 0, 255).astype(np.uint8)
    return _jpeg(Image.fromarray(pixels, "RGB"), quality=75)


def _mask(
    rng: np.random.Generator, width: int, height: int, polyps: int, speck: bool
) -> np.ndarray:
    """A bool mask with ``polyps`` ellipses (possibly touching the border) and maybe a speck."""
    y, x = np.mgrid[0:height, 0:width]
    mask = np.zeros((height, width), dtype=bool)
    for _ in range(polyps):
        cx, cy = rng.uniform(0.05, 0.95) * width, rng.uniform(0.05, 0.95) * height
        rx, ry = rng.uniform(0.05, 0.3) * width, rng.uniform(0.05, 0.3) * height
        mask |= ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1
    if speck:
        mask[0, 0] = True
    return mask


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def _mask_jpeg(mask: np.ndarray, mode: str) -> bytes:
    """The mask as the archives store it: a JPEG (RGB or L) of 0/255 values, quality 95."""
    grey = Image.fromarray(mask.astype(np.uint8) * 255, "L")
    return _jpeg(grey.convert(mode), quality=95)


def _official_boxes(rng: np.random.Generator, mask: np.ndarray, index: int) -> list[dict]:
    """Boxes as the box file has them: from the mask, plus the quirks of the real file."""
    height, width = mask.shape
    boxes = [b._asdict() for b in boxes_from_mask(mask)]
    for box in boxes:
        del box["label"]  # the file names the class (below), not its index
    if index % 5 == 1:  # a degenerate box one pixel high, and a tiny 3x3 one
        boxes.append({"xmin": 10, "ymin": 20, "xmax": 60, "ymax": 21})
        boxes.append({"xmin": 30, "ymin": 30, "xmax": 33, "ymax": 33})
    if index % 7 == 2:  # a box on the image border: xmin 0, xmax == width
        boxes.append({"xmin": 0, "ymin": 5, "xmax": width, "ymax": min(height, 40)})
    rng.shuffle(boxes)
    return [{"label": "polyp", **box} for box in boxes]


class _Writer:
    """Writes members either into a zip or into a folder, with the same names.

    Names are relative to the archive's top: an absolute name or one that climbs out
    (``..``) is refused, so nothing is ever written outside the target.
    """

    def __init__(self, target: Path, zipped: bool) -> None:
        self.target = target
        self.zip = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) if zipped else None

    def add(self, name: str, data: bytes) -> None:
        parts = PurePosixPath(name).parts
        if not parts or PurePosixPath(name).is_absolute() or ".." in parts:
            raise ValueError(f"member name {name!r} is not relative to the archive's top")
        if self.zip is not None:
            self.zip.writestr(name, data)
        else:
            path = self.target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def write_archive(
    dataset: str | DatasetSpec,
    directory: str | Path,
    *,
    count: int | None = None,
    seed: int = 0,
    zipped: bool = True,
    layout: str = "repack",
    box_file: bool | None = None,
    sizes: list[tuple[int, int]] | None = None,
    junk: bool = True,
    mask_mode: str | None = None,
) -> Path:
    """Write a synthetic archive of a dataset, in the layout of the real one.

    The layout is the spec's :func:`synthetic_layout`.

    Args:
        dataset: the dataset's name or spec.
        directory: where to write it (created if needed).
        count: the number of examples (default: the layout's: 12 Kvasir-SEG, 8 sessile,
            55 capsule frames, 10 Kvasir-Instrument).
        seed: the seed of the random images and masks.
        zipped: True writes the zip; False the folder it would extract to.
        layout: ``"repack"`` (the plain layout), or one of :data:`CAPSULE_LAYOUTS` or
            :data:`INSTRUMENT_LAYOUTS` for those datasets.
        box_file: whether a box file is written (None: the layout's; the capsule archive
            never has one).
        sizes: the image sizes, overriding the sampled Kvasir-SEG ones.
        junk: add ``__MACOSX`` and dot-files, which a reader must skip.
        mask_mode: the PNG mode of Kvasir-Instrument's masks (one of :data:`MASK_MODES`;
            None: RGB).

    Returns:
        The zip (named as the official one), or the folder.

    Raises:
        ValueError: ``mask_mode`` for a dataset other than Kvasir-Instrument, or a
            ``layout`` the dataset's synthetic archives do not have.

    Example:
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> write_archive("kvasir_instrument", folder, layout="notebook", mask_mode="RGBA").name
        'kvasir-instrument.zip'
    """
    spec = get_spec(dataset) if isinstance(dataset, str) else dataset
    synthetic = synthetic_layout(spec)
    if mask_mode is not None and synthetic.style != "instrument":
        raise ValueError(f"mask_mode is for Kvasir-Instrument's PNG masks, not {spec.name}'s")
    layouts = {"kvasir": ("repack",), "capsule": CAPSULE_LAYOUTS, "instrument": INSTRUMENT_LAYOUTS}
    if layout not in layouts[synthetic.style]:
        raise ValueError(
            f"layout {layout!r} is not one of {spec.name}'s: {', '.join(layouts[synthetic.style])}"
        )
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    target = directory / spec.filename if zipped else directory
    writer = _Writer(target, zipped)
    try:
        if synthetic.style == "capsule":
            _write_capsule(writer, rng, count or synthetic.count, layout)
        elif synthetic.style == "instrument":
            _write_instrument(
                writer, rng, spec, count or synthetic.count, sizes, layout, mask_mode or "RGB"
            )
        else:
            with_boxes = synthetic.box_file if box_file is None else box_file
            root = spec.root_folder or ""
            _write_kvasir(writer, rng, root, count or synthetic.count, with_boxes, sizes)
        if junk:
            writer.add("__MACOSX/._junk.jpg", b"\x00\x05\x16\x07 not an image")
            writer.add(_member(spec.root_folder or "capsule", ".DS_Store"), b"\x00\x00\x00\x01Bud1")
    finally:
        writer.close()
    return target


def write_dummy_data(spec: DatasetSpec, directory: str | Path) -> Path:
    """Write the small extracted archive of a TFDS folder's ``dummy_data/``.

    Args:
        spec: the dataset (its :func:`synthetic_layout` says what is written).
        directory: the ``dummy_data/`` folder.

    Returns:
        ``directory``.

    Example:
        >>> import tempfile
        >>> folder = write_dummy_data(get_spec("kvasir_seg"), tempfile.mkdtemp())
        >>> sorted(path.name for path in (folder / "Kvasir-SEG").iterdir())
        ['images', 'kavsir_bboxes.json', 'masks']
    """
    synthetic = synthetic_layout(spec)
    sizes = list(synthetic.dummy_sizes) if synthetic.dummy_sizes else None
    return write_archive(
        spec,
        directory,
        count=synthetic.dummy_count,
        zipped=False,
        junk=False,
        sizes=sizes,
        layout=synthetic.dummy_layout,
    )


def _write_kvasir(
    writer: _Writer,
    rng: np.random.Generator,
    root: str,
    count: int,
    with_boxes: bool,
    sizes: list[tuple[int, int]] | None,
) -> None:
    ids = kvasir_seg_ids(count)
    if sizes is None:
        everything = size_distribution()
        sizes = (
            [everything[i] for i in rng.permutation(len(everything))[: len(ids)]]
            if len(ids) <= 1000
            else everything
        )
    entries = {}
    for index, image_id in enumerate(ids):
        width, height = sizes[index % len(sizes)]
        mask = _mask(
            rng, width, height, polyps=1 + (index % 4 == 3) + (index % 9 == 4), speck=index % 6 == 5
        )
        writer.add(_member(root, "images", f"{image_id}.jpg"), _image(rng, width, height))
        writer.add(_member(root, "masks", f"{image_id}.jpg"), _mask_jpeg(mask, "RGB"))
        entries[image_id] = {
            "height": height,
            "width": width,
            "bbox": _official_boxes(rng, mask, index),
        }
    if with_boxes:
        order = rng.permutation(len(ids))
        unsorted = {ids[i]: entries[ids[i]] for i in order}
        writer.add(_member(root, "kavsir_bboxes.json"), json.dumps(unsorted, indent=4).encode())


def _member(*parts: str) -> str:
    """The member path of ``parts`` below the archive's top (empty parts dropped)."""
    return "/".join(part.strip("/") for part in parts if part.strip("/"))


def _mask_png(mask: np.ndarray, mode: str = "RGB") -> bytes:
    """The mask as a PNG of ``mode`` (one of :data:`MASK_MODES`), tool or polyp = 255.

    The default is how the capsule authors' own copy stores its masks (and public scripts
    read Kvasir-Instrument's): RGB, three equal channels, 0/255.
    """
    if mode not in MASK_MODES:
        raise ValueError(f"mask mode {mode!r} is not one of {', '.join(MASK_MODES)}")
    grey = Image.fromarray(mask.astype(np.uint8) * 255, "L")
    if mode == "P":  # a label map: index 1 is the tool, drawn white
        image = Image.fromarray(mask.astype(np.uint8), "P")
        image.putpalette([0, 0, 0, 255, 255, 255])
    else:
        image = grey.convert(mode)  # "RGBA": fully opaque
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def box_overlay(
    image: bytes, mask: np.ndarray, colour: tuple[int, int, int] = (0, 255, 0)
) -> bytes:
    """An image with its mask's boxes drawn on it (2-pixel lines), as in the capsule archive.

    Args:
        image: the image file's bytes.
        mask: its binary mask.
        colour: the lines' RGB colour.

    Returns:
        The drawn image, as JPEG bytes.

    Example:
        >>> import io
        >>> buffer = io.BytesIO()
        >>> Image.new("RGB", (8, 8)).save(buffer, format="JPEG")
        >>> mask = np.zeros((8, 8), bool)
        >>> mask[2:5, 2:5] = True
        >>> box_overlay(buffer.getvalue(), mask)[:2]
        b'\\xff\\xd8'
    """
    from PIL import ImageDraw

    with Image.open(io.BytesIO(image)) as opened:
        drawn = opened.convert("RGB")
    draw = ImageDraw.Draw(drawn)
    for box in boxes_from_mask(mask):
        draw.rectangle((box.xmin, box.ymin, box.xmax - 1, box.ymax - 1), outline=colour, width=2)
    return _jpeg(drawn, quality=90)


def _write_capsule(writer: _Writer, rng: np.random.Generator, count: int, layout: str) -> None:
    images, masks, overlays, mask_suffix = CAPSULE_LAYOUTS[layout]
    width, height = CAPSULE_SIZE
    for index, frame in enumerate(CAPSULE_FRAMES[:count]):
        stem = f"{CAPSULE_VIDEO}_{frame}"
        mask = _mask(rng, width, height, polyps=1 + (index % 5 == 2), speck=False)
        image = _image(rng, width, height)
        if overlays and layout == "annotated-first":  # listed before the plain images
            writer.add(_member(overlays, f"{stem}.jpg"), box_overlay(image, mask))
        writer.add(_member(images, f"{stem}.jpg"), image)
        encoded = _mask_png(mask) if mask_suffix == ".png" else _mask_jpeg(mask, "L")
        writer.add(_member(masks, f"{stem}{mask_suffix}"), encoded)
        if overlays and layout != "annotated-first":
            writer.add(_member(overlays, f"{stem}.jpg"), box_overlay(image, mask))


#: The share of Kvasir-Instrument's official split that is training data (472 of 590).
INSTRUMENT_TRAIN_SHARE = 472 / 590


def instrument_ids(count: int) -> list[str]:
    """Ids as Kvasir-Instrument names its frames: ``ckcu`` and 21 more characters.

    Args:
        count: how many.

    Returns:
        ``count`` ids, sorted, the same at every call.

    Example:
        >>> instrument_ids(2)[0][:4], len(instrument_ids(2)[0])
        ('ckcu', 25)
    """
    import hashlib

    return sorted(
        "ckcu" + hashlib.sha256(f"instrument-{index}".encode()).hexdigest()[:21]
        for index in range(count)
    )


def _write_instrument(
    writer: _Writer,
    rng: np.random.Generator,
    spec: DatasetSpec,
    count: int,
    sizes: list[tuple[int, int]] | None,
    layout: str,
    mask_mode: str,
) -> None:
    """Kvasir-Instrument in one of :data:`INSTRUMENT_LAYOUTS` (see :class:`SyntheticLayout`)."""
    root = spec.root_folder or ""
    ids = instrument_ids(count)
    sizes = sizes or [(720, 576), (622, 528), (1280, 1024)]
    folders: dict[str, dict[str, bytes]] = {"images": {}, "masks": {}}
    entries = {}
    for index, image_id in enumerate(ids):
        width, height = sizes[index % len(sizes)]
        mask = _mask(rng, width, height, polyps=1 + (index % 3 == 1), speck=False)
        folders["images"][f"{image_id}.jpg"] = _image(rng, width, height)
        folders["masks"][f"{image_id}.png"] = _mask_png(mask, mask_mode)
        boxes = _official_boxes(rng, mask, index)
        for box in boxes:
            box["label"] = spec.classes[0]
        entries[image_id] = {"height": height, "width": width, "bbox": boxes}
    for (folder, files), place in zip(folders.items(), INSTRUMENT_LAYOUTS[layout], strict=True):
        if layout == "nested":
            writer.add(_member(root, place), _tar_gz(folder, files))
        else:
            for name, data in files.items():
                writer.add(_member(root, place, name), data)
    order = rng.permutation(len(ids))
    writer.add(
        _member(root, "bboxes.json"),
        json.dumps({ids[i]: entries[ids[i]] for i in order}, indent=2).encode(),
    )
    train = round(len(ids) * INSTRUMENT_TRAIN_SHARE)
    writer.add(_member(root, "train.txt"), "".join(f"{i}\n" for i in ids[:train]).encode())
    writer.add(_member(root, "test.txt"), "".join(f"{i}\n" for i in ids[train:]).encode())


def _tar_gz(folder: str, files: dict[str, bytes]) -> bytes:
    """A ``.tar.gz`` of ``files`` below ``folder/``, as an archive nested in the zip."""
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"{folder}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
