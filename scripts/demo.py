"""The bpdao demo: a local 4-validator testnet, a transfer, and the DAO's work loop, through the CLI.

Run through ./scripts/demo.sh (which runs setup first). Each step is a ``bpdao`` command, echoed as
``$ bpdao …`` and followed by its key result; the commands run with ``--output json``, which is left out
of the echo. The testnet lives in ``--dir`` (recreated each run) and is stopped at the end unless
``--keep``. On a failure: the failing command's output, the tail of the node logs, stop, exit 1.

The scenario (every founder holds 1,000 REP; the work fee is 1,000 tokens, so 1,000 REP is minted):
founder1 posts; founder0, the expert, stakes 500 REP of availability for ``storage``; a new key,
``client``, funded by founder0, requests storage work, which waits for the next beacon seed (nobody can
see it when the request is made), and founder0 is drawn; founder0's evidence
post cites founder1's post with 20 %; the client approves; the four founders stake most of their free
REP in favour (every block is work: their nodes also stake on each other's block pools, so some REP is
busy there) and the pool resolves at its end; founder1 claims salary.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from abci_app.testnet.create import free_base_port  # noqa: E402
from abci_app.testnet.layout import MANIFEST  # noqa: E402

# The CLI runs in the caller's directory (paths as echoed) but always with this checkout's code.
CLI_ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
}

VALIDATORS = 4
COMMAND_TIMEOUT = 120.0  # seconds for any one CLI command (testnet start included)
POOL_DURATION_S = 30  # the work pool's duration (genesis override of validation_pool's default)
RESOLUTION_TIMEOUT = 120.0  # the work pool runs POOL_DURATION_S of block time
EPOCH_LENGTH = 10  # blocks (genesis override): a work request is drawn at most two epochs later
ASSIGNMENT_TIMEOUT = 90.0  # seconds for that wait (about 20 blocks)
LOG_LINES = 10

TRANSFER = 10_000  # founder0 -> client: the work fee and the client's tx fees
WORK_KIND = "storage"
WORK_FEE = 1_000
EXPERT_STAKE = 500  # of founder0's 1,000 REP; it becomes founder0's stake in favour when the pool opens
CITATION_PPM = 200_000  # the evidence post passes 20 % of its award to the post it cites


class DemoFailed(Exception):
    """A command failed: ``output`` is what it printed."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


def say(line: str) -> None:
    print(f"    {line}", flush=True)


def heading(title: str) -> None:
    print(f"\n== {title}", flush=True)


def shown_path(path: Path) -> str:
    """``path`` relative to the working directory when it is below it (shorter echoes)."""
    try:
        return os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Demo:
    root: Path  # the testnet directory

    def node(self, index: int) -> Path:
        return self.root / f"node{index}"

    def cli(self, *args: str, node: int | None = None, echo: bool = True) -> dict[str, Any]:
        """Run ``bpdao ARGS [--home <node dir>] --output json``; its JSON, or DemoFailed."""
        where = () if node is None else ("--home", shown_path(self.node(node)))
        if echo:
            print(f"$ bpdao {shlex.join((*args, *where))}", flush=True)
        cmd = [sys.executable, "-m", "abci_app.cli.main", *args, *where, "--output", "json"]
        try:
            done = subprocess.run(
                cmd, env=CLI_ENV, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise DemoFailed(f"bpdao {shlex.join(args)} timed out after {exc.timeout:.0f}s") from None
        if done.returncode != 0:
            raise DemoFailed(
                f"bpdao {shlex.join(args)} exited with code {done.returncode}", done.stdout + done.stderr
            )
        try:
            result: dict[str, Any] = json.loads(done.stdout)
        except ValueError:
            raise DemoFailed(f"bpdao {shlex.join(args)} printed no JSON", done.stdout + done.stderr) from None
        return result

    def tx(self, *args: str, node: int) -> dict[str, Any]:
        """``bpdao tx ARGS --wait`` on ``node``; the CLI exits non-zero unless it was delivered."""
        result = self.cli("tx", *args, "--wait", node=node)
        say(f"committed in block {result['height']} (tx fee {result['fee']})")
        return result

    def testnet(self, command: str, *args: str, echo: bool = True) -> dict[str, Any]:
        return self.cli("testnet", command, "--dir", shown_path(self.root), *args, echo=echo)


# -- the steps ---------------------------------------------------------------------------------------


def fresh_dir(root: Path) -> None:
    """Delete a previous demo testnet in ``root`` (never anything that is not a testnet)."""
    if not root.exists():
        return
    if not (root / MANIFEST).exists() and any(root.iterdir()):
        raise DemoFailed(f"{root} exists and is not a testnet; not deleting it (choose another --dir)")
    if (root / MANIFEST).exists():
        Demo(root).testnet("reset", echo=False)
    shutil.rmtree(root, ignore_errors=True)


def start_testnet(demo: Demo, base_port: int) -> None:
    heading(f"a local testnet: {VALIDATORS} validators on 127.0.0.1")
    # --founder-stake 0: the scenario's figures have every founder's 1,000 REP free (no genesis
    # block_production stakes; the founding committee then stays the committee). Pools last
    # POOL_DURATION_S of block time: enough for the founders' four stakes, short enough to watch.
    # Epochs of EPOCH_LENGTH blocks: the work request waits for the next epoch's beacon seed.
    started = demo.testnet(
        "start", "--validators", str(VALIDATORS), "--base-port", str(base_port), "--wait-timeout", "90",
        "--founder-stake", "0", "--genesis", f"validation_pool.params.duration_default_s={POOL_DURATION_S}",
        "--genesis", f"producers.params.epoch_length={EPOCH_LENGTH}",
    )  # fmt: skip
    say(
        f"chain {started['chain_id']}: {len(started['nodes'])} nodes at height >= 2 after "
        f"{started['seconds_to_height']}s; founder0..founder{VALIDATORS - 1} in every node's test keyring"
    )


def show_status(demo: Demo, attempts: int = 10) -> None:
    """Every node's height and app hash, read at one moment (retried until a block is not landing)."""
    heading("status of every node")
    for attempt in range(attempts):
        nodes = demo.testnet("status", echo=attempt == 0)["nodes"]
        if len({(n["height"], n["app_hash"]) for n in nodes}) == 1:
            break
        time.sleep(0.3)
    for n in nodes:
        say(f"{n['name']}: height {n['height']}, app hash {n['app_hash'][:16]}…, {n['peers']} peers")
    agreed = len({(n["height"], n["app_hash"]) for n in nodes}) == 1
    say("every node: same height, same app hash" if agreed else "nodes differ (a block was landing)")


def balance(demo: Demo, who: str, node: int, label: str = "") -> int:
    acct = demo.cli("query", "account", who, node=node)
    say(f"{label or who}: balance {acct['balance']} (nonce {acct['nonce']}, height {acct['height']})")
    return int(acct["balance"])


def transfer(demo: Demo) -> None:
    """A new key ``client`` (on node2) funded by founder0 (through node0), read back on node3."""
    heading("a token transfer: founder0 -> a new key, read on another node")
    client = demo.cli("keys", "add", "client", node=2)["address"]
    say(f"client = {client} (in node2's keyring)")
    balance(demo, "founder0", node=0)
    balance(demo, client, node=0, label="client")
    demo.tx("send", "--from", "founder0", client, str(TRANSFER), node=0)
    balance(demo, "founder0", node=3)
    got = balance(demo, client, node=3, label="client")
    if got != TRANSFER:
        raise DemoFailed(f"node3 shows the client with {got}, expected {TRANSFER}")


def rep(demo: Demo, who: str, node: int) -> dict[str, Any]:
    answer = demo.cli("query", "reputation", "balance", who, node=node)
    say(f"{who}: {answer['balance']} REP ({answer['encumbered']} staked, {answer['free']} free)")
    return answer


def new_post(demo: Demo, author: str, node: int, posted: dict[str, Any]) -> int:
    """The id of the post ``posted`` (a ``tx forum post`` result) created. Every block is work: the
    founders' nodes also author a post per block they produce, so it is found by its content hash
    among the author's posts of that block."""
    ids = demo.cli("query", "forum", "by-author", author, node=node)["post_ids"]
    say(f"{author}'s posts: {ids}")
    for post_id in reversed(ids):
        post = demo.cli("query", "forum", "post", str(post_id), node=node, echo=False)
        if post["content_hash"] == posted["content_hash"] and post["height"] == posted["height"]:
            say(f"post {post_id} is the one just made (the others are {author}'s block posts)")
            return int(post_id)
    raise DemoFailed(f"no post of {author} with content hash {posted['content_hash']}")


def request_work(demo: Demo) -> int:
    """An earlier post, the expert's availability, the client's request; the expert is assigned."""
    heading("the DAO: a work request, evidence citing an earlier post, a validation pool")
    posted = demo.tx("forum", "post", "--from", "founder1", "--content", "how to store blocks", node=1)
    earlier = new_post(demo, "founder1", 1, posted)
    demo.tx("availability", "stake", "--from", "founder0", WORK_KIND, str(EXPERT_STAKE), "3600", node=0)
    rep(demo, "founder0", node=0)
    demo.tx(
        "work", "request", "--from", "client", WORK_KIND, str(WORK_FEE), "600", "--details", "keep block 1",
        node=2,
    )  # fmt: skip
    request_id = demo.cli("query", "work", "by-client", "client", node=2)["request_ids"][-1]
    say(f"the client's requests: [{request_id}]")
    request = wait_for_assignment(demo, request_id)
    expert = demo.cli("keys", "show", "founder0", node=2, echo=False)["address"]
    who = "founder0" if request["expert"] == expert else request["expert"]
    say(f"request {request_id}: {request['status']}, expert {who}, fee {request['fee']}")
    if request["status"] != "assigned" or who != "founder0":
        raise DemoFailed(f"request {request_id} was not assigned to founder0: {request}")
    return earlier


def wait_for_assignment(demo: Demo, request_id: int) -> dict[str, Any]:
    """The request waits for the beacon seed of its target epoch; then the expert is drawn (bounded)."""
    request = demo.cli("query", "work", "request", str(request_id), node=2)
    if request["status"] == "pending":
        epoch = request["target_epoch"]
        say(f"request {request_id}: pending until the beacon seed of epoch {epoch} is decided (at the")
        say("epoch's end, from the validators' reveals: nobody could see it when the request was made)")
    deadline = time.monotonic() + ASSIGNMENT_TIMEOUT
    while request["status"] == "pending":
        if time.monotonic() > deadline:
            raise DemoFailed(f"request {request_id} was not drawn in {ASSIGNMENT_TIMEOUT:.0f}s: {request}")
        time.sleep(0.5)
        request = demo.cli("query", "work", "request", str(request_id), node=2, echo=False)
    return demo.cli("query", "work", "request", str(request_id), node=2)


def deliver_and_vote(demo: Demo, earlier: int, request_id: int = 1) -> int:
    """Evidence citing ``earlier``, the client's approval, every founder's REP in favour."""
    cite = f"{earlier}:{CITATION_PPM}"
    posted = demo.tx("forum", "post", "--from", "founder0", "--content", "stored it", "--cite", cite, node=0)
    evidence = new_post(demo, "founder0", 0, posted)
    demo.tx("work", "evidence", "--from", "founder0", str(request_id), str(evidence), node=0)
    demo.tx("work", "verdict", "--from", "client", str(request_id), "approve", node=2)
    pool_id = str(demo.cli("query", "pool", "by-post", str(evidence), node=1)["pool_ids"][-1])
    pool = demo.cli("query", "pool", "show", pool_id, node=1)
    say(f"pool {pool_id} on post {evidence}: {pool['status']}, {pool['total_for']} REP for (the expert's")
    say("availability stake); the founders now stake 9/10 of their free REP in favour (the rest may be")
    say("taken meanwhile by their nodes' stakes on block pools: every block is work)")
    for i in range(VALIDATORS):
        founder = f"founder{i}"
        free = demo.cli("query", "reputation", "balance", founder, node=i, echo=False)["free"]
        amount = int(free) * 9 // 10
        if amount:
            demo.tx("pool", "stake", "--from", founder, pool_id, str(amount), "for", node=i)
    return evidence


def wait_for_resolution(demo: Demo, request_id: int = 1) -> None:
    """The pool resolves at its end time (bounded wait)."""
    deadline = time.monotonic() + RESOLUTION_TIMEOUT
    while demo.cli("query", "work", "request", str(request_id), node=3, echo=False)["status"] == "pool_open":
        if time.monotonic() > deadline:
            raise DemoFailed(f"the pool of request {request_id} did not resolve in {RESOLUTION_TIMEOUT:.0f}s")
        time.sleep(0.5)
    request = demo.cli("query", "work", "request", str(request_id), node=3)
    say(f"request {request_id}: {request['status']} (the pool resolved at its end)")


def show_outcome(demo: Demo, earlier: int, evidence: int) -> None:
    """REP after the pool and the posts' values (the citation flow)."""
    heading("the outcome: REP and post values")
    say(f"the fee minted {WORK_FEE} REP: half to the evidence post (which passes {CITATION_PPM // 10_000} %")
    say("on to the post it cites), half to the stakers in favour, pro rata")
    for i in range(VALIDATORS):
        rep(demo, f"founder{i}", node=3)
    supply = demo.cli("query", "reputation", "supply", node=3)
    say(f"REP supply {supply['supply']} (minted {supply['minted']}, burned {supply['burned']})")
    for post_id in (earlier, evidence):
        post = demo.cli("query", "forum", "post", str(post_id), node=3)
        say(f"post {post_id}: value {post['value']} REP")


def salary(demo: Demo, claimer: int = 1) -> None:
    """What each founder may claim (the work fee, paid to REP held before the pool moved any, and the
    tx fees); founder<claimer> claims through its own node."""
    heading("salary: the work fee and tx fees, by REP")
    say(f"the work fee ({WORK_FEE}) was paid to the REP held before the pool moved any;")
    say("tx fees and the production tax are paid the same way, each block's through its own pool")
    claimable = {}
    for i in range(VALIDATORS):
        claimable[i] = demo.cli("query", "salary", "claimable", f"founder{i}", node=3)["claimable"]
        say(f"founder{i} can claim {claimable[i]}")
    founder = f"founder{claimer}"
    before = balance(demo, founder, node=claimer)
    fee = demo.tx("salary", "claim", "--from", founder, node=claimer)["fee"]
    after = demo.cli("query", "account", founder, node=claimer)["balance"]
    claimed = after - before + fee
    say(f"balance {after}: {after - before:+d} = claimed {claimed} - tx fee {fee}")
    if claimed != claimable[claimer]:  # block pools pay salary every block: more accrued meanwhile
        say(f"({claimed - claimable[claimer]} more than a moment ago: each block's pool pays salary too)")


def governance_glimpse(demo: Demo) -> None:
    heading("governance: what a proposal may change")
    modules = demo.cli("query", "gov", "governable", node=0)["modules"]
    say(", ".join(f"{name} ({len(entry['keys'])} keys)" for name, entry in sorted(modules.items())))
    if "validation_pool" in modules:
        quorum = modules["validation_pool"]["params"].get("quorum")
        say(f"e.g. validation_pool.quorum = {json.dumps(quorum, sort_keys=True)}")


def show_logs(demo: Demo) -> None:
    try:
        logs = demo.testnet("logs", "--lines", str(LOG_LINES), echo=False)
    except DemoFailed as exc:
        print(f"(no logs: {exc})")
        return
    for label, lines in logs.items():
        print(f"--- {label}")
        for line in lines:
            print(f"  {line}")


def run_demo(demo: Demo, base_port: int) -> None:
    start_testnet(demo, base_port)
    show_status(demo)
    transfer(demo)
    earlier = request_work(demo)
    evidence = deliver_and_vote(demo, earlier)
    wait_for_resolution(demo)
    show_outcome(demo, earlier, evidence)
    salary(demo)
    governance_glimpse(demo)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dir", default=str(REPO / ".testnet-demo"), help="testnet directory (recreated)")
    parser.add_argument("--base-port", type=int, default=None, help="first port (default: a free range)")
    parser.add_argument("--keep", action="store_true", help="leave the testnet running after the demo")
    args = parser.parse_args()
    demo = Demo(Path(args.dir).resolve())
    began = time.monotonic()
    ok = False
    try:
        fresh_dir(demo.root)
        run_demo(demo, args.base_port or free_base_port(VALIDATORS))
        ok = True
    except DemoFailed as exc:
        print(f"\nFAILED: {exc}", flush=True)
        if exc.output:
            print(exc.output.rstrip())
        show_logs(demo)
    except KeyboardInterrupt:
        print("\ninterrupted", flush=True)
    finally:
        if ok and args.keep:
            where = shown_path(demo.root)
            print(f"\ntestnet left running in {where}: bpdao testnet status --dir {where}")
            print(f"stop it with: bpdao testnet stop --dir {where}")
        elif (demo.root / MANIFEST).exists():
            heading("stop")
            try:
                stopped = demo.testnet("stop")["stopped"]
                say(f"stopped {len(stopped)} processes (every node's app and cometbft)")
            except DemoFailed as exc:
                print(f"stopping failed: {exc}\n{exc.output}")
                ok = False
    print(f"\ndemo {'done' if ok else 'FAILED'} in {time.monotonic() - began:.0f}s", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
