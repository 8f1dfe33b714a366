"""The TFDS features of the catalog's datasets, and the record a core example becomes.

The records hold what the Hugging Face builders hold, in TFDS's conventions: the image is
the archive's JPEG, unchanged, decoded to Pillow's pixels on every path (see
:class:`PillowImage`); the mask an 8-bit PNG with values 0/1, decoded by the same class (it
decodes to the same array through TensorFlow and through ``tfds.data_source``); boxes are
normalised ``(ymin, xmin, ymax, xmax)`` in [0, 1].

Example:
    >>> from kvasir_seg.catalog import get_spec
    >>> from kvasir_seg_tfds.features import features_for
    >>> sorted(features_for(get_spec("kvasir_capsule_seg")))[:3]
    ['bbox_source', 'bboxes', 'frame']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow_datasets as tfds

from kvasir_seg.archive import Example
from kvasir_seg.catalog import DatasetSpec
from kvasir_seg.fields import Field, schema
from kvasir_seg.image_files import opened_image
from kvasir_seg.masks import Box, encode_mask_png


class PillowImage(tfds.features.Image):
    """``tfds.features.Image`` whose pixels are Pillow's (so Hugging Face's) on every path.

    TensorFlow decodes JPEGs with a fast IDCT by default, up to 4 levels off Pillow's on
    most pixels; ``tf.data`` here decodes with ``dct_method="INTEGER_ACCURATE"``, which
    gives Pillow's pixels exactly (4:4:4, 4:2:2, 4:2:0, progressive). ``tfds.data_source``
    decodes with Pillow, never OpenCV: TFDS's own ``decode_example_np`` (4.9.x) takes OpenCV
    when it is installed and otherwise logs "OpenCV is not installed. We recommend using
    OpenCV ...", advice that does not apply here. The masks (8-bit PNG, lossless) use this
    class too, so that no path of ours reaches TFDS's numpy decoding.

    TFDS records the class in ``features.json``, so a dataset read back from its folder
    (``tfds.builder_from_directory``) decodes the same way.

    Args:
        *args: As ``tfds.features.Image`` takes them.
        **kwargs: As ``tfds.features.Image`` takes them (``shape``, ``encoding_format``,
            ``doc``, ...).

    Example:
        >>> import io
        >>> from PIL import Image
        >>> png = io.BytesIO()
        >>> Image.new("L", (3, 2), 1).save(png, "PNG")
        >>> PillowImage(shape=(None, None, 1)).decode_example_np(png.getvalue()).shape
        (2, 3, 1)
    """

    def decode_example(self, example: Any) -> Any:
        """The image tensor of the file bytes ``example``, as ``tf.data`` decodes it.

        Args:
            example: A scalar string tensor: the file's bytes (JPEG or PNG).

        Returns:
            An H x W x C ``uint8`` tensor, JPEGs decoded to Pillow's pixels.

        Example:
            >>> import io
            >>> import tensorflow as tf
            >>> from PIL import Image
            >>> png = io.BytesIO()
            >>> Image.new("RGB", (3, 2), (9, 8, 7)).save(png, "PNG")
            >>> PillowImage().decode_example(tf.constant(png.getvalue())).numpy()[0, 0].tolist()
            [9, 8, 7]
        """
        import tensorflow as tf  # only on this path: data_source users need no TensorFlow

        channels = self.shape[-1]
        image = tf.cond(
            tf.io.is_jpeg(example),
            lambda: tf.io.decode_jpeg(example, channels=channels, dct_method="INTEGER_ACCURATE"),
            lambda: tf.io.decode_image(example, channels=channels, expand_animations=False),
        )
        image.set_shape(self.shape)
        return image

    def decode_example_np(self, example: bytes) -> np.ndarray:
        """The image array of the file bytes ``example``, decoded by Pillow (``tfds.data_source``).

        Args:
            example: The file's bytes (JPEG or PNG).

        Returns:
            An H x W x C ``uint8`` array.

        Raises:
            kvasir_seg.errors.ArchiveError: Bytes Pillow cannot decode.

        Example:
            >>> import io
            >>> from PIL import Image
            >>> png = io.BytesIO()
            >>> Image.new("RGB", (3, 2), (9, 8, 7)).save(png, "PNG")
            >>> PillowImage().decode_example_np(png.getvalue())[0, 0].tolist()
            [9, 8, 7]
        """
        mode = "L" if self.shape[-1] == 1 else "RGB"
        with opened_image(example, "image") as image:
            pixels = np.asarray(image if image.mode == mode else image.convert(mode))
        return pixels[..., None] if pixels.ndim == 2 else pixels


def features_for(spec: DatasetSpec) -> tfds.features.FeaturesDict:
    """The features of ``spec``'s examples, made from its schema (:func:`kvasir_seg.fields.schema`).

    The image is decoded as Pillow decodes it, the mask as H x W x 1 with values 0/1, boxes
    are normalised, with a ``ClassLabel`` of the dataset's classes.

    Args:
        spec: A dataset of the catalog.

    Returns:
        The features, one per field of the schema.

    Example:
        >>> from kvasir_seg.catalog import get_spec
        >>> features = features_for(get_spec("kvasir_seg"))
        >>> features["mask"].shape, features["bboxes"]["label"].names
        ((None, None, 1), ['polyp'])
    """
    return tfds.features.FeaturesDict({f.name: _feature(f, spec) for f in schema(spec)})


def _feature(field: Field, spec: DatasetSpec) -> tfds.features.FeatureConnector:
    if field.kind == "image":
        return PillowImage(
            encoding_format="jpeg", doc=f"{field.description} Decoded to Pillow's pixels."
        )
    if field.kind == "mask":
        return PillowImage(
            shape=(None, None, 1), doc=f"{field.description} Stored as an 8-bit 0/1 PNG."
        )
    if field.kind == "boxes":
        return tfds.features.Sequence(
            {
                "bbox": tfds.features.BBoxFeature(
                    doc="Normalised (ymin, xmin, ymax, xmax), clipped to [0, 1]."
                ),
                "label": tfds.features.ClassLabel(names=list(spec.classes)),
            },
            doc=field.description,
        )
    if field.kind == "string":
        return tfds.features.Text(doc=field.description)
    return tfds.features.Scalar(np.dtype(field.kind), doc=field.description)


def normalised_bbox(box: Box, width: int, height: int) -> tfds.features.BBox:
    """A pixel box in TFDS's normalised convention, clipped to [0, 1].

    Args:
        box: A box in pixels (``xmin``, ``ymin``, ``xmax``, ``ymax``).
        width: The image's width in pixels.
        height: The image's height in pixels.

    Returns:
        The box as ``tfds.features.BBox(ymin, xmin, ymax, xmax)``.

    Example:
        >>> normalised_bbox(Box(xmin=0, ymin=10, xmax=50, ymax=20), width=100, height=40)
        BBox(ymin=0.25, xmin=0.0, ymax=0.5, xmax=0.5)
    """
    ymin, xmin, ymax, xmax = np.clip(
        [box.ymin / height, box.xmin / width, box.ymax / height, box.xmax / width], 0.0, 1.0
    ).tolist()
    return tfds.features.BBox(ymin=ymin, xmin=xmin, ymax=ymax, xmax=xmax)


def to_record(example: Example) -> dict[str, Any]:
    """The TFDS record of a core example (the module docstring says its conventions).

    Args:
        example: An example as the core reader gives it.

    Returns:
        A dict that :func:`features_for` encodes.

    Example:
        >>> import numpy as np
        >>> from kvasir_seg.archive import Example
        >>> record = to_record(Example("a", b"JPEG bytes", np.eye(2, dtype=bool), 2, 2, (), "mask"))
        >>> record["image"], record["mask"][1:4], record["bboxes"]
        (b'JPEG bytes', b'PNG', [])
    """
    return {
        "image_id": example.image_id,
        "image": example.image_bytes,
        "mask": encode_mask_png(example.mask, one_bit=False),
        "bboxes": [
            {"bbox": normalised_bbox(box, example.width, example.height), "label": box.label}
            for box in example.bboxes
        ],
        "bbox_source": example.bbox_source,
        "height": example.height,
        "width": example.width,
        **example.extra,
    }
