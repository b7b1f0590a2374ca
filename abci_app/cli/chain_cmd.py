"""Commands that talk to a running app over gRPC: status, tx send, query account|params|path."""

from __future__ import annotations

import argparse
import json
from typing import Any

from abci_app.cli.context import client_of, keyring_of, resolve_address, user_errors
from abci_app.cli.output import EXIT_OK, EXIT_TX_REJECTED, CliError, Output
from abci_app.rpc.client import BroadcastResult, TxResult
from modules.core.address import to_bech32


def add_tx_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fee", type=int, default=None, help="fee in tokens (default: the chain's minimum fee)"
    )
    parser.add_argument("--memo", default="", help="free text stored with the tx")
    parser.add_argument("--wait", action="store_true", help="wait until the tx is in a block")
    parser.add_argument(
        "--nonce",
        type=int,
        default=None,
        help="the signer's nonce (default: the next one the node expects, after its pending txs)",
    )


def status(args: argparse.Namespace, out: Output) -> int:
    with client_of(args) as client:
        st = client.status()
    data = {
        "chain_id": st.chain_id,
        "app_height": st.app_height,
        "app_hash": st.app_hash.hex().upper(),
        "node_height": st.node_height,
        "node_catching_up": st.node_catching_up,
        "node_id": st.node_id,
    }
    node = "unreachable" if st.node_height < 0 else f"height {st.node_height}"
    if st.node_catching_up:
        node += " (catching up)"
    out.emit(
        data,
        f"chain {st.chain_id}: app height {st.app_height}, app hash {data['app_hash'] or '-'}; node {node}",
    )
    return EXIT_OK


def min_fee(params: dict[str, Any]) -> int:
    """The chain's minimum fee per message from ``query params`` (0 when the chain sets none)."""
    auth = params.get("auth")
    return int(auth.get("min_fee", 0)) if isinstance(auth, dict) else 0


def _result_json(result: TxResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {"code": result.code, "codespace": result.codespace, "log": result.log}


def _report_broadcast(out: Output, result: BroadcastResult, extra: dict[str, Any]) -> int:
    data = {
        "hash": result.hash.hex().upper(),
        "check": _result_json(result.check),
        "committed": result.committed,
        "height": result.height,
        "deliver": _result_json(result.deliver),
        **extra,
    }
    failed = result.deliver if result.deliver is not None and not result.deliver.ok else None
    if not result.check.ok:
        failed = result.check
    if failed is not None:
        stage = "CheckTx" if failed is result.check else f"block {result.height}"
        reason = f"{failed.codespace or 'app'} code {failed.code}: {failed.log}"
        raise CliError(
            f"tx {data['hash']} rejected in {stage}: {reason}",
            EXIT_TX_REJECTED,
            data,
        )
    where = f"committed in block {result.height}" if result.committed else "accepted into the mempool"
    out.emit(data, f"tx {data['hash']} {where}")
    return EXIT_OK


def send(args: argparse.Namespace, out: Output) -> int:
    from abci_app.txcodec import sign_tx
    from modules.bank.types import MsgSend

    if args.amount <= 0:
        raise CliError("the amount must be positive")
    if args.fee is not None and args.fee < 0:
        raise CliError("the fee cannot be negative")
    if args.nonce is not None and args.nonce < 0:
        raise CliError("the nonce cannot be negative")
    with user_errors():
        keyring = keyring_of(args)
        sender = keyring.show(args.sender)
        recipient, _ = resolve_address(args.to, keyring)
        seed = keyring.seed(args.sender)
    with client_of(args) as client:
        chain_id = client.status().chain_id
        nonce = args.nonce if args.nonce is not None else client.account(sender.address).next_nonce
        fee = args.fee if args.fee is not None else min_fee(client.params())
        tx = sign_tx(
            seed,
            [MsgSend(to=recipient, amount=args.amount)],
            chain_id=chain_id,
            nonce=nonce,
            fee=fee,
            memo=args.memo,
        )
        result = client.broadcast(tx, wait=args.wait)
    extra = {
        "from": sender.bech32,
        "to": to_bech32(recipient),
        "amount": args.amount,
        "fee": fee,
        "nonce": nonce,
    }
    return _report_broadcast(out, result, extra)


def account(args: argparse.Namespace, out: Output) -> int:
    with user_errors():
        address, key = resolve_address(args.who, keyring_of(args))
    with client_of(args) as client:
        acct = client.account(address)
    data = {
        "address": acct.address,
        "balance": acct.balance,
        "nonce": acct.nonce,
        "next_nonce": acct.next_nonce,
        "pub_key": acct.pub_key.hex(),
        "height": acct.height,
    }
    label = f" ({key.name})" if key is not None else ""
    pending = acct.next_nonce - acct.nonce
    queued = f"; {pending} pending, next nonce {acct.next_nonce}" if pending else ""
    out.emit(
        data,
        f"{acct.address}{label}: balance {acct.balance}, nonce {acct.nonce} (height {acct.height}{queued})",
    )
    return EXIT_OK


def params(args: argparse.Namespace, out: Output) -> int:
    with client_of(args) as client:
        values = client.params()
    out.emit(values, lambda: json.dumps(values, indent=2, sort_keys=True))
    return EXIT_OK


def custom_query(args: argparse.Namespace, out: Output) -> int:
    try:
        query_args = json.loads(args.json)
    except ValueError as exc:
        raise CliError(f"query arguments are not JSON: {exc}") from None
    if not isinstance(query_args, dict):
        raise CliError('query arguments must be a JSON object, e.g. {"address": "bpdao1…"}')
    with client_of(args) as client:
        answer = client.query(args.path, **query_args)
    out.emit({"path": args.path, "result": answer}, lambda: json.dumps(answer, indent=2, sort_keys=True))
    return EXIT_OK
