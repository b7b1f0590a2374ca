"""Ports drawn for tests and scripts: free, distinct, and never in the kernel's ephemeral range (any
outgoing connection may take one of those between the draw and the node binding it)."""

from __future__ import annotations

import socket

import pytest

from abci_app import node
from abci_app.node import LOWEST_FREE_PORT, ephemeral_port_range, free_loopback_ports, port_pool
from abci_app.testnet.create import busy_ports, free_base_port
from abci_app.testnet.layout import PORTS_PER_NODE


def outside_ephemeral(port: int) -> bool:
    low, high = ephemeral_port_range()
    return LOWEST_FREE_PORT <= port <= 65_535 and not low <= port <= high


def test_loopback_ports_are_distinct_free_and_outside_the_ephemeral_range() -> None:
    ports = free_loopback_ports(20)
    assert len(set(ports)) == 20
    assert all(outside_ephemeral(p) for p in ports), ports
    assert busy_ports(ports) == []


def test_a_port_in_use_is_never_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    port = next(p for (p,) in (free_loopback_ports(1) for _ in range(100)) if busy_ports([p + 1]) == [])
    with socket.socket() as held:
        held.bind(("127.0.0.1", port))
        monkeypatch.setattr(node, "port_pool", lambda span=1: range(port, port + 2))
        assert {free_loopback_ports(1)[0] for _ in range(20)} == {port + 1}
        with pytest.raises(OSError, match="found no 2 free ports"):
            free_loopback_ports(2)


def test_the_pool_lies_below_the_ephemeral_range_else_above_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(node, "ephemeral_port_range", lambda: (32_768, 60_999))
    assert port_pool(50) == range(LOWEST_FREE_PORT, 32_768 - 50 + 1)
    monkeypatch.setattr(node, "ephemeral_port_range", lambda: (1_024, 60_999))
    assert port_pool(50) == range(61_000, 65_536 - 50 + 1)


def test_a_testnet_range_is_free_aligned_and_outside_the_ephemeral_range() -> None:
    nodes = 5
    base = free_base_port(nodes)
    ports = list(range(base, base + PORTS_PER_NODE * nodes))
    assert base % PORTS_PER_NODE == 0
    assert all(outside_ephemeral(p) for p in ports), (ports[0], ports[-1])
    assert busy_ports(ports) == []
