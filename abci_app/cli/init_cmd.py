"""``bpdao init``: create a node home (cometbft keys/config/genesis, app config, founding accounts)."""

from __future__ import annotations

import argparse
import base64
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from abci_app.cli.context import keyring_of, user_errors
from abci_app.cli.output import EXIT_OK, CliError, Output
from abci_app.node import (
    DEFAULT_ABCI,
    DEFAULT_GRPC,
    DEFAULT_P2P,
    DEFAULT_RPC,
    AppConfig,
    Home,
    NodeSettings,
    cometbft_init,
    configure_cometbft,
    host_port,
)
from modules.core.address import from_bech32, to_bech32
from modules.core.errors import GenesisError

_CHAIN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$")
_DURATION_RE = re.compile(r"^\d+(ms|s)$")


@dataclass(frozen=True)
class Allocation:
    label: str  # key name (founder) or the address as given
    address: bytes
    amount: int
    pub_key: bytes = b""  # known for founders' keys
    rep: int = 0  # REP held at genesis


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--chain-id", required=True, help="the chain's id (letters, digits, '.', '_', '-')")
    parser.add_argument("--moniker", default=None, help="node name (default: host name)")
    parser.add_argument(
        "--founder",
        action="append",
        default=[],
        metavar="NAME:AMOUNT[:REP]",
        help="create key NAME in the keyring (or reuse it) and give it AMOUNT tokens and REP reputation "
        "at genesis; repeatable",
    )
    parser.add_argument(
        "--founder-stake",
        type=int,
        default=0,
        metavar="REP",
        help="the first --founder (the node's validator) stakes REP of its REP for block production from "
        "genesis, for availability's max_duration_s (default: %(default)s, none)",
    )
    parser.add_argument(
        "--account",
        action="append",
        default=[],
        metavar="ADDRESS:AMOUNT[:REP]",
        help="give a bpdao1… address AMOUNT tokens and REP reputation at genesis; repeatable",
    )
    parser.add_argument(
        "--abci", default=DEFAULT_ABCI, help="ABCI socket the app listens on (default: %(default)s)"
    )
    parser.add_argument("--grpc", default=DEFAULT_GRPC, help="gRPC address of the app (default: %(default)s)")
    parser.add_argument(
        "--rpc", default=DEFAULT_RPC, help="cometbft RPC listen address (default: %(default)s)"
    )
    parser.add_argument(
        "--p2p", default=DEFAULT_P2P, help="cometbft P2P listen address (default: %(default)s)"
    )
    parser.add_argument(
        "--timeout-commit", default="500ms", help="pause after each block (default: %(default)s)"
    )


def _split(spec: str, flag: str) -> tuple[str, int, int]:
    """``WHO:AMOUNT[:REP]`` -> (who, amount, rep)."""
    parts = spec.split(":")
    if len(parts) not in (2, 3) or not parts[0] or not all(p.isdigit() for p in parts[1:]):
        who = "NAME" if flag == "--founder" else "ADDRESS"
        raise CliError(f"{flag} {spec!r}: expected {who}:AMOUNT or {who}:AMOUNT:REP")
    return parts[0], int(parts[1]), int(parts[2]) if len(parts) == 3 else 0


def _validate(args: argparse.Namespace) -> None:
    if not _CHAIN_ID_RE.match(args.chain_id):
        raise CliError(f"invalid --chain-id {args.chain_id!r}: 1-50 letters, digits, '.', '_' or '-'")
    if args.founder_stake < 0:
        raise CliError(f"invalid --founder-stake {args.founder_stake}: must be >= 0")
    if not _DURATION_RE.match(args.timeout_commit):
        raise CliError(f"invalid --timeout-commit {args.timeout_commit!r}: e.g. 500ms or 1s")
    for flag in ("abci", "grpc", "rpc", "p2p"):
        try:
            host_port(getattr(args, flag))
        except ValueError as exc:
            raise CliError(f"--{flag}: {exc}") from None


def _accounts(args: argparse.Namespace) -> list[tuple[str, bytes | None, int, int]]:
    """(label, address or None for a founder key still to create, amount, rep), input order."""
    planned: list[tuple[str, bytes | None, int, int]] = []
    for spec in args.founder:
        name, amount, rep = _split(spec, "--founder")
        planned.append((name, None, amount, rep))
    for spec in args.account:
        text, amount, rep = _split(spec, "--account")
        try:
            planned.append((text, from_bech32(text), amount, rep))
        except ValueError as exc:
            raise CliError(f"--account {spec!r}: {exc}") from None
    return planned


def app_state_for(chain_id: str, allocations: list[Allocation], founder_stake: int = 0) -> dict[str, Any]:
    """Every module's default genesis section, plus the founding accounts and their tokens, and the
    first founder's block_production stake; checked by loading it as InitChain will."""
    from abci_app.wiring import default_wiring
    from genesis.accounts import add_account, add_availability_stake, add_reputation
    from genesis.app_state import build_app_state, dry_run_init, validate_app_state

    modules = default_wiring().modules
    app_state = build_app_state(modules, {"chain_id": chain_id})
    for alloc in allocations:
        add_account(app_state, alloc.address, alloc.amount, alloc.pub_key)
        if alloc.rep:
            add_reputation(app_state, alloc.address, alloc.rep)
    if founder_stake:
        founders = [a for a in allocations if a.pub_key]
        if not founders:
            raise CliError("--founder-stake needs a --founder (the first one stakes)")
        duration_s = app_state["availability"]["params"]["max_duration_s"]
        add_availability_stake(app_state, founders[0].address, "block_production", founder_stake, duration_s)
    validate_app_state(modules, app_state, chain_id)
    dry_run_init(modules, app_state, chain_id)
    return app_state


def _bind_validator_to_first_founder(
    app_state: dict[str, Any], genesis: dict[str, Any], allocations: list[Allocation]
) -> None:
    """The node's genesis validator becomes the PoR founding committee, bound to the first
    --founder's account (which can then stake REP for block production; docs/spec/por.md).
    Without a founder key, InitChain binds it to the account of the validator key itself."""
    founders = [a for a in allocations if a.pub_key]
    validators = genesis.get("validators", [])
    if "producers" not in app_state or not founders or len(validators) != 1:
        return
    app_state["producers"]["founders"] = [
        {
            "member": to_bech32(founders[0].address),
            "pub_key": base64.b64decode(v["pub_key"]["value"]).hex(),
            "power": int(v["power"]),
        }
        for v in validators
    ]


@contextmanager
def genesis_errors() -> Iterator[None]:
    try:
        yield
    except GenesisError as exc:
        raise CliError(f"invalid genesis: {exc}") from None


def run(args: argparse.Namespace, out: Output) -> int:
    home = Home.at(args.home)
    if home.is_initialised():
        raise CliError(
            f"{home.root} is already initialised ({home.app_config_path} exists); choose another --home"
        )
    _validate(args)
    planned = _accounts(args)
    config = AppConfig(
        chain_id=args.chain_id,
        abci_address=args.abci,
        grpc_address=args.grpc,
        node_rpc=args.rpc,
        keyring_backend=args.keyring_backend or "file",
    )
    with user_errors(), genesis_errors():
        keyring = keyring_of(args)
        allocations: list[Allocation] = []
        created: list[dict[str, str]] = []
        for label, address, amount, rep in planned:
            if address is not None:
                allocations.append(Allocation(label, address, amount, rep=rep))
                continue
            info = keyring.find(label)
            if info is None:
                info, seed = keyring.add(label)
                created.append({**info.to_json(), "seed": seed.hex()})
            allocations.append(Allocation(label, info.address, amount, info.pub_key, rep))
        app_state = app_state_for(config.chain_id, allocations, args.founder_stake)

        cometbft_init(home)
        settings = NodeSettings(
            moniker=args.moniker or socket.gethostname(),
            proxy_app=config.abci_address,
            rpc_laddr=config.node_rpc,
            p2p_laddr=args.p2p,
            timeout_commit=args.timeout_commit,
        )
        home.cometbft_config.write_text(configure_cometbft(home.cometbft_config.read_text(), settings))
        genesis = home.load_genesis()
        genesis["chain_id"] = config.chain_id
        _bind_validator_to_first_founder(app_state, genesis, allocations)
        genesis["app_state"] = app_state
        home.write_genesis(genesis)
        home.data_dir(config).mkdir(parents=True, exist_ok=True)
        home.write_config(config)  # last: its presence marks a complete home

    data = {
        "home": str(home.root),
        "chain_id": config.chain_id,
        "genesis": str(home.genesis_path),
        "app_config": str(home.app_config_path),
        "accounts": [
            {"label": a.label, "address": to_bech32(a.address), "amount": a.amount, "rep": a.rep}
            for a in allocations
        ],
        "created_keys": created,
        "keyring_backend": keyring.backend,
    }

    def text() -> str:
        lines = [f"initialised {home.root} for chain {config.chain_id}", f"genesis: {home.genesis_path}"]
        lines += [
            f"  {a.label}: {to_bech32(a.address)} = {a.amount}" + (f", {a.rep} REP" if a.rep else "")
            for a in allocations
        ]
        for key in created:
            lines.append(f"created key {key['name']} ({keyring.backend} keyring), seed: {key['seed']}")
        if created:
            lines.append("Write the seeds down and keep them secret.")
        lines.append(f"run it: bpdao start --home {home.root}")
        return "\n".join(lines)

    out.emit(data, text)
    return EXIT_OK
