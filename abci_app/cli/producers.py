"""``bpdao tx producers register-key``; ``bpdao query producers validators|key|epoch|params|schedule|
committee|slashes|liveness|liveness-removals``, ``bpdao query beacon seed|state``.

register-key binds your account to your node's consensus key: CometBFT's
``priv_validator_key.json`` (default: the home's). Its seed signs the possession proof
(docs/spec/por.md §2); the account key signs the tx.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from abci_app.cli.chain_cmd import add_tx_arguments
from abci_app.cli.context import client_of, home_of, user_errors
from abci_app.cli.msg_tx import address_arg, broadcast_msgs, query_and_emit, signer_keyring
from abci_app.cli.output import CliError, Output
from modules.core.address import to_bech32
from modules.producers.keys import sign_possession, validator_address
from modules.producers.types import MsgRegisterConsensusKey

Leaf = Callable[..., argparse.ArgumentParser]
if TYPE_CHECKING:
    Group: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


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
    key_path = (
        Path(args.priv_validator_key)
        if args.priv_validator_key
        else home_of(args).cometbft_home / "config" / "priv_validator_key.json"
    )
    consensus_seed, pub_key = read_priv_validator_key(key_path)
    with user_errors():
        member = signer_keyring(args).show(args.sender).address
    with client_of(args) as client:
        chain_id = client.status().chain_id  # the possession proof names the chain
    msg = register_msg(consensus_seed, pub_key, chain_id, member)
    extra = {"member": to_bech32(member), "validator_address": validator_address(pub_key).hex().upper()}
    return broadcast_msgs(args, out, [msg], extra)


def validators(args: argparse.Namespace, out: Output) -> int:
    return query_and_emit(args, out, "/producers/validators")


def consensus_key(args: argparse.Namespace, out: Output) -> int:
    who = to_bech32(address_arg(args.who, signer_keyring(args)))
    return query_and_emit(args, out, "/producers/consensus_key", member=who)


def epoch(args: argparse.Namespace, out: Output) -> int:
    query = {} if args.height is None else {"height": args.height}
    return query_and_emit(args, out, "/producers/epoch", "epoch {epoch}, offset {offset}: {phase}", **query)


def params(args: argparse.Namespace, out: Output) -> int:
    return query_and_emit(args, out, "/producers/params")


def schedule(args: argparse.Namespace, out: Output) -> int:
    return query_and_emit(args, out, "/producers/schedule")


def committee(args: argparse.Namespace, out: Output) -> int:
    query = {} if args.epoch is None else {"epoch": args.epoch}
    return query_and_emit(args, out, "/producers/committee", **query)


def _page_query(args: argparse.Namespace) -> dict[str, Any]:
    """``member`` / ``start_after`` / ``limit`` of a paged records query, only those given."""
    query: dict[str, Any] = {}
    if args.member:
        query["member"] = to_bech32(address_arg(args.member, signer_keyring(args)))
    if args.start_after:
        query["start_after"] = args.start_after
    if args.limit:
        query["limit"] = args.limit
    return query


def slashes(args: argparse.Namespace, out: Output) -> int:
    return query_and_emit(args, out, "/producers/slashes", **_page_query(args))


def liveness(args: argparse.Namespace, out: Output) -> int:
    return query_and_emit(args, out, "/producers/liveness")


def liveness_removals(args: argparse.Namespace, out: Output) -> int:
    return query_and_emit(args, out, "/producers/liveness_removals", **_page_query(args))


def beacon_seed(args: argparse.Namespace, out: Output) -> int:
    return query_and_emit(args, out, "/beacon/seed", "seed {seed} (from epoch {epoch})")


def beacon_state(args: argparse.Namespace, out: Output) -> int:
    query = {} if args.epoch is None else {"epoch": args.epoch}
    return query_and_emit(args, out, "/beacon/state", **query)


def _paged(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--member", default="", help="only this member's records (address or key name)")
    sub.add_argument("--start-after", type=int, default=0, help="list records with a larger id")
    sub.add_argument("--limit", type=int, default=0, help="at most this many (1-100)")


def register(
    tx: Group, query: Group, leaf: Leaf, keyring: argparse.ArgumentParser, client: argparse.ArgumentParser
) -> None:
    tx_producers = tx.add_parser("producers", help="Proof of Reputation producers").add_subparsers(
        dest="producers_command", required=True
    )
    sub = leaf(tx_producers, "register-key", register_key, "bind your node's consensus key", keyring, client)
    sub.add_argument("--from", dest="sender", required=True, help="key name of the member in the keyring")
    sub.add_argument(
        "--priv-validator-key",
        default=None,
        help="CometBFT's priv_validator_key.json (default: the home's cometbft/config one)",
    )
    add_tx_arguments(sub)

    q_producers = query.add_parser("producers", help="Proof of Reputation producers").add_subparsers(
        dest="producers_query", required=True
    )
    leaf(q_producers, "validators", validators, "the committee CometBFT runs (after pending updates)", client)
    leaf(
        q_producers, "key", consensus_key, "the consensus key of an address or key name", keyring, client
    ).add_argument("who")
    leaf(q_producers, "epoch", epoch, "epoch, offset and beacon phase of a height", client).add_argument(
        "--height", type=int, default=None
    )
    leaf(q_producers, "params", params, "producers parameters (governable)", client)
    leaf(q_producers, "schedule", schedule, "the epoch lengths in force since genesis", client)
    leaf(
        q_producers, "committee", committee, "the committee of an epoch (default: the current one)", client
    ).add_argument("--epoch", type=int, default=None)
    _paged(
        leaf(q_producers, "slashes", slashes, "slashing records (misbehaviour, non-reveal)", keyring, client)
    )
    leaf(q_producers, "liveness", liveness, "the missed-block window of the validators", client)
    _paged(
        leaf(
            q_producers,
            "liveness-removals",
            liveness_removals,
            "validators left out of a selection for missed blocks",
            keyring,
            client,
        )
    )
    q_beacon = query.add_parser("beacon", help="the randomness beacon").add_subparsers(
        dest="beacon_query", required=True
    )
    leaf(q_beacon, "seed", beacon_seed, "the latest beacon seed and the epoch it came from", client)
    leaf(
        q_beacon, "state", beacon_state, "the seed, and who committed and revealed in an epoch", client
    ).add_argument("--epoch", type=int, default=None, help="default: the epoch being gathered")
