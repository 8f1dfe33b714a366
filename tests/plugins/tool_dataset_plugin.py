"""A made-up dataset that is not about polyps, as a plugin would add one.

Its objects are "tool"s; its ``official`` config reads the split lists inside its archive
(``train.txt``, ``test.txt``), its ``shipped`` config the lists of its own package
(``tool_lists/lists/*.txt``). Its stand-in archives are written in Kvasir-Instrument's
layout. Not collected by pytest; ``tests/cli/test_tool_dataset.py`` registers it.
"""

from dataclasses import replace

from kvasir_seg.catalog import KVASIR_INSTRUMENT, register
from kvasir_seg.splits import ArchiveList, ConfigSpec, IdList, SplitSpec
from kvasir_seg.testing import SyntheticLayout, register_layout

SIMULA_TOOLS = replace(
    KVASIR_INSTRUMENT,
    name="simula_tools",
    title="Simula-Tools",
    description="Simula-Tools: a made-up dataset of endoscopic tools, to show that the "
    "catalog holds any segmentation dataset.",
    homepage="https://datasets.simula.no/simula-tools/",
    url="https://datasets.simula.no/downloads/simula-tools.zip",
    filename="simula-tools.zip",
    root_folder="simula-tools",
    expected_examples=6,
    classes=("tool",),
    configs=(
        ConfigSpec(
            "official",
            "The lists inside the archive.",
            (
                SplitSpec("train", ArchiveList("train.txt")),
                SplitSpec("test", ArchiveList("test.txt")),
            ),
        ),
        ConfigSpec(
            "shipped",
            "The lists shipped in the plugin's own package.",
            (
                SplitSpec("first", IdList("tool_lists", "lists/first.txt"), 4),
                SplitSpec("last", IdList("tool_lists", "lists/last.txt"), 2),
            ),
        ),
    ),
)

register(SIMULA_TOOLS)
register_layout(SIMULA_TOOLS, SyntheticLayout(style="instrument", count=6, dummy_count=3))
