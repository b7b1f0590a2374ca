"""Side-by-side throughput benchmark: our app versus CometBFT's Go socket kvstore, same node, same load.

Each round starts a fresh CometBFT network (``--nodes``, default 1, every node on 127.0.0.1 with its own
ports) in front of one app process per node, replays pre-built transactions through the Go load generator
(``scripts/loadgen``, many keep-alive connections), then reads the blocks back over RPC and reports:

- committed tx/s: txs in blocks committed inside the load window / load window seconds;
- latency p50/p95 per tx: commit time of its block (median precommit time, i.e. the next block's BFT
  time) minus its send time, and also header time minus send time (BFT time lags the commit);
- blocks/s, CPU cores used by app / node / load generator, CPU µs per committed tx;
- for our app, a CPU-time sampling profile of the app process over the load window.

``--apps kvstore floor bpdao`` adds the floor (``scripts/bench_floor_app.py``: our server, tx decode and
one signature check per tx, no state machine) on bpdao's txs: where a signed-tx Python app stands here.

Usage: ``python scripts/bench_node.py [--apps kvstore bpdao] [--seconds 20] [--conns 64] ...``

This file is the command line; the pieces are in ``scripts/benchnode/`` (processes, network, apps,
rounds, report).
"""

import argparse
import dataclasses
import json
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
for path in (REPO_ROOT, REPO_ROOT / "scripts"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from benchnode.apps import BpdaoApp, FloorApp, KvstoreApp, sampled_app  # noqa: E402
from benchnode.processes import say  # noqa: E402
from benchnode.report import report  # noqa: E402
from benchnode.rounds import LoadSettings, RoundResult, build_loadgen, measure  # noqa: E402

from abci_app import tooling  # noqa: E402


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--apps", nargs="+", default=["kvstore", "bpdao"], choices=["kvstore", "floor", "bpdao"])
    p.add_argument("--seconds", type=float, default=20.0, help="load seconds per app (default %(default)s)")
    p.add_argument("--conns", type=int, default=64, help="concurrent connections (default %(default)s)")
    p.add_argument(
        "--rate", type=float, default=0.0, help="total offered tx/s; 0 = as fast as CheckTx answers"
    )
    p.add_argument("--method", choices=["sync", "async"], default="sync")
    p.add_argument("--tx-size", type=int, default=250, help="bytes per tx (default %(default)s)")
    p.add_argument("--tx-count", type=int, default=0, help="txs to pre-build (default: enough for the load)")
    p.add_argument("--nodes", type=int, default=1, help="validators, all on 127.0.0.1 (default %(default)s)")
    p.add_argument("--timeout-commit", default="1s")
    p.add_argument("--mempool-size", type=int, default=50000)
    p.add_argument("--drain-seconds", type=float, default=15.0)
    p.add_argument(
        "--senders", type=int, default=1000, help="funded accounts signing transfers (default %(default)s)"
    )
    p.add_argument(
        "--launch",
        choices=["auto", "cli", "direct"],
        default="auto",
        help="our app as `bpdao app` (cli) or only the ABCI server + Application (direct); "
        "auto: cli if present",
    )
    p.add_argument(
        "--profile-seconds",
        type=float,
        default=10.0,
        help="load seconds of the extra, profiled run of our app (0: none; default %(default)s)",
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds; each runs every app once, in turn (default %(default)s)",
    )
    p.add_argument("--json", type=Path, help="also write the results as JSON here")
    p.add_argument("--work-root", type=Path, default=None, help="where work directories go (default: temp)")
    p.add_argument("--keep", action="store_true", help="keep the work directory (logs, homes, sends)")
    return p.parse_args(argv)


def default_tx_count(args: argparse.Namespace) -> int:
    if args.tx_count:
        return int(args.tx_count)
    rate = args.rate if args.rate > 0 else 8000.0  # above what either app commits on this box
    return int(rate * args.seconds * 1.1) + 1000


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    tooling.install_go_tools(["cometbft", "abci-cli"])
    cometbft = tooling.cometbft_binary()
    loadgen = build_loadgen()
    settings = LoadSettings(
        seconds=args.seconds,
        conns=args.conns,
        rate=args.rate,
        method=args.method,
        tx_size=args.tx_size,
        tx_count=default_tx_count(args),
        timeout_commit=args.timeout_commit,
        mempool_size=args.mempool_size,
        nodes=args.nodes,
        drain_seconds=args.drain_seconds,
    )
    rounds: list[list[RoundResult]] = []
    for _ in range(args.repeat):
        results: list[RoundResult] = []
        for name in args.apps:
            results.append(run_round(name, args, settings, cometbft, loadgen, profiled=False))
        rounds.append(results)
    profile_run = None
    if "bpdao" in args.apps and args.profile_seconds > 0:
        # A separate run: the sampler costs the app CPU, so it must not touch the figures above.
        profile_settings = dataclasses.replace(settings, seconds=args.profile_seconds)
        profile_run = run_round("bpdao", args, profile_settings, cometbft, loadgen, profiled=True)
    print(report(rounds, settings, profile_run), flush=True)
    if args.json:
        data = {
            "settings": dataclasses.asdict(settings),
            "rounds": [[dataclasses.asdict(r) for r in results] for results in rounds],
            "profile_run": dataclasses.asdict(profile_run) if profile_run else None,
        }
        args.json.write_text(json.dumps(data, indent=2))
    return 0


def run_round(
    name: str, args: argparse.Namespace, settings: LoadSettings, cometbft: Path, loadgen: Path, profiled: bool
) -> RoundResult:
    work = Path(tempfile.mkdtemp(prefix=f"bench-{name}-", dir=args.work_root))
    keep = args.keep
    try:
        if name == "kvstore":
            return measure(KvstoreApp(tooling.tool_binary("abci-cli")), settings, cometbft, loadgen, work)
        app = FloorApp(args.senders) if name == "floor" else BpdaoApp(args.senders, args.launch)
        return measure(app, settings, cometbft, loadgen, work, sampled_app(app) if profiled else None)
    except BaseException:
        keep = True  # the logs are the only clue
        for log in sorted(work.glob("*.log")):
            say(f"--- tail of {log}:\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:]))
        raise
    finally:
        if keep:
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
