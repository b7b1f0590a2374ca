"""What commands share: the home, its keyring, a gRPC client, and error translation."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from abci_app.cli.output import EXIT_UNREACHABLE, CliError
from abci_app.keyring import BACKENDS, Backend, KeyInfo, Keyring, KeyringError
from abci_app.node import DEFAULT_GRPC, Home, HomeError
from abci_app.rpc.client import BpdaoClient, BpdaoError
from modules.core.address import from_bech32


def home_of(args: argparse.Namespace) -> Home:
    return Home.at(args.home)


def keyring_of(args: argparse.Namespace) -> Keyring:
    home = home_of(args)
    backend: str | None = getattr(args, "keyring_backend", None)
    if backend is None:
        backend = home.load_config().keyring_backend if home.is_initialised() else "file"
    if backend not in BACKENDS:
        raise CliError(f"unknown keyring backend {backend!r} in {home.app_config_path}")
    chosen: Backend = "test" if backend == "test" else "file"
    return Keyring(home.root, chosen)


def grpc_address_of(args: argparse.Namespace) -> str:
    if args.grpc:
        return str(args.grpc)
    home = home_of(args)
    return home.load_config().grpc_address if home.is_initialised() else DEFAULT_GRPC


@contextmanager
def client_of(args: argparse.Namespace) -> Iterator[BpdaoClient]:
    client = BpdaoClient(grpc_address_of(args))
    try:
        yield client
    except BpdaoError as exc:
        code = EXIT_UNREACHABLE if exc.status in ("UNAVAILABLE", "DEADLINE_EXCEEDED") else 1
        raise CliError(exc.message, code, {"grpc_status": exc.status}) from None
    finally:
        client.close()


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the library's expected failures into messages without tracebacks."""
    try:
        yield
    except (KeyringError, HomeError) as exc:
        raise CliError(str(exc)) from None


def resolve_address(who: str, keyring: Keyring) -> tuple[bytes, KeyInfo | None]:
    """A bech32 address, or the address of a key in the keyring."""
    if who.startswith("bpdao1"):
        try:
            return from_bech32(who), keyring.find(who)
        except ValueError as exc:
            raise CliError(f"invalid address {who!r}: {exc}") from None
    try:
        info = keyring.find(who)
    except KeyringError:
        info = None
    if info is None:
        raise CliError(f"{who!r} is neither a bpdao1… address nor a key in {keyring.directory}")
    return info.address, info
