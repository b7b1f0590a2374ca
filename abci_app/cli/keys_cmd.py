"""``bpdao keys add|list|show|delete``."""

from __future__ import annotations

import argparse
import getpass
import sys

from abci_app.cli.context import keyring_of, user_errors
from abci_app.cli.output import EXIT_OK, CliError, Output
from abci_app.keyring import KeyInfo, parse_seed_hex


def _read_seed() -> bytes:
    text = getpass.getpass("Seed (64 hex characters): ") if sys.stdin.isatty() else sys.stdin.readline()
    if not text.strip():
        raise CliError("no seed given on stdin")
    with user_errors():
        return parse_seed_hex(text)


def _describe(info: KeyInfo) -> str:
    return f"{info.name}\t{info.bech32}"


def add(args: argparse.Namespace, out: Output) -> int:
    with user_errors():
        keyring = keyring_of(args)
        seed_in = _read_seed() if args.recover else None
        info, seed = keyring.add(args.name, seed_in)
    data: dict[str, str] = {**info.to_json(), "backend": keyring.backend}
    if seed_in is None:
        data["seed"] = seed.hex()

    def text() -> str:
        lines = [f"added key {info.name} ({keyring.backend} keyring)", f"address: {info.bech32}"]
        if seed_in is None:
            lines += [
                "",
                "Write this seed down and keep it secret; it is the only way to recover the key:",
                seed.hex(),
            ]
        return "\n".join(lines)

    out.emit(data, text)
    return EXIT_OK


def list_(args: argparse.Namespace, out: Output) -> int:
    with user_errors():
        keyring = keyring_of(args)
        keys = keyring.list_keys()
    out.emit(
        {"backend": keyring.backend, "keys": [k.to_json() for k in keys]},
        lambda: "\n".join(_describe(k) for k in keys) if keys else f"no keys in {keyring.directory}",
    )
    return EXIT_OK


def show(args: argparse.Namespace, out: Output) -> int:
    with user_errors():
        info = keyring_of(args).show(args.name)
    if args.address:
        out.emit({"address": info.bech32}, info.bech32)
    else:
        out.emit(
            info.to_json(),
            lambda: f"name: {info.name}\naddress: {info.bech32}\npub_key: {info.pub_key.hex()}",
        )
    return EXIT_OK


def delete(args: argparse.Namespace, out: Output) -> int:
    with user_errors():
        keyring_of(args).delete(args.name)
    out.emit({"deleted": args.name}, f"deleted key {args.name}")
    return EXIT_OK
