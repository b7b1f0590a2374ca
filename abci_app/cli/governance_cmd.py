"""``bpdao tx gov propose`` and ``bpdao query gov proposals|proposal|scheduled|governable|params``
(docs/spec/governance.md)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from abci_app.cli.chain_cmd import add_tx_arguments
from abci_app.cli.msg_tx import broadcast_msgs, query_and_emit
from abci_app.cli.output import CliError, Output

Leaf = Callable[..., argparse.ArgumentParser]
if TYPE_CHECKING:
    from modules.governance.types import ParamChange

    Group: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


def parse_change(text: str) -> ParamChange:
    """``module.key=JSON`` (e.g. ``validation_pool.quorum={"num":1,"den":5}``) as a ParamChange.

    Checked here only for shape and JSON syntax; the chain checks the rest (and charges the tx fee)."""
    from modules.governance.types import ParamChange

    target, sep, value = text.partition("=")
    module, dot, key = target.partition(".")
    if not (sep and dot and module and key and value):
        raise CliError(
            f"--change {text!r}: expected MODULE.KEY=JSON, e.g. validation_pool.quorum="
            + '\'{"num":1,"den":5}\''
        )
    try:
        json.loads(value)
    except ValueError as e:
        raise CliError(f"--change {text!r}: the value is not JSON ({e})") from None
    return ParamChange(module=module, key=key, value_json=value)


def propose(args: argparse.Namespace, out: Output) -> int:
    from modules.governance.types import MsgProposeParamChange

    if args.proposal_fee <= 0:
        raise CliError("the proposal fee must be positive")
    if not args.changes:
        raise CliError("name at least one --change MODULE.KEY=JSON")
    changes = tuple(parse_change(text) for text in args.changes)
    msg = MsgProposeParamChange(post_id=args.post_id, changes=changes, fee=args.proposal_fee)
    extra: dict[str, Any] = {
        "post_id": args.post_id,
        "proposal_fee": args.proposal_fee,
        "changes": [{"module": c.module, "key": c.key, "value_json": c.value_json} for c in changes],
    }
    return broadcast_msgs(args, out, [msg], extra)


def proposals(args: argparse.Namespace, out: Output) -> int:
    query: dict[str, Any] = {}
    if args.status:
        query["status"] = args.status
    if args.after:
        query["after"] = args.after
    if args.limit:
        query["limit"] = args.limit
    return query_and_emit(args, out, "/governance/proposals", **query)


def proposal(args: argparse.Namespace, out: Output) -> int:
    return query_and_emit(
        args,
        out,
        "/governance/proposal",
        "proposal {id}: {status} (post {post_id}, pools {stage1_pool}/{stage2_pool}, "
        "activation height {activation_height}) {reason}",
        id=args.proposal_id,
    )


def scheduled(args: argparse.Namespace, out: Output) -> int:
    return query_and_emit(args, out, "/governance/scheduled")


def governable(args: argparse.Namespace, out: Output) -> int:
    return query_and_emit(args, out, "/governance/governable")


def params(args: argparse.Namespace, out: Output) -> int:
    return query_and_emit(args, out, "/governance/params")


def register(
    tx: Group, query: Group, leaf: Leaf, keyring: argparse.ArgumentParser, client: argparse.ArgumentParser
) -> None:
    from modules.governance.types import STATUSES

    tx_gov = tx.add_parser("gov", help="governance: propose param changes").add_subparsers(
        dest="gov_command", required=True
    )
    sub = leaf(
        tx_gov,
        "propose",
        propose,
        "propose the param changes described by a post you authored; PROPOSAL_FEE pays both stages' pools",
        keyring,
        client,
    )
    sub.add_argument("--from", dest="sender", required=True, help="key name in the keyring")
    sub.add_argument("post_id", type=int)
    sub.add_argument(
        "proposal_fee", metavar="PROPOSAL_FEE", type=int, help="native tokens, >= the governance min_fee"
    )
    sub.add_argument(
        "--change",
        dest="changes",
        action="append",
        default=[],
        metavar="MODULE.KEY=JSON",
        help='a param change (repeatable), e.g. validation_pool.quorum=\'{"num":1,"den":5}\'',
    )
    add_tx_arguments(sub)

    q_gov = query.add_parser("gov", help="governance proposals and params").add_subparsers(
        dest="gov_query", required=True
    )
    sub = leaf(q_gov, "proposals", proposals, "proposals in id order (100 per page)", client)
    sub.add_argument("--status", choices=STATUSES, default="")
    sub.add_argument("--after", type=int, default=0, help="list proposals with a larger id")
    sub.add_argument("--limit", type=int, default=0, help="at most this many (1-100)")
    leaf(q_gov, "proposal", proposal, "one proposal", client).add_argument("proposal_id", type=int)
    leaf(q_gov, "scheduled", scheduled, "passed proposals waiting for their activation height", client)
    leaf(q_gov, "governable", governable, "modules and keys governance may change, with values", client)
    leaf(q_gov, "params", params, "governance parameters", client)
