"""``bpdao tx availability stake|extend|reclaim`` and
``bpdao query availability stake|by-kind|by-member|params``."""

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


def stake(args: argparse.Namespace, out: Output) -> int:
    from modules.availability.types import MsgStakeAvailability, kind_problem

    problem = kind_problem(args.kind)
    if problem:
        raise CliError(f"kind {args.kind!r}: {problem}")
    if args.amount < 0:
        raise CliError("the amount cannot be negative")
    if args.duration <= 0:
        raise CliError("the duration must be positive")
    msg = MsgStakeAvailability(kind=args.kind, amount=args.amount, duration_s=args.duration)
    extra = {"kind": args.kind, "amount": args.amount, "duration_s": args.duration}
    return broadcast_msgs(args, out, [msg], extra)


def extend(args: argparse.Namespace, out: Output) -> int:
    from modules.availability.types import MsgExtendAvailability

    if args.duration <= 0:
        raise CliError("the duration must be positive")
    msg = MsgExtendAvailability(stake_id=args.stake_id, duration_s=args.duration)
    return broadcast_msgs(args, out, [msg], {"stake_id": args.stake_id, "duration_s": args.duration})


def reclaim(args: argparse.Namespace, out: Output) -> int:
    from modules.availability.types import MsgReclaimAvailability

    msg = MsgReclaimAvailability(stake_id=args.stake_id)
    return broadcast_msgs(args, out, [msg], {"stake_id": args.stake_id})


def show(args: argparse.Namespace, out: Output) -> int:
    return query_and_emit(args, out, "/availability/stake", id=args.stake_id)


def by_kind(args: argparse.Namespace, out: Output) -> int:
    page = {name: v for name, v in (("after", args.after), ("limit", args.limit)) if v is not None}
    text = "{active_stakes} active stakes of {kind}, {active_rep} REP (next page: --after {next})"
    return query_and_emit(args, out, "/availability/stakes_by_kind", text, kind=args.kind, **page)


def by_member(args: argparse.Namespace, out: Output) -> int:
    member = address_arg(args.who, signer_keyring(args))
    return query_and_emit(args, out, "/availability/stakes_by_member", member=to_bech32(member))


def params(args: argparse.Namespace, out: Output) -> int:
    return query_and_emit(args, out, "/availability/params")


def register(
    tx: Group, query: Group, leaf: Leaf, keyring: argparse.ArgumentParser, client: argparse.ArgumentParser
) -> None:
    tx_av = tx.add_parser("availability", help="availability stakes").add_subparsers(
        dest="availability_command", required=True
    )
    sub = leaf(
        tx_av,
        "stake",
        stake,
        "stake REP for a kind of work (adds to your stake of that kind)",
        keyring,
        client,
    )
    sub.add_argument("--from", dest="sender", required=True, help="key name in the keyring")
    sub.add_argument("kind", help="e.g. block_production (1-32 chars of a-z, 0-9, _)")
    sub.add_argument("amount", type=int, help="REP to encumber")
    sub.add_argument("duration", type=int, help="block-time seconds the stake counts")
    add_tx_arguments(sub)
    sub = leaf(tx_av, "extend", extend, "move a stake's end to max(end, now) + DURATION", keyring, client)
    sub.add_argument("--from", dest="sender", required=True, help="key name in the keyring")
    sub.add_argument("stake_id", type=int)
    sub.add_argument("duration", type=int, help="block-time seconds")
    add_tx_arguments(sub)
    sub = leaf(tx_av, "reclaim", reclaim, "close an ended stake and free its REP", keyring, client)
    sub.add_argument("--from", dest="sender", required=True, help="key name in the keyring")
    sub.add_argument("stake_id", type=int)
    add_tx_arguments(sub)

    q_av = query.add_parser("availability", help="availability stakes").add_subparsers(
        dest="availability_query", required=True
    )
    leaf(q_av, "stake", show, "one stake", client).add_argument("stake_id", type=int)
    sub = leaf(q_av, "by-kind", by_kind, "the unassigned stakes of a kind and their active REP", client)
    sub.add_argument("kind")
    sub.add_argument("--after", type=int, help="list stakes with ids above this (the previous page's next)")
    sub.add_argument("--limit", type=int, help="stakes per page (at most 100, the default)")
    leaf(q_av, "by-member", by_member, "a member's stakes", keyring, client).add_argument(
        "who", help="bech32 address or key name"
    )
    leaf(q_av, "params", params, "availability parameters", client)
