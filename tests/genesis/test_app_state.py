"""app_state: build from defaults + overrides, validate with clear errors, load, export, founding accounts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from nacl.signing import SigningKey

from genesis.accounts import add_account
from genesis.app_state import (
    build_app_state,
    dry_run_init,
    export_app_state,
    init_app_state,
    parse_app_state,
    validate_app_state,
    write_into_genesis_file,
)
from modules.auth.module import AuthModule
from modules.auth.types import Account, AuthParams
from modules.bank.keeper import FEE_COLLECTOR, module_address
from modules.bank.module import BankModule
from modules.core.address import address_from_pubkey, to_bech32
from modules.core.context import BlockInfo, Context
from modules.core.errors import GenesisError, TxError
from modules.core.module import Module
from modules.core.store import MemoryStore

CHAIN = "bpdao-test-1"
PK = bytes(SigningKey(bytes([3]) * 32).verify_key)
ALICE = address_from_pubkey(PK)
BOB = bytes([2]) * 20


def _modules() -> list[Module]:
    bank = BankModule()
    return [bank, AuthModule(bank.keeper, module_address(FEE_COLLECTOR))]


def _ctx() -> Context:
    return Context(root=MemoryStore(), block=BlockInfo(height=0, time_ns=0, chain_id=CHAIN))


def test_build_gives_one_default_section_per_module() -> None:
    app_state = build_app_state(_modules(), {"chain_id": CHAIN})
    assert app_state == {
        "chain_id": CHAIN,
        "bank": {"balances": [], "supply": 0},
        "auth": {"params": {"max_tx_bytes": 16384, "min_fee": 1, "max_memo_bytes": 256}, "accounts": []},
    }
    validate_app_state(_modules(), app_state, CHAIN)


def test_overrides_merge_into_defaults() -> None:
    app_state = build_app_state(_modules(), {"chain_id": CHAIN, "auth": {"params": {"min_fee": 10}}})
    assert app_state["auth"]["params"] == {"max_tx_bytes": 16384, "min_fee": 10, "max_memo_bytes": 256}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"staking": {}}, "staking: unknown section (modules: bank, auth)"),
        ({"auth": {"params": {"gas": 1}}}, "auth.params.gas: unknown field"),
        ({"auth": {"params": {"min_fee": 0}}}, "auth.params.min_fee: must be >= 1"),
        ({"bank": {"supply": 5}}, "bank.supply: 5 != sum of balances 0"),
    ],
)
def test_build_refuses_bad_overrides(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(GenesisError) as exc:
        build_app_state(_modules(), overrides)
    assert str(exc.value).startswith(message)


def _valid() -> dict[str, Any]:
    app_state = build_app_state(_modules(), {"chain_id": CHAIN})
    add_account(app_state, ALICE, 100, PK)
    add_account(app_state, to_bech32(BOB), 50)
    return app_state


def _without(mapping: Mapping[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k != key}


@pytest.mark.parametrize(
    ("app_state", "message"),
    [
        ([], "app_state: must be an object"),
        (_without(_valid(), "chain_id"), "chain_id: missing"),
        ({**_valid(), "chain_id": "other"}, "chain_id: 'other' != the genesis chain id 'bpdao-test-1'"),
        ({**_valid(), "extra": {}}, "extra: unknown section"),
        (_without(_valid(), "auth"), "auth: missing section"),
        (
            {
                **_valid(),
                "bank": {**_valid()["bank"], "balances": [{"address": to_bech32(BOB), "amount": -1}]},
            },
            "bank.balances[0].amount: must be >= 0",
        ),
    ],
)
def test_validation_names_the_field(app_state: Any, message: str) -> None:
    with pytest.raises(GenesisError) as exc:
        validate_app_state(_modules(), app_state, CHAIN)
    assert str(exc.value).startswith(message)


def test_duplicate_module_names_are_refused() -> None:
    with pytest.raises(GenesisError, match="used twice"):
        build_app_state([BankModule(), BankModule()])


def test_add_account_writes_balance_supply_and_account() -> None:
    app_state = _valid()
    assert app_state["bank"] == {
        "balances": [{"address": to_bech32(ALICE), "amount": 100}, {"address": to_bech32(BOB), "amount": 50}],
        "supply": 150,
    }
    assert app_state["auth"]["accounts"] == [
        {"address": to_bech32(ALICE), "pub_key": PK.hex(), "nonce": 0},
        {"address": to_bech32(BOB), "pub_key": "", "nonce": 0},
    ]
    add_account(app_state, BOB, 5)  # a second grant adds up
    assert app_state["bank"]["supply"] == 155
    validate_app_state(_modules(), app_state, CHAIN)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((BOB, -1), "balance: must be >= 0"),
        (("bpdao1nope", 1), "address: "),
        ((BOB, 1, PK), "auth: public key does not hash to the address"),
    ],
)
def test_add_account_refusals_leave_app_state_unchanged(args: tuple[Any, ...], message: str) -> None:
    app_state = _valid()
    before = json.dumps(app_state, sort_keys=True)
    with pytest.raises(GenesisError) as exc:
        add_account(app_state, *args)
    assert str(exc.value).startswith(message)
    assert json.dumps(app_state, sort_keys=True) == before


def test_init_then_export_round_trips() -> None:
    modules = _modules()
    bank, auth = modules
    assert isinstance(bank, BankModule) and isinstance(auth, AuthModule)
    ctx = _ctx()
    app_state = parse_app_state(json.dumps(_valid()).encode())
    init_app_state(modules, ctx, app_state, CHAIN)
    assert bank.keeper.balance(ctx, ALICE) == 100
    assert bank.keeper.supply(ctx) == 150
    assert auth.keeper.account(ctx, ALICE) == Account(ALICE, PK, 0)
    assert auth.keeper.params(ctx) == AuthParams()
    exported = export_app_state(modules, ctx, CHAIN)
    validate_app_state(_modules(), exported, CHAIN)
    init_app_state(_modules(), fresh := _ctx(), exported, CHAIN)
    assert export_app_state(_modules(), fresh, CHAIN) == exported


def test_init_refuses_before_writing_anything() -> None:
    store = MemoryStore()
    ctx = Context(root=store, block=BlockInfo(height=0, time_ns=0, chain_id=CHAIN))
    bad = _valid()
    bad["auth"]["params"]["min_fee"] = 0  # the second section is bad: the first must not be written
    with pytest.raises(GenesisError, match=r"auth\.params\.min_fee"):
        init_app_state(_modules(), ctx, bad, CHAIN)
    assert store.items() == {}


class _RefusingModule(Module):
    """A section that validates on its own but whose keeper refuses it when loaded."""

    name = "refusing"

    def init_genesis(self, ctx: Context, section: Mapping[str, Any]) -> None:
        raise TxError("refusing", 1, "not with these balances")


def test_dry_run_loads_everything_and_names_what_does_not_load() -> None:
    dry_run_init(_modules(), _valid(), CHAIN)  # loads: no error, nothing to show
    bad = {**_valid(), "refusing": {}}
    with pytest.raises(GenesisError, match="app_state does not load: not with these balances"):
        dry_run_init([*_modules(), _RefusingModule()], bad, CHAIN)
    invalid = _valid()
    invalid["auth"]["params"]["min_fee"] = 0
    with pytest.raises(GenesisError, match=r"auth\.params\.min_fee"):  # what validation finds, as before
        dry_run_init(_modules(), invalid, CHAIN)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "app_state: not JSON"),
        (b"\xff\xfe", "app_state: not JSON"),
        (b'{"chain_id": "a", "chain_id": "b"}', "chain_id: duplicate key"),
        (b'{"bank": NaN}', "NaN is not a JSON number"),
        (b"[" * 100000 + b"]" * 100000, "app_state: not JSON"),
    ],
)
def test_parse_is_strict(raw: bytes, message: str) -> None:
    with pytest.raises(GenesisError) as exc:
        parse_app_state(raw)
    assert str(exc.value).startswith(message)


def test_parse_keeps_big_integers_exact() -> None:
    assert parse_app_state(b'{"n": 123456789012345678901234567890}') == {"n": 123456789012345678901234567890}


def test_write_into_genesis_file(tmp_path: Path) -> None:
    path = tmp_path / "genesis.json"
    path.write_text(json.dumps({"chain_id": CHAIN, "initial_height": "1", "app_state": {}}))
    write_into_genesis_file(path, _valid())
    doc = json.loads(path.read_text())
    assert doc["initial_height"] == "1"
    assert doc["app_state"] == _valid()
    with pytest.raises(GenesisError, match="chain_id"):
        write_into_genesis_file(path, {**_valid(), "chain_id": "other"})
