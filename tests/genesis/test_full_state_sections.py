"""The full-state genesis sections (reputation, forum, validation_pool, work, governance, salary):
a hand-made consistent app_state loads and exports back unchanged; each broken field is refused
with a GenesisError naming it; escrows that disagree with bank are refused at import."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from abci_app.wiring import default_wiring
from genesis.app_state import build_app_state, export_app_state, init_app_state, validate_app_state
from modules.bank.keeper import module_address
from modules.core.address import to_bech32
from modules.core.codec import dumps, to_json
from modules.core.context import BlockInfo, Context
from modules.core.errors import GenesisError
from modules.core.store import MemoryStore
from modules.validation_pool.types import Params as PoolParams

CHAIN = "bpdao-sections"
A, B, C = (bytes([i]) * 20 for i in (1, 2, 3))
SCALE = 10**18
COVERED = ("governance", "auth", "bank", "reputation", "forum", "validation_pool", "work", "salary")


def _post(post_id: int, author: bytes, value: int, cites: list[dict[str, int]]) -> dict[str, Any]:
    return {
        "id": post_id,
        "sender": to_bech32(author),
        "content_hash": f"{post_id:02x}" * 32,
        "authors": [{"address": to_bech32(author), "weight_ppm": 1_000_000}],
        "citations": cites,
        "height": post_id,
        "time_ns": post_id * 10**9,
        "value": value,
    }


def _pool(pool_id: int, post_id: int, status: str, stakes: list[tuple[bytes, bool, int]]) -> dict[str, Any]:
    total_for = sum(n for _, side, n in stakes if side)
    return {
        "pool": {
            "id": pool_id,
            "post_id": post_id,
            "payer": to_bech32(C),
            "fee": 40,
            "minted_for": 20,
            "minted_against": 20,
            "start_ns": 10 * 10**9,
            "end_ns": 70 * 10**9,
            "params": to_json(PoolParams()),
            "callback": "work" if post_id == 2 else "",
            "total_for": total_for,
            "total_against": sum(n for _, side, n in stakes if not side),
            "status": status,
            "quorum_met": status != "open",
        },
        "initial_end_ns": 70 * 10**9,
        "stakes": [{"staker": to_bech32(who), "in_favor": side, "amount": n} for who, side, n in stakes],
    }


def consistent_state() -> dict[str, Any]:
    """An app_state with a resolved pool and an open one, a request whose pool is open and one
    waiting for evidence, a proposal in stage 1, and salary owed (all escrows funded to match)."""
    state = build_app_state(default_wiring().modules, {"chain_id": CHAIN})
    state["reputation"] = {
        "balances": [
            {"address": to_bech32(A), "amount": 60, "encumbered": 10},
            {"address": to_bech32(B), "amount": 30, "encumbered": 25},
        ],
        "allowances": [{"owner": to_bech32(A), "delegate": to_bech32(C), "amount": 5}],
        "burned": 7,
    }
    state["forum"]["posts"] = [_post(1, A, 12, []), _post(2, B, 0, [{"post_id": 1, "weight_ppm": -250_000}])]
    state["forum"]["next_post_id"] = 3
    state["forum"]["incinerated"] = 4
    state["validation_pool"]["pools"] = [
        _pool(1, 1, "accepted", [(A, True, 30), (B, False, 5)]),
        _pool(2, 2, "open", [(A, True, 10), (B, False, 25)]),
    ]
    state["validation_pool"]["next_pool_id"] = 3
    request = {
        "id": 1,
        "client": to_bech32(C),
        "kind": "review",
        "fee": 40,
        "details_hash": "aa" * 32,
        "created_ns": 5 * 10**9,
        "deadline_s": 595,
        "status": "pool_open",
        "target_epoch": 0,
        "deadline_ns": 600 * 10**9,
        "expert": to_bech32(B),
        "stake_id": 1,
        "stake_amount": 25,
        "post_id": 2,
        "verdict": "approve",
        "verdict_cutoff_ns": 90 * 10**9,
        "pool_id": 2,
    }
    waiting = {**request, "id": 2, "fee": 9, "status": "assigned", "post_id": None, "verdict": "none"}
    waiting.update(verdict_cutoff_ns=None, pool_id=None)
    pending = {**waiting, "id": 3, "fee": 5, "status": "pending", "target_epoch": 2}
    pending.update(deadline_ns=None, expert=None, stake_id=None, stake_amount=0)
    state["work"]["requests"] = [request, waiting, pending]
    state["work"]["next_request_id"] = 4
    state["governance"]["proposals"] = [
        {
            "id": 1,
            "post_id": 1,
            "proposer": to_bech32(A),
            "changes": [{"module": "forum", "key": "max_citations", "value_json": "9"}],
            "fee": 101,
            "stage1_fee": 50,
            "stage2_fee": 51,
            "submitted_height": 3,
            "status": "stage1",
            "stage1_pool": 1,
            "stage2_pool": 0,
            "activation_height": 0,
            "reason": "",
        }
    ]
    state["governance"]["next_proposal_id"] = 2
    # salary: index 2 per REP since A's snapshot (1), B's (2); 3 index units carried
    state["salary"] = {
        "index": 2 * SCALE,
        "remainder": 3,
        "received": 500,
        "paid": 100,
        "members": [
            {"member": to_bech32(A), "snapshot": SCALE, "accrued": SCALE - 3},
            {"member": to_bech32(B), "snapshot": 2 * SCALE, "accrued": 0},
        ],
    }
    salary_tokens = (60 * SCALE + SCALE - 3 + 3) // SCALE  # A's accrual + accrued + remainder
    escrows = {"validation_pool": 40, "work": 9 + 5, "salary": salary_tokens}
    accounts = sorted((module_address(name), n) for name, n in escrows.items())  # bank's order: raw bytes
    balances = [{"address": to_bech32(address), "amount": n} for address, n in accounts]
    state["bank"] = {"balances": balances, "supply": sum(escrows.values())}
    loaded: dict[str, Any] = json.loads(json.dumps(state))  # plain JSON, as InitChain hands it over
    return loaded


def _load(state: dict[str, Any]) -> Context:
    ctx = Context(root=MemoryStore(), block=BlockInfo(height=9, time_ns=80 * 10**9, chain_id=CHAIN))
    init_app_state(default_wiring().modules, ctx, state, CHAIN)
    return ctx


def test_a_consistent_full_state_loads_and_exports_back_unchanged() -> None:
    state = consistent_state()
    exported = export_app_state(default_wiring().modules, _load(copy.deepcopy(state)), CHAIN)
    for name in COVERED:
        assert dumps(exported[name]) == dumps(state[name]), name
    again = export_app_state(default_wiring().modules, _load(json.loads(dumps(exported))), CHAIN)
    assert dumps(again) == dumps(exported)


def _set(state: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    target = state
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            ("reputation", "balances", 1, "encumbered"),
            31,
            r"balances\[1\]\.encumbered: 31 > amount",
        ),
        (("reputation", "burned"), -1, r"reputation\.burned must be a non-negative integer"),
        (("reputation", "minted"), 1, r"reputation\.minted: unknown field"),
        (
            ("forum", "posts", 1, "authors", 0, "address"),
            "bpdao1xyz",
            r"posts\[1\]\.authors\[0\]\.address",
        ),
        (("forum", "posts", 0, "height"), "1", r"forum\.posts\[0\]\.height: must be an integer"),
        (("forum", "posts", 1, "citations", 0, "post_id"), 2, r"posts\[1\]\.citations\[0\]\.post_id"),
        (
            ("forum", "posts", 0, "authors", 0, "weight_ppm"),
            5,
            r"posts\[0\]\.authors: weights must sum",
        ),
        (
            ("forum", "posts", 0, "content_hash"),
            "AB" * 32,
            r"posts\[0\]\.content_hash: must be lower",
        ),
        (("forum", "next_post_id"), 2, r"forum\.posts\[1\]\.id: 2 must be in \[1, next_post_id\)"),
        (("forum", "posts", 1, "id"), 1, r"forum\.posts\[1\]\.id: 1 must be greater"),
        (
            ("validation_pool", "pools", 1, "pool", "total_for"),
            9,
            r"\[1\]\.pool\.total_for: 9 != the sum",
        ),
        (("validation_pool", "pools", 1, "pool", "status"), "maybe", r"pools\[1\]\.pool\.status: 'maybe'"),
        (
            ("validation_pool", "pools", 0, "stakes", 0, "amount"),
            0,
            r"\[0\]\.stakes\[0\]\.amount: must be > 0",
        ),
        (("validation_pool", "pools", 0, "initial_end_ns"), 1, r"pools\[0\]\.pool\.end_ns: need start_ns"),
        (
            ("validation_pool", "pools", 0, "pool", "params", "quorum", "den"),
            0,
            r"\[0\]\.pool\.params: quorum",
        ),
        (("work", "requests", 0, "status"), "done", r"work\.requests\[0\]\.status: 'done'"),
        (
            ("work", "requests", 0, "pool_id"),
            None,
            r"requests\[0\]\.pool_id: a request whose pool",
        ),
        (
            ("work", "requests", 1, "details_hash"),
            "aa",
            r"requests\[1\]\.details_hash: must be 32",
        ),
        (
            ("work", "requests", 1, "post_id"),
            2,
            r"requests\[1\]\.post_id: already evidence of",
        ),
        (
            ("work", "requests", 2, "target_epoch"),
            None,
            r"requests\[2\]\.target_epoch: a pending request names the epoch",
        ),
        (
            ("work", "requests", 2, "expert"),
            to_bech32(B),
            r"requests\[2\]\.expert: a request never assigned has no expert",
        ),
        (
            ("work", "requests", 1, "stake_id"),
            None,
            r"requests\[1\]\.stake_id: an assigned request names its stake_id",
        ),
        (("work", "requests", 2, "deadline_s"), 0, r"requests\[2\]\.deadline_s: must be >= 1"),
        (
            ("governance", "proposals", 0, "stage1_fee"),
            49,
            r"proposals\[0\]\.fee: must be stage1_fee",
        ),
        (("governance", "proposals", 0, "status"), "lost", r"governance\.proposals\[0\]\.status: 'lost'"),
        (("governance", "proposals", 0, "proposer"), "", r"governance\.proposals\[0\]\.proposer"),
        (("salary", "paid"), 501, r"salary\.paid: 501 > received 500"),
        (("salary", "members", 1, "snapshot"), 3 * SCALE, r"salary\.members\[1\]\.snapshot: .* > index"),
        (
            ("salary", "members", 1, "member"),
            to_bech32(A),
            r"members\[1\]\.member: addresses must ascend",
        ),
    ],
)
def test_a_broken_field_is_refused_by_name(path: tuple[Any, ...], value: Any, message: str) -> None:
    state = consistent_state()
    _set(state, path, value)
    with pytest.raises(GenesisError, match=message):
        validate_app_state(default_wiring().modules, state, CHAIN)


@pytest.mark.parametrize(
    ("escrow", "delta", "message"),
    [
        (
            "validation_pool",
            1,
            r"validation_pool\.pools: open pools' fees total 40, .* holds 41",
        ),
        ("work", -1, r"work\.requests: escrowed fees total 14, the escrow holds 13"),
        ("salary", 1, r"salary: members are owed"),
    ],
)
def test_an_escrow_that_disagrees_with_bank_is_refused_at_import(
    escrow: str, delta: int, message: str
) -> None:
    state = consistent_state()
    address = to_bech32(module_address(escrow))
    for entry in state["bank"]["balances"]:
        if entry["address"] == address:
            entry["amount"] += delta
    state["bank"]["supply"] += delta
    validate_app_state(default_wiring().modules, state, CHAIN)  # each section alone is fine
    with pytest.raises(GenesisError, match=message):
        _load(state)
