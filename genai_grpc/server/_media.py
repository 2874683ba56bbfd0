"""Deterministic MP4 files: structurally valid ISO BMFF, padded to a requested size.

The file is one H.264 video track with a single sample: ftyp, moov (mvhd, trak with the
sample tables) and mdat. The sample's bytes are not decodable pictures, but every box is
well formed and the sample tables point exactly at mdat, so players and probes recognise it.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator

MIME_TYPE = "video/mp4"
_TIMESCALE = 1000
_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
# A baseline-profile SPS/PPS pair; only their framing matters here.
_SPS = bytes.fromhex("6742c01ed9005005bb011000000300100000030320f162e480")
_PPS = bytes.fromhex("68cb83cb20")
_RESOLUTIONS = {"720p": (1280, 720), "1080p": (1920, 1080), "4k": (3840, 2160)}


def make_mp4(seed: int, size: int = 0, seconds: int = 8, resolution: str = "720p", aspect_ratio: str = "16:9") -> bytes:
    """An MP4 of max(size, minimum) bytes whose content depends only on the arguments."""
    head, padding = mp4_parts(seed, size, seconds, resolution, aspect_ratio)
    return head + bytes(padding)


def mp4_chunks(
    seed: int, size: int = 0, seconds: int = 8, resolution: str = "720p", aspect_ratio: str = "16:9",
    chunk: int = 1 << 20,
) -> tuple[int, Iterator[bytes]]:  # fmt: skip
    """The bytes of `make_mp4` with the same arguments, as (length, chunks of at most `chunk`
    bytes): a video of any size served in bounded memory."""
    head, padding = mp4_parts(seed, size, seconds, resolution, aspect_ratio)

    def chunks() -> Iterator[bytes]:
        yield head
        zeros = bytes(min(chunk, padding))
        for start in range(0, padding, chunk):
            yield zeros[: min(chunk, padding - start)]

    return len(head) + padding, chunks()


def mp4_parts(seed: int, size: int, seconds: int, resolution: str, aspect_ratio: str) -> tuple[bytes, int]:
    """(the boxes and the sample's start, the number of zero bytes that follow them)."""
    width, height = _RESOLUTIONS.get(resolution.lower(), (1280, 720))
    if aspect_ratio == "9:16":
        width, height = height, width
    duration = max(1, seconds) * _TIMESCALE
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41")
    nal = b"\x65" + hashlib.sha256(seed.to_bytes(8, "big", signed=True)).digest()
    moov_size = len(_moov(duration, width, height, 0, 0))
    payload_size = max(4 + len(nal), size - len(ftyp) - moov_size - 8)
    offset = len(ftyp) + moov_size + 8
    moov = _moov(duration, width, height, payload_size, offset)
    header = struct.pack(">I4s", 8 + payload_size, b"mdat")
    sample = struct.pack(">I", payload_size - 4) + nal
    return b"".join([ftyp, moov, header, sample]), payload_size - len(sample)


def _box(kind: bytes, *parts: bytes) -> bytes:
    payload = b"".join(parts)
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _full(kind: bytes, flags: int, *parts: bytes) -> bytes:
    return _box(kind, struct.pack(">I", flags), *parts)


def _moov(duration: int, width: int, height: int, sample_size: int, offset: int) -> bytes:
    mvhd = _full(
        b"mvhd",
        0,
        struct.pack(">IIIIIH10x", 0, 0, _TIMESCALE, duration, 0x10000, 0x100),
        _MATRIX,
        bytes(24),
        struct.pack(">I", 2),
    )
    tkhd = _full(
        b"tkhd",
        3,
        struct.pack(">IIII4xI8xHHH2x", 0, 0, 1, 0, duration, 0, 0, 0),
        _MATRIX,
        struct.pack(">II", width << 16, height << 16),
    )
    mdhd = _full(b"mdhd", 0, struct.pack(">IIIIHH", 0, 0, _TIMESCALE, duration, 0x55C4, 0))
    hdlr = _full(b"hdlr", 0, struct.pack(">I4s12x", 0, b"vide"), b"VideoHandler\x00")
    minf = _box(
        b"minf",
        _full(b"vmhd", 1, bytes(8)),
        _dinf(),
        _stbl(duration, width, height, sample_size, offset),
    )
    trak = _box(b"trak", tkhd, _box(b"mdia", mdhd, hdlr, minf))
    return _box(b"moov", mvhd, trak)


def _dinf() -> bytes:
    return _box(b"dinf", _full(b"dref", 0, struct.pack(">I", 1), _full(b"url ", 1)))


def _stbl(duration: int, width: int, height: int, sample_size: int, offset: int) -> bytes:
    avcc = _box(
        b"avcC",
        bytes([1, 0x42, 0xC0, 0x1E, 0xFF, 0xE1]),
        struct.pack(">H", len(_SPS)),
        _SPS,
        b"\x01",
        struct.pack(">H", len(_PPS)),
        _PPS,
    )
    avc1 = _box(
        b"avc1",
        bytes(6),
        struct.pack(">H16xHHIIIH", 1, width, height, 0x480000, 0x480000, 0, 1),
        bytes(32),
        struct.pack(">Hh", 0x18, -1),
        avcc,
    )
    return _box(
        b"stbl",
        _full(b"stsd", 0, struct.pack(">I", 1), avc1),
        _full(b"stts", 0, struct.pack(">III", 1, 1, duration)),
        _full(b"stsc", 0, struct.pack(">IIII", 1, 1, 1, 1)),
        _full(b"stsz", 0, struct.pack(">III", 0, 1, sample_size)),
        _full(b"stco", 0, struct.pack(">II", 1, offset)),
    )
