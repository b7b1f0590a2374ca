"""``bpdao tx work request|evidence|verdict`` and
``bpdao query work request|by-client|by-expert|pending|params``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

from abci_app.cli.chain_cmd import add_tx_arguments
from abci_app.cli.forum import add_content_arguments, content_hash
from abci_app.cli.msg_tx import address_arg, broadcast_msgs, query_and_emit, signer_keyring
from abci_app.cli.output import CliError, Output
from modules.core.address import to_bech32

Leaf = Callable[..., argparse.ArgumentParser]
if TYPE_CHECKING:
    Group: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


def request(args: argparse.Namespace, out: Output) -> int:
    from modules.availability.types import kind_problem
    from modules.work.types import MsgRequestWork

    problem = kind_problem(args.kind)
    if problem:
        raise CliError(f"kind {args.kind!r}: {problem}")
    if args.work_fee <= 0:
        raise CliError("the work fee must be positive")
    if args.deadline <= 0:
        raise CliError("the deadline must be positive")
    digest = content_hash(args, "details")
    msg = MsgRequestWork(kind=args.kind, fee=args.work_fee, details_hash=digest, deadline_s=args.deadline)
    extra = {
        "kind": args.kind,
        "work_fee": args.work_fee,
        "details_hash": digest.hex(),
        "deadline_s": args.deadline,
    }
    return broadcast_msgs(args, out, [msg], extra)


def evidence(args: argparse.Namespace, out: Output) -> int:
    from modules.work.types import MsgSubmitEvidence

    msg = MsgSubmitEvidence(request_id=args.request_id, post_id=args.post_id)
    return broadcast_msgs(args, out, [msg], {"request_id": args.request_id, "post_id": args.post_id})


def verdict(args: argparse.Namespace, out: Output) -> int:
    from modules.work.types import MsgVerdict

    msg = MsgVerdict(request_id=args.request_id, approve=args.verdict == "approve")
    return broadcast_msgs(args, out, [msg], {"request_id": args.request_id, "verdict": args.verdict})


def show(args: argparse.Namespace, out: Output) -> int:
    return query_and_emit(args, out, "/work/request", id=args.request_id)


def by_client(args: argparse.Namespace, out: Output) -> int:
    who = address_arg(args.who, signer_keyring(args))
    return query_and_emit(
        args, out, "/work/requests_by_client", "requests: {request_ids}", client=to_bech32(who)
    )


def by_expert(args: argparse.Namespace, out: Output) -> int:
    who = address_arg(args.who, signer_keyring(args))
    return query_and_emit(
        args, out, "/work/requests_by_expert", "requests: {request_ids}", expert=to_bech32(who)
    )


def pending(args: argparse.Namespace, out: Output) -> int:
    query = {} if args.limit is None else {"limit": args.limit}
    return query_and_emit(args, out, "/work/pending", **query)


def params(args: argparse.Namespace, out: Output) -> int:
    return query_and_emit(args, out, "/work/params")


def register(
    tx: Group, query: Group, leaf: Leaf, keyring: argparse.ArgumentParser, client: argparse.ArgumentParser
) -> None:
    tx_work = tx.add_parser("work", help="work requests (the business contract)").add_subparsers(
        dest="work_command", required=True
    )
    sub = leaf(
        tx_work,
        "request",
        request,
        "pay FEE for work of KIND; an expert is drawn from the next beacon seed (pending until then)",
        keyring,
        client,
    )
    sub.add_argument("--from", dest="sender", required=True, help="key name in the keyring")
    sub.add_argument("kind", help="e.g. block_production")
    sub.add_argument(
        "work_fee", metavar="FEE", type=int, help="native tokens escrowed for the validation pool"
    )
    sub.add_argument("deadline", type=int, help="block-time seconds the expert has to submit evidence")
    add_content_arguments(sub, "details", "the request's details")
    add_tx_arguments(sub)
    sub = leaf(
        tx_work,
        "evidence",
        evidence,
        "name your evidence post for a request assigned to you",
        keyring,
        client,
    )
    sub.add_argument("--from", dest="sender", required=True, help="key name in the keyring")
    sub.add_argument("request_id", type=int)
    sub.add_argument("post_id", type=int)
    add_tx_arguments(sub)
    sub = leaf(
        tx_work, "verdict", verdict, "the client's verdict on the evidence (opens the pool)", keyring, client
    )
    sub.add_argument("--from", dest="sender", required=True, help="key name in the keyring")
    sub.add_argument("request_id", type=int)
    sub.add_argument("verdict", choices=["approve", "disapprove"])
    add_tx_arguments(sub)

    q_work = query.add_parser("work", help="work requests").add_subparsers(dest="work_query", required=True)
    leaf(q_work, "request", show, "one work request", client).add_argument("request_id", type=int)
    leaf(q_work, "by-client", by_client, "ids of a client's requests", keyring, client).add_argument(
        "who", help="bech32 address or key name"
    )
    leaf(
        q_work, "by-expert", by_expert, "ids of the requests assigned to an expert", keyring, client
    ).add_argument("who", help="bech32 address or key name")
    leaf(
        q_work, "pending", pending, "requests waiting for their beacon seed, in draw order", client
    ).add_argument("--limit", type=int, help="at most this many (default and max 100)")
    leaf(q_work, "params", params, "work parameters", client)
