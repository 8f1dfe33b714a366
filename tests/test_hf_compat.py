"""``kvasir_seg_hf.compat`` against the installed ``datasets`` (CI runs this file at datasets
4.0 and at the newest release): the private hook it overrides is still there, ``datasets``
still wraps what a generator raises (else the override may go), and with the override our
error leaves a build as it is, from this process and from a ``num_proc`` worker."""

from __future__ import annotations

import inspect
from pathlib import Path

import datasets
import pytest

from kvasir_seg.errors import ArchiveError, our_error
from kvasir_seg_hf import KvasirBuilder, compat

MESSAGE = "images/b.jpg: cannot decode the image; download the archive again"


class Raising(datasets.GeneratorBasedBuilder):
    """Two shards; the second raises our error after its first example."""

    def _info(self) -> datasets.DatasetInfo:
        return datasets.DatasetInfo(features=datasets.Features({"n": datasets.Value("int32")}))

    def _split_generators(self, dl_manager: object) -> list[datasets.SplitGenerator]:
        return [datasets.SplitGenerator(name="train", gen_kwargs={"shards": [0, 1]})]

    def _generate_examples(self, shards: list[int]):
        for shard in shards:
            yield f"{shard}", {"n": shard}
            if shard == 1:
                raise ArchiveError(MESSAGE)


class OursRaising(compat.OurErrorsFromWorkers, Raising):
    """The same, with the override."""


def test_the_private_hooks_are_generators_of_the_installed_datasets() -> None:
    for name in compat.PRIVATE_HOOKS:
        owner, attribute = name.split(".")
        hook = getattr(getattr(datasets, owner), attribute, None)
        assert inspect.isgeneratorfunction(hook), (
            f"datasets {datasets.__version__} has no generator {name}: see kvasir_seg_hf/compat.py"
        )
    assert KvasirBuilder.__mro__.index(compat.OurErrorsFromWorkers) < KvasirBuilder.__mro__.index(
        datasets.GeneratorBasedBuilder
    )


@pytest.mark.parametrize("num_proc", [None, 2])
def test_datasets_wraps_our_error_and_loses_it_in_a_worker(num_proc: int | None, tmp_path: Path):
    with pytest.raises(datasets.exceptions.DatasetGenerationError) as caught:
        Raising(cache_dir=str(tmp_path)).download_and_prepare(num_proc=num_proc)
    # In this process the wrapper keeps ours as its cause; from a worker it comes without.
    assert (our_error(caught.value) is None) == (num_proc is not None)


@pytest.mark.parametrize("num_proc", [None, 2])
def test_with_the_override_our_error_leaves_the_build_as_it_is(
    num_proc: int | None, tmp_path: Path
) -> None:
    with pytest.raises(ArchiveError) as caught:
        OursRaising(cache_dir=str(tmp_path)).download_and_prepare(num_proc=num_proc)
    assert type(caught.value) is ArchiveError and str(caught.value) == MESSAGE
    assert not list(tmp_path.rglob("dataset_info.json"))  # nothing half-built is kept
