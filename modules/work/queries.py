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


def request_json(request: WorkRequest) -> dict[str, Any]:
    return {
        **codec.to_json(request),
        "client": to_bech32(request.client),
        "expert": to_bech32(request.expert),
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


def query_params(keeper: WorkKeeper, ctx: Context, args: Mapping[str, Any]) -> Any:
    return codec.to_json(keeper.params(ctx))
