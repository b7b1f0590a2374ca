"""Conservation: supply == sum of balances after every step of random txs (fees + sends), mints, burns."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey

from modules.auth.module import AuthModule
from modules.bank.keeper import FEE_COLLECTOR, module_address
from modules.bank.module import BankModule
from modules.bank.types import MsgSend
from modules.core.address import address_from_pubkey
from modules.core.context import BlockInfo, Context
from modules.core.errors import TxError
from modules.core.store import CacheStore, MemoryStore

KEYS = [bytes(SigningKey(bytes([i + 1]) * 32).verify_key) for i in range(4)]
ADDRS = [address_from_pubkey(k) for k in KEYS]
FEES = module_address(FEE_COLLECTOR)

tx_step = st.tuples(
    st.just("tx"),
    st.integers(0, 3),  # signer
    st.integers(0, 3),  # recipient
    st.integers(0, 60),  # amount
    st.integers(0, 6),  # fee
    st.booleans(),  # use the right nonce
)
supply_step = st.tuples(st.sampled_from(["mint", "burn"]), st.integers(0, 3), st.integers(0, 40))


@settings(max_examples=150, deadline=None)  # type: ignore[untyped-decorator]
@given(  # type: ignore[untyped-decorator]
    genesis=st.lists(st.integers(0, 100), min_size=4, max_size=4),
    steps=st.lists(st.one_of(tx_step, supply_step), max_size=40),
)
def test_supply_equals_sum_of_balances(genesis: list[int], steps: list[tuple[object, ...]]) -> None:
    bank = BankModule()
    auth = AuthModule(bank.keeper, FEES)
    block = Context(root=CacheStore(MemoryStore()), block=BlockInfo(height=1, time_ns=0, chain_id="t"))
    bank.keeper.set_genesis(block, [(a, n) for a, n in zip(ADDRS, genesis, strict=True) if n])
    nonces = [0, 0, 0, 0]

    def check() -> None:
        balances = dict(bank.keeper.balances(block))
        assert all(v > 0 for v in balances.values())
        assert bank.keeper.supply(block) == sum(balances.values())

    check()
    for step in steps:
        if step[0] == "tx":
            _, s, r, amount, fee, right_nonce = step
            assert (
                isinstance(s, int) and isinstance(r, int) and isinstance(amount, int) and isinstance(fee, int)
            )
            tx = block.branch()  # the tx's context
            before = (dict(bank.keeper.balances(block)), nonces[s])
            try:
                auth.keeper.ante(tx, KEYS[s], nonces[s] if right_nonce else nonces[s] + 1, fee)
            except TxError:
                assert dict(bank.keeper.balances(tx)) == before[0]  # ante refused: nothing changed
                continue
            nonces[s] += 1
            msgs = tx.branch()
            try:
                bank.msg_handlers()[MsgSend](msgs, ADDRS[s], MsgSend(to=ADDRS[r], amount=amount))
                msgs.commit()
            except TxError:
                pass
            tx.commit()
            assert bank.keeper.balance(block, FEES) >= fee
        else:
            op, who, amount = step
            assert isinstance(who, int) and isinstance(amount, int)
            try:
                if op == "mint":
                    bank.keeper.mint(block, ADDRS[who], amount)
                else:
                    bank.keeper.burn(block, ADDRS[who], amount)
            except TxError:
                pass
        check()
    accounts = [auth.keeper.account(block, a) for a in ADDRS]
    assert [0 if a is None else a.nonce for a in accounts] == nonces
