"""producers queries (JSON-able answers)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from modules.core import codec
from modules.core.address import from_bech32, to_bech32
from modules.core.context import Context
from modules.core.module import QueryError
from modules.core.query_args import address_arg, int_arg
from modules.producers.keeper import ProducersKeeper
from modules.producers.types import PPM, CommitteeRecord, LivenessRecord, SlashRecord, Validator

MAX_LIST = 100  # records per page
T = TypeVar("T")


def query_params(keeper: ProducersKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    return codec.to_json(keeper.params(ctx))


def query_validators(keeper: ProducersKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    """The validator set CometBFT will hold once the updates returned so far apply."""
    return [validator_json(v) for v in keeper.validator_set(ctx)]


def validator_json(v: Validator) -> dict[str, Any]:
    return {
        "member": to_bech32(v.member),
        "validator_address": v.validator_address.hex().upper(),
        "pub_key": v.pub_key.hex(),
        "power": v.power,
    }


def _member_json(member: bytes) -> str:
    return to_bech32(member) if member else ""


def query_consensus_key(keeper: ProducersKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    try:
        member = from_bech32(str(args.get("member", "")))
    except ValueError as e:
        raise QueryError(f"member: {e}") from None
    key = keeper.key_of(ctx, member)
    if key is None:
        return None
    return {"pub_key": key.pub_key.hex(), "validator_address": key.validator_address.hex().upper()}


def query_epoch(keeper: ProducersKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    """Epoch, offset and beacon phase of ``height`` (default: the last committed height)."""
    height = args.get("height", max(ctx.block.height, 1))
    if isinstance(height, bool) or not isinstance(height, int) or height < 1:
        raise QueryError("height must be an integer >= 1")
    schedule = keeper.schedule(ctx)
    p = schedule.position(height)
    return {
        "height": height,
        "epoch": p.epoch,
        "offset": p.offset,
        "phase": p.phase,
        "epoch_length": schedule.length_at(height),
        "first_height": schedule.first_height(p.epoch),
        "next_epoch_start": schedule.first_height(p.epoch + 1),
    }


def query_schedule(keeper: ProducersKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    """The epoch schedule's segments (one per epoch_length in force since genesis)."""
    return {"segments": [codec.to_json(seg) for seg in keeper.schedule(ctx).segments]}


def committee_json(record: CommitteeRecord) -> dict[str, Any]:
    return {
        "epoch": record.epoch,
        "decided_height": record.decided_height,
        "seed": record.seed.hex(),
        "drawn": record.drawn,
        "candidates": record.candidates,
        "members": [validator_json(v) for v in record.members],
        "total_power": sum(v.power for v in record.members),
    }


def query_committee(keeper: ProducersKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    """The committee of ``epoch`` (default: the epoch of the last committed height)."""
    if "epoch" in args:
        epoch = int_arg(args, "epoch")
    else:
        epoch = keeper.position(ctx, max(ctx.block.height, 1)).epoch
    record = keeper.committee(ctx, epoch)
    if record is None:
        raise QueryError(f"no committee recorded for epoch {epoch} (not decided yet, or pruned)")
    return committee_json(record)


def slash_json(record: SlashRecord) -> dict[str, Any]:
    out: dict[str, Any] = codec.to_json(record)
    out["validator_address"] = record.validator_address.hex().upper()
    out["member"] = _member_json(record.member)
    return out


def liveness_record_json(record: LivenessRecord) -> dict[str, Any]:
    out: dict[str, Any] = codec.to_json(record)
    out["validator_address"] = record.validator_address.hex().upper()
    out["member"] = _member_json(record.member)
    return out


def _page_args(args: Mapping[str, Any]) -> tuple[int, int, bytes | None]:
    start_after = int_arg(args, "start_after") if "start_after" in args else 0
    limit = int_arg(args, "limit") if "limit" in args else MAX_LIST
    if not 1 <= limit <= MAX_LIST:
        raise QueryError(f"limit must be in [1, {MAX_LIST}]")
    member = address_arg(args, "member") if args.get("member") else None
    return start_after, limit, member


def _page(records: Iterable[T], limit: int, to_json: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
    out: list[dict[str, Any]] = []
    for record in records:
        out.append(to_json(record))
        if len(out) == limit:
            break
    return {"records": out, "next": out[-1]["id"] if len(out) == limit else None}


def query_slashes(keeper: ProducersKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    """Slashing records with id > ``start_after`` (of ``member`` if given), ascending, at most
    ``limit`` (default and max 100); ``next`` is the ``start_after`` of the following page or null."""
    start_after, limit, member = _page_args(args)
    return _page(keeper.slashes(ctx, start_after, member), limit, slash_json)


def query_liveness_removals(keeper: ProducersKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    """Validators left out of a selection for missed blocks; paged like ``slashes``."""
    start_after, limit, member = _page_args(args)
    return _page(keeper.liveness_removals(ctx, start_after, member), limit, liveness_record_json)


def query_liveness(keeper: ProducersKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    """The current missed-block window: every validator of the set and anyone else with misses."""
    params = keeper.params(ctx)
    seen, misses = keeper.liveness_window(ctx)
    missed = dict(misses)
    members = {v.validator_address: v.member for v in keeper.validator_set(ctx)}
    for addr in missed:
        if addr not in members:
            key_member = keeper.member_of_validator(ctx, addr)
            members[addr] = key_member or b""
    allowed = params.max_missed_ppm * seen // PPM  # more misses than this exclude (same integer rule)
    return {
        "seen": seen,
        "max_missed_ppm": params.max_missed_ppm,
        "max_missed": allowed,
        "validators": [
            {
                "validator_address": addr.hex().upper(),
                "member": _member_json(members[addr]),
                "missed": missed.get(addr, 0),
                "over_threshold": missed.get(addr, 0) * PPM > params.max_missed_ppm * seen,
            }
            for addr in sorted(members)
        ],
    }
