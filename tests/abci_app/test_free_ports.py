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


def _listener(port: int) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as cometbft, gRPC and asyncio listen
    sock.bind(("127.0.0.1", port))
    sock.listen()
    return sock


def test_a_port_is_busy_while_a_listener_holds_it_but_not_while_its_old_connections_wait() -> None:
    """After a testnet stops, its servers' closed connections sit in TIME_WAIT on their ports for a
    minute; a new testnet's listeners bind there all the same, so the check must not call them busy."""
    (port,) = free_loopback_ports(1)
    with _listener(port) as server:
        assert busy_ports([port]) == [port]
        with socket.create_connection(("127.0.0.1", port)) as client:
            accepted, _ = server.accept()
            accepted.close()  # the server side closes first: its end waits in TIME_WAIT
            client.recv(1)
    # the connection lingers: a bind without SO_REUSEADDR fails
    with socket.socket() as strict, pytest.raises(OSError):
        strict.bind(("127.0.0.1", port))
    assert busy_ports([port]) == []
    _listener(port).close()  # and a listener does bind it
