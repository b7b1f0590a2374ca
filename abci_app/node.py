"""A node's home directory and its CometBFT process.

Layout of ``<home>`` (default ``~/.bpdao``)::

    config/app.toml        our app's settings: chain id, ABCI / gRPC / node RPC addresses, data dir
    data/                  the app's state (RocksDB)
    cometbft/              CometBFT's own home (config/config.toml, config/genesis.json, data/)
    keyring-file/          encrypted keys (keyring-test/ on devnets)
    logs/cometbft.log      the node's output when started by ``bpdao start``
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import IO, Any

from abci_app.events import EventIndexing
from abci_app.tooling import cometbft_binary

DEFAULT_HOME = Path("~/.bpdao")
DEFAULT_ABCI = "tcp://127.0.0.1:26658"
DEFAULT_GRPC = "127.0.0.1:9090"
DEFAULT_RPC = "tcp://127.0.0.1:26657"
DEFAULT_P2P = "tcp://127.0.0.1:26656"


class HomeError(Exception):
    """The home directory is missing, incomplete or already initialised."""


@dataclass(frozen=True)
class AppConfig:
    """``<home>/config/app.toml``. Paths are relative to the home unless absolute."""

    chain_id: str
    abci_address: str = DEFAULT_ABCI
    grpc_address: str = DEFAULT_GRPC
    node_rpc: str = DEFAULT_RPC
    data_dir: str = "data"
    keyring_backend: str = "file"
    # which event attributes the node's tx indexer makes searchable (abci_app/events.py)
    index_events: str = "identities"

    def to_toml(self) -> str:
        lines = ["# bpdao app settings (written by `bpdao init`)"]
        lines += [f"{key} = {json.dumps(value)}" for key, value in asdict(self).items()]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_toml(cls, text: str) -> AppConfig:
        raw = tomllib.loads(text)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise HomeError(f"app.toml has unknown settings: {', '.join(unknown)}")
        if "chain_id" not in raw:
            raise HomeError("app.toml has no chain_id")
        indexing = str(raw.get("index_events", "identities"))
        choices = [mode.value for mode in EventIndexing]
        if indexing not in choices:
            raise HomeError(f"app.toml: index_events must be one of {', '.join(choices)}, got {indexing!r}")
        return cls(**{k: str(v) for k, v in raw.items()})


@dataclass(frozen=True)
class Home:
    root: Path

    @classmethod
    def at(cls, path: str | Path) -> Home:
        return cls(Path(path).expanduser().resolve())

    @property
    def app_config_path(self) -> Path:
        return self.root / "config" / "app.toml"

    @property
    def cometbft_home(self) -> Path:
        return self.root / "cometbft"

    @property
    def cometbft_config(self) -> Path:
        return self.cometbft_home / "config" / "config.toml"

    @property
    def genesis_path(self) -> Path:
        return self.cometbft_home / "config" / "genesis.json"

    @property
    def log_dir(self) -> Path:
        return self.root / "logs"

    def data_dir(self, config: AppConfig) -> Path:
        return self.root / config.data_dir

    def is_initialised(self) -> bool:
        return self.app_config_path.exists()

    def load_config(self) -> AppConfig:
        if not self.app_config_path.exists():
            raise HomeError(f"{self.root} is not a bpdao home (no config/app.toml): run `bpdao init` first")
        return AppConfig.from_toml(self.app_config_path.read_text())

    def write_config(self, config: AppConfig) -> None:
        self.app_config_path.parent.mkdir(parents=True, exist_ok=True)
        self.app_config_path.write_text(config.to_toml())

    def load_genesis(self) -> dict[str, Any]:
        genesis: dict[str, Any] = json.loads(self.genesis_path.read_text())
        return genesis

    def write_genesis(self, genesis: dict[str, Any]) -> None:
        tmp = self.genesis_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(genesis, indent=2) + "\n")
        os.replace(tmp, self.genesis_path)


# -- CometBFT config.toml ------------------------------------------------------------------------


def set_toml_value(text: str, section: str, key: str, value: str | int | bool) -> str:
    """Set ``key`` in ``[section]`` ("" = top level) of a config.toml text, keeping everything else.

    Only replaces an existing line: CometBFT's generated file lists every setting, so a missing
    key means a version mismatch we want to hear about.
    """
    literal = json.dumps(value) if not isinstance(value, bool) else ("true" if value else "false")
    current = ""
    lines = text.splitlines(keepends=True)
    pattern = re.compile(rf"^{re.escape(key)}\s*=")
    for i, line in enumerate(lines):
        header = re.match(r"^\[([^\]]+)\]\s*$", line)
        if header:
            current = header.group(1).strip()
        elif current == section and pattern.match(line):
            lines[i] = f"{key} = {literal}\n"
            return "".join(lines)
    raise HomeError(f"config.toml has no setting {key!r} in section [{section}]")


@dataclass(frozen=True)
class NodeSettings:
    moniker: str
    proxy_app: str
    rpc_laddr: str
    p2p_laddr: str
    timeout_commit: str = "500ms"
    mempool_size: int = 10000


def configure_cometbft(config_toml: str, settings: NodeSettings) -> str:
    edits: list[tuple[str, str, str | int | bool]] = [
        ("", "moniker", settings.moniker),
        ("", "proxy_app", settings.proxy_app),
        ("", "abci", "socket"),
        ("rpc", "laddr", settings.rpc_laddr),
        ("p2p", "laddr", settings.p2p_laddr),
        # One machine may run several nodes of a devnet on loopback.
        ("p2p", "allow_duplicate_ip", True),
        ("consensus", "timeout_commit", settings.timeout_commit),
        ("mempool", "size", settings.mempool_size),
        # `BroadcastTx(wait)` finds committed txs through the tx index.
        ("tx_index", "indexer", "kv"),
    ]
    for section, key, value in edits:
        config_toml = set_toml_value(config_toml, section, key, value)
    return config_toml


def cometbft_init(home: Home) -> None:
    """``cometbft init`` into ``<home>/cometbft`` (keys, genesis, config.toml)."""
    binary = cometbft_binary()
    if not binary.exists():
        raise HomeError(f"cometbft not found at {binary}: run ./scripts/setup.sh first")
    result = subprocess.run(
        [str(binary), "init", "--home", str(home.cometbft_home)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise HomeError(f"cometbft init failed: {result.stderr.strip() or result.stdout.strip()}")


# -- processes -----------------------------------------------------------------------------------


def host_port(address: str) -> tuple[str, int]:
    """``tcp://127.0.0.1:26658`` or ``127.0.0.1:9090`` -> ("127.0.0.1", port)."""
    bare = address.split("://", 1)[-1]
    host, _, port = bare.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"address {address!r} is not host:port")
    return host, int(port)


def spawn_cometbft(home: Home, log: IO[bytes] | None) -> subprocess.Popen[bytes]:
    """Start ``cometbft start --home <home>/cometbft`` in its own session.

    Its own session: a Ctrl-C on the terminal reaches only us, and we stop the node in order.
    (If we die, the node stops by itself when its ABCI connections close.)
    """
    binary = cometbft_binary()
    if not binary.exists():
        raise HomeError(f"cometbft not found at {binary}: run ./scripts/setup.sh first")
    return subprocess.Popen(
        [str(binary), "start", "--home", str(home.cometbft_home)],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT if log is not None else None,
        start_new_session=True,
    )


def stop_process(proc: subprocess.Popen[bytes], grace: float = 15.0) -> int:
    """SIGTERM, then SIGKILL after ``grace`` seconds; returns the exit code."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


LOWEST_FREE_PORT = 10_000  # ports drawn for tests and scripts start here
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def ephemeral_port_range() -> tuple[int, int]:
    """The ports the kernel gives the local end of outgoing connections (Linux's default if unknown)."""
    try:
        low, high = (int(n) for n in _EPHEMERAL_RANGE.read_text().split())
    except (OSError, ValueError):
        return 32_768, 60_999
    return low, high


def port_pool(span: int = 1) -> range:
    """Where free ports are drawn from: below the ephemeral range, else above it. Never in it: any
    outgoing connection (an RPC poll, a peer, a client) may take such a port for its local end
    between the draw and the node binding it."""
    low, high = ephemeral_port_range()
    if low - span > LOWEST_FREE_PORT:
        return range(LOWEST_FREE_PORT, low - span + 1)
    return range(max(high + 1, LOWEST_FREE_PORT), 65_536 - span + 1)


def free_loopback_ports(count: int) -> list[int]:
    """``count`` ports free on 127.0.0.1 right now, drawn at random from :func:`port_pool` (all
    bound at once, so they are distinct)."""
    pool = port_pool()
    sockets: list[socket.socket] = []
    try:
        for _ in range(100 * count):
            if len(sockets) == count:
                break
            sock = socket.socket()
            try:
                sock.bind(("127.0.0.1", pool[secrets.randbelow(len(pool))]))
            except OSError:  # in use (or drawn already): draw again
                sock.close()
                continue
            sockets.append(sock)
        if len(sockets) < count:
            raise OSError(f"found no {count} free ports on 127.0.0.1 in {pool}")
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
