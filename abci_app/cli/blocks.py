"""``bpdao query blocks params|block HEIGHT|window FROM TO``: block records, their posts and pools."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

from abci_app.cli.msg_tx import query_and_emit
from abci_app.cli.output import Output

Leaf = Callable[..., argparse.ArgumentParser]
if TYPE_CHECKING:
    Group: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


def params(args: argparse.Namespace, out: Output) -> int:
    return query_and_emit(args, out, "/blocks/params")


def block(args: argparse.Namespace, out: Output) -> int:
    text = "block {height} by {proposer}: fees {fees}, tax {tax}, {status} (post {post_id}, pool {pool_id})"
    return query_and_emit(args, out, "/blocks/block", text, height=args.height)


def window(args: argparse.Namespace, out: Output) -> int:
    return query_and_emit(args, out, "/blocks/window", **{"from": args.first, "to": args.last})


def register(
    tx: Group, query: Group, leaf: Leaf, keyring: argparse.ArgumentParser, client: argparse.ArgumentParser
) -> None:
    q_blocks = query.add_parser("blocks", help="every block is work: records, posts, pools").add_subparsers(
        dest="blocks_query", required=True
    )
    leaf(q_blocks, "params", params, "production tax, roll-up, pool and policing params", client)
    leaf(q_blocks, "block", block, "a block's fees, tax, proposer, post and pool", client).add_argument(
        "height", type=int
    )
    sub = leaf(q_blocks, "window", window, "the records of heights FROM..TO (at most 1000)", client)
    sub.add_argument("first", metavar="FROM", type=int)
    sub.add_argument("last", metavar="TO", type=int)
