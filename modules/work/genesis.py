"""work genesis: params and, from an export, every request and the next id.

``{"params": {...}, "requests": [WorkRequest], "next_request_id": int}``; all but ``params``
optional. The indexes follow from the requests: by client and expert; a pending request's wait for
its target epoch's seed; the pending timer (an assigned request's deadline, a request with evidence
its verdict cutoff); the evidence post and the validation pool of each request. The escrow (bank's
``work`` account) holds the fees of the requests whose pool has not opened (pending ones included).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from genesis import fields, records
from modules.core.errors import GenesisError
from modules.core.module import parse_params
from modules.work.types import DETAILS_HASH_LEN, Params, Status, Verdict, WorkRequest

STATE_KEYS = ("requests", "next_request_id")
STATUSES = tuple(v for k, v in vars(Status).items() if k.isupper())
UNASSIGNED = (Status.PENDING, Status.NO_EXPERT, Status.NO_SEED)  # no expert was ever drawn
VERDICTS = tuple(v for k, v in vars(Verdict).items() if k.isupper())


@dataclass(frozen=True)
class WorkGenesis:
    params: Params
    requests: list[WorkRequest]
    next_request_id: int


def _check_request(request: WorkRequest, path: str) -> None:
    if request.status not in STATUSES:
        raise GenesisError(f"{path}.status: {request.status!r} is not one of {', '.join(STATUSES)}")
    if request.verdict not in VERDICTS:
        raise GenesisError(f"{path}.verdict: {request.verdict!r} is not one of {', '.join(VERDICTS)}")
    if len(request.details_hash) != DETAILS_HASH_LEN:
        raise GenesisError(f"{path}.details_hash: must be {DETAILS_HASH_LEN} bytes")
    assigned = request.status not in UNASSIGNED
    if request.status == Status.PENDING and request.target_epoch is None:
        raise GenesisError(f"{path}.target_epoch: a pending request names the epoch whose seed it waits for")
    if request.deadline_s < 1:
        raise GenesisError(f"{path}.deadline_s: must be >= 1")
    for name in ("expert", "stake_id", "deadline_ns"):
        if (getattr(request, name) is not None) != assigned:
            which = "an assigned request names its" if assigned else "a request never assigned has no"
            raise GenesisError(f"{path}.{name}: {which} {name}")
    pool_opened = request.status in (Status.POOL_OPEN, Status.ACCEPTED, Status.REJECTED, Status.EXPIRED)
    if (pool_opened or request.status == Status.EVIDENCE) and request.post_id is None:
        raise GenesisError(f"{path}.post_id: a request past its evidence names the evidence post")
    if request.status == Status.EVIDENCE and request.verdict_cutoff_ns is None:
        raise GenesisError(f"{path}.verdict_cutoff_ns: a request with evidence has a verdict cutoff")
    if pool_opened and request.pool_id is None:
        raise GenesisError(f"{path}.pool_id: a request whose pool opened names it")


def parse_genesis(section: Any) -> WorkGenesis:
    section = fields.obj(section, "work", (), ("params", *STATE_KEYS))
    params = parse_params("work", Params, section)
    requests = records.records(WorkRequest, section.get("requests", []), "work.requests")
    records.ascending_unique([r.id for r in requests], "work.requests", "id")
    next_id = fields.integer(section.get("next_request_id", 1), "work.next_request_id", minimum=1)
    evidence: dict[int, int] = {}
    for i, request in enumerate(requests):
        path = f"work.requests[{i}]"
        if not 0 < request.id < next_id:
            raise GenesisError(f"{path}.id: {request.id} must be in [1, next_request_id)")
        _check_request(request, path)
        if request.post_id is not None:
            if request.post_id in evidence:
                used_by = evidence[request.post_id]
                raise GenesisError(f"{path}.post_id: already evidence of request {used_by}")
            evidence[request.post_id] = request.id
    return WorkGenesis(params, requests, next_id)


def export(params: Params, requests: list[WorkRequest], next_request_id: int) -> dict[str, Any]:
    return {
        "params": records.to_genesis(params),
        "requests": records.to_genesis(requests),
        "next_request_id": next_request_id,
    }
