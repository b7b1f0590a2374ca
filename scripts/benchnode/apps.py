"""The apps under test: the Go kvstore, our app, and the floor (our server with no state machine)."""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from abci_app.tooling import REPO_ROOT
from benchnode.network import CHAIN_ID, Node, edit_genesis
from benchnode.processes import free_ports


class AppUnderTest(Protocol):
    name: str

    def prepare(self, nodes: list[Node], work: Path) -> None:
        """Write genesis app_state and anything the app processes need."""

    def command(self, node: Node, work: Path) -> list[str]:
        """The command line of node ``node``'s app process, listening on ``node.abci_port``."""

    def transactions(self, count: int, size: int) -> Iterator[tuple[str, bytes]]:
        """``count`` distinct (group, tx) pairs; a group's txs must arrive in order."""

    def fingerprint(self) -> str:
        """Changes whenever transactions() would build other bytes (the tx file cache key)."""


class KvstoreApp:
    """CometBFT's Go example app, ``abci-cli kvstore``, over the socket protocol."""

    name = "kvstore"

    def __init__(self, abci_cli: Path) -> None:
        self.abci_cli = abci_cli

    def prepare(self, nodes: list[Node], work: Path) -> None:
        edit_genesis(nodes, lambda genesis: None)

    def command(self, node: Node, work: Path) -> list[str]:
        return [
            str(self.abci_cli),
            "kvstore",
            "--address",
            f"tcp://127.0.0.1:{node.abci_port}",
            "--persist",
            str(work / f"kvstore{node.index}"),
        ]

    def fingerprint(self) -> str:
        return "kvstore-v1"

    def transactions(self, count: int, size: int) -> Iterator[tuple[str, bytes]]:
        # "key=value" with a unique key, padded to exactly `size` bytes; no ordering constraint.
        for i in range(count):
            head = f"bench{i:010d}=".encode()
            yield "", head + b"v" * max(1, size - len(head))


SENDER_BALANCE = 10**15
TRANSFER_AMOUNT = 1
TRANSFER_FEE = 1  # auth's default min_fee


def sender_seed(index: int) -> bytes:
    return hashlib.sha256(b"bpdao-bench-sender/%d" % index).digest()


def _sign_range(args: tuple[int, int, int, int, str]) -> list[tuple[str, bytes]]:
    """Transfers for lines [first, last) of the tx file: line k is sender k % senders, nonce k // senders,
    sending TRANSFER_AMOUNT to the next sender; the memo pads each tx to ``size`` bytes if it can."""
    from nacl.signing import SigningKey

    from abci_app.txcodec import SIGN_DOMAIN, encode_body, encode_tx
    from modules.bank.types import MsgSend
    from modules.core.address import address_from_pubkey

    first, last, senders, size, chain_id = args
    keys: dict[int, SigningKey] = {}
    addresses: dict[int, bytes] = {}
    # memo length that pads a tx to `size`, by the nonce's varint width (the only part of a transfer
    # whose length varies); the signature's length is fixed, so a placeholder measures the tx.
    memo_for: dict[int, int] = {}
    placeholder = bytes(64)

    def key(i: int) -> SigningKey:
        if i not in keys:
            keys[i] = SigningKey(sender_seed(i))
            addresses[i] = address_from_pubkey(bytes(keys[i].verify_key))
        return keys[i]

    def fit_memo(msgs: list[MsgSend], nonce: int, pub_key: bytes) -> int:
        def length(memo_len: int) -> int:
            body = encode_body(msgs, chain_id=chain_id, nonce=nonce, fee=TRANSFER_FEE, memo="m" * memo_len)
            return len(encode_tx(body, pub_key, placeholder))

        memo_len = max(0, size - length(0) - 2)  # the memo field adds a tag, a length, the bytes
        while memo_len > 0 and length(memo_len) > size:
            memo_len -= 1
        return memo_len

    out = []
    for line in range(first, last):
        sender, nonce = line % senders, line // senders
        signer, recipient = key(sender), (sender + 1) % senders
        key(recipient)
        pub_key = bytes(signer.verify_key)
        msgs = [MsgSend(to=addresses[recipient], amount=TRANSFER_AMOUNT)]
        width = (nonce.bit_length() + 6) // 7  # 0 for nonce 0, which proto3 leaves out
        if width not in memo_for:
            memo_for[width] = fit_memo(msgs, nonce, pub_key)
        body = encode_body(msgs, chain_id=chain_id, nonce=nonce, fee=TRANSFER_FEE, memo="m" * memo_for[width])
        out.append((f"s{sender}", encode_tx(body, pub_key, signer.sign(SIGN_DOMAIN + body).signature)))
    return out


class BpdaoApp:
    """Our app: one process per node, ``bpdao app`` over its own home (or the ABCI server + Application
    directly when the CLI is not there), under signed bank transfers from many funded senders."""

    name = "bpdao"

    def __init__(self, senders: int, launch: str = "auto") -> None:
        self.senders = senders
        self.use_cli = launch == "cli" or (launch == "auto" and (REPO_ROOT / "abci_app" / "cli").is_dir())

    def prepare(self, nodes: list[Node], work: Path) -> None:
        from nacl.signing import SigningKey

        from abci_app.node import AppConfig, Home
        from abci_app.wiring import default_wiring
        from genesis.app_state import build_app_state, validate_app_state
        from modules.core.address import address_from_pubkey, to_bech32

        modules = default_wiring().modules
        app_state = build_app_state(modules, {"chain_id": CHAIN_ID})
        # The founders' entries straight into the documented sections, then the modules validate
        # the whole (genesis.accounts.add_account searches the lists per call: quadratic in senders).
        for i in range(self.senders):
            pub_key = bytes(SigningKey(sender_seed(i)).verify_key)
            address = to_bech32(address_from_pubkey(pub_key))
            app_state["auth"]["accounts"].append({"address": address, "pub_key": pub_key.hex(), "nonce": 0})
            app_state["bank"]["balances"].append({"address": address, "amount": SENDER_BALANCE})
            app_state["bank"]["supply"] += SENDER_BALANCE
        validate_app_state(modules, app_state, CHAIN_ID)
        edit_genesis(nodes, lambda genesis: genesis.__setitem__("app_state", app_state))
        for node in nodes:
            home = work / f"bpdao{node.index}"
            (home / "data").mkdir(parents=True)
            config = AppConfig(
                chain_id=CHAIN_ID,
                abci_address=f"tcp://127.0.0.1:{node.abci_port}",
                grpc_address=f"127.0.0.1:{free_ports(1)[0]}",
                node_rpc=f"tcp://127.0.0.1:{node.rpc_port}",
                keyring_backend="test",
            )
            Home.at(home).write_config(config)

    def command(self, node: Node, work: Path) -> list[str]:
        home = work / f"bpdao{node.index}"
        if self.use_cli:
            return [sys.executable, "-m", "abci_app.cli.main", "app", "--home", str(home)]
        launcher = work / "launch_app.py"
        launcher.write_text(
            "import sys\n"
            f"sys.path.insert(0, {str(REPO_ROOT)!r})\n"
            "from abci_app.app import Application\n"
            "from abci_app.server import run\n"
            "run(Application(sys.argv[1]), sys.argv[2])\n"
        )
        return [sys.executable, str(launcher), str(home / "data"), f"tcp://127.0.0.1:{node.abci_port}"]

    def fingerprint(self) -> str:
        """The senders, the chain, and every source file that shapes a signed transfer's bytes."""
        digest = hashlib.sha256(f"{self.senders}/{CHAIN_ID}/{TRANSFER_AMOUNT}/{TRANSFER_FEE}".encode())
        digest.update(inspect.getsource(_sign_range).encode() + inspect.getsource(sender_seed).encode())
        sources = ["abci_app/txcodec.py", "abci_app/codec.py", "modules/bank/types.py"]
        for path in [*(REPO_ROOT / p for p in sources), *sorted((REPO_ROOT / "proto").rglob("*.proto"))]:
            digest.update(path.read_bytes() if path.exists() else b"-")
        return digest.hexdigest()

    def transactions(self, count: int, size: int) -> Iterator[tuple[str, bytes]]:
        from concurrent.futures import ProcessPoolExecutor

        chunk = 5000
        ranges = [(a, min(a + chunk, count), self.senders, size, CHAIN_ID) for a in range(0, count, chunk)]
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            for part in pool.map(_sign_range, ranges):
                yield from part


class FloorApp(BpdaoApp):
    """``scripts/bench_floor_app.py``: our server, tx decode and one signature check per tx, no state
    machine; on our signed transfers (the same tx file as bpdao). It shows where the floor of a
    signed-tx Python app lies on this box, in the same sitting."""

    name = "floor"

    def command(self, node: Node, work: Path) -> list[str]:
        return [
            sys.executable,
            str(REPO_ROOT / "scripts" / "bench_floor_app.py"),
            f"tcp://127.0.0.1:{node.abci_port}",
        ]


SAMPLER = REPO_ROOT / "scripts" / "bench_sampler.py"


@dataclass(frozen=True)
class SampledCommand:
    """An app command wrapped in bench_sampler.py, with its start/stop control and its result."""

    argv: list[str]
    control: Path
    out: Path

    def send(self, command: str) -> None:
        self.control.write_text(command + "\n")

    def collect(self, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while not self.out.exists():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the sampler wrote no profile to {self.out}")
            time.sleep(0.1)
        profile: dict[str, Any] = json.loads(self.out.read_text())
        return profile


def sampled_app(app: AppUnderTest) -> Callable[[Node, Path], SampledCommand]:
    """Run ``app``'s (Python) process under the CPU sampler; argv must be [python, -m mod | script, ...]."""

    def wrap(node: Node, work: Path) -> SampledCommand:
        argv = app.command(node, work)
        control, out = work / f"sampler{node.index}.ctl", work / f"profile{node.index}.json"
        return SampledCommand([argv[0], str(SAMPLER), str(control), str(out), "--", *argv[1:]], control, out)

    return wrap
