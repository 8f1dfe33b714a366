"""Hugging Face ``datasets`` builders for Kvasir-SEG, Kvasir-Sessile and KvasirCapsule-SEG.

>>> from kvasir_seg_hf import load_dataset
>>> ds = load_dataset("kvasir_seg")  # doctest: +SKIP
>>> ds["train"][0]["mask"]  # doctest: +SKIP
<PIL.PngImagePlugin.PngImageFile image mode=1 size=622x529>
"""

from kvasir_seg_hf.builder import KvasirBuilder, KvasirConfig
from kvasir_seg_hf.features import features_for
from kvasir_seg_hf.kvasir_capsule_seg import KvasirCapsuleSeg
from kvasir_seg_hf.kvasir_seg import KvasirSeg
from kvasir_seg_hf.kvasir_sessile import KvasirSessile
from kvasir_seg_hf.load import BUILDERS, get_builder, load_dataset
from kvasir_seg_hf.transforms import IMAGENET_MEAN, IMAGENET_STD, PairTransform, pair_transform

__all__ = [
    "BUILDERS",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "KvasirBuilder",
    "KvasirCapsuleSeg",
    "KvasirConfig",
    "KvasirSeg",
    "KvasirSessile",
    "PairTransform",
    "features_for",
    "get_builder",
    "load_dataset",
    "pair_transform",
]
