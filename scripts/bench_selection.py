"""What one availability draw costs as stakes grow: the selection index against a scan of every stake.

For each stake count it stakes that many members for one kind on the tests' in-memory store (the keepers,
no ABCI), runs availability's begin_block, then times ``select`` (the index: docs/spec/availability.md,
"Cost") and the scan it replaced (``weighted_index`` over every unassigned stake of the kind), checking
that both choose the same stake for every seed.

    python scripts/bench_selection.py [--stakes 100 1000 10000] [--draws 20]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from modules.availability.module import AvailabilityModule
from modules.availability.selection import weighted_index
from modules.core import codec
from modules.core.context import Context
from tests.modules.forum.dao_helpers import addr, make_ctx, new_reputation

KIND = "storage"


def scan(module: AvailabilityModule, ctx: Context, seed: bytes) -> int | None:
    now = ctx.block.time_ns
    stakes = [s for s in module.keeper.stakes_of_kind(ctx, KIND, limit=1 << 30) if s.active(now)]
    index = weighted_index(seed, [s.amount for s in stakes])
    return None if index is None else stakes[index].id


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stakes", type=int, nargs="+", default=[100, 1_000, 10_000])
    parser.add_argument("--draws", type=int, default=20)
    args = parser.parse_args()
    print("stakes   index ms/draw   scan ms/draw")
    for count in args.stakes:
        rep = new_reputation()
        module = AvailabilityModule(rep)
        ctx = make_ctx(time_s=1_000)
        for i in range(count):
            member = addr(f"member{i}")
            rep.mint(ctx, member, 1_000)
            module.keeper.stake(ctx, member, KIND, 100 + i % 7, 86_400)
        module.begin_block(ctx)
        seeds = [codec.u64(i) for i in range(args.draws)]
        start = time.perf_counter()
        picked = [module.keeper.select(ctx, KIND, seed) for seed in seeds]
        index_ms = (time.perf_counter() - start) * 1e3 / len(seeds)
        start = time.perf_counter()
        scanned = [scan(module, ctx, seed) for seed in seeds]
        scan_ms = (time.perf_counter() - start) * 1e3 / len(seeds)
        if picked != scanned:
            print(f"MISMATCH at {count} stakes: {picked} != {scanned}")
            return 1
        print(f"{count:>6}   {index_ms:>13.3f}   {scan_ms:>12.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
