"""``bpdao tx reputation allow`` and ``bpdao query reputation balance|supply|allowance``."""

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


def allow(args: argparse.Namespace, out: Output) -> int:
    from modules.reputation.types import MsgSetStakeAllowance

    if args.amount < 0:
        raise CliError("the amount cannot be negative")
    delegate = address_arg(args.delegate, signer_keyring(args))
    msg = MsgSetStakeAllowance(delegate=delegate, amount=args.amount)
    return broadcast_msgs(args, out, [msg], {"delegate": to_bech32(delegate), "amount": args.amount})


def balance(args: argparse.Namespace, out: Output) -> int:
    who = to_bech32(address_arg(args.who, signer_keyring(args)))
    text = f"{who}: {{balance}} REP ({{encumbered}} staked, {{free}} free)"
    return query_and_emit(args, out, "/reputation/balance", text, address=who)


def supply(args: argparse.Namespace, out: Output) -> int:
    return query_and_emit(
        args, out, "/reputation/supply", "REP supply {supply} (minted {minted}, burned {burned})"
    )


def allowance(args: argparse.Namespace, out: Output) -> int:
    keyring = signer_keyring(args)
    owner, delegate = (
        to_bech32(address_arg(args.owner, keyring)),
        to_bech32(address_arg(args.delegate, keyring)),
    )
    text = f"{delegate} may stake {{amount}} REP of {owner}"
    return query_and_emit(args, out, "/reputation/allowance", text, owner=owner, delegate=delegate)


def register(
    tx: Group, query: Group, leaf: Leaf, keyring: argparse.ArgumentParser, client: argparse.ArgumentParser
) -> None:
    tx_rep = tx.add_parser("reputation", help="reputation transactions").add_subparsers(
        dest="rep_command", required=True
    )
    sub = leaf(
        tx_rep,
        "allow",
        allow,
        "let DELEGATE stake up to AMOUNT of your REP in pools (0 removes)",
        keyring,
        client,
    )
    sub.add_argument("--from", dest="sender", required=True, help="key name in the keyring")
    sub.add_argument("delegate", help="bech32 address or key name")
    sub.add_argument("amount", type=int)
    add_tx_arguments(sub)

    q_rep = query.add_parser("reputation", help="REP balances and supply").add_subparsers(
        dest="rep_query", required=True
    )
    leaf(
        q_rep, "balance", balance, "REP of an address or key: total, staked, free", keyring, client
    ).add_argument("who")
    leaf(q_rep, "supply", supply, "REP supply, minted and burned totals", client)
    sub = leaf(q_rep, "allowance", allowance, "how much of OWNER's REP DELEGATE may stake", keyring, client)
    sub.add_argument("owner")
    sub.add_argument("delegate")
