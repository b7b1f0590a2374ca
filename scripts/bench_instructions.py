"""Instructions per tx in each ABCI phase, counted by valgrind: a figure the shared box's noise does not move.

Wall and CPU time on this 2-core machine drift by a third between runs when neighbours are busy;
instruction counts do not (same code, same inputs: the same count within ~0.1 %). Each round signs one
block of N transfers from fresh senders and takes it through the phases a tx meets on a node: CheckTx,
a commit of some other (here empty) block, the recheck that follows, then its own FinalizeBlock + Commit.
A phase's cost per tx is the difference between runs with and without it, each run once with R and once
with R + extra rounds (the setup, genesis and signing, is the same in both and cancels out):

- ``check``: CheckTx (new): decode, ed25519 verify, ante and the transfer on the check state;
- ``recheck``: the first recheck after a commit (verified-tx cache hit; runs and records its effects);
- ``deliver``: FinalizeBlock + Commit of the block (rechecked: no verify, effects replayed), with its hooks;
- ``empty block``: each round's empty block (FinalizeBlock + Commit, every module's hooks), per block;
- ``verify``: one ed25519 check alone (PyNaCl), the floor of ``check``.

Instructions are not time (Python runs fewer instructions per cycle than libsodium does), but a change
that removes work shows here without the noise. Needs valgrind; ~10 runs of ~20 s.

    python scripts/bench_instructions.py [--txs 100] [--blocks 1] [--extra 2]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PHASES = ("check", "recheck", "deliver")


def workload(txs: int, rounds: int, most: int, phases: set[str], verify_only: bool) -> None:
    """The measured program (run under valgrind): ``rounds`` rounds of ``txs`` transfers through
    ``phases``; the setup always prepares ``most`` rounds, so that it cancels out."""
    sys.path.insert(0, str(REPO))
    sys.path.insert(0, str(REPO / "scripts"))
    import bench_app as b
    from nacl.signing import SigningKey

    from abci_app.pb.tendermint.abci import types_pb2 as abci

    if verify_only:
        key = SigningKey(bytes(32))
        signed = [key.sign(bytes(200) + i.to_bytes(4, "big")) for i in range(txs * most)]
        for message in signed[: txs * rounds]:
            key.verify_key.verify(message)
        return
    accounts = txs * most + 10
    genesis = b.genesis_request(accounts)
    blocks = [b.signed_block(i * txs, txs, accounts, nonce=0) for i in range(most)]
    with tempfile.TemporaryDirectory(prefix="bench_instr_") as tmp:
        app = b.fresh_chain(Path(tmp), "chain", genesis)
        height = 2
        for block in blocks[:rounds]:
            if "check" in phases:
                for raw in block:
                    assert app.check_tx(abci.RequestCheckTx(tx=raw)).code == 0
            b.run_block(app, height, [])
            height += 1
            if "recheck" in phases:
                for raw in block:  # passes: the committed block was another
                    assert app.check_tx(abci.RequestCheckTx(tx=raw, type=abci.RECHECK)).code == 0
            if "deliver" in phases:
                b.run_block(app, height, block)
                height += 1
        app.close()


def instructions(args: list[str]) -> int:
    """Instructions the workload with ``args`` executes, as callgrind counts them."""
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, __file__, "--workload", *args,
    ]  # fmt: skip
    env = {**os.environ, "PYTHONHASHSEED": "0"}  # dict and set layouts, hence counts, repeat
    run = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    found = re.search(r"Collected : ([\d,]+)", run.stderr)
    if run.returncode != 0 or found is None:
        raise SystemExit(f"valgrind run failed ({' '.join(args)}):\n{run.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def per_tx(txs: int, rounds: int, extra: int, flags: list[str]) -> float:
    most = str(rounds + extra)
    low = instructions(["--txs", str(txs), "--blocks", str(rounds), "--most", most, *flags])
    high = instructions(["--txs", str(txs), "--blocks", str(rounds + extra), "--most", most, *flags])
    return (high - low) / (extra * txs)


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--txs", type=int, default=100, help="transfers per block (default 100)")
    parser.add_argument("--blocks", type=int, default=1, help="rounds in the smaller run (default 1)")
    parser.add_argument("--extra", type=int, default=2, help="more rounds in the larger run (default 2)")
    parser.add_argument("--workload", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--most", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--phases", default="", help=argparse.SUPPRESS)
    parser.add_argument("--verify-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.workload:
        phases = set(args.phases.split(",")) - {""}
        workload(args.txs, args.blocks, args.most, phases, args.verify_only)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed")
    rounds, extra = args.blocks, args.extra
    print(f"instructions per tx: {args.txs}-tx blocks, runs of {rounds} and {rounds + extra} rounds")
    empty = per_tx(args.txs, rounds, extra, ["--phases", ""])
    cumulative = empty
    results: dict[str, float] = {}
    for i, phase in enumerate(PHASES):
        upto = per_tx(args.txs, rounds, extra, ["--phases", ",".join(PHASES[: i + 1])])
        results[phase] = upto - cumulative
        cumulative = upto
    verify = per_tx(args.txs, rounds, extra, ["--verify-only"])
    total = cumulative - empty
    for phase, count in results.items():
        print(f"  {phase:12s} {count / 1e3:9,.0f} k")
    print(
        f"  {'total':12s} {total / 1e3:9,.0f} k  of which one ed25519 verify {verify / 1e3:,.0f} k, "
        f"the rest {(total - verify) / 1e3:,.0f} k"
    )
    print(f"  {'empty block':12s} {empty * args.txs / 1e6:9,.1f} M per block (every module's hooks)")


if __name__ == "__main__":
    main()
