"""work queries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modules.core import codec
from modules.core.address import to_bech32
from modules.core.context import Context
from modules.core.module import QueryError
from modules.core.query_args import address_arg, int_arg
from modules.work.keeper import WorkKeeper
from modules.work.types import WorkRequest

MAX_LIST = 100


def request_json(request: WorkRequest) -> dict[str, Any]:
    return {
        **codec.to_json(request),
        "client": to_bech32(request.client),
        "expert": None if request.expert is None else to_bech32(request.expert),
    }


def query_request(keeper: WorkKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    request_id = int_arg(args, "id")
    request = keeper.get(ctx, request_id)
    if request is None:
        raise QueryError(f"no work request {request_id}")
    return request_json(request)


def query_requests_by_client(keeper: WorkKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    client = address_arg(args, "client")
    return {"client": to_bech32(client), "request_ids": keeper.requests_by_client(ctx, client)}


def query_requests_by_expert(keeper: WorkKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    expert = address_arg(args, "expert")
    return {"expert": to_bech32(expert), "request_ids": keeper.requests_by_expert(ctx, expert)}


def query_pending(keeper: WorkKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    """The pending requests in the order they will be drawn (lowest target epoch, then id), at most
    ``limit`` (default and max 100)."""
    limit = int_arg(args, "limit") if "limit" in args else MAX_LIST
    if not 1 <= limit <= MAX_LIST:
        raise QueryError(f"limit must be in [1, {MAX_LIST}]")
    found = keeper.pending(ctx, limit)
    return {"pending": [{"id": i, "target_epoch": epoch} for epoch, i in found]}


def query_params(keeper: WorkKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    return codec.to_json(keeper.params(ctx))
