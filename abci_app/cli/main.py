"""``bpdao``: the command line of a bpdao node and its users.

Every command takes ``--home`` (default ``~/.bpdao``) and ``--output text|json``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from abci_app.cli import (
    availability,
    blocks,
    chain_cmd,
    export_cmd,
    forum,
    governance_cmd,
    init_cmd,
    keys_cmd,
    producers,
    reputation,
    run_cmd,
    salary,
    testnet_cmd,
    validation_pool,
    work,
)
from abci_app.cli.output import EXIT_FAILED, CliError, Output
from abci_app.keyring import BACKENDS
from abci_app.node import DEFAULT_HOME

Handler = Callable[[argparse.Namespace, Output], int]


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--home", default=str(DEFAULT_HOME), help="node and keyring home (default: %(default)s)"
    )
    common.add_argument("--output", "-o", choices=["text", "json"], default="text", help="output format")
    return common


def _keyring_opts() -> argparse.ArgumentParser:
    opts = argparse.ArgumentParser(add_help=False)
    opts.add_argument(
        "--keyring-backend",
        choices=BACKENDS,
        default=None,
        help="'file' (encrypted) or 'test' (UNENCRYPTED, devnets only); default: as chosen at init",
    )
    return opts


def _client_opts() -> argparse.ArgumentParser:
    opts = argparse.ArgumentParser(add_help=False)
    opts.add_argument(
        "--grpc", default=None, help="gRPC address of a bpdao app (default: from the home's app.toml)"
    )
    return opts


def build_parser() -> argparse.ArgumentParser:
    common, keyring, client = _common(), _keyring_opts(), _client_opts()
    parser = argparse.ArgumentParser(
        prog="bpdao", description="Run a bpdao node, manage keys, send txs, query state."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def leaf(
        group: argparse._SubParsersAction[argparse.ArgumentParser],
        name: str,
        handler: Handler,
        help_: str,
        *parents: argparse.ArgumentParser,
    ) -> argparse.ArgumentParser:
        sub = group.add_parser(name, help=help_, description=help_, parents=[common, *parents])
        sub.set_defaults(handler=handler)
        return sub

    init_cmd.add_arguments(
        leaf(commands, "init", init_cmd.run, "create a node home: cometbft, genesis, config", keyring)
    )
    run_cmd.add_start_arguments(leaf(commands, "start", run_cmd.start, "run the app and its cometbft node"))
    leaf(commands, "app", run_cmd.app_only, "run the app only (ABCI + gRPC) beside your own cometbft")
    leaf(commands, "status", chain_cmd.status, "app and node heights, app hash, chain id", client)
    testnet_cmd.add_parser(commands)
    export_cmd.add_parser(commands)

    keys = commands.add_parser("keys", help="manage keys").add_subparsers(dest="keys_command", required=True)
    add = leaf(keys, "add", keys_cmd.add, "create a key (or --recover one from its seed)", keyring)
    add.add_argument("name")
    add.add_argument("--recover", action="store_true", help="read the 64-hex-character seed from stdin")
    leaf(keys, "list", keys_cmd.list_, "list keys", keyring)
    show = leaf(keys, "show", keys_cmd.show, "show a key's address and public key", keyring)
    show.add_argument("name")
    show.add_argument("--address", "-a", action="store_true", help="print only the address")
    delete = leaf(keys, "delete", keys_cmd.delete, "delete a key", keyring)
    delete.add_argument("name")

    tx = commands.add_parser("tx", help="sign and broadcast transactions").add_subparsers(
        dest="tx_command", required=True
    )
    send = leaf(tx, "send", chain_cmd.send, "send tokens", keyring, client)
    send.add_argument("--from", dest="sender", required=True, help="key name in the keyring")
    send.add_argument("to", help="recipient: bech32 address or key name")
    send.add_argument("amount", type=int)
    chain_cmd.add_tx_arguments(send)

    query = commands.add_parser("query", aliases=["q"], help="read committed state").add_subparsers(
        dest="query_command", required=True
    )
    account = leaf(
        query, "account", chain_cmd.account, "balance and nonce of an address or key", keyring, client
    )
    account.add_argument("who", help="bech32 address or key name")
    leaf(query, "params", chain_cmd.params, "the chain's module parameters", client)
    custom = leaf(query, "path", chain_cmd.custom_query, "any module query: PATH [JSON arguments]", client)
    custom.add_argument("path", help="e.g. /bank/balance")
    custom.add_argument(
        "json", nargs="?", default="{}", help='arguments as a JSON object, e.g. \'{"address": "bpdao1…"}\''
    )
    module_clis = (
        reputation,
        validation_pool,
        salary,
        forum,
        availability,
        work,
        governance_cmd,
        producers,
        blocks,
    )
    for module_cli in module_clis:
        module_cli.register(tx, query, leaf, keyring, client)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = Output(args.output)
    handler: Handler = args.handler
    try:
        return handler(args, out)
    except CliError as err:
        out.error(err)
        return err.exit_code
    except KeyboardInterrupt:
        out.error(CliError("interrupted", EXIT_FAILED))
        return 130


if __name__ == "__main__":
    sys.exit(main())
