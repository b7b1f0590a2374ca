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
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import hashlib
import inspect
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from abci_app import tooling  # noqa: E402

LOADGEN_SRC = REPO_ROOT / "scripts" / "loadgen"
CHAIN_ID = "bpdao-bench"
BLOCK_MAX_BYTES = 4 * 1024 * 1024  # cometbft init's default; `cometbft testnet` writes a much larger one
HZ = os.sysconf("SC_CLK_TCK")
CACHE_DIR = Path(tempfile.gettempdir()) / "bpdao-bench-cache"  # signed tx files: costly to rebuild
CACHE_KEEP = 4


def say(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


# -- processes and ports -------------------------------------------------------------------------


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports (all held open together so none is handed out twice)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ


def box_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all processes, all cores), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / HZ


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen[bytes], work: Path) -> None:
    """Until something listens on 127.0.0.1:port (so cometbft need not back off and retry)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app (pid {proc.pid}) exited with {proc.returncode}; logs in {work}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout:.0f}s; logs in {work}")


class Processes:
    """Every process a round starts, in layers (apps, then nodes); stopped layer by layer in reverse,
    so a node never loses its app while it is still shutting down."""

    def __init__(self) -> None:
        self.layers: dict[str, list[subprocess.Popen[bytes]]] = {}
        self.logs: list[IO[bytes]] = []

    def start(self, layer: str, argv: Sequence[str], log_path: Path) -> subprocess.Popen[bytes]:
        log = log_path.open("wb")
        self.logs.append(log)
        proc = subprocess.Popen(list(argv), stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
        self.layers.setdefault(layer, []).append(proc)
        return proc

    def stop_all(self) -> None:
        for procs in reversed(list(self.layers.values())):
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            for proc in procs:
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        for log in self.logs:
            log.close()
        self.layers.clear()
        self.logs.clear()


# -- CometBFT RPC --------------------------------------------------------------------------------


def rpc(port: int, path: str, timeout: float = 10.0) -> Any:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=timeout) as resp:
        return json.load(resp)["result"]


def latest_height(port: int) -> int:
    return int(rpc(port, "status")["sync_info"]["latest_block_height"])


def parse_time_ns(text: str) -> int:
    """RFC 3339 with up to 9 fractional digits (as CometBFT prints it) to unix ns."""
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)", text)
    if not match:
        raise ValueError(f"unexpected time format {text!r}")
    base, frac, zone = match.groups()
    seconds = datetime.fromisoformat(base + ("+00:00" if zone == "Z" else zone)).timestamp()
    return int(seconds) * 1_000_000_000 + int((frac or "").ljust(9, "0"))


@dataclass(frozen=True)
class Block:
    height: int
    header_ns: int  # BFT time: the median precommit time of the previous height
    commit_ns: int  # median precommit time of this height: when it was decided
    tx_hashes: tuple[str, ...]


def read_block(port: int, height: int) -> Block:
    block = rpc(port, f"block?height={height}")["block"]
    txs = block["data"]["txs"] or []
    hashes = tuple(hashlib.sha256(base64.b64decode(tx)).hexdigest().upper() for tx in txs)
    commit = rpc(port, f"commit?height={height}")["signed_header"]["commit"]
    stamps = [parse_time_ns(s["timestamp"]) for s in commit["signatures"] if s.get("signature")]
    return Block(height, parse_time_ns(block["header"]["time"]), int(statistics.median_low(stamps)), hashes)


def wait_for_height(port: int, height: int, timeout: float, alive: Callable[[], None]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive()
        try:
            if latest_height(port) >= height:
                return
        except (OSError, urllib.error.URLError, KeyError, ValueError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"node on RPC port {port} did not reach height {height} within {timeout:.0f}s")


# -- network setup -------------------------------------------------------------------------------


@dataclass
class Node:
    index: int
    home: Path
    rpc_port: int
    p2p_port: int
    abci_port: int
    node_id: str = ""


def set_toml(text: str, section: str, key: str, value: str) -> str:
    """Replace ``key = …`` inside ``[section]`` ("" = top level) of a CometBFT config.toml."""
    header = re.compile(r"^\[([^\]]+)\]\s*$", re.MULTILINE)
    bounds = [(m.group(1), m.start(), m.end()) for m in header.finditer(text)]
    if section == "":
        start, end = 0, bounds[0][1] if bounds else len(text)
    else:
        idx = next(i for i, b in enumerate(bounds) if b[0] == section)
        start = bounds[idx][2]
        end = bounds[idx + 1][1] if idx + 1 < len(bounds) else len(text)
    body, count = re.subn(
        rf"^{re.escape(key)} = .*$", f"{key} = {value}", text[start:end], count=1, flags=re.M
    )
    if count != 1:
        raise KeyError(f"{key} not found in [{section}] of config.toml")
    return text[:start] + body + text[end:]


def init_network(
    cometbft: Path, root: Path, count: int, timeout_commit: str, mempool_size: int
) -> list[Node]:
    """``cometbft testnet`` homes for ``count`` validators, rewired onto distinct loopback ports."""
    subprocess.run(
        [str(cometbft), "testnet", "--v", str(count), "--o", str(root), "--starting-ip-address", "127.0.0.1"],
        check=True,
        capture_output=True,
    )
    ports = free_ports(3 * count)
    nodes = [
        Node(i, root / f"node{i}", ports[3 * i], ports[3 * i + 1], ports[3 * i + 2]) for i in range(count)
    ]
    for node in nodes:
        node.node_id = subprocess.run(
            [str(cometbft), "show-node-id", "--home", str(node.home)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    for node in nodes:
        peers = ",".join(f"{p.node_id}@127.0.0.1:{p.p2p_port}" for p in nodes if p is not node)
        path = node.home / "config" / "config.toml"
        text = path.read_text()
        for section, key, value in [
            ("", "proxy_app", f'"tcp://127.0.0.1:{node.abci_port}"'),
            ("rpc", "laddr", f'"tcp://127.0.0.1:{node.rpc_port}"'),
            ("p2p", "laddr", f'"tcp://127.0.0.1:{node.p2p_port}"'),
            ("p2p", "persistent_peers", f'"{peers}"'),
            ("p2p", "allow_duplicate_ip", "true"),
            ("p2p", "addr_book_strict", "false"),
            ("mempool", "size", str(mempool_size)),
            ("consensus", "timeout_commit", f'"{timeout_commit}"'),
        ]:
            text = set_toml(text, section, key, value)
        path.write_text(text)
    return nodes


def edit_genesis(nodes: list[Node], edit: Callable[[dict[str, Any]], None]) -> None:
    """Apply ``edit`` to node0's genesis and copy the result to every node (they must be identical)."""
    path = nodes[0].home / "config" / "genesis.json"
    genesis: dict[str, Any] = json.loads(path.read_text())
    genesis["chain_id"] = CHAIN_ID
    genesis["consensus_params"]["block"]["max_bytes"] = str(BLOCK_MAX_BYTES)
    edit(genesis)
    text = json.dumps(genesis, indent=2)
    for node in nodes:
        (node.home / "config" / "genesis.json").write_text(text)


# -- the apps under test -------------------------------------------------------------------------


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


# -- the measured round --------------------------------------------------------------------------


@dataclass
class LoadSettings:
    seconds: float
    conns: int
    rate: float
    method: str
    tx_size: int
    tx_count: int
    timeout_commit: str
    mempool_size: int
    nodes: int
    drain_seconds: float


@dataclass
class RoundResult:
    app: str
    load: dict[str, Any]
    window_s: float
    committed: int
    tx_per_s: float
    blocks: int
    blocks_per_s: float
    max_block_txs: int
    late_committed: int
    latency_commit_ms: tuple[float, float]
    latency_header_ms: tuple[float, float]
    cpu_cores: dict[str, float]
    cpu_us_per_tx: float  # app CPU per committed tx
    node_us_per_tx: float  # cometbft CPU per committed tx
    profile: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def build_loadgen() -> Path:
    """``go build`` the load generator into .tools/bin (Go's build cache makes a rebuild instant)."""
    binary = tooling.TOOLS_BIN / "loadgen"
    binary.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["go", "build", "-o", str(binary), "."], cwd=LOADGEN_SRC, check=True)
    return binary


def percentile(sorted_values: Sequence[float], pct: int) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-pct * len(sorted_values) // 100))
    return sorted_values[rank - 1]


def tx_file(app: AppUnderTest, count: int, size: int) -> tuple[Path, dict[str, int]]:
    """The app's pre-built txs (``[group ]hex`` lines), from the cache when the same inputs built them."""
    label = "bpdao" if isinstance(app, BpdaoApp) else app.name  # the floor app runs bpdao's txs
    key = hashlib.sha256(json.dumps([label, app.fingerprint(), count, size]).encode()).hexdigest()[:16]
    path = CACHE_DIR / f"{label}-{count}x{size}-{key}.txt"
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        meta: dict[str, int] = json.loads(meta_path.read_text())
        say(f"{meta['count']} {app.name} txs from cache {path}")
        return path, meta
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    sizes = []
    tmp = path.with_suffix(".tmp")
    with tmp.open("w") as out:
        for group, tx in app.transactions(count, size):
            sizes.append(len(tx))
            out.write(f"{group} {tx.hex()}\n" if group else f"{tx.hex()}\n")
    tmp.replace(path)
    meta = {"count": len(sizes), "min": min(sizes), "max": max(sizes)}
    meta_path.write_text(json.dumps(meta))
    built = time.monotonic() - t0
    say(f"{len(sizes)} {app.name} txs built in {built:.1f}s, {meta['min']}..{meta['max']} bytes")
    for old in sorted(CACHE_DIR.glob("*.txt"), key=lambda p: p.stat().st_mtime)[:-CACHE_KEEP]:
        old.unlink()
        old.with_suffix(".json").unlink(missing_ok=True)
    return path, meta


def run_loadgen(
    loadgen: Path, nodes: list[Node], txs: Path, out_csv: Path, s: LoadSettings
) -> tuple[dict[str, Any], float]:
    """Run the load; returns its summary and the CPU seconds it used (from wait4's rusage)."""
    endpoints = ",".join(f"http://127.0.0.1:{n.rpc_port}" for n in nodes)
    argv = [
        str(loadgen),
        "-txs",
        str(txs),
        "-endpoints",
        endpoints,
        "-c",
        str(s.conns),
        "-rate",
        str(s.rate),
        "-duration",
        f"{s.seconds}s",
        "-method",
        s.method,
        "-out",
        str(out_csv),
    ]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = proc.stdout.read() if proc.stdout else b""
    stderr = proc.stderr.read() if proc.stderr else b""
    if proc.returncode != 0:
        raise RuntimeError(f"loadgen failed ({proc.returncode}): {stderr.decode(errors='replace')}")
    summary: dict[str, Any] = json.loads(stdout)
    return summary, usage.ru_utime + usage.ru_stime


def read_sends(csv_path: Path) -> dict[str, int]:
    """tx hash -> send time (unix ns) of the txs CheckTx accepted."""
    sends: dict[str, int] = {}
    with csv_path.open() as f:
        next(f)
        for line in f:
            parts = line.rstrip("\n").split(",", 4)
            if parts[3] == "0" and not parts[4]:
                sends[parts[0]] = int(parts[1])
    return sends


def drain(port: int, seconds: float) -> None:
    """Let the mempool empty (bounded) so accepted txs reach a block before we read them."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if int(rpc(port, "num_unconfirmed_txs")["n_txs"]) == 0:
            break
        time.sleep(0.25)
    # one more block, so the last one has a commit we can timestamp from the next header
    target = latest_height(port) + 1
    while time.monotonic() < deadline + 5 and latest_height(port) < target:
        time.sleep(0.1)


def measure(
    app: AppUnderTest,
    settings: LoadSettings,
    cometbft: Path,
    loadgen: Path,
    work: Path,
    profiler: Callable[[Node, Path], SampledCommand] | None = None,
) -> RoundResult:
    """One round: fresh network + app processes, the load, then the blocks read back."""
    say(
        f"== {app.name}: {settings.nodes} node(s), {settings.conns} conns, {settings.seconds:g}s, "
        f"method {settings.method}, rate {settings.rate or 'max'}"
    )
    nodes = init_network(
        cometbft, work / "net", settings.nodes, settings.timeout_commit, settings.mempool_size
    )
    app.prepare(nodes, work)
    txs, _ = tx_file(app, settings.tx_count, settings.tx_size)
    procs = Processes()
    sampled: SampledCommand | None = None
    try:
        app_procs = []
        for node in nodes:
            argv = app.command(node, work)
            if profiler is not None and node.index == 0:
                sampled = profiler(node, work)
                argv = sampled.argv
            app_procs.append(procs.start("apps", argv, work / f"app{node.index}.log"))
        for node, proc in zip(nodes, app_procs, strict=True):
            wait_for_port(node.abci_port, 60, proc, work)
        node_procs = [
            procs.start(
                "nodes",
                [str(cometbft), "start", "--home", str(n.home), "--log_level", "error"],
                work / f"node{n.index}.log",
            )
            for n in nodes
        ]

        def alive() -> None:
            for name, proc in [("app", p) for p in app_procs] + [("cometbft", p) for p in node_procs]:
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"{name} (pid {proc.pid}) exited with {proc.returncode}; logs in {work}"
                    )

        port = nodes[0].rpc_port
        wait_for_height(port, 2, 60, alive)
        h0 = latest_height(port)
        cpu0 = {
            "app": sum(cpu_seconds(p.pid) for p in app_procs),
            "node": sum(cpu_seconds(p.pid) for p in node_procs),
            "box": box_busy_seconds(),
        }
        if sampled:
            sampled.send("start")
        summary, loadgen_cpu = run_loadgen(loadgen, nodes, txs, work / "sends.csv", settings)
        if sampled:
            sampled.send("stop")
        cpu1 = {
            "app": sum(cpu_seconds(p.pid) for p in app_procs),
            "node": sum(cpu_seconds(p.pid) for p in node_procs),
            "box": box_busy_seconds(),
        }
        alive()
        drain(port, settings.drain_seconds)
        alive()
        h1 = latest_height(port)
        profile = sampled.collect() if sampled else None
        blocks = [read_block(port, h) for h in range(h0 + 1, h1 + 1)]
    finally:
        procs.stop_all()
    return summarize(
        app.name, settings, summary, blocks, read_sends(work / "sends.csv"), cpu0, cpu1, loadgen_cpu, profile
    )


def summarize(
    name: str,
    s: LoadSettings,
    load: dict[str, Any],
    blocks: list[Block],
    sends: dict[str, int],
    cpu0: dict[str, float],
    cpu1: dict[str, float],
    loadgen_cpu: float,
    profile: dict[str, Any] | None,
) -> RoundResult:
    start_ns, end_ns = int(load["start_unix_ns"]), int(load["end_unix_ns"])
    window_s = (end_ns - start_ns) / 1e9
    in_window = [b for b in blocks if start_ns <= b.commit_ns <= end_ns]
    committed = sum(len(b.tx_hashes) for b in in_window)
    late = sum(len(b.tx_hashes) for b in blocks if b.commit_ns > end_ns)
    lat_commit: list[float] = []
    lat_header: list[float] = []
    for b in blocks:
        for h in b.tx_hashes:
            sent = sends.get(h)
            if sent is not None:
                lat_commit.append((b.commit_ns - sent) / 1e6)
                lat_header.append((b.header_ns - sent) / 1e6)
    lat_commit.sort()
    lat_header.sort()
    notes = []
    if load["sent"] < load["loaded"] and window_s < s.seconds * 0.95:
        notes.append("load stopped early")
    if load["sent"] >= load["loaded"] and window_s < s.seconds * 0.98:
        notes.append(f"tx file exhausted after {window_s:.1f}s: raise --tx-count; the load was file-bound")
    missing = len(sends) - len(lat_commit)
    if missing:
        notes.append(f"{missing} accepted txs not found in blocks read (still in mempool after the drain)")
    cores = {k: (cpu1[k] - cpu0[k]) / window_s for k in cpu0}
    cores["loadgen"] = loadgen_cpu / window_s
    # what the rest of the shared machine took meanwhile (this script's own share included, ~0)
    cores["others"] = max(0.0, cores.pop("box") - cores["app"] - cores["node"] - cores["loadgen"])
    return RoundResult(
        app=name,
        load=load,
        window_s=window_s,
        committed=committed,
        tx_per_s=committed / window_s if window_s else float("nan"),
        blocks=len(in_window),
        blocks_per_s=len(in_window) / window_s if window_s else float("nan"),
        max_block_txs=max((len(b.tx_hashes) for b in in_window), default=0),
        late_committed=late,
        latency_commit_ms=(percentile(lat_commit, 50), percentile(lat_commit, 95)),
        latency_header_ms=(percentile(lat_header, 50), percentile(lat_header, 95)),
        cpu_cores=cores,
        cpu_us_per_tx=(cpu1["app"] - cpu0["app"]) * 1e6 / committed if committed else float("nan"),
        node_us_per_tx=(cpu1["node"] - cpu0["node"]) * 1e6 / committed if committed else float("nan"),
        profile=profile,
        notes=notes,
    )


# -- report --------------------------------------------------------------------------------------


def report(rounds: list[list[RoundResult]], s: LoadSettings, profile_run: RoundResult | None = None) -> str:
    lines = [
        f"# bench_node: {s.nodes} node(s), {s.conns} conns, broadcast_tx_{s.method}, "
        f"rate {s.rate or 'max'}, {s.seconds:g}s load, ~{s.tx_size}-byte txs, "
        f"timeout_commit {s.timeout_commit}, mempool {s.mempool_size}, {os.cpu_count()} cores",
        "# latency: commit = block decided (median precommit time) - send; hdr = block header time - send",
        "",
        f"{'round':<5} {'app':<8} {'tx/s':>6} {'committed':>9} {'blocks/s':>8} {'max/blk':>7} "
        f"{'p50 ms':>6} {'p95 ms':>6} {'hdr p50':>7} {'hdr p95':>7} {'accepted':>9} "
        f"{'cores app/node/lg/others':>24} {'app µs/tx':>9} {'node µs/tx':>10}",
    ]
    for number, results in enumerate(rounds, 1):
        for r in results:
            cores = "/".join(f"{r.cpu_cores[k]:.2f}" for k in ("app", "node", "loadgen", "others"))
            lines.append(
                f"{number:<5} {r.app:<8} {r.tx_per_s:>6.0f} {r.committed:>9} {r.blocks_per_s:>8.2f} "
                f"{r.max_block_txs:>7} {r.latency_commit_ms[0]:>6.0f} {r.latency_commit_ms[1]:>6.0f} "
                f"{r.latency_header_ms[0]:>7.0f} {r.latency_header_ms[1]:>7.0f} {r.load['accepted']:>9} "
                f"{cores:>24} {r.cpu_us_per_tx:>9.0f} {r.node_us_per_tx:>10.0f}"
            )
            for note in r.notes:
                lines.append(f"      note: {note}")
            if r.load["errors"]:
                lines.append(f"      errors: {json.dumps(r.load['errors_by_message'])}")
            if r.load["rejected"]:
                lines.append(f"      rejected by CheckTx code: {json.dumps(r.load['rejected_by_code'])}")
    lines += ["", *summary_lines(rounds, target_ratio(s.nodes))]
    if profile_run is not None and profile_run.profile:
        lines += [
            "",
            f"(the profile comes from an extra {profile_run.window_s:.0f} s run of {profile_run.app} under "
            f"the sampler, kept out of the figures above: {profile_run.tx_per_s:.0f} tx/s, "
            f"{profile_run.cpu_us_per_tx:.0f} app µs/tx there)",
            "",
            *format_profile(profile_run.app, profile_run.profile),
        ]
    return "\n".join(lines)


def target_ratio(nodes: int) -> float:
    """The issues' targets: 0.9x the Go kvstore on one node (foundation), 0.75x on a network with
    Proof of Reputation on (its pools, beacon and committee cost per block)."""
    return 0.90 if nodes == 1 else 0.75


def summary_lines(rounds: list[list[RoundResult]], target: float) -> list[str]:
    """Median tx/s per app and the bpdao/kvstore (and floor/kvstore) ratio, per round (same sitting)
    and of the medians."""
    by_app: dict[str, list[RoundResult]] = {}
    for results in rounds:
        for r in results:
            by_app.setdefault(r.app, []).append(r)
    lines = []
    for app, rs in by_app.items():
        rate = statistics.median(r.tx_per_s for r in rs)
        p50 = statistics.median(r.latency_commit_ms[0] for r in rs)
        p95 = statistics.median(r.latency_commit_ms[1] for r in rs)
        lines.append(
            f"{app}: {rate:.0f} tx/s committed, latency p50 {p50:.0f} ms, p95 {p95:.0f} ms "
            f"(median of {len(rs)})"
        )
    for app in ("floor", "bpdao"):
        pairs = [
            (rs[app].tx_per_s / rs["kvstore"].tx_per_s)
            for rs in ({r.app: r for r in results} for results in rounds)
            if app in rs and "kvstore" in rs and rs["kvstore"].tx_per_s > 0
        ]
        if pairs:
            per_round = ", ".join(f"{x:.2f}" for x in pairs)
            goal = f"target >= {target:.2f}x" if app == "bpdao" else "no state machine: the floor"
            median = statistics.median(pairs)
            lines.append(f"ratio {app}/kvstore: {median:.2f}x (per round: {per_round}; {goal})")
    return lines


def format_profile(app: str, profile: dict[str, Any], top: int = 15) -> list[str]:
    busy = profile["busy_samples"] or 1
    samples = profile["busy_samples"] + profile["idle_samples"]
    main_cpu, cpu = profile["main_cpu_ns"] / 1e9, profile["cpu_ns"] / 1e9
    threads = sorted(profile["threads"].items(), key=lambda kv: -kv[1])
    lines = [
        f"## {app} app profile over the load window: {cpu:.1f} CPU s in all threads, {main_cpu:.1f} in the "
        f"main thread (the ABCI event loop, where the app runs)",
        f"   {samples} samples, one per {profile['interval_ms']:g} ms of process CPU; "
        f"{100 * profile['idle_samples'] / max(1, samples):.0f}% found the loop in select (CPU spent by "
        f"other threads or the kernel); sampler overhead "
        f"{100 * profile['sampler_cpu_ns'] / max(1, profile['main_cpu_ns']):.1f}% of the main thread's CPU",
        "   threads by CPU s: " + ", ".join(f"{n.split('#')[0]} {ns / 1e9:.2f}" for n, ns in threads[:4]),
        f"{'own %':>6} {'cum %':>6}  function (% of busy samples, by own)",
    ]
    own: dict[str, int] = profile["own"]
    cum: dict[str, int] = profile["cum"]
    for fn, n in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"{100 * n / busy:>6.1f} {100 * cum.get(fn, 0) / busy:>6.1f}  {fn}")
    callers: dict[str, int] = profile.get("callers", {})
    lines += ["", "   top callers of the top 5 by own:"]
    for fn, _ in sorted(own.items(), key=lambda kv: -kv[1])[:5]:
        mine = sorted(
            ((k, n) for k, n in callers.items() if k.startswith(fn + " <- ")), key=lambda kv: -kv[1]
        )
        for key, n in mine[:2]:
            lines.append(f"{100 * n / busy:>6.1f}         {key}")
    lines += ["", f"{'cum %':>6} {'own %':>6}  function (by cumulative; frames on every stack omitted)"]
    inner = [(fn, n) for fn, n in cum.items() if n < 0.98 * busy]
    for fn, n in sorted(inner, key=lambda kv: -kv[1])[:top]:
        lines.append(f"{100 * n / busy:>6.1f} {100 * own.get(fn, 0) / busy:>6.1f}  {fn}")
    return lines


# -- command line --------------------------------------------------------------------------------


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
