"""Files other tools (or attackers) write, which the standard writers cannot make.

``zipfile`` cannot write encrypted, Deflate64 or lying members: :func:`patch_member` edits
the local header and the central directory entry of one member of a zip ``zipfile`` wrote.
:func:`png_claiming` is a valid PNG whose header claims any size (a decompression bomb).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

from PIL import Image


def png_claiming(width: int, height: int, data: bytes | None = None) -> bytes:
    """A PNG (``data``, or a small blank one) whose IHDR is rewritten to claim width x height."""
    if data is None:
        buffer = io.BytesIO()
        Image.new("L", (4, 4)).save(buffer, format="PNG")
        data = buffer.getvalue()
    patched = bytearray(data)
    patched[16:24] = struct.pack(">II", width, height)
    patched[29:33] = struct.pack(">I", zlib.crc32(bytes(patched[12:29])))
    return bytes(patched)


_LOCAL = b"PK\x03\x04"
_CENTRAL = b"PK\x01\x02"


def _offsets(data: bytes, name: bytes, header_offset: int) -> tuple[int, int]:
    """(local header offset, central directory entry offset) of the member called ``name``."""
    assert data[header_offset : header_offset + 4] == _LOCAL
    position = 0
    while True:
        position = data.find(name, position + 1)
        assert position > 0, "member name not found in the central directory"
        if data[position - 46 : position - 42] == _CENTRAL:
            return header_offset, position - 46


def patch_member(
    path: Path,
    name: str,
    *,
    flags: int | None = None,
    method: int | None = None,
    uncompressed_size: int | None = None,
    new_name: bytes | None = None,
) -> None:
    """Rewrite one member's general-purpose flags, compression method, declared size or name.

    ``new_name`` must have the same length as the old name (the offsets stay valid).
    """
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    data = bytearray(path.read_bytes())
    old = info.filename.encode("utf-8")
    local, central = _offsets(bytes(data), old, info.header_offset)
    # Field offsets: local header flags 6, method 8, size 22, name 30;
    # central entry flags 8, method 10, size 24, name 46.
    for start, flag_at, method_at, size_at, name_at in (
        (local, 6, 8, 22, 30),
        (central, 8, 10, 24, 46),
    ):
        if flags is not None:
            data[start + flag_at : start + flag_at + 2] = struct.pack("<H", flags)
        if method is not None:
            data[start + method_at : start + method_at + 2] = struct.pack("<H", method)
        if uncompressed_size is not None:
            data[start + size_at : start + size_at + 4] = struct.pack("<I", uncompressed_size)
        if new_name is not None:
            assert len(new_name) == len(old)
            data[start + name_at : start + name_at + len(old)] = new_name
    path.write_bytes(bytes(data))


def damage_member(path: Path, name: str) -> None:
    """Flip one byte in the middle of member ``name``'s data, as a disk or a transfer does:
    the zip still opens and lists its members, and reading that member fails its CRC-32 (the
    first byte from the middle on whose change leaves the deflate stream readable)."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    original = path.read_bytes()
    start = info.header_offset
    assert original[start : start + 4] == _LOCAL
    name_length, extra_length = struct.unpack("<HH", original[start + 26 : start + 30])
    data_start = start + 30 + name_length + extra_length
    for offset in range(info.compress_size // 2, info.compress_size):
        data = bytearray(original)
        data[data_start + offset] ^= 0x55
        path.write_bytes(bytes(data))
        with zipfile.ZipFile(path) as archive, archive.open(name) as member:
            try:
                member.read()
            except zipfile.BadZipFile as error:
                if "CRC" in str(error):
                    return
            except (zlib.error, EOFError):
                continue
    raise AssertionError(f"{name}: no single byte's change gives a CRC error")
