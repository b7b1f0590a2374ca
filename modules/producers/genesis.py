"""producers genesis section::

    {"params": {...every Params field...},
     "founders": [{"member": "bpdao1…", "pub_key": "<64 hex>", "power": int}, …]}

The founders must equal CometBFT's genesis validators (checked at InitChain, abci_app/por.py); an
empty list means genesis.json's validators become the founders, each bound to the account of its own
key.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from genesis import fields
from modules.core.address import to_bech32
from modules.core.errors import GenesisError
from modules.producers.keys import pub_key_problem
from modules.producers.types import MAX_TOTAL_POWER, Founder, Params

_PARAM_NAMES = tuple(f.name for f in dataclasses.fields(Params))


@dataclass(frozen=True)
class ProducersGenesis:
    params: Params
    founders: list[Founder]


def default_genesis() -> dict[str, Any]:
    return {"params": dataclasses.asdict(Params()), "founders": []}


def founder_to_json(f: Founder) -> dict[str, Any]:
    return {"member": to_bech32(f.member), "pub_key": f.pub_key.hex(), "power": f.power}


def parse_genesis(section: Any, name: str = "producers") -> ProducersGenesis:
    section = fields.obj(section, name, ("params", "founders"))
    raw = fields.obj(section["params"], f"{name}.params", _PARAM_NAMES)
    params = Params(**{p: fields.integer(raw[p], f"{name}.params.{p}") for p in _PARAM_NAMES})
    problem = params.validate()
    if problem:
        raise GenesisError(f"{name}.params: {problem}")
    founders: list[Founder] = []
    members: set[bytes] = set()
    keys: set[bytes] = set()
    for i, entry in enumerate(fields.array(section["founders"], f"{name}.founders")):
        path = f"{name}.founders[{i}]"
        entry = fields.obj(entry, path, ("member", "pub_key", "power"))
        member = fields.address(entry["member"], f"{path}.member")
        pub_key = fields.hex_bytes(entry["pub_key"], f"{path}.pub_key", (32,))
        problem = pub_key_problem(pub_key)
        if problem:
            raise GenesisError(f"{path}.pub_key: {problem}")
        power = fields.integer(entry["power"], f"{path}.power", minimum=1)
        if member in members:
            raise GenesisError(f"{path}.member: appears twice")
        if pub_key in keys:
            raise GenesisError(f"{path}.pub_key: appears twice")
        members.add(member)
        keys.add(pub_key)
        founders.append(Founder(member, pub_key, power))
    if sum(f.power for f in founders) > MAX_TOTAL_POWER:
        raise GenesisError(f"{name}.founders: total power exceeds MaxInt64/8")
    return ProducersGenesis(params, founders)
