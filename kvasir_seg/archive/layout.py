"""Find the folder of images, the folder of masks and the box file of an archive, by content.

Folder names are not trusted: the capsule archive's real names are unknown, and names such
as ``labelled_frames/`` or ``images_annotated/`` say nothing reliable. Instead:

1. every folder holding image files is sampled (first, middle and last file by name) and
   classed as **masks** (every sample near-binary in every channel: values near 0 and the
   maximum only, so a mask whose channels disagree is still found, and then refused by
   name when it is read), **images** (no sample near-binary) or mixed;
2. the mask folder is the one folder of masks; two or more are a tie;
3. the image folder is chosen among the folders of images whose files pair by name with
   the masks and have their size. Two of them where one sits inside the other
   (``images/`` and ``images/images/``: an archive unpacked in place beside an earlier
   copy) are a tie. When several others do, they are compared file by file: where two
   differ, the plain image continues its surroundings and a box-drawn **overlay** does
   not (drawn lines stand out), so the overlay never wins; copies count once;
4. anything still undecided is a :class:`~kvasir_seg.errors.LayoutError` that lists the
   folders and what was found in each, and says how to choose.

An archive's own split lists (Kvasir-Instrument's ``train.txt`` and ``test.txt``) sit in
:attr:`Layout.root`, the folder that holds both the image and the mask folder:
``kvasir-instrument/`` whether the folders are ``images/`` and ``masks/`` or, unpacked in
place from ``images.tar.gz`` and ``masks.tar.gz``, ``images/images/`` and ``masks/masks/``.

The folders chosen are logged at WARNING when they are not the documented ones
(``images/`` and ``masks/``).

    >>> from kvasir_seg.archive.nested import open_source
    >>> layout = find_layout(open_source(path), spec)  # doctest: +SKIP
    >>> layout.image_folder, layout.mask_folder  # doctest: +SKIP
    ('Kvasir-SEG/images', 'Kvasir-SEG/masks')
"""

from __future__ import annotations

import functools
import logging
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import numpy as np
from PIL import Image
from scipy import ndimage

from kvasir_seg.archive.sources import IMAGE_SUFFIXES, Source
from kvasir_seg.catalog import DatasetSpec
from kvasir_seg.errors import KvasirSegError, LayoutError
from kvasir_seg.image_files import is_near_binary, opened_image

logger = logging.getLogger(__name__)

#: The folder names the documentation promises (any parent folder).
DOCUMENTED_NAMES = ("images", "masks")
#: Files sampled per folder.
SAMPLES = 3
#: Where two images differ by more than this (any channel), a pixel counts as changed.
_CHANGED = 48
#: Fewer changed pixels than this fraction: the two files show the same image.
_SAME = 1e-4
#: A copy saved again differs by less than this on average (0..255): JPEG noise.
_COPY_NOISE = 4.0
#: Box lines change at most this share of an image's pixels; more is another picture.
_DRAWN = 0.15
#: A drawn line stands out from its surroundings by at least this much (mean, 0..255).
_LINE_CONTRAST = 20


@dataclass(frozen=True)
class Layout:
    """Where the parts of a dataset sit inside an archive (member paths use ``/``).

    Args:
        images: ``{image id: the image file's path}``.
        masks: ``{image id: the mask file's path}``.
        box_file: the box file's path (None: the archive has none).
        ignored_folders: the folders of images that were not chosen.
        image_folder: the folder of the images.
        mask_folder: the folder of the masks.
        reasons: why each ignored folder was ignored, e.g.
            ``{"capsule/bbox": "box-drawn overlays"}``.

    Example:
        >>> layout = Layout({"a": "k/images/a.jpg"}, {"a": "k/masks/a.jpg"}, None,
        ...                 image_folder="k/images", mask_folder="k/masks")
        >>> layout.root
        'k'
    """

    images: dict[str, str]
    masks: dict[str, str]
    box_file: str | None
    ignored_folders: tuple[str, ...] = ()
    image_folder: str = ""
    mask_folder: str = ""
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def root(self) -> str:
        """The folder that holds both the image and the mask folder (``""``: the top).

        The dataset's own files, such as split lists, sit there.

        >>> Layout({}, {}, None, image_folder="k/images/images", mask_folder="k/masks/masks").root
        'k'
        """
        return posixpath.commonpath([self.image_folder, self.mask_folder])


@dataclass
class _Folder:
    path: str
    files: dict[str, str]
    kind: str = ""  # "masks", "images" or "mixed"
    sizes: tuple[tuple[int, int], ...] = ()

    def describe(self) -> str:
        return f"{self.path}/ ({len(self.files)} files, {self.kind or 'unread'})"


def find_layout(source: Source, spec: DatasetSpec) -> Layout:
    """Find the image folder, the mask folder and the box file of an archive, by content.

    The folders chosen are logged at WARNING when they are not the documented ones
    (``images/`` and ``masks/``); see the module docstring for how they are chosen.

    Args:
        source: the archive (:func:`~kvasir_seg.archive.nested.open_source`).
        spec: the dataset.

    Returns:
        The layout.

    Raises:
        LayoutError: no folder of masks or of images is found, or the choice is a tie (the
            message lists the folders and what was found in each, and how to choose).

    Example:
        >>> import tempfile
        >>> from kvasir_seg.archive.nested import open_source
        >>> from kvasir_seg.catalog import get_spec
        >>> from kvasir_seg.testing import write_archive
        >>> source = open_source(write_archive("kvasir_seg", tempfile.mkdtemp(), count=2))
        >>> layout = find_layout(source, get_spec("kvasir_seg"))
        >>> layout.image_folder, layout.mask_folder, layout.box_file
        ('Kvasir-SEG/images', 'Kvasir-SEG/masks', 'Kvasir-SEG/kavsir_bboxes.json')
        >>> source.close()
    """
    folders, json_files = _group(source, spec)
    for folder in folders.values():
        _classify(folder, source)
    masks = _mask_folder(folders, source, spec)
    images, reasons = _image_folder(folders, masks, source, spec)
    ignored = tuple(sorted(f for f in folders if f not in (masks.path, images.path)))
    for path in ignored:
        reasons.setdefault(path, f"{folders[path].kind}, not paired with the masks")
    chosen = (PurePosixPath(images.path).name, PurePosixPath(masks.path).name)
    if chosen != DOCUMENTED_NAMES:
        logger.warning(
            "%s: not the documented folder names; chose images in %s/ and masks in %s/ by "
            "their content%s",
            source.location,
            images.path,
            masks.path,
            "".join(f"; ignored {p}/ ({reasons[p]})" for p in ignored),
        )
    elif ignored:
        logger.info("%s: ignoring folders %s", source.location, ", ".join(ignored))
    return Layout(
        images=images.files,
        masks=masks.files,
        box_file=_find_box_file(json_files, spec, source),
        ignored_folders=ignored,
        image_folder=images.path,
        mask_folder=masks.path,
        reasons=reasons,
    )


def _group(source: Source, spec: DatasetSpec) -> tuple[dict[str, _Folder], list[str]]:
    folders: dict[str, _Folder] = {}
    json_files = []
    for name in source.names():
        path = PurePosixPath(name)
        suffix = path.suffix.lower()
        if suffix == ".json":
            json_files.append(name)
        elif suffix in IMAGE_SUFFIXES:
            folder = folders.setdefault(str(path.parent), _Folder(str(path.parent), {}))
            if path.stem in folder.files:
                raise LayoutError(
                    f"{source.location}: two files named {path.stem!r} in {path.parent}/ "
                    f"({folder.files[path.stem]} and {name}); keep one of them."
                )
            folder.files[path.stem] = name
    if not folders:
        raise LayoutError(
            f"{source.location} holds no images. Expected the {spec.title} archive "
            f"({spec.filename} from {spec.url}) or the folder it extracts to."
        )
    return folders, json_files


def _sample(files: dict[str, str]) -> list[str]:
    stems = sorted(files)
    picks = sorted({0, len(stems) // 2, len(stems) - 1})[:SAMPLES]
    return [stems[i] for i in picks]


def _classify(folder: _Folder, source: Source) -> None:
    verdicts, sizes = [], []
    for stem in _sample(folder.files):
        name = folder.files[stem]
        try:
            with opened_image(source.read(name), name, error=LayoutError) as image:
                sizes.append(image.size)
                values = _probe_values(image)
        except KvasirSegError as error:
            logger.debug("layout probe: %s", error)
            verdicts.append(None)
            continue
        verdicts.append(bool(is_near_binary(values)))
    # Files that cannot be decoded say nothing here; the reader reports them by name.
    readable = {v for v in verdicts if v is not None}
    if not readable:
        folder.kind = "unreadable"
    elif len(readable) == 2:
        folder.kind = "mixed"
    else:
        folder.kind = "masks" if True in readable else "images"
    folder.sizes = tuple(sizes)


def _probe_values(image: Image.Image) -> np.ndarray:
    """The 8-bit values a sample is classed by: every channel of a colour or palette file
    (a mask drawn in red is near-binary in each channel, not in luminance), the luminance
    of the rest (a JPEG decoded straight to it: the quick way for large photographs)."""
    if image.format == "JPEG":
        image.draft("L", image.size)
    if image.mode == "P" and np.asarray(image).max() <= 1:
        return np.asarray(image) * np.uint8(255)  # a label map: index 1 is the object
    if image.mode in ("RGB", "RGBA", "LA", "P"):
        return np.asarray(image.convert("RGBA" if "A" in image.mode else "RGB"))
    return np.asarray(image.convert("L"))


def _nested_pairs(folders: list[_Folder]) -> list[tuple[_Folder, _Folder]]:
    """The pairs (outer, inner) of ``folders`` where inner sits inside outer."""
    return [
        (outer, inner)
        for outer in folders
        for inner in folders
        if inner is not outer and inner.path.startswith(outer.path + "/" if outer.path else "")
    ]


def _nesting_advice(folders: list[_Folder]) -> str:
    """What to do when one candidate folder sits inside another, or ``""``."""
    pairs = _nested_pairs(folders)
    if not pairs:
        return ""
    outer, inner = pairs[0]
    return (
        f" {inner.path}/ sits inside {outer.path or '.'}/: an archive (or a .tar.gz such "
        f"as {posixpath.basename(inner.path)}.tar.gz) unpacked in place beside an earlier "
        "copy? The reader does not guess which copy you mean: keep one (move the other "
        "folder out, or delete the .tar.gz the folder was unpacked from), then run again."
    )


def _listing(folders: dict[str, _Folder]) -> str:
    return "; ".join(folder.describe() for _, folder in sorted(folders.items()))


def _mask_folder(folders: dict[str, _Folder], source: Source, spec: DatasetSpec) -> _Folder:
    candidates = [f for f in folders.values() if f.kind == "masks"]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise LayoutError(
            f"{source.location}: found no folder of masks (files with values near 0 and 255 "
            f"only). Found: {_listing(folders)}. Expected a folder of images and a folder of "
            f"binary masks with the same file names, as in the official {spec.filename}."
        )
    raise LayoutError(
        f"{source.location}: several folders hold masks: "
        f"{', '.join(sorted(f.path + '/' for f in candidates))}; expected one. Found: "
        f"{_listing(folders)}."
        + (
            _nesting_advice(candidates)
            or " Keep only the mask folder to use (extract the zip and move the others out), "
            "then pass the extracted folder."
        )
    )


def _image_folder(
    folders: dict[str, _Folder], masks: _Folder, source: Source, spec: DatasetSpec
) -> tuple[_Folder, dict[str, str]]:
    paired = [
        f
        for f in folders.values()
        if f is not masks and f.kind == "images" and set(f.files) & set(masks.files)
    ]
    if _nested_pairs(paired):
        raise LayoutError(
            f"{source.location}: several folders hold images named like the masks in "
            f"{masks.path}/: {', '.join(sorted(f.path + '/' for f in paired))}. Found: "
            f"{_listing(folders)}.{_nesting_advice(paired)}"
        )
    reasons: dict[str, str] = {}
    sized = paired
    if len(paired) > 1:  # a single candidate's sizes are checked per example, by name
        sized = [f for f in paired if _sizes_match(f, masks, source)]
        for folder in paired:
            if folder not in sized:
                reasons[folder.path] = "images of another size than the masks"
    if not sized:
        raise LayoutError(
            f"{source.location}: found masks in {masks.path}/ but no folder of images that "
            f"pairs with them by file name and size. Found: {_listing(folders)}. Expected the "
            f"official {spec.filename} layout (images/ and masks/)."
        )
    plain = _without_overlays(sized, source, reasons)
    if len(plain) == 1:
        return plain[0], reasons
    raise LayoutError(
        f"{source.location}: cannot tell which folder holds the plain images: "
        f"{', '.join(sorted(f.path + '/' for f in plain))} all pair with the masks in "
        f"{masks.path}/ and none of them looks like a box-drawn overlay of another. Keep only "
        "the folder of plain images next to the masks (extract the zip and move the others "
        "out), then pass the extracted folder."
    )


def _sizes_match(folder: _Folder, masks: _Folder, source: Source) -> bool:
    for stem in _sample(masks.files):
        if stem not in folder.files:
            continue
        name = folder.files[stem]
        with opened_image(source.read(name), name, error=LayoutError) as image:
            size = image.size
        with opened_image(
            source.read(masks.files[stem]), masks.files[stem], error=LayoutError
        ) as m:
            if m.size != size:
                return False
    return True


def _without_overlays(
    folders: list[_Folder], source: Source, reasons: dict[str, str]
) -> list[_Folder]:
    """The folders that are not box-drawn overlays of another; copies count once."""
    rgb = functools.cache(lambda name: _rgb(source, name))  # each sample decoded once
    kept: list[_Folder] = []
    for folder in folders:
        others = (other for other in folders if other is not folder)
        if any(_compare(folder, other, rgb) == "overlay" for other in others):
            reasons[folder.path] = "box-drawn overlays of the images"
        elif any(_compare(folder, copy, rgb) == "same" for copy in kept):
            reasons[folder.path] = "a copy of the images"
        else:
            kept.append(folder)
    return kept


def _compare(folder: _Folder, other: _Folder, rgb: Callable[[str], np.ndarray]) -> str:
    """``"overlay"`` if ``folder`` is ``other`` with drawn lines, ``"same"``, or ``"unclear"``.

    Where the two files differ, a plain image continues its surroundings (the pixels next
    to the changed ones, which both files share) and a drawn line does not: each file's
    changed pixels are compared with their nearest unchanged pixel.
    """
    verdicts = []
    for stem in _sample(folder.files):
        if stem not in other.files:
            continue
        mine, theirs = (rgb(f.files[stem]) for f in (folder, other))
        if mine.shape != theirs.shape:
            verdicts.append("unclear")
            continue
        difference = np.abs(mine - theirs)
        changed = (difference > _CHANGED).any(axis=-1)
        fraction = np.count_nonzero(changed) / changed.size
        if fraction < _SAME and difference.mean() < _COPY_NOISE:
            verdicts.append("same")  # a copy, maybe saved again as JPEG
            continue
        if fraction > _DRAWN or fraction == 0:
            # Drawn lines change a thin share of the pixels, and change them a lot: more is
            # another picture, and no pixel changed a lot is another exposure or noise.
            verdicts.append("unclear")
            continue
        _, (rows, columns) = ndimage.distance_transform_edt(changed, return_indices=True)
        near = rows[changed], columns[changed]
        own = float(np.abs(mine[changed] - mine[near]).mean())
        others = float(np.abs(theirs[changed] - theirs[near]).mean())
        verdicts.append("overlay" if own > max(2 * others, _LINE_CONTRAST) else "unclear")
    if verdicts and all(v == "same" for v in verdicts):
        return "same"
    if verdicts and all(v in ("overlay", "same") for v in verdicts) and "overlay" in verdicts:
        return "overlay"
    return "unclear"


def _rgb(source: Source, name: str) -> np.ndarray:
    with opened_image(source.read(name), name, error=LayoutError) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def _find_box_file(json_files: list[str], spec: DatasetSpec, source: Source) -> str | None:
    box_files = [f for f in json_files if "bbox" in PurePosixPath(f).name.lower()]
    if len(box_files) > 1:
        raise LayoutError(
            f"{source.location}: several box files ({', '.join(box_files)}); expected one."
        )
    if not box_files and spec.has_box_file:
        named = f"{spec.box_file} in the official {spec.filename}" if spec.box_file else ""
        raise LayoutError(
            f"{source.location}: the box file{f' ({named})' if named else ''} is missing. "
            "Download the archive again."
        )
    return box_files[0] if box_files else None
