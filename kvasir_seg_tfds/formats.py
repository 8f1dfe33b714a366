"""Both TFDS file formats in one prepared dataset: the one a reader needs is written on demand.

``tf.data`` (``tfds.load``, ``as_dataset``) reads TFRecord files, ``tfds.data_source`` reads
array_record files, and TFDS serves a prepared dataset in the one format it was built in
only. Both hold the same serialized examples, shard for shard, so the missing format is
copied from the present one next to it, without rebuilding, and ``dataset_info.json`` then
lists both: TFRecord as the file format, array_record as an alternative, which is what
``tfds.builder_from_directory`` and ``as_data_source`` read too (TFDS's own ``tfds
convert_format`` adds a format the same way, but reads TFRecord files with TensorFlow).

Only public interfaces are used: the files each format's own library writes
(``tf.io.TFRecordWriter``; ``ArrayRecordWriter`` with the options TFDS gives it), and
``dataset_info.json``, the JSON form of TFDS's ``DatasetInfo`` proto, edited as JSON.
TFRecord files are read here without TensorFlow (the framing is simple), so
``tfds.data_source`` works on a TFRecord build where TensorFlow is not installed; writing
TFRecord files needs TensorFlow, as ``tf.data`` does anyway.

Example:
    >>> write_format(builder.info, builder.data_dir, FileFormat.ARRAY_RECORD)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import os
import struct
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import tensorflow_datasets as tfds
from etils import epath

from kvasir_seg.errors import KvasirSegError

logger = logging.getLogger(__name__)

FileFormat = tfds.core.FileFormat

#: The formats this module writes, in the order ``dataset_info.json`` lists them.
WRITABLE = (FileFormat.TFRECORD, FileFormat.ARRAY_RECORD)

#: The file that describes a prepared dataset: the JSON form of TFDS's ``DatasetInfo``.
INFO_FILE = "dataset_info.json"

#: The options TFDS writes array_record files with: one record per chunk, for random access.
ARRAY_RECORD_OPTIONS = "group_size:1"

#: A TFRecord record: length (uint64), its CRC, the data, the data's CRC (little endian).
_LENGTH = struct.Struct("<QI")
_DATA_CRC = 4


class FormatError(KvasirSegError):
    """A prepared dataset's record files are missing or damaged.

    Example:
        >>> issubclass(FormatError, KvasirSegError)
        True
    """


def shard_files(info: tfds.core.DatasetInfo, file_format: FileFormat) -> list[epath.Path]:
    """The record files of every split of a prepared dataset, in ``file_format``.

    Args:
        info: The prepared dataset's info (``builder.info``).
        file_format: The format whose file names to give.

    Returns:
        The paths, split by split, shard by shard (whether or not they exist).

    Example:
        >>> shard_files(builder.info, FileFormat.ARRAY_RECORD)[0].name  # doctest: +SKIP
        'kvasir_seg-train.array_record-00000-of-00001'
    """
    files: list[epath.Path] = []
    for split in info.splits.values():
        template = split.filename_template.replace(filetype_suffix=file_format.file_suffix)
        files += template.sharded_filepaths(num_shards=split.num_shards)
    return files


def formats_on_disk(info: tfds.core.DatasetInfo) -> list[FileFormat]:
    """The writable formats whose every shard file is on disk.

    Args:
        info: The prepared dataset's info (``builder.info``).

    Returns:
        The formats, in the order of :data:`WRITABLE` (none for a dataset with no splits).

    Example:
        >>> formats_on_disk(builder.info)  # doctest: +SKIP
        [<FileFormat.TFRECORD: 'tfrecord'>, <FileFormat.ARRAY_RECORD: 'array_record'>]
    """
    if not info.splits:
        return []
    return [f for f in WRITABLE if all(p.is_file() for p in shard_files(info, f))]


def write_format(
    info: tfds.core.DatasetInfo, data_dir: epath.PathLike, file_format: FileFormat
) -> None:
    """Copy a prepared dataset's records into ``file_format``, next to the present ones.

    Each shard is written under a temporary name and renamed when complete, so a reader
    (or a second process doing the same) never sees half a file. ``dataset_info.json`` is
    then updated to list the formats on disk.

    Args:
        info: The prepared dataset's info (``builder.info``).
        data_dir: The prepared dataset's folder (``builder.data_dir``).
        file_format: The format to write (TFRecord needs TensorFlow).

    Raises:
        FormatError: No complete shard files to copy from, or a shard is truncated or
            holds another number of examples than ``dataset_info.json`` says.

    Example:
        >>> write_format(builder.info, builder.data_dir, FileFormat.ARRAY_RECORD)  # doctest: +SKIP
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
        with _whole_file(target) as partial:
            _write_records(file_format, partial, records)
    update_info(data_dir, formats_on_disk(info))


def update_info(
    data_dir: epath.PathLike, formats: Iterable[FileFormat], download_size: int = 0
) -> None:
    """Make ``dataset_info.json`` list ``formats``, and give it ``download_size``.

    The file is rewritten at once (a reader never sees half of it), and only when it
    changes.

    Args:
        data_dir: The prepared dataset's folder.
        formats: The formats on disk: the first becomes the file format, the others the
            alternative ones (none: left as they are).
        download_size: The size to record where the file has none.

    Example:
        >>> update_info(builder.data_dir, formats_on_disk(builder.info))  # doctest: +SKIP
    """
    path = epath.Path(data_dir) / INFO_FILE
    before = json.loads(path.read_text())
    info = dict(before)
    names = [f.value for f in formats]
    if names:
        info["fileFormat"] = names[0]
        info.pop("alternativeFileFormats", None)  # TFDS leaves an empty repeated field out
        if names[1:]:
            info["alternativeFileFormats"] = names[1:]
    if not int(info.get("downloadSize", 0)) and download_size:
        info["downloadSize"] = str(download_size)  # TFDS writes 64-bit integers as strings
    if info != before:
        with _whole_file(path) as partial:
            partial.write_text(json.dumps(info, indent=2, sort_keys=True))


@contextmanager
def _whole_file(target: epath.Path) -> Iterator[epath.Path]:
    """A temporary path beside ``target``, renamed to it once written (deleted on error)."""
    partial = target.parent / f".{target.name}.{uuid.uuid4().hex}.partial"
    try:
        yield partial
        partial.replace(target)
    finally:
        if partial.exists():
            partial.unlink()


def _write_records(file_format: FileFormat, path: epath.Path, records: Iterable[bytes]) -> None:
    if file_format is FileFormat.TFRECORD:
        import tensorflow as tf

        with tf.io.TFRecordWriter(os.fspath(path)) as writer:
            for record in records:
                writer.write(record)
        return
    from array_record.python.array_record_module import ArrayRecordWriter

    writer = ArrayRecordWriter(os.fspath(path), ARRAY_RECORD_OPTIONS)
    try:
        for record in records:
            writer.write(record)
    finally:
        writer.close()


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
