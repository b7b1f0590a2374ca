"""producers message handlers (one function per message)."""

from __future__ import annotations

from modules.core.context import Context
from modules.producers.keeper import ProducersKeeper
from modules.producers.types import MsgRegisterConsensusKey


def handle_register_consensus_key(
    keeper: ProducersKeeper, ctx: Context, signer: bytes, msg: MsgRegisterConsensusKey
) -> None:
    keeper.register_key(ctx, signer, msg.pub_key, msg.possession_sig)
