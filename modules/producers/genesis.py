"""producers genesis: params and the founding committee.

    {"params": {...}, "founders": [{"member": "bpdao1…", "pub_key": "<base64>", "power": 10}, …]}

``pub_key`` is base64 as in CometBFT's genesis.json / priv_validator_key.json, so the founders
can be copied from there; the founders must equal CometBFT's genesis validators (checked at
InitChain).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from modules.core import codec
from modules.core.address import from_bech32, to_bech32
from modules.core.errors import GenesisError
from modules.producers.keys import pub_key_problem
from modules.producers.types import MAX_TOTAL_POWER, Founder, Params


@dataclass(frozen=True)
class ProducersGenesis:
    params: Params
    founders: list[Founder]


def default_genesis() -> dict[str, Any]:
    return {"params": codec.to_json(Params()), "founders": []}


def founder_to_json(f: Founder) -> dict[str, Any]:
    return {"member": to_bech32(f.member), "pub_key": base64.b64encode(f.pub_key).decode(), "power": f.power}


def _founder(i: int, raw: Any) -> Founder:
    where = f"producers.founders[{i}]"
    if not isinstance(raw, Mapping):
        raise GenesisError(f"{where} must be an object")
    try:
        member = from_bech32(str(raw["member"]))
        pub_key = base64.b64decode(str(raw["pub_key"]), validate=True)
        power = raw["power"]
    except KeyError as e:
        raise GenesisError(f"{where}: missing {e}") from None
    except (ValueError, binascii.Error) as e:
        raise GenesisError(f"{where}: {e}") from None
    problem = pub_key_problem(pub_key)
    if problem:
        raise GenesisError(f"{where}.pub_key: {problem}")
    if isinstance(power, bool) or not isinstance(power, int) or power < 1:
        raise GenesisError(f"{where}.power must be an integer >= 1")
    return Founder(member, pub_key, power)


def parse_genesis(section: Mapping[str, Any]) -> ProducersGenesis:
    raw = section.get("params", {})
    if not isinstance(raw, Mapping):
        raise GenesisError("producers.params must be an object")
    try:
        params = codec.from_json(Params, {**codec.to_json(Params()), **raw})
    except (TypeError, KeyError, ValueError) as e:
        raise GenesisError(f"producers.params: {e}") from None
    problem = params.validate()
    if problem:
        raise GenesisError(f"producers.params: {problem}")
    raw_founders = section.get("founders", [])
    if not isinstance(raw_founders, list):
        raise GenesisError("producers.founders must be a list")
    founders = [_founder(i, r) for i, r in enumerate(raw_founders)]
    if len({f.member for f in founders}) != len(founders):
        raise GenesisError("producers.founders: a member appears twice")
    if len({f.pub_key for f in founders}) != len(founders):
        raise GenesisError("producers.founders: a pub_key appears twice")
    if sum(f.power for f in founders) > MAX_TOTAL_POWER:
        raise GenesisError("producers.founders: total power exceeds MaxInt64/8")
    return ProducersGenesis(params, founders)
