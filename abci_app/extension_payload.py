"""The vote extension payload a committee member's node signs: the beacon payload, then the node's
verdict on the block it votes for (docs/spec/por.md §4 and "Every block is work").

    extension = beacon ‖ [verdict]

* ``beacon``: empty, or the beacon's 33-byte commit/reveal payload (modules/beacon/types.py);
* ``verdict``: one byte, ``0x01`` for or ``0x02`` against, left out for "no verdict".

So the length alone says which parts are present (0, 1, 33 or 34 bytes), every (beacon, verdict)
pair has exactly one encoding, and a beacon-only extension reads as "no verdict".
"""

from __future__ import annotations

from modules.beacon.types import MAX_EXTENSION_LEN as BEACON_LEN
from modules.blocks.types import VERDICT_NONE, VERDICTS

MAX_LEN = BEACON_LEN + 1


def join_extension(beacon: bytes, verdict: int) -> bytes:
    if len(beacon) not in (0, BEACON_LEN):
        raise ValueError(f"a beacon payload is empty or {BEACON_LEN} bytes")
    if verdict == VERDICT_NONE:
        return beacon
    if verdict not in VERDICTS:
        raise ValueError(f"unknown verdict {verdict}")
    return beacon + bytes([verdict])


def split_extension(data: bytes) -> tuple[bytes, int]:
    """(beacon payload, verdict); ValueError for any other length or verdict byte."""
    if len(data) in (0, BEACON_LEN):
        return data, VERDICT_NONE
    if len(data) not in (1, MAX_LEN):
        raise ValueError(f"vote extension must be 0, 1, {BEACON_LEN} or {MAX_LEN} bytes, got {len(data)}")
    verdict = data[-1]
    if verdict not in VERDICTS:
        raise ValueError(f"unknown verdict byte {verdict:#04x}")
    return data[:-1], verdict
