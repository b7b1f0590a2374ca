"""``bpdao tx producers register-key``: bind your account to your node's consensus key.

The consensus key is CometBFT's ``priv_validator_key.json`` (default: the home's). Its seed signs
the possession proof (docs/spec/por.md §2); the account key signs the tx.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
from pathlib import Path

from abci_app.cli.chain_cmd import _report_broadcast, min_fee
from abci_app.cli.context import client_of, home_of, keyring_of, user_errors
from abci_app.cli.output import CliError, Output
from modules.core.address import to_bech32
from modules.producers.keys import sign_possession, validator_address
from modules.producers.types import MsgRegisterConsensusKey


def add_register_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="sender", required=True, help="key name of the member in the keyring")
    parser.add_argument(
        "--priv-validator-key",
        default=None,
        help="CometBFT's priv_validator_key.json (default: the home's cometbft/config one)",
    )


def read_priv_validator_key(path: Path) -> tuple[bytes, bytes]:
    """(seed, pub_key) of an ed25519 ``priv_validator_key.json``; CliError if it is not one."""
    try:
        doc = json.loads(path.read_text())
        priv = base64.b64decode(doc["priv_key"]["value"], validate=True)
        pub = base64.b64decode(doc["pub_key"]["value"], validate=True)
        kind = doc["priv_key"]["type"]
    except FileNotFoundError:
        raise CliError(f"{path}: no such file") from None
    except (OSError, ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise CliError(f"{path}: not a priv_validator_key.json ({exc})") from None
    if kind != "tendermint/PrivKeyEd25519" or len(priv) != 64 or priv[32:] != pub:
        raise CliError(f"{path}: not an ed25519 validator key")
    return priv[:32], pub


def register_msg(seed: bytes, pub_key: bytes, chain_id: str, member: bytes) -> MsgRegisterConsensusKey:
    return MsgRegisterConsensusKey(pub_key=pub_key, possession_sig=sign_possession(seed, chain_id, member))


def register_key(args: argparse.Namespace, out: Output) -> int:
    from abci_app.txcodec import sign_tx

    key_path = (
        Path(args.priv_validator_key)
        if args.priv_validator_key
        else home_of(args).cometbft_home / "config" / "priv_validator_key.json"
    )
    consensus_seed, pub_key = read_priv_validator_key(key_path)
    with user_errors():
        keyring = keyring_of(args)
        member = keyring.show(args.sender)
        account_seed = keyring.seed(args.sender)
    with client_of(args) as client:
        chain_id = client.status().chain_id
        nonce = args.nonce if args.nonce is not None else client.account(member.address).nonce
        fee = args.fee if args.fee is not None else min_fee(client.params())
        msg = register_msg(consensus_seed, pub_key, chain_id, member.address)
        tx = sign_tx(account_seed, [msg], chain_id=chain_id, nonce=nonce, fee=fee, memo=args.memo)
        result = client.broadcast(tx, wait=args.wait)
    extra = {
        "member": to_bech32(member.address),
        "validator_address": validator_address(pub_key).hex().upper(),
        "fee": fee,
        "nonce": nonce,
    }
    return _report_broadcast(out, result, extra)
