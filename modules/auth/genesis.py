"""auth genesis section::

    {"params": {"max_tx_bytes": int, "min_fee": int, "max_memo_bytes": int},
     "accounts": [{"address": "bpdao1…", "pub_key": "<64 hex>" or "", "nonce": int}]}

Founding accounts need no entry here (an account is created by its first tx); entries carry
nonces and keys across a chain export/import.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from genesis import fields
from modules.auth.keeper import params_problems
from modules.auth.types import Account, AuthParams
from modules.core.address import address_from_pubkey, to_bech32
from modules.core.errors import GenesisError

_PARAM_NAMES = tuple(f.name for f in dataclasses.fields(AuthParams))


def default_genesis() -> dict[str, Any]:
    return {"params": dataclasses.asdict(AuthParams()), "accounts": []}


def parse_genesis(section: Any, name: str = "auth") -> tuple[AuthParams, list[Account]]:
    section = fields.obj(section, name, ("params", "accounts"))
    raw_params = fields.obj(section["params"], f"{name}.params", _PARAM_NAMES)
    params = AuthParams(**{p: fields.integer(raw_params[p], f"{name}.params.{p}") for p in _PARAM_NAMES})
    for field, reason in params_problems(params):
        raise GenesisError(f"{name}.params.{field}: {reason}")
    accounts: list[Account] = []
    seen: dict[bytes, int] = {}
    for i, entry in enumerate(fields.array(section["accounts"], f"{name}.accounts")):
        path = f"{name}.accounts[{i}]"
        entry = fields.obj(entry, path, ("address", "pub_key", "nonce"))
        addr = fields.address(entry["address"], f"{path}.address")
        if addr in seen:
            raise GenesisError(f"{path}.address: duplicate of {name}.accounts[{seen[addr]}]")
        seen[addr] = i
        pub_key = fields.hex_bytes(entry["pub_key"], f"{path}.pub_key", (0, 32))
        if pub_key and address_from_pubkey(pub_key) != addr:
            raise GenesisError(f"{path}.pub_key: does not hash to {entry['address']}")
        accounts.append(Account(addr, pub_key, fields.integer(entry["nonce"], f"{path}.nonce")))
    return params, accounts


def add_account(section: dict[str, Any], address: bytes, pub_key: bytes = b"") -> None:
    """Declare an account in a valid auth section (nonce 0); a no-op if it is already there."""
    if pub_key and address_from_pubkey(pub_key) != address:
        raise GenesisError("auth: public key does not hash to the address")
    text = to_bech32(address)
    for entry in section["accounts"]:
        if entry["address"] == text:
            if pub_key and entry["pub_key"] not in ("", pub_key.hex()):
                raise GenesisError(f"auth: {text} already has another public key")
            if pub_key:
                entry["pub_key"] = pub_key.hex()
            return
    section["accounts"].append({"address": text, "pub_key": pub_key.hex(), "nonce": 0})


def export(params: AuthParams, accounts: list[Account]) -> dict[str, Any]:
    return {
        "params": dataclasses.asdict(params),
        "accounts": [
            {"address": to_bech32(a.address), "pub_key": a.pub_key.hex(), "nonce": a.nonce} for a in accounts
        ],
    }
