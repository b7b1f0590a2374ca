"""The shape of a local testnet: nodes, their ports, and the ``testnet.json`` manifest.

Node ``i`` (validators first, then full nodes) lives in ``<dir>/node<i>`` and owns the ports
``base_port + 10*i + k``: k=0 p2p, 1 cometbft RPC, 2 ABCI, 3 gRPC (4-9 left free).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from abci_app.node import Home

MANIFEST = "testnet.json"
MANIFEST_FORMAT = 1
PORTS_PER_NODE = 10
P2P_OFFSET, RPC_OFFSET, ABCI_OFFSET, GRPC_OFFSET = 0, 1, 2, 3
LOOPBACK = "127.0.0.1"
MAX_NODES = 64

_CHAIN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$")
_DURATION_RE = re.compile(r"^\d+(ms|s)$")


class TestnetError(Exception):
    """The testnet cannot be created, started or read; the message says what to do."""

    __test__ = False  # not a pytest test class


@dataclass(frozen=True)
class NodeLayout:
    index: int
    validator: bool
    port_base: int  # this node's first port

    @property
    def name(self) -> str:
        return f"node{self.index}"

    @property
    def role(self) -> str:
        return "validator" if self.validator else "full"

    @property
    def p2p_port(self) -> int:
        return self.port_base + P2P_OFFSET

    @property
    def rpc_port(self) -> int:
        return self.port_base + RPC_OFFSET

    @property
    def abci_port(self) -> int:
        return self.port_base + ABCI_OFFSET

    @property
    def grpc_port(self) -> int:
        return self.port_base + GRPC_OFFSET

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.p2p_port, self.rpc_port, self.abci_port, self.grpc_port)

    @property
    def p2p_laddr(self) -> str:
        return f"tcp://{LOOPBACK}:{self.p2p_port}"

    @property
    def rpc_laddr(self) -> str:
        return f"tcp://{LOOPBACK}:{self.rpc_port}"

    @property
    def abci_address(self) -> str:
        return f"tcp://{LOOPBACK}:{self.abci_port}"

    @property
    def grpc_address(self) -> str:
        return f"{LOOPBACK}:{self.grpc_port}"


@dataclass(frozen=True)
class TestnetSpec:
    """What ``bpdao testnet start`` was asked for; stored in the manifest."""

    __test__ = False

    chain_id: str = "bpdao-testnet"
    validators: int = 4
    full_nodes: int = 0
    base_port: int = 27000
    timeout_commit: str = "500ms"
    founder_stake: int = 500  # REP each founder stakes for block production at genesis (of its 1,000)
    # app_state overrides ``<module>.<field>[.<field>…]=<JSON>``, e.g. producers.params.committee_size=3
    genesis: tuple[str, ...] = ()

    def genesis_overrides(self) -> dict[str, Any]:
        """``genesis`` as one nested object to merge into the default app_state (ValueError if malformed)."""
        merged: dict[str, Any] = {}
        for item in self.genesis:
            path, sep, text = item.partition("=")
            keys = path.split(".")
            if not sep or len(keys) < 2 or not all(keys):
                raise ValueError(f"genesis override {item!r}: expected MODULE.FIELD[.FIELD…]=JSON")
            try:
                value = json.loads(text)
            except ValueError as exc:
                raise ValueError(f"genesis override {item!r}: the value is not JSON: {exc}") from None
            node = merged
            for key in keys[:-1]:
                child = node.setdefault(key, {})
                if not isinstance(child, dict):
                    raise ValueError(f"genesis override {item!r}: {key} is already set to a value")
                node = child
            node[keys[-1]] = value
        return merged

    def problem(self) -> str | None:
        """Why this spec is unusable, or None."""
        if not _CHAIN_ID_RE.match(self.chain_id):
            return f"invalid chain id {self.chain_id!r}: 1-50 letters, digits, '.', '_' or '-'"
        if self.validators < 1:
            return "a testnet needs at least 1 validator"
        if self.full_nodes < 0:
            return "the number of full nodes cannot be negative"
        if self.validators + self.full_nodes > MAX_NODES:
            return f"at most {MAX_NODES} nodes"
        if not _DURATION_RE.match(self.timeout_commit):
            return f"invalid timeout-commit {self.timeout_commit!r}: e.g. 300ms or 1s"
        last = self.base_port + PORTS_PER_NODE * (self.validators + self.full_nodes) - 1
        if self.base_port < 1024 or last > 65535:
            return f"ports {self.base_port}-{last} are outside 1024-65535: choose another base port"
        if self.founder_stake < 0:
            return "the founders' stake cannot be negative"
        try:
            self.genesis_overrides()
        except ValueError as exc:
            return str(exc)
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "validators": self.validators,
            "full_nodes": self.full_nodes,
            "base_port": self.base_port,
            "timeout_commit": self.timeout_commit,
            "founder_stake": self.founder_stake,
            "genesis": list(self.genesis),
        }

    @classmethod
    def from_json(cls, raw: Any) -> TestnetSpec:
        if not isinstance(raw, dict):
            raise TestnetError("manifest spec must be an object")
        try:
            spec = cls(
                chain_id=str(raw["chain_id"]),
                validators=int(raw["validators"]),
                full_nodes=int(raw["full_nodes"]),
                base_port=int(raw["base_port"]),
                timeout_commit=str(raw["timeout_commit"]),
                founder_stake=int(raw.get("founder_stake", cls.founder_stake)),
                genesis=tuple(str(item) for item in raw.get("genesis", [])),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TestnetError(f"manifest spec is incomplete: {exc!r}") from None
        problem = spec.problem()
        if problem:
            raise TestnetError(f"manifest spec: {problem}")
        return spec


@dataclass(frozen=True)
class Testnet:
    """A testnet directory and its spec."""

    __test__ = False

    root: Path
    spec: TestnetSpec

    @property
    def nodes(self) -> tuple[NodeLayout, ...]:
        count = self.spec.validators + self.spec.full_nodes
        return tuple(
            NodeLayout(i, i < self.spec.validators, self.spec.base_port + PORTS_PER_NODE * i)
            for i in range(count)
        )

    @property
    def validators(self) -> tuple[NodeLayout, ...]:
        return tuple(n for n in self.nodes if n.validator)

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    def home(self, node: NodeLayout) -> Home:
        return Home(self.root / node.name)

    def node(self, index: int) -> NodeLayout:
        nodes = self.nodes
        if not 0 <= index < len(nodes):
            raise TestnetError(f"no node {index}: this testnet has nodes 0-{len(nodes) - 1}")
        return nodes[index]

    def write_manifest(self) -> None:
        doc = {"format": MANIFEST_FORMAT, "spec": self.spec.to_json()}
        tmp = self.manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, indent=2) + "\n")
        tmp.replace(self.manifest_path)

    @classmethod
    def load(cls, root: Path) -> Testnet:
        path = root / MANIFEST
        if not path.exists():
            raise TestnetError(f"{root} is not a testnet (no {MANIFEST}): run `bpdao testnet start` first")
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise TestnetError(f"cannot read {path}: {exc}") from None
        if not isinstance(doc, dict) or doc.get("format") != MANIFEST_FORMAT:
            raise TestnetError(f"{path} has an unknown format")
        return cls(root, TestnetSpec.from_json(doc.get("spec")))
