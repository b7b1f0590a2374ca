"""auth genesis, params validation and queries."""

from __future__ import annotations

from typing import Any

import pytest
from nacl.signing import SigningKey

from modules.auth.genesis import add_account
from modules.auth.module import AuthModule
from modules.auth.types import Account, AuthParams
from modules.bank.keeper import FEE_COLLECTOR, module_address
from modules.bank.module import BankModule
from modules.core.address import address_from_pubkey, to_bech32
from modules.core.context import BlockInfo, Context
from modules.core.errors import GenesisError
from modules.core.module import QueryError
from modules.core.store import MemoryStore

PK = bytes(SigningKey(bytes([9]) * 32).verify_key)
ME = address_from_pubkey(PK)
OTHER = bytes([5]) * 20


def _auth() -> AuthModule:
    return AuthModule(BankModule().keeper, module_address(FEE_COLLECTOR))


def _ctx() -> Context:
    return Context(root=MemoryStore(), block=BlockInfo(height=0, time_ns=0, chain_id="t"))


def _section(**params: Any) -> dict[str, Any]:
    section = _auth().default_genesis()
    section["params"].update(params)
    return section


def test_default_params() -> None:
    section = _auth().default_genesis()
    assert section == {"params": {"max_tx_bytes": 16384, "min_fee": 1, "max_memo_bytes": 256}, "accounts": []}
    _auth().validate_genesis(section)


def _with_accounts(*accounts: dict[str, Any]) -> dict[str, Any]:
    section = _section()
    section["accounts"] = list(accounts)
    return section


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (_section(min_fee=0), "auth.params.min_fee: must be >= 1"),
        (_section(max_tx_bytes=0), "auth.params.max_tx_bytes: must be in [1, 4194304]"),
        (_section(max_tx_bytes=2**23), "auth.params.max_tx_bytes: must be in"),
        (_section(max_memo_bytes=16384), "auth.params.max_memo_bytes: must be >= 0 and < max_tx_bytes"),
        (_section(max_memo_bytes=-1), "auth.params.max_memo_bytes: must be >= 0"),
        (_section(min_fee="1"), "auth.params.min_fee: must be an integer"),
        ({"params": {"min_fee": 1}, "accounts": []}, "auth.params.max_tx_bytes: missing"),
        ({"params": {**_section()["params"], "gas": 1}, "accounts": []}, "auth.params.gas: unknown field"),
        (
            _with_accounts({"address": to_bech32(OTHER), "pub_key": PK.hex(), "nonce": 0}),
            "auth.accounts[0].pub_key: does not hash to",
        ),
        (
            _with_accounts({"address": to_bech32(ME), "pub_key": PK.hex()[:-2], "nonce": 0}),
            "auth.accounts[0].pub_key: must be 0 or 32 bytes, got 31",
        ),
        (
            _with_accounts({"address": to_bech32(ME), "pub_key": PK.hex().upper(), "nonce": 0}),
            "auth.accounts[0].pub_key: must be lower-case hex",
        ),
        (
            _with_accounts({"address": to_bech32(ME), "pub_key": "zz", "nonce": 0}),
            "auth.accounts[0].pub_key: not hex",
        ),
        (
            _with_accounts({"address": to_bech32(ME), "pub_key": "", "nonce": -1}),
            "auth.accounts[0].nonce: must be >= 0",
        ),
        (
            _with_accounts(
                {"address": to_bech32(ME), "pub_key": "", "nonce": 0},
                {"address": to_bech32(ME), "pub_key": PK.hex(), "nonce": 0},
            ),
            "auth.accounts[1].address: duplicate of auth.accounts[0]",
        ),
    ],
)
def test_invalid_sections_name_the_field(section: Any, message: str) -> None:
    with pytest.raises(GenesisError) as exc:
        _auth().validate_genesis(section)
    assert str(exc.value).startswith(message)


def test_init_export_round_trip() -> None:
    auth, ctx = _auth(), _ctx()
    section = _section(min_fee=3)
    section["accounts"] = [
        {"address": to_bech32(ME), "pub_key": PK.hex(), "nonce": 7},
        {"address": to_bech32(OTHER), "pub_key": "", "nonce": 0},
    ]
    auth.init_genesis(ctx, section)
    assert auth.keeper.params(ctx) == AuthParams(min_fee=3)
    assert auth.keeper.account(ctx, ME) == Account(ME, PK, 7)
    assert auth.keeper.account(ctx, OTHER) == Account(OTHER, b"", 0)
    exported = auth.export_genesis(ctx)
    assert exported["params"] == section["params"]
    assert exported["accounts"] == sorted(
        section["accounts"], key=lambda a: ME if a["address"] == to_bech32(ME) else OTHER
    )


def test_add_account() -> None:
    section = _section()
    add_account(section, OTHER)
    add_account(section, ME)
    add_account(section, ME, PK)  # learns the key
    assert section["accounts"] == [
        {"address": to_bech32(OTHER), "pub_key": "", "nonce": 0},
        {"address": to_bech32(ME), "pub_key": PK.hex(), "nonce": 0},
    ]
    _auth().validate_genesis(section)
    with pytest.raises(GenesisError, match="does not hash"):
        add_account(section, OTHER, PK)


def test_set_params_refuses_bad_values() -> None:
    auth, ctx = _auth(), _ctx()
    with pytest.raises(ValueError, match="min_fee"):
        auth.keeper.set_params(ctx, AuthParams(min_fee=0))
    assert auth.keeper.params(ctx) == AuthParams()


def test_queries() -> None:
    auth, ctx = _auth(), _ctx()
    auth.keeper.set_account(ctx, Account(ME, PK, 3))
    q = auth.queries()
    ro = ctx.read_only()
    assert q["account"](ro, {"address": to_bech32(ME)}) == {
        "address": to_bech32(ME),
        "pub_key": PK.hex(),
        "nonce": 3,
        "exists": True,
    }
    assert q["account"](ro, {"address": to_bech32(OTHER)}) == {
        "address": to_bech32(OTHER),
        "pub_key": "",
        "nonce": 0,
        "exists": False,
    }
    assert q["params"](ro, {}) == {"max_tx_bytes": 16384, "min_fee": 1, "max_memo_bytes": 256}
    with pytest.raises(QueryError, match="address"):
        q["account"](ro, {"address": "nope"})


def test_set_account_refuses_a_key_of_another_address() -> None:
    auth, ctx = _auth(), _ctx()
    with pytest.raises(ValueError, match="hash"):
        auth.keeper.set_account(ctx, Account(OTHER, PK, 0))
