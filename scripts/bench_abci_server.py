"""Benchmark the ABCI socket server: N pipelined CheckTx requests, in-process client and server.

The client writes requests in batches of ``--batch`` CheckTx followed by a Flush (as CometBFT's
mempool connection does) while reading responses, and the app answers every CheckTx with code 0.
Prints requests/s; client and server share one event loop, so the figure is a lower bound on
what the server alone sustains.

    python scripts/bench_abci_server.py --count 200000 --tx-size 250 --transport unix
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from abci_app.framing import FrameDecoder, encode_frame
from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.server import AbciServer, ListenAddress


class AcceptAll:
    def check_tx(self, request: abci.RequestCheckTx) -> abci.ResponseCheckTx:
        return abci.ResponseCheckTx(code=0, gas_wanted=1)


async def bench(count: int, tx_size: int, batch: int, address: str) -> tuple[float, AbciServer]:
    server = AbciServer(AcceptAll())
    bound = await server.start(address)
    where = ListenAddress.parse(bound)
    if where.is_unix:
        reader, writer = await asyncio.open_unix_connection(where.path)
    else:
        reader, writer = await asyncio.open_connection(where.host, where.port)

    flush = encode_frame(abci.Request(flush=abci.RequestFlush()).SerializeToString())
    batches = []
    for start in range(0, count, batch):
        frames = [
            encode_frame(
                abci.Request(
                    check_tx=abci.RequestCheckTx(tx=i.to_bytes(8, "big").ljust(tx_size, b"x"))
                ).SerializeToString()
            )
            for i in range(start, min(start + batch, count))
        ]
        batches.append(b"".join(frames) + flush)
    expected = count + len(batches)

    async def send() -> None:
        for data in batches:
            writer.write(data)
            await writer.drain()

    async def receive() -> None:
        decoder = FrameDecoder()
        received = 0
        while received < expected:
            data = await reader.read(1 << 20)
            if not data:
                raise ConnectionError("server closed the connection")
            received += len(decoder.feed(data))

    began = time.perf_counter()
    await asyncio.gather(send(), receive())
    elapsed = time.perf_counter() - began
    writer.close()
    await server.close()
    return elapsed, server


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=100_000, help="CheckTx requests")
    parser.add_argument("--tx-size", type=int, default=250, help="bytes per tx")
    parser.add_argument("--batch", type=int, default=500, help="CheckTx per Flush")
    parser.add_argument("--transport", choices=["unix", "tcp"], default="unix")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="abci-bench-") as tmp:
        address = f"unix://{tmp}/abci.sock" if args.transport == "unix" else "tcp://127.0.0.1:0"
        elapsed, server = asyncio.run(bench(args.count, args.tx_size, args.batch, address))
    stats = server.stats
    print(
        f"{args.count} CheckTx ({args.tx_size} B) over {args.transport}, {args.batch} per Flush: "
        f"{elapsed:.3f} s, {args.count / elapsed:,.0f} requests/s; "
        f"server reads={stats.reads} writes={stats.writes} "
        f"({stats.requests / max(stats.writes, 1):.1f} requests per write)"
    )


if __name__ == "__main__":
    main()
