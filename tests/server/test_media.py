"""The generated MP4 files are well-formed ISO BMFF."""

from __future__ import annotations

import io
import struct

import pytest

from genai_grpc.server._media import make_mp4

CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"dinf", b"stbl"}


def boxes(data: bytes, start: int = 0, end: int | None = None) -> dict[bytes, tuple[int, int]]:
    """Every box by type -> (offset, size), recursing into containers; asserts sizes tile."""
    found: dict[bytes, tuple[int, int]] = {}
    end = len(data) if end is None else end
    offset = start
    while offset < end:
        size, kind = struct.unpack_from(">I4s", data, offset)
        assert size >= 8 and offset + size <= end, (kind, size)
        found[kind] = (offset, size)
        if kind in CONTAINERS:
            found.update(boxes(data, offset + 8, offset + size))
        offset += size
    assert offset == end
    return found


@pytest.mark.parametrize("size", [0, 4096, 1 << 20])
def test_structure_and_size(size: int) -> None:
    data = make_mp4(seed=7, size=size)
    found = boxes(data)
    assert data[4:8] == b"ftyp" and data[8:12] == b"isom"
    assert list(found)[:2] == [b"ftyp", b"moov"]
    assert len(data) == max(size, len(data)) and (size == 0 or len(data) == size)
    # stco points at mdat's payload and stsz says the payload's size.
    mdat_offset, mdat_size = found[b"mdat"]
    stco_offset, _ = found[b"stco"]
    stsz_offset, _ = found[b"stsz"]
    assert struct.unpack_from(">I", data, stco_offset + 16)[0] == mdat_offset + 8
    assert struct.unpack_from(">I", data, stsz_offset + 20)[0] == mdat_size - 8
    # The single sample is one length-prefixed H.264 NAL unit (IDR slice).
    nal_length = struct.unpack_from(">I", data, mdat_offset + 8)[0]
    assert nal_length == mdat_size - 12 and data[mdat_offset + 12] == 0x65


def test_deterministic_by_seed() -> None:
    assert make_mp4(1, 5000) == make_mp4(1, 5000)
    assert make_mp4(1, 5000) != make_mp4(2, 5000)


def test_a_third_party_parser_reads_it() -> None:
    mp4 = pytest.importorskip("mutagen.mp4")
    info = mp4.MP4(io.BytesIO(make_mp4(3, 10_000, seconds=6))).info
    assert info.length == 6.0
