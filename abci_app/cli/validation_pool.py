"""``bpdao tx pool initiate|stake`` and ``bpdao query pool show|by-post|params``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

from abci_app.cli.chain_cmd import add_tx_arguments
from abci_app.cli.msg_tx import address_arg, broadcast_msgs, query_and_emit, signer_keyring
from abci_app.cli.output import CliError, Output
from modules.core.address import to_bech32

Leaf = Callable[..., argparse.ArgumentParser]
if TYPE_CHECKING:
    Group: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


def initiate(args: argparse.Namespace, out: Output) -> int:
    from modules.validation_pool.types import MsgInitiatePool

    if args.pool_fee <= 0:
        raise CliError("the pool fee must be positive")
    if args.duration < 0:
        raise CliError("the duration cannot be negative")
    msg = MsgInitiatePool(post_id=args.post_id, fee=args.pool_fee, duration_s=args.duration)
    return broadcast_msgs(
        args, out, [msg], {"post_id": args.post_id, "pool_fee": args.pool_fee, "duration_s": args.duration}
    )


def stake(args: argparse.Namespace, out: Output) -> int:
    from modules.validation_pool.types import MsgStake

    if args.amount <= 0:
        raise CliError("the stake must be positive")
    owner = address_arg(args.owner, signer_keyring(args)) if args.owner else b""
    msg = MsgStake(pool_id=args.pool_id, amount=args.amount, in_favor=args.side == "for", owner=owner)
    extra = {
        "pool_id": args.pool_id,
        "amount": args.amount,
        "side": args.side,
        "owner": to_bech32(owner) if owner else "",
    }
    return broadcast_msgs(args, out, [msg], extra)


def show(args: argparse.Namespace, out: Output) -> int:
    return query_and_emit(args, out, "/validation_pool/pool", id=args.pool_id)


def by_post(args: argparse.Namespace, out: Output) -> int:
    return query_and_emit(
        args, out, "/validation_pool/pools_by_post", "pools: {pool_ids}", post_id=args.post_id
    )


def params(args: argparse.Namespace, out: Output) -> int:
    return query_and_emit(args, out, "/validation_pool/params")


def register(
    tx: Group, query: Group, leaf: Leaf, keyring: argparse.ArgumentParser, client: argparse.ArgumentParser
) -> None:
    tx_pool = tx.add_parser("pool", help="validation pool transactions").add_subparsers(
        dest="pool_command", required=True
    )
    sub = leaf(
        tx_pool, "initiate", initiate, "open a validation pool on a post and pay its FEE", keyring, client
    )
    sub.add_argument("--from", dest="sender", required=True, help="key name in the keyring")
    sub.add_argument("post_id", type=int)
    sub.add_argument(
        "pool_fee", metavar="FEE", type=int, help="native tokens paid into the pool (salary of REP holders)"
    )
    sub.add_argument(
        "--duration", type=int, default=0, help="voting time in block-time seconds (0: the default)"
    )
    add_tx_arguments(sub)
    sub = leaf(tx_pool, "stake", stake, "stake REP for or against an open pool", keyring, client)
    sub.add_argument("--from", dest="sender", required=True, help="key name in the keyring")
    sub.add_argument("pool_id", type=int)
    sub.add_argument("amount", type=int)
    sub.add_argument("side", choices=["for", "against"])
    sub.add_argument("--owner", default="", help="stake this owner's REP through the allowance they gave you")
    add_tx_arguments(sub)

    q_pool = query.add_parser("pool", help="validation pools").add_subparsers(
        dest="pool_query", required=True
    )
    leaf(q_pool, "show", show, "a pool with its stakes", client).add_argument("pool_id", type=int)
    leaf(q_pool, "by-post", by_post, "ids of the pools on a post", client).add_argument("post_id", type=int)
    leaf(q_pool, "params", params, "validation pool parameters", client)
