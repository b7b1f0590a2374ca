"""A real one-node chain: `bpdao init` + `bpdao start` (or `bpdao app` + cometbft) as processes, on loopback.

Checks the user-facing path end to end (CLI, gRPC, keyring, tx signing, the node), crash recovery
(SIGKILL of the app, restart, CometBFT's handshake replays) and that a malformed tx changes nothing.
"""

from __future__ import annotations

import base64
import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from abci_app.cometbft_rpc import CometRpc, NodeRpcError, NodeUnreachable, tx_hash
from abci_app.keyring import Keyring
from abci_app.node import Home, free_loopback_ports
from abci_app.rpc.client import BpdaoClient, BpdaoError
from abci_app.tooling import REPO_ROOT, cometbft_binary
from modules.core.address import to_bech32

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

CHAIN_ID = "itest-1"
WAIT = 90.0  # generous: the machine is shared; every wait is still bounded


class Devnet:
    """A temp home with founders (default: alice and bob), and the processes started on it (all stopped
    at the end). ``founders`` are ``NAME:TOKENS[:REP]`` specs as ``bpdao init --founder`` takes them."""

    def __init__(self, root: Path, founders: tuple[str, ...] = ("alice:1000000", "bob:0")) -> None:
        self.home = root / "home"
        abci, grpc_port, rpc, p2p = free_loopback_ports(4)
        self.grpc_address = f"127.0.0.1:{grpc_port}"
        self.rpc = CometRpc(f"tcp://127.0.0.1:{rpc}", timeout=5)
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs = root / "logs"
        self.logs.mkdir()
        self.cli(
            "init", "--chain-id", CHAIN_ID, "--keyring-backend", "test",
            *[arg for spec in founders for arg in ("--founder", spec)],
            "--abci", f"tcp://127.0.0.1:{abci}", "--grpc", self.grpc_address,
            "--rpc", f"tcp://127.0.0.1:{rpc}", "--p2p", f"tcp://127.0.0.1:{p2p}",
            "--timeout-commit", "200ms",
        )  # fmt: skip
        keyring = Keyring(self.home, "test")
        self.alice = keyring.show("alice")
        self.bob = keyring.show("bob")
        self.alice_seed = keyring.seed("alice")
        self.client = BpdaoClient(self.grpc_address, timeout=10)

    def set_epoch_length(self, blocks: int) -> None:
        """Before the start: short epochs, so that a work request gets its beacon seed (drawn at most
        two epochs later, docs/spec/work.md) within seconds rather than the default's minutes."""
        home = Home.at(self.home)
        genesis = home.load_genesis()
        genesis["app_state"]["producers"]["params"]["epoch_length"] = blocks
        home.write_genesis(genesis)

    def wait_for_assignment(self, request_id: int) -> dict[str, Any]:
        """Wait (bounded) until work request ``request_id`` is no longer pending; its query answer."""

        def drawn() -> bool:
            return self.cli("query", "work", "request", str(request_id))["status"] != "pending"

        self.wait_until(f"request {request_id}'s draw", drawn)
        return self.cli("query", "work", "request", str(request_id))

    def cli(self, *args: str, expect: int = 0) -> dict[str, Any]:
        """Run ``bpdao ARGS --output json``; check its exit code, return its JSON."""
        cmd = [sys.executable, "-m", "abci_app.cli.main", *args, "--home", str(self.home), "--output", "json"]
        done = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == expect, f"bpdao {args} exited {done.returncode}: {done.stdout}{done.stderr}"
        result: dict[str, Any] = json.loads(done.stdout)
        return result

    def spawn(self, name: str, cmd: list[str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            cmd, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        log.close()
        self.procs.append(proc)
        return proc

    def start(self) -> subprocess.Popen[bytes]:
        return self.spawn(
            "start", [sys.executable, "-m", "abci_app.cli.main", "start", "--home", str(self.home)]
        )

    def app(self) -> subprocess.Popen[bytes]:
        return self.spawn("app", [sys.executable, "-m", "abci_app.cli.main", "app", "--home", str(self.home)])

    def cometbft(self) -> subprocess.Popen[bytes]:
        return self.spawn(
            "cometbft", [str(cometbft_binary()), "start", "--home", str(Home(self.home).cometbft_home)]
        )

    def wait_until(self, what: str, predicate: Callable[[], bool]) -> None:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            for proc in self.procs:
                if proc.poll() not in (None, -signal.SIGKILL, 0):
                    pytest.fail(
                        f"{proc.args!r} exited with {proc.returncode} while waiting for {what}; {self.tail()}"
                    )
            try:
                if predicate():
                    return
            except (BpdaoError, NodeUnreachable, NodeRpcError):
                pass
            time.sleep(0.1)
        pytest.fail(f"timed out waiting for {what}; {self.tail()}")

    def wait_height(self, height: int) -> None:
        self.wait_until(f"app height {height}", lambda: self.client.status().app_height >= height)

    def post(self, sender: str, content: str, *extra: str) -> int:
        """``bpdao tx forum post`` (must be delivered); the new post's id. Every block is work, so
        the chain's own block posts take ids too: the post is found by its content hash among the
        sender's posts of the tx's block."""
        result = self.cli("tx", "forum", "post", "--from", sender, "--content", content, *extra, "--wait")
        assert result["deliver"]["code"] == 0, result
        author = Keyring(self.home, "test").show(sender).bech32
        for post_id in reversed(self.client.query("/forum/posts_by_author", author=author)["post_ids"]):
            post = self.client.query("/forum/post", id=post_id)
            if post["content_hash"] == result["content_hash"] and post["height"] == result["height"]:
                return int(post_id)
        raise AssertionError(f"no post of {sender} with content hash {result['content_hash']}")

    def tail(self) -> str:
        return " | ".join(f"{p.name}: {p.read_text()[-1500:]}" for p in sorted(self.logs.iterdir()))

    def transfer(self, amount: int, nonce: int | None = None, wait: bool = True) -> Any:
        from abci_app.txcodec import sign_tx
        from modules.bank.types import MsgSend

        fee = int(self.client.params().get("auth", {}).get("min_fee", 0))
        nonce = self.client.account(self.alice.address).nonce if nonce is None else nonce
        tx = sign_tx(
            self.alice_seed,
            [MsgSend(to=self.bob.address, amount=amount)],
            chain_id=CHAIN_ID,
            nonce=nonce,
            fee=fee,
            memo="itest",
        )
        return tx, fee, self.client.broadcast(tx, wait=wait)

    def stop_all(self) -> None:
        self.client.close()
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def devnet(tmp_path: Path) -> Iterator[Devnet]:
    net = Devnet(tmp_path)
    try:
        yield net
    finally:
        net.stop_all()


def test_start_transfer_commits_and_malformed_tx_changes_nothing(devnet: Devnet) -> None:
    node = devnet.start()
    devnet.wait_height(2)
    status = devnet.client.status()
    assert status.chain_id == CHAIN_ID and status.node_height >= status.app_height

    tx, fee, result = devnet.transfer(250)
    assert result.committed and result.ok, result
    block = devnet.rpc.block(result.height)
    assert base64.b64encode(tx).decode() in block["block"]["data"]["txs"]
    alice = devnet.client.account(devnet.alice.address)
    bob = devnet.client.account(devnet.bob.address)
    assert (alice.balance, alice.nonce) == (1_000_000 - 250 - fee, 1)
    assert bob.balance == 250
    cli_view = devnet.cli("query", "account", "bob")
    assert cli_view["balance"] == 250

    # The node's tx indexer finds the transfer by its recipient; amounts are not indexed
    # (app.toml index_events = "identities", abci_app/events.py).
    def search(query: str) -> list[str]:
        found = devnet.rpc.call("tx_search", {"query": query})
        return [entry["hash"] for entry in found["txs"]]

    recipient = to_bech32(devnet.bob.address)
    assert search(f"transfer.recipient='{recipient}'") == [tx_hash(tx).hex().upper()]
    assert search(f"fee.payer='{to_bech32(devnet.alice.address)}'") == [tx_hash(tx).hex().upper()]
    assert search("transfer.amount='250'") == []

    # The CLI path: keyring -> nonce/fee/chain id from the app -> sign -> broadcast -> wait.
    sent = devnet.cli("tx", "send", "--from", "bob", "alice", "40", "--wait", "--memo", "back")
    assert sent["committed"] and sent["deliver"]["code"] == 0 and sent["fee"] == fee
    assert devnet.client.account(devnet.bob.address).balance == 250 - 40 - fee
    refused = devnet.cli("tx", "send", "--from", "bob", "alice", str(10**12), "--wait", expect=4)
    assert "insufficient funds" in refused["error"] and refused["check"]["codespace"] == "bank"
    # Back to back without waiting: the second signs with the node's next nonce, after the first
    # (pending in its mempool or already committed), not the committed one.
    first, second = (devnet.cli("tx", "send", "--from", "bob", "alice", "1") for _ in range(2))
    assert first["check"]["code"] == second["check"]["code"] == 0
    assert second["nonce"] == first["nonce"] + 1
    assert devnet.rpc.wait_for_tx(bytes.fromhex(second["hash"]), timeout=30) is not None
    alice = devnet.client.account(devnet.alice.address)
    bob_balance = devnet.client.account(devnet.bob.address).balance

    # A malformed tx: refused at CheckTx with a code and a reason; never reaches a block.
    for junk in (b"\x00not a tx", b"\xff" * 64):
        bad = devnet.client.broadcast(junk, wait=False)
        assert bad.check.code != 0 and bad.check.log, bad
    devnet.wait_height(devnet.client.status().app_height + 2)
    alice_now = devnet.client.account(devnet.alice.address)
    assert (alice_now.balance, alice_now.nonce) == (alice.balance, alice.nonce)
    assert devnet.client.account(devnet.bob.address).balance == bob_balance

    # SIGTERM stops the node and the app cleanly.
    node.send_signal(signal.SIGTERM)
    assert node.wait(60) == 0
    with pytest.raises(NodeUnreachable):
        devnet.rpc.status()


def test_sigkill_of_the_app_then_restart_replays_to_the_same_hashes(devnet: Devnet) -> None:
    app = devnet.app()
    node = devnet.cometbft()
    devnet.wait_height(2)
    _, fee, result = devnet.transfer(1000)
    assert result.committed and result.ok, result
    # txs in flight when the app dies: some may commit, none may be half-applied
    for i in range(3):
        devnet.transfer(1, nonce=1 + i, wait=False)
    before = devnet.client.status()
    assert before.app_hash

    app.send_signal(signal.SIGKILL)
    assert app.wait(10) == -signal.SIGKILL
    # CometBFT stops when its app connection drops; if it hangs on, it is killed too (an operator's crash).
    try:
        node.wait(30)
    except subprocess.TimeoutExpired:
        node.kill()
        node.wait()
    devnet.procs.clear()
    devnet.client.close()
    devnet.client = BpdaoClient(devnet.grpc_address, timeout=10)

    devnet.app()
    devnet.cometbft()
    devnet.wait_height(before.app_height + 3)
    # CometBFT recorded the hash the first app process committed at that height (in block H+1's header);
    # the restarted app continues from it, and its own hashes keep matching the headers.
    assert devnet.rpc.block_app_hash(before.app_height + 1) == before.app_hash
    after = devnet.client.status()
    devnet.wait_until(
        f"block {after.app_height + 1}", lambda: devnet.rpc.latest_height() >= after.app_height + 1
    )
    assert devnet.rpc.block_app_hash(after.app_height + 1) == after.app_hash

    alice = devnet.client.account(devnet.alice.address)
    bob = devnet.client.account(devnet.bob.address)
    in_flight = alice.nonce - 1  # in-flight transfers that made it into a block
    assert 0 <= in_flight <= 3
    assert bob.balance == 1000 + in_flight
    assert alice.balance == 1_000_000 - 1000 - in_flight - fee * alice.nonce


def test_wiped_app_state_is_rebuilt_by_replay_to_the_same_hashes(devnet: Devnet) -> None:
    """Determinism across processes: the node replays every block into an empty app and checks each hash."""
    app = devnet.app()
    node = devnet.cometbft()
    devnet.wait_height(2)
    _, fee, result = devnet.transfer(777)
    assert result.committed and result.ok, result
    devnet.wait_height(result.height + 2)
    for proc in (node, app):
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    devnet.procs.clear()
    home = Home(devnet.home)
    reached = result.height + 2
    shutil.rmtree(home.data_dir(home.load_config()))

    devnet.app()
    devnet.cometbft()
    devnet.wait_height(reached + 2)
    status = devnet.client.status()
    devnet.wait_until("the next block", lambda: devnet.rpc.latest_height() >= status.app_height + 1)
    assert devnet.rpc.block_app_hash(status.app_height + 1) == status.app_hash
    assert devnet.client.account(devnet.bob.address).balance == 777
    assert devnet.client.account(devnet.alice.address).balance == 1_000_000 - 777 - fee
