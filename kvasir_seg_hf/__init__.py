"""Hugging Face ``datasets`` builders for every dataset of the catalog.

One builder class per catalog spec (``KvasirSeg``, ``KvasirSessile``, ``KvasirCapsuleSeg``,
and one for each spec registered at run time, e.g. ``kvasir_seg_hf.KvasirFourth`` for
``kvasir_fourth``), and ``load_dataset()``:

>>> from kvasir_seg_hf import load_dataset
>>> ds = load_dataset("kvasir_seg")  # doctest: +SKIP
>>> ds["train"][0]["mask"]  # doctest: +SKIP
<PIL.PngImagePlugin.PngImageFile image mode=1 size=622x529>
"""

from kvasir_seg.catalog import class_lookup
from kvasir_seg_hf.builder import KvasirBuilder, KvasirConfig
from kvasir_seg_hf.features import features_for
from kvasir_seg_hf.load import get_builder, load_dataset
from kvasir_seg_hf.registry import BUILDERS, builder_class
from kvasir_seg_hf.transforms import TorchPairs, torch_pairs

KvasirSeg = BUILDERS["kvasir_seg"]
KvasirSessile = BUILDERS["kvasir_sessile"]
KvasirCapsuleSeg = BUILDERS["kvasir_capsule_seg"]
KvasirInstrument = BUILDERS["kvasir_instrument"]

__all__ = [
    "BUILDERS",
    "KvasirBuilder",
    "KvasirCapsuleSeg",
    "KvasirConfig",
    "KvasirInstrument",
    "KvasirSeg",
    "KvasirSessile",
    "TorchPairs",
    "builder_class",
    "features_for",
    "get_builder",
    "load_dataset",
    "torch_pairs",
]


#: ``kvasir_seg_hf.KvasirFourth`` and the like: the class of a spec registered at run time.
__getattr__ = class_lookup(__name__, builder_class)
