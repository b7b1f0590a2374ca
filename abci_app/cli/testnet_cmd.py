"""``bpdao testnet start|status|logs|stop|reset``: a local multi-node network on 127.0.0.1."""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from abci_app.cli.output import EXIT_OK, CliError, Output
from abci_app.node import HomeError
from abci_app.testnet import network
from abci_app.testnet.create import founder_key_name
from abci_app.testnet.layout import Testnet, TestnetError, TestnetSpec
from abci_app.testnet.processes import KINDS, NodeProcess

DEFAULT_DIR = ".testnet"
FOLLOW_POLL_SECONDS = 0.25
_HEADER: tuple[str, ...] = (
    *("node", "role", "p2p", "rpc", "abci", "grpc"),
    *("height", "app hash", "peers", "sync", "app", "cometbft"),
)


def transfer_example(net: Testnet) -> str:
    """A transfer from the first founder to the last (founders are the validators; full nodes have
    none), through the first node."""
    first, last = net.validators[0], net.validators[-1]
    return (
        f"bpdao tx send --home {net.home(first).root} --from {founder_key_name(first)} "
        f"{founder_key_name(last)} 100 --wait"
    )


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--dir", default=DEFAULT_DIR, help="the testnet's directory (default: %(default)s)")
    common.add_argument("--output", "-o", choices=["text", "json"], default="text", help="output format")
    group = commands.add_parser(
        "testnet", help="run a local network of validators on 127.0.0.1"
    ).add_subparsers(dest="testnet_command", required=True)

    def leaf(name: str, handler: Any, help_: str) -> argparse.ArgumentParser:
        sub = group.add_parser(name, help=help_, description=help_, parents=[common])
        sub.set_defaults(handler=handler)
        return sub

    defaults = TestnetSpec()
    start_ = leaf(
        "start", start, "create the testnet if absent, start its stopped processes, wait for blocks"
    )
    # None = not given: a new testnet takes the default, an existing one keeps its value.
    start_.add_argument(
        "--validators", type=int, metavar="N", help=f"validators (default {defaults.validators})"
    )
    start_.add_argument(
        "--full-nodes", type=int, metavar="M", help=f"non-validating nodes (default {defaults.full_nodes})"
    )
    start_.add_argument("--chain-id", metavar="ID", help=f"chain id (default {defaults.chain_id})")
    start_.add_argument(
        "--base-port",
        type=int,
        metavar="PORT",
        help=f"node i uses ports base+10i .. base+10i+3 (default {defaults.base_port})",
    )
    start_.add_argument(
        "--timeout-commit",
        metavar="DURATION",
        help=f"pause after each block (default {defaults.timeout_commit})",
    )
    start_.add_argument(
        "--founder-stake",
        type=int,
        metavar="REP",
        help=f"REP each founder stakes for block production at genesis, 0 for none "
        f"(default {defaults.founder_stake})",
    )
    start_.add_argument(
        "--genesis",
        action="append",
        metavar="MODULE.FIELD=JSON",
        help="override a genesis app_state value, e.g. producers.params.committee_size=3 (repeatable)",
    )
    start_.add_argument(
        "--wait-height", type=int, default=2, metavar="H", help="wait until every node has this height"
    )
    start_.add_argument(
        "--wait-timeout", type=float, default=90.0, metavar="SECONDS", help="give up waiting after SECONDS"
    )
    leaf("status", status, "height, app hash, peers and processes of every node")
    logs_ = leaf("logs", logs, "show (or --follow) the nodes' logs")
    logs_.add_argument("--node", type=int, default=None, metavar="I", help="only node I (default: all)")
    logs_.add_argument("--process", choices=KINDS, default=None, help="only the app or only cometbft")
    logs_.add_argument(
        "--lines", "-n", type=int, default=20, metavar="N", help="last N lines of each log (default 20)"
    )
    logs_.add_argument("--follow", "-f", action="store_true", help="keep printing new lines (Ctrl-C stops)")
    leaf("stop", stop, "stop every process (SIGTERM, then SIGKILL after 10 s)")
    reset_ = leaf("reset", reset, "stop and delete the testnet (or only its chain data: --keep-config)")
    reset_.add_argument(
        "--keep-config",
        action="store_true",
        help="keep keys, genesis and configs; delete blocks, state and logs",
    )


def _root(args: argparse.Namespace) -> Path:
    return Path(args.dir).expanduser().resolve()


def _load(args: argparse.Namespace) -> Testnet:
    try:
        return Testnet.load(_root(args))
    except TestnetError as exc:
        raise CliError(str(exc)) from None


def _table(rows: Sequence[network.NodeStatus], net: Testnet) -> str:
    lines: list[tuple[str, ...]] = [_HEADER]
    for s in rows:
        node = net.node(int(s.name.removeprefix("node")))
        lines.append(
            (
                s.name,
                s.role,
                str(node.p2p_port),
                str(node.rpc_port),
                str(node.abci_port),
                str(node.grpc_port),
                "down" if s.height is None else str(s.height),
                s.app_hash[:16] or "-",
                "-" if s.peers is None else str(s.peers),
                "-" if s.catching_up is None else ("catching up" if s.catching_up else "ok"),
                f"pid {s.app_pid}" if s.app_pid else "stopped",
                f"pid {s.cometbft_pid}" if s.cometbft_pid else "stopped",
            )
        )
    widths = [max(len(row[i]) for row in lines) for i in range(len(_HEADER))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in lines
    )


def _summary(net: Testnet, rows: Sequence[network.NodeStatus]) -> dict[str, Any]:
    return {"dir": str(net.root), **net.spec.to_json(), "nodes": [s.to_json() for s in rows]}


def start(args: argparse.Namespace, out: Output) -> int:
    given = {
        key: value
        for key, value in (
            ("validators", args.validators),
            ("full_nodes", args.full_nodes),
            ("chain_id", args.chain_id),
            ("base_port", args.base_port),
            ("timeout_commit", args.timeout_commit),
            ("founder_stake", args.founder_stake),
            ("genesis", None if args.genesis is None else tuple(args.genesis)),
        )
        if value is not None
    }
    began = time.monotonic()
    try:
        net = network.open_or_create(_root(args), given, out.note)
        rows = network.start(net, out.note, args.wait_height, args.wait_timeout)
    except (TestnetError, HomeError) as exc:
        raise CliError(str(exc)) from None
    elapsed = time.monotonic() - began
    data = {**_summary(net, rows), "seconds_to_height": round(elapsed, 2), "wait_height": args.wait_height}

    def text() -> str:
        return "\n".join(
            [
                f"testnet {net.spec.chain_id}: {net.spec.validators} validators, "
                f"{net.spec.full_nodes} full nodes, "
                f"every node at height >= {args.wait_height} after {elapsed:.1f}s",
                _table(rows, net),
                f"keys founder0..founder{net.spec.validators - 1} are in every node's test keyring, e.g.:",
                f"  {transfer_example(net)}",
                f"status: bpdao testnet status --dir {net.root}   stop: bpdao testnet stop --dir {net.root}",
            ]
        )

    out.emit(data, text)
    return EXIT_OK


def status(args: argparse.Namespace, out: Output) -> int:
    net = _load(args)
    rows = network.status(net)
    out.emit(_summary(net, rows), lambda: _table(rows, net))
    return EXIT_OK


def stop(args: argparse.Namespace, out: Output) -> int:
    net = _load(args)
    try:
        stopped = network.stop(net)
    except TestnetError as exc:
        raise CliError(str(exc)) from None
    names = [f"{p.home.root.name}/{p.kind}" for p in stopped]
    out.emit(
        {"dir": str(net.root), "stopped": names},
        f"stopped {len(names)} processes" if names else "nothing was running",
    )
    return EXIT_OK


def reset(args: argparse.Namespace, out: Output) -> int:
    net = _load(args)
    try:
        network.reset(net, args.keep_config)
    except (TestnetError, HomeError, OSError) as exc:
        raise CliError(str(exc)) from None
    what = "chain data and logs of" if args.keep_config else "everything in"
    out.emit(
        {"dir": str(net.root), "keep_config": args.keep_config}, f"stopped and deleted {what} {net.root}"
    )
    return EXIT_OK


def _selected(net: Testnet, args: argparse.Namespace) -> list[NodeProcess]:
    nodes = net.nodes if args.node is None else (net.node(args.node),)
    kinds = KINDS if args.process is None else (args.process,)
    return [network.process(net, node, kind) for node in nodes for kind in kinds]


def _tail(path: Path, lines: int) -> list[str]:
    if not path.exists():
        return []
    return path.read_text(errors="replace").splitlines()[-lines:] if lines > 0 else []


def logs(args: argparse.Namespace, out: Output) -> int:
    net = _load(args)
    try:
        chosen = _selected(net, args)
    except TestnetError as exc:
        raise CliError(str(exc)) from None
    labels = {p.log_path: f"{p.home.root.name}/{p.kind}" for p in chosen}
    if out.json and not args.follow:
        out.emit({labels[p.log_path]: _tail(p.log_path, args.lines) for p in chosen}, "")
        return EXIT_OK
    for p in chosen:
        for line in _tail(p.log_path, args.lines):
            print(f"{labels[p.log_path]} | {line}")
    if args.follow:
        _follow(labels)
    return EXIT_OK


def _follow(labels: dict[Path, str]) -> None:
    """Print lines appended to the logs until Ctrl-C (files that appear later are picked up)."""
    files: dict[Path, IO[str]] = {}
    partial: dict[Path, str] = {}
    for path in labels:
        if path.exists():  # already shown up to here
            files[path] = path.open(errors="replace")
            files[path].seek(0, 2)
    try:
        while True:
            for path, label in labels.items():
                if path not in files and path.exists():
                    files[path] = path.open(errors="replace")
                if path in files:
                    chunk = partial.get(path, "") + files[path].read()
                    *complete, partial[path] = chunk.split("\n")
                    for line in complete:
                        print(f"{label} | {line}", flush=True)
            time.sleep(FOLLOW_POLL_SECONDS)
    except KeyboardInterrupt:
        pass
    finally:
        for handle in files.values():
            handle.close()
