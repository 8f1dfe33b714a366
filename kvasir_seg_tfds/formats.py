"""Both TFDS file formats in one prepared dataset: the one a reader needs is written on demand.

``tf.data`` (``tfds.load``, ``as_dataset``) reads TFRecord files, ``tfds.data_source`` reads
array_record files, and TFDS serves a prepared dataset in the one format it was built in
only. Both hold the same serialized examples, shard for shard, so the missing format is
copied from the present one next to it, without rebuilding, and ``dataset_info.json`` then
lists both: TFRecord as the file format, array_record as an alternative, which is what
``tfds.builder_from_directory`` reads too.

TFRecord files are read here without TensorFlow (the framing is simple), so
``tfds.data_source`` works on a TFRecord build where TensorFlow is not installed; writing
TFRecord files needs TensorFlow, as ``tf.data`` does anyway.

    >>> write_format(builder.info, builder.data_dir, FileFormat.ARRAY_RECORD)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterable, Iterator

from etils import epath
from tensorflow_datasets.core import dataset_info as dataset_info_lib
from tensorflow_datasets.core.file_adapters import ADAPTER_FOR_FORMAT, FileFormat
from tensorflow_datasets.core.utils import py_utils

from kvasir_seg.errors import KvasirSegError

logger = logging.getLogger(__name__)

#: The formats this module writes, in the order ``dataset_info.json`` lists them.
WRITABLE = (FileFormat.TFRECORD, FileFormat.ARRAY_RECORD)

#: A TFRecord record: length (uint64), its CRC, the data, the data's CRC (little endian).
_LENGTH = struct.Struct("<QI")
_DATA_CRC = 4


class FormatError(KvasirSegError):
    """A prepared dataset's record files are missing or damaged."""


def shard_files(info: dataset_info_lib.DatasetInfo, file_format: FileFormat) -> list[epath.Path]:
    """The record files of every split of a prepared dataset, in ``file_format``."""
    files: list[epath.Path] = []
    for split in info.splits.values():
        template = split.filename_template.replace(filetype_suffix=file_format.file_suffix)
        files += template.sharded_filepaths(num_shards=split.num_shards)
    return files


def formats_on_disk(info: dataset_info_lib.DatasetInfo) -> list[FileFormat]:
    """The writable formats whose every shard file is on disk (nothing for no splits)."""
    if not info.splits:
        return []
    return [f for f in WRITABLE if all(p.is_file() for p in shard_files(info, f))]


def write_format(
    info: dataset_info_lib.DatasetInfo, data_dir: epath.PathLike, file_format: FileFormat
) -> None:
    """Copy a prepared dataset's records into ``file_format``, next to the present ones.

    Each shard is written under a temporary name and renamed when complete, so a reader
    (or a second process doing the same) never sees half a file. ``dataset_info.json`` is
    then updated to list the formats on disk.
    """
    present = [f for f in formats_on_disk(info) if f != file_format]
    data_dir = epath.Path(data_dir)
    if not present:
        raise FormatError(
            f"{data_dir} holds neither complete TFRecord nor array_record files, so "
            f"{file_format.value} cannot be written from them: delete the folder and prepare "
            "the dataset again."
        )
    source = present[0]
    logger.info(
        "%s: writing its %s files from the %s ones", data_dir, file_format.value, source.value
    )
    lengths = [n for split in info.splits.values() for n in split.shard_lengths]
    pairs = zip(shard_files(info, source), shard_files(info, file_format), lengths, strict=True)
    for origin, target, length in pairs:
        records = _checked(origin, _read_records(source, origin), length)
        with py_utils.incomplete_file(target) as partial:
            ADAPTER_FOR_FORMAT[file_format].write_examples(partial, enumerate(records))
    update_info(data_dir, formats_on_disk(info))


def update_info(
    data_dir: epath.PathLike, formats: Iterable[FileFormat], download_size: int = 0
) -> None:
    """``dataset_info.json`` lists ``formats`` (the first as the file format), and gives
    ``download_size`` where it has none; rewritten at once, and only when it changes."""
    names = [f.value for f in formats]
    proto = dataset_info_lib.read_proto_from_builder_dir(data_dir)
    before = proto.SerializeToString(deterministic=True)
    if names:
        proto.file_format = names[0]
        del proto.alternative_file_formats[:]
        proto.alternative_file_formats.extend(names[1:])
    proto.download_size = proto.download_size or download_size
    if proto.SerializeToString(deterministic=True) != before:
        text = dataset_info_lib.get_dataset_info_json(proto)
        with py_utils.atomic_write(dataset_info_lib.dataset_info_path(data_dir), "w") as file:
            file.write(text)


def _read_records(file_format: FileFormat, path: epath.Path) -> Iterator[bytes]:
    if file_format is FileFormat.TFRECORD:
        return _tfrecords(path)
    from array_record.python.array_record_module import ArrayRecordReader

    def records() -> Iterator[bytes]:
        reader = ArrayRecordReader(str(path))
        try:
            for _ in range(reader.num_records()):
                yield reader.read()
        finally:
            reader.close()

    return records()


def _tfrecords(path: epath.Path) -> Iterator[bytes]:
    """The records of a TFRecord file, without TensorFlow (CRCs are not checked; the count
    and the examples' parsing are)."""
    left = path.stat().length
    with path.open("rb") as file:
        while left:
            header = file.read(_LENGTH.size)
            length = _LENGTH.unpack(header)[0] if len(header) == _LENGTH.size else left
            left -= len(header) + length + _DATA_CRC
            if left < 0:
                raise FormatError(_damaged(path))
            yield file.read(length)
            file.read(_DATA_CRC)


def _checked(path: epath.Path, records: Iterator[bytes], expected: int) -> Iterator[bytes]:
    count = 0
    for record in records:
        count += 1
        yield record
    if count != expected:
        raise FormatError(f"{_damaged(path)} (it holds {count} examples, not {expected})")


def _damaged(path: epath.Path) -> str:
    return f"{path} is truncated or damaged: delete its folder and prepare the dataset again"
