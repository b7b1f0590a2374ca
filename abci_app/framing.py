"""ABCI socket framing: every message is prefixed by its length as an unsigned varint.

CometBFT (v0.37+) writes each protobuf ``Request`` with ``protoio`` delimited framing
(``binary.PutUvarint`` length, then the bytes) and reads our ``Response`` frames the same way.
This module is pure byte handling and knows nothing about protobuf.
"""

from __future__ import annotations

# Go's ReadUvarint rejects anything longer than 10 bytes (64 bits).
MAX_UVARINT_BYTES = 10
# CometBFT refuses messages longer than MaxInt32; so do we (memory is only used as bytes arrive).
MAX_FRAME_SIZE = 2**31 - 1


class FramingError(ValueError):
    """The byte stream is not valid uvarint-delimited framing; the connection cannot continue."""


# One-byte encodings, prebuilt: most ABCI length prefixes on the hot path are below 128.
SMALL_UVARINTS = tuple(bytes((value,)) for value in range(0x80))


def encode_uvarint(value: int) -> bytes:
    if value < 0:
        raise ValueError(f"uvarint cannot encode a negative value: {value}")
    if value < 0x80:
        return SMALL_UVARINTS[value]
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def decode_uvarint(buf: bytes | bytearray | memoryview, pos: int = 0) -> tuple[int, int] | None:
    """Decode the uvarint at ``buf[pos:]``: ``(value, position after it)``, or None if incomplete.

    Raises FramingError on a varint longer than 10 bytes or above 2**64 - 1 (as Go does).
    """
    end = len(buf)
    result = 0
    shift = 0
    for i in range(MAX_UVARINT_BYTES):
        if pos + i >= end:
            return None
        byte = buf[pos + i]
        if i == MAX_UVARINT_BYTES - 1 and byte > 1:
            raise FramingError("uvarint overflows 64 bits")
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos + i + 1
        shift += 7
    raise FramingError(f"uvarint longer than {MAX_UVARINT_BYTES} bytes")


def encode_frame(payload: bytes) -> bytes:
    return encode_uvarint(len(payload)) + payload


class FrameDecoder:
    """Incremental decoder: ``feed`` it bytes as they arrive, get back every complete frame.

    Leftover bytes are kept in one bytearray that is appended to and trimmed from the front
    (both amortised O(1) in CPython), so a large frame arriving in many reads costs one copy
    into the buffer plus one copy out, never a re-concatenation per read.
    """

    __slots__ = ("_buffer", "_max_frame_size")

    def __init__(self, max_frame_size: int = MAX_FRAME_SIZE) -> None:
        self._buffer = bytearray()
        self._max_frame_size = max_frame_size

    @property
    def pending(self) -> int:
        """Bytes received that do not yet form a complete frame."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[bytes]:
        buffer = self._buffer
        if buffer:
            buffer += data
            frames, consumed = self._split(buffer)
            del buffer[:consumed]
        else:
            # Common case: nothing pending, cut frames straight out of the read.
            frames, consumed = self._split(data)
            if consumed < len(data):
                buffer += memoryview(data)[consumed:]
        return frames

    def _split(self, data: bytes | bytearray) -> tuple[list[bytes], int]:
        """Cut every complete frame out of ``data``; return them and the bytes consumed."""
        frames: list[bytes] = []
        # A memoryview slice + tobytes() copies a frame once even out of a bytearray; the view
        # is released before the caller trims the buffer.
        with memoryview(data) as view:
            pos = 0
            end = len(data)
            limit = self._max_frame_size
            while pos < end:
                # Inline fast path for 1- and 2-byte lengths (frames under 16 KiB): the hot path.
                first = data[pos]
                if first < 0x80:
                    length, start = first, pos + 1
                elif pos + 1 < end and data[pos + 1] < 0x80:
                    length, start = (first & 0x7F) | (data[pos + 1] << 7), pos + 2
                else:
                    header = decode_uvarint(data, pos)
                    if header is None:
                        break
                    length, start = header
                if length > limit:
                    raise FramingError(f"frame of {length} bytes exceeds the limit of {limit}")
                stop = start + length
                if stop > end:
                    break
                frames.append(view[start:stop].tobytes())
                pos = stop
        return frames, pos
