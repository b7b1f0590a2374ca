"""bank messages, records and params."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MsgSend:
    """Move ``amount`` native tokens from the signer to ``to``."""

    to: bytes  # 20-byte address
    amount: int
