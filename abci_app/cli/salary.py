"""``bpdao tx salary claim`` and ``bpdao query salary claimable|state``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

from abci_app.cli.chain_cmd import add_tx_arguments
from abci_app.cli.msg_tx import address_arg, broadcast_msgs, query_and_emit, signer_keyring
from abci_app.cli.output import Output
from modules.core.address import to_bech32

Leaf = Callable[..., argparse.ArgumentParser]
if TYPE_CHECKING:
    Group: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


def claim(args: argparse.Namespace, out: Output) -> int:
    from modules.salary.types import MsgClaimSalary

    return broadcast_msgs(args, out, [MsgClaimSalary()], {})


def claimable(args: argparse.Namespace, out: Output) -> int:
    who = to_bech32(address_arg(args.who, signer_keyring(args)))
    return query_and_emit(args, out, "/salary/claimable", f"{who} can claim {{claimable}}", address=who)


def state(args: argparse.Namespace, out: Output) -> int:
    return query_and_emit(args, out, "/salary/state")


def register(
    tx: Group, query: Group, leaf: Leaf, keyring: argparse.ArgumentParser, client: argparse.ArgumentParser
) -> None:
    tx_salary = tx.add_parser("salary", help="REP salary").add_subparsers(
        dest="salary_command", required=True
    )
    sub = leaf(tx_salary, "claim", claim, "pay your accrued salary to your balance", keyring, client)
    sub.add_argument("--from", dest="sender", required=True, help="key name in the keyring")
    add_tx_arguments(sub)

    q_salary = query.add_parser("salary", help="REP salary").add_subparsers(
        dest="salary_query", required=True
    )
    leaf(
        q_salary, "claimable", claimable, "salary an address or key can claim now", keyring, client
    ).add_argument("who")
    leaf(q_salary, "state", state, "the salary index, carried remainder and totals", client)
