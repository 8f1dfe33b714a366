"""A made-up fourth Simula dataset, as a ``$KVASIR_SEG_PLUGINS`` module would add one.

Not collected by pytest (no ``test_`` prefix). ``tests/cli/test_fourth_dataset.py`` registers
it in-process and names it in ``KVASIR_SEG_PLUGINS`` (with this folder on ``PYTHONPATH``)
for the ``kvasir-seg`` subprocesses; nothing else in the project knows it.

    $ export PYTHONPATH=tests/plugins KVASIR_SEG_PLUGINS=fourth_dataset_plugin
    $ kvasir-seg info kvasir_fourth
"""

from dataclasses import replace

from kvasir_seg.catalog import BIBTEX_KVASIR_SEG, KVASIR_SEG, KVASIR_SESSILE, register
from kvasir_seg.fields import ExtraField, IdPart, SplitIn
from kvasir_seg.testing import SyntheticLayout, register_layout

#: Sessile's configs (every example in ``train``), no published checksum; the rest its own.
KVASIR_FOURTH = replace(
    KVASIR_SESSILE,
    name="kvasir_fourth",
    title="Kvasir-Fourth",
    description=(
        "Kvasir-Fourth: a made-up fourth dataset in Kvasir-SEG's layout, used to show that a "
        "dataset is one catalog entry."
    ),
    homepage="https://datasets.simula.no/kvasir-fourth/",
    url="https://datasets.simula.no/downloads/kvasir-fourth.zip",
    filename="kvasir-fourth.zip",
    root_folder="Kvasir-Fourth",
    expected_examples=6,
    citation=BIBTEX_KVASIR_SEG,
    has_box_file=True,
    extra_fields=(
        ExtraField(
            "id_prefix",
            "string",
            "The first four characters of the id.",
            IdPart(r"^(?P<prefix>.{4})", "prefix"),
        ),
        ExtraField(
            "kvasir_seg_official_split",
            "string",
            "Split of this id in Kvasir-SEG's official config, or none.",
            SplitIn(KVASIR_SEG.config("official"), everyone=KVASIR_SEG.config("official")),
        ),
    ),
)

register(KVASIR_FOURTH)

# How its stand-in archives are written, for the tests and TFDS dummy data.
register_layout(KVASIR_FOURTH, SyntheticLayout(count=6, box_file=True, dummy_count=3))
