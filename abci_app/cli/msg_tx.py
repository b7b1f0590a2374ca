"""Sign a tx of module messages with a keyring key, broadcast it, report the result (module commands)."""

from __future__ import annotations

import argparse
from typing import Any

from abci_app.cli.chain_cmd import _report_broadcast, min_fee
from abci_app.cli.context import client_of, keyring_of, resolve_address, user_errors
from abci_app.cli.output import CliError, Output
from abci_app.keyring import Keyring


def signer_keyring(args: argparse.Namespace) -> Keyring:
    with user_errors():
        return keyring_of(args)


def address_arg(who: str, keyring: Keyring) -> bytes:
    """A bech32 address or a key name, as 20 bytes."""
    with user_errors():
        address, _ = resolve_address(who, keyring)
    return address


def broadcast_msgs(args: argparse.Namespace, out: Output, msgs: list[Any], extra: dict[str, Any]) -> int:
    """Sign ``msgs`` as the ``--from`` key (nonce and fee from the chain unless given: the minimum fee
    is per message) and broadcast."""
    from abci_app.txcodec import sign_tx

    if args.fee is not None and args.fee < 0:
        raise CliError("the fee cannot be negative")
    if args.nonce is not None and args.nonce < 0:
        raise CliError("the nonce cannot be negative")
    with user_errors():
        keyring = keyring_of(args)
        sender = keyring.show(args.sender)
        seed = keyring.seed(args.sender)
    with client_of(args) as client:
        chain_id = client.status().chain_id
        nonce = args.nonce if args.nonce is not None else client.account(sender.address).next_nonce
        fee = args.fee if args.fee is not None else min_fee(client.params()) * len(msgs)
        tx = sign_tx(seed, msgs, chain_id=chain_id, nonce=nonce, fee=fee, memo=args.memo)
        result = client.broadcast(tx, wait=args.wait)
    return _report_broadcast(out, result, {"from": sender.bech32, "fee": fee, "nonce": nonce, **extra})


def query_and_emit(args: argparse.Namespace, out: Output, path: str, text: str = "", **query: Any) -> int:
    """Run a module query and print its JSON answer (``text`` formats it for humans, or JSON is shown)."""
    import json

    with client_of(args) as client:
        answer = client.query(path, **query)

    def as_text() -> str:
        if text and isinstance(answer, dict):
            try:
                return text.format(**answer)
            except (KeyError, IndexError, ValueError):
                pass  # an answer of another shape (e.g. a newer node): show it as JSON
        return json.dumps(answer, indent=2, sort_keys=True)

    out.emit(answer, as_text)
    return 0
