"""Resize a prediction to its reference's size before it is scored, with a Pillow filter.

Models save predictions at the network's size (e.g. 352x352); the papers' test scripts
resize them to the ground truth before scoring (PraNet's MATLAB toolbox: bicubic
``imresize``; most PyTorch test scripts: bilinear upsampling). ``resize`` names the Pillow
filter applied to the prediction as it is stored, before the protocol's threshold(s):

- ``"none"`` (the default): no resizing; a prediction whose size differs from its
  reference is an error;
- ``"nearest"``, ``"bilinear"``, ``"bicubic"``: Pillow's filters of those names
  (``PIL.Image.Resampling``), with Pillow's own support sizes and antialiasing.

The map keeps its kind and precision:

- 8-bit maps are resized as 8-bit images (mode ``L``; Pillow rounds and clips to 0..255);
- float probabilities as 32-bit floats (mode ``F``), clipped to [0, 1] since bicubic
  overshoots; 16-bit files, read as float32 probabilities, so keep their 16-bit precision;
- binary masks (bool, 0/1 integers) as 0/255 8-bit maps: bilinear and bicubic give soft
  edges that the protocol then thresholds, as a saved 0/255 PNG would; ``nearest``
  returns a binary mask.

A prediction already at the reference's size is returned unchanged, whatever the filter.

    >>> import numpy as np
    >>> small = np.array([[0, 255], [255, 0]], np.uint8)
    >>> resize_prediction(small, (4, 4), "nearest").tolist()[0]
    [0, 0, 255, 255]
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from kvasir_seg.score_settings import check_resize

_FILTERS = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
}


def resize_prediction(prediction: np.ndarray, shape: tuple[int, int], resize: str) -> np.ndarray:
    """Resize a prediction to ``shape`` with the Pillow filter named ``resize``.

    The map keeps its kind (see the module doc): an 8-bit map is resized as an 8-bit image,
    float probabilities as 32-bit floats clipped to [0, 1], a binary mask as a 0/255 map.

    Args:
        prediction: One prediction, 2-D (H x W), whose values are already checked
            (:func:`kvasir_seg.scores.inputs.prediction_array`): bool, 0/1 integers,
            integers in 0..255, or floats in [0, 1].
        shape: The size to reach, ``(height, width)``: the reference's shape.
        resize: ``"nearest"``, ``"bilinear"`` or ``"bicubic"`` (Pillow's filters of those
            names), or ``"none"``; case and spaces ignored.

    Returns:
        ``prediction`` itself when ``resize`` is ``"none"`` or its shape is already
        ``shape``; else a ``shape`` array: float32 in [0, 1] for floats, bool for a binary
        mask resized with ``"nearest"``, uint8 otherwise (a binary mask becomes 0/255).

    Raises:
        MetricInputError: If ``resize`` is not one of those names.

    Example:
        >>> resize_prediction(np.array([[0.0, 1.0]]), (1, 4), "bilinear")
        array([[0.  , 0.25, 0.75, 1.  ]], dtype=float32)
        >>> resize_prediction(np.array([[0, 255]], np.uint8), (1, 4), "bilinear")
        array([[  0,  64, 191, 255]], dtype=uint8)
        >>> resize_prediction(np.array([[False, True]]), (1, 4), "nearest")
        array([[False, False,  True,  True]])
    """
    method = check_resize(resize)
    if method == "none" or prediction.shape == tuple(shape):
        return prediction
    height, width = shape
    size, kind = (int(width), int(height)), prediction.dtype.kind
    if kind == "f":
        image = Image.fromarray(np.asarray(prediction, dtype=np.float32), "F")
        resized = np.asarray(image.resize(size, _FILTERS[method]), dtype=np.float32)
        return np.clip(resized, 0.0, 1.0)
    binary = kind == "b" or int(prediction.max()) <= 1
    if binary:
        eight_bit = (prediction != 0).view(np.uint8) * np.uint8(255)
    else:
        eight_bit = prediction if prediction.dtype == np.uint8 else prediction.astype(np.uint8)
    resized = np.asarray(Image.fromarray(eight_bit, "L").resize(size, _FILTERS[method]))
    return resized > 127 if binary and method == "nearest" else resized
