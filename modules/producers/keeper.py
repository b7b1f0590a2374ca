"""producers keeper: consensus keys, committees per epoch, liveness and misbehaviour.

The app calls, per block, with plain data (abci_app/vote_extensions.py converts protobuf):
``record_commit`` (decided_last_commit), ``handle_misbehavior`` (evidence), then ``end_block``,
which returns the validator updates of this block. See modules/producers/epochs.py for timing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from modules.core.context import Context
from modules.core.errors import TxError, ensure
from modules.core.store import StoreKey
from modules.producers import errors as E
from modules.producers.deps import Availability, Beacon
from modules.producers.epochs import EpochSchedule, EpochSegment, Position
from modules.producers.genesis import Candidate, Evidence, FullState, Jail, Miss
from modules.producers.keys import pub_key_problem, validator_address, verify_possession
from modules.producers.sampling import sample_without_replacement
from modules.producers.state import ProducersState
from modules.producers.types import (
    BLOCK_PRODUCTION,
    FLAG_COMMIT,
    KIND_NON_REVEAL,
    MISBEHAVIOR_KINDS,
    PPM,
    CommitteeRecord,
    ConsensusKey,
    Founder,
    LivenessRecord,
    Misbehavior,
    Params,
    SlashRecord,
    Validator,
    ValidatorUpdate,
    VoteInfo,
    power_for_stake,
)

SECOND_NS = 10**9


class ProducersKeeper:
    def __init__(self, key: StoreKey, availability: Availability, beacon: Beacon) -> None:
        self._state = ProducersState(key)
        self._availability = availability
        self._beacon = beacon

    # --- params and genesis -----------------------------------------------------------------------
    def params(self, ctx: Context) -> Params:
        return self._state.params(ctx)

    def set_params(self, ctx: Context, params: Params) -> None:
        """Validate and store ``params``. A new ``epoch_length`` never moves a height already
        scheduled: it starts a new schedule segment at the first epoch boundary at or after this
        height (governance activates changes at a boundary, so normally at this very height)."""
        problem = params.validate()
        if problem:
            raise ValueError(problem)
        self._state.set_params(ctx, params)
        self._schedule_length(ctx, params.epoch_length)

    def _schedule_length(self, ctx: Context, length: int) -> None:
        segments = self._state.segments(ctx)
        height = ctx.block.height
        if not segments or height <= 1:  # genesis: nothing has run under any schedule yet
            for seg in segments:
                self._state.delete_segment(ctx, seg.start_height)
            self._state.put_segment(ctx, EpochSegment(1, 0, length))
            return
        # A segment starting at or after this height was set by an earlier change that has not
        # reached its first height yet (or by one in this block): this change replaces it.
        kept = [seg for seg in segments if seg.start_height < height]
        for seg in segments[len(kept) :]:
            self._state.delete_segment(ctx, seg.start_height)
        schedule = EpochSchedule(kept)
        start = schedule.boundary_at_or_after(height)
        if schedule.length_at(start) != length:
            self._state.put_segment(ctx, EpochSegment(start, schedule.position(start).epoch, length))

    def init_genesis(self, ctx: Context, params: Params, founders: Sequence[Founder]) -> None:
        """The founding committee: keys registered, the validator set CometBFT starts with."""
        self.set_params(ctx, params)
        self.set_founders(ctx, founders)

    def set_founders(self, ctx: Context, founders: Sequence[Founder]) -> None:
        """Register the founders' keys and make them the validator set (genesis only)."""
        if self._state.validator_set(ctx):
            raise ValueError("the founding committee is already set")
        validators = []
        for f in founders:
            addr = validator_address(f.pub_key)
            self._state.put_key(ctx, ConsensusKey(f.member, f.pub_key, addr))
            validators.append(Validator(addr, f.pub_key, f.member, f.power))
        members = sorted(validators, key=lambda v: v.validator_address)
        self._state.replace_validator_set(ctx, members)
        self._state.put_committee(ctx, CommitteeRecord(0, 0, b"", False, 0, tuple(members)))

    def export_state(self, ctx: Context) -> FullState:
        """Everything but params and the validator set, for a genesis export."""
        st = self._state
        seen, misses = self.liveness_window(ctx)
        return FullState(
            keys=st.all_keys(ctx),
            schedule=st.segments(ctx),
            committees=st.committees(ctx),
            slashes=st.slashes.all(ctx),
            next_slash_id=st.slashes.ids.peek(ctx),
            liveness_removals=st.liveness.all(ctx),
            next_liveness_id=st.liveness.ids.peek(ctx),
            seen=seen,
            misses=[Miss(addr, n) for addr, n in misses],
            candidates=[Candidate(member, weight) for member, weight in st.candidates(ctx)],
            jails=[Jail(addr, until) for addr, until in st.jails(ctx)],
            evidence=[Evidence(addr, height) for addr, height in st.evidence(ctx)],
            removals=st.removals(ctx),
        )

    def restore_state(
        self, ctx: Context, params: Params, founders: Sequence[Founder], state: FullState
    ) -> None:
        """Genesis from an export: the store as :meth:`export_state` read it, byte for byte; the
        founders are the validator set in force (their keys are among ``state.keys``)."""
        st = self._state
        st.set_params(ctx, params)
        for key in state.keys:
            st.put_key(ctx, key)
        validators = [Validator(validator_address(f.pub_key), f.pub_key, f.member, f.power) for f in founders]
        st.replace_validator_set(ctx, sorted(validators, key=lambda v: v.validator_address))
        for segment in state.schedule:
            st.put_segment(ctx, segment)
        for committee in state.committees:
            st.put_committee(ctx, committee)
        for slash in state.slashes:
            st.slashes.add(ctx, slash)
        for removal in state.liveness_removals:
            st.liveness.add(ctx, removal)
        for log, next_id in ((st.slashes, state.next_slash_id), (st.liveness, state.next_liveness_id)):
            if next_id != 1:  # the counter is absent until the first record
                log.ids.set(ctx, next_id)
        st.set_liveness(ctx, state.seen, [(m.validator_address, m.missed) for m in state.misses])
        st.replace_candidates(ctx, [(c.member, c.weight) for c in state.candidates])
        for jail in state.jails:
            st.jail(ctx, jail.validator_address, jail.until_epoch)
        for ev in state.evidence:
            st.mark_evidence(ctx, ev.validator_address, ev.height)
        for addr in state.removals:
            st.mark_removal(ctx, addr)

    # --- consensus keys ---------------------------------------------------------------------------
    def register_key(
        self, ctx: Context, member: bytes, pub_key: bytes, possession_sig: bytes
    ) -> ConsensusKey:
        problem = pub_key_problem(pub_key)
        ensure(problem is None, E.ERR_INVALID_KEY(problem or ""))
        ensure(self._state.key_of(ctx, member) is None, E.ERR_MEMBER_HAS_KEY(member.hex()))
        addr = validator_address(pub_key)
        ensure(self._state.member_of(ctx, addr) is None, E.ERR_KEY_TAKEN(addr.hex()))
        ok = verify_possession(pub_key, ctx.block.chain_id, member, possession_sig)
        ensure(ok, E.ERR_BAD_POSSESSION())
        key = ConsensusKey(member, pub_key, addr)
        self._state.put_key(ctx, key)
        ctx.emit("producers.register_key", member=member.hex(), validator=addr.hex())
        return key

    def key_of(self, ctx: Context, member: bytes) -> ConsensusKey | None:
        return self._state.key_of(ctx, member)

    def pub_key_of_validator(self, ctx: Context, validator_addr: bytes) -> bytes | None:
        """The registered ed25519 key of a validator address (keys are never unregistered, so this
        also answers for validators of past heights)."""
        member = self._state.member_of(ctx, validator_addr)
        key = None if member is None else self._state.key_of(ctx, member)
        return None if key is None else key.pub_key

    def member_of_validator(self, ctx: Context, validator_addr: bytes) -> bytes | None:
        return self._state.member_of(ctx, validator_addr)

    def validator_set(self, ctx: Context) -> list[Validator]:
        """CometBFT's validator set once every update returned so far applies (ascending address)."""
        return self._state.validator_set(ctx)

    def schedule(self, ctx: Context) -> EpochSchedule:
        segments = self._state.segments(ctx)
        return EpochSchedule(segments or [EpochSegment(1, 0, self._state.params(ctx).epoch_length)])

    def position(self, ctx: Context, height: int) -> Position:
        return self.schedule(ctx).position(height)

    def next_epoch_start(self, ctx: Context) -> int:
        """Governance's EpochClock: the first height of the epoch after the current block's."""
        return self.schedule(ctx).next_epoch_start(ctx.block.height)

    # --- records ----------------------------------------------------------------------------------
    def committee(self, ctx: Context, epoch: int) -> CommitteeRecord | None:
        """The committee fixed for ``epoch`` (None: not decided yet, or pruned)."""
        return self._state.committee(ctx, epoch)

    def slashes(
        self, ctx: Context, start_after: int = 0, member: bytes | None = None
    ) -> Iterator[SlashRecord]:
        return self._state.slashes.after(ctx, start_after, member)

    def liveness_removals(
        self, ctx: Context, start_after: int = 0, member: bytes | None = None
    ) -> Iterator[LivenessRecord]:
        return self._state.liveness.after(ctx, start_after, member)

    def liveness_window(self, ctx: Context) -> tuple[int, list[tuple[bytes, int]]]:
        """(commits seen, [(validator address, misses)]) since the last candidate snapshot."""
        return self._state.seen(ctx), self._state.misses(ctx)

    # --- per block --------------------------------------------------------------------------------
    def record_commit(self, ctx: Context, votes: Sequence[VoteInfo]) -> None:
        """Liveness: count who did not sign the previous block (``decided_last_commit``)."""
        if not votes:
            return
        self._state.add_seen(ctx)
        for v in votes:
            if v.block_id_flag != FLAG_COMMIT:
                self._state.add_miss(ctx, v.validator_address)

    def handle_misbehavior(self, ctx: Context, items: Sequence[Misbehavior]) -> None:
        """Slash the offender's block_production stake, remove it from the set at this block's end,
        keep it out of the next ``jail_epochs`` selections. One slash per (validator, offence height)."""
        params = self._state.params(ctx)
        schedule = self.schedule(ctx)
        here = schedule.position(ctx.block.height)
        # The first selection still to come (a decision at this very height is still to come).
        last_decision_offset = schedule.length_at(ctx.block.height) - 2
        next_selected = here.epoch + (1 if here.offset <= last_decision_offset else 2)
        for m in items:
            if not self._state.mark_evidence(ctx, m.validator_address, m.height):
                continue
            member = self._state.member_of(ctx, m.validator_address)
            burned = 0 if member is None else self._slash_member(ctx, member, params.slash_misbehavior_ppm)
            self._state.jail(ctx, m.validator_address, next_selected + params.jail_epochs)
            self._state.mark_removal(ctx, m.validator_address)
            self._record_slash(
                ctx,
                kind=MISBEHAVIOR_KINDS.get(m.kind, f"misbehavior_{m.kind}"),
                validator_addr=m.validator_address,
                member=member,
                offence_height=m.height,
                burned=burned,
                jailed_until_epoch=self._state.jailed_until(ctx, m.validator_address),
            )
            ctx.emit(
                "producers.misbehavior",
                validator=m.validator_address.hex(),
                kind=m.kind,
                height=m.height,
                burned=burned,
            )

    def end_block(self, ctx: Context) -> list[ValidatorUpdate]:
        """This block's validator updates: the next committee at a decision height, and removals of
        offenders. Never empties the set (CometBFT would halt). At the last commit-phase height it
        also takes the candidate snapshot the next selection draws from."""
        params = self._state.params(ctx)
        schedule = self.schedule(ctx)
        height = ctx.block.height
        here = schedule.position(height)
        if here.offset == schedule.length_at(height) // 2 - 1:
            self._snapshot_candidates(ctx, params, here.epoch)
        current = self._state.validator_set(ctx)
        desired = {v.validator_address: v for v in current}
        new_epoch = schedule.decided_epoch(height)
        draw: tuple[bytes, int] | None = None
        if new_epoch is not None:
            chosen, seed, candidates = self._choose_committee(ctx, params, new_epoch)
            if chosen:
                desired = {v.validator_address: v for v in chosen}
                draw = (seed, candidates)
            else:
                ctx.emit("producers.no_candidates", epoch=new_epoch)
        removals = self._state.take_removals(ctx)
        kept = {a: v for a, v in desired.items() if a not in removals}
        if kept:
            desired = kept
        elif removals:
            ctx.emit("producers.removal_skipped", reason="would empty the validator set")
        updates = self._apply(ctx, current, desired)
        if new_epoch is not None:
            members = tuple(desired[a] for a in sorted(desired))
            seed, candidates = draw if draw is not None else (b"", 0)
            record = CommitteeRecord(new_epoch, height, seed, draw is not None, candidates, members)
            self._state.put_committee(ctx, record)
            self._prune(ctx, new_epoch - params.history_epochs)
        return updates

    # --- internals --------------------------------------------------------------------------------
    def _apply(
        self, ctx: Context, current: list[Validator], desired: dict[bytes, Validator]
    ) -> list[ValidatorUpdate]:
        old = {v.validator_address: v for v in current}
        updates: list[ValidatorUpdate] = []
        for addr in sorted(set(old) | set(desired)):
            before, after = old.get(addr), desired.get(addr)
            if after is None:
                assert before is not None
                updates.append(ValidatorUpdate(before.pub_key, 0))
            elif before is None or before.power != after.power:
                updates.append(ValidatorUpdate(after.pub_key, after.power))
        if updates:
            self._state.replace_validator_set(ctx, [desired[a] for a in sorted(desired)])
            for u in updates:
                ctx.emit("producers.validator_update", pub_key=u.pub_key.hex(), power=u.power)
        return updates

    def _qualifying_stakes(self, ctx: Context, params: Params) -> dict[bytes, int]:
        """Sum of each owner's active block_production stakes that stay locked long enough."""
        min_end = ctx.block.time_ns + params.min_stake_remaining_s * SECOND_NS
        by_owner: dict[bytes, int] = {}
        for s in self._availability.active_stakes(ctx, BLOCK_PRODUCTION):
            if s.end_ns >= min_end:
                by_owner[s.owner] = by_owner.get(s.owner, 0) + s.amount
        return by_owner

    def _snapshot_candidates(self, ctx: Context, params: Params, epoch: int) -> None:
        """Fix who may be drawn, and with what weight, before any reveal of this epoch exists.

        Reveals are first signed at the next height (the reveal phase), and from then on the
        seed is foreseeable to whoever sees them; stake moves, key registrations or staying
        offline after this point cannot change the candidates (docs/spec/por.md, "Grinding").
        Liveness is judged here too, over the commits seen since the previous snapshot."""
        seen = self._state.seen(ctx)
        offenders = self._liveness_offenders(ctx, params)
        for addr, missed in offenders:
            record = LivenessRecord(
                id=self._state.liveness.ids.next(ctx),
                validator_address=addr,
                member=self._state.member_of(ctx, addr) or b"",
                missed=missed,
                seen=seen,
                max_missed_ppm=params.max_missed_ppm,
                height=ctx.block.height,
                epoch=epoch,
                left_out_of_epoch=epoch + 1,
            )
            self._state.liveness.add(ctx, record)
        offline = {addr for addr, _ in offenders}
        self._state.reset_liveness(ctx)
        weights = []
        for owner, stake in sorted(self._qualifying_stakes(ctx, params).items()):
            key = self._state.key_of(ctx, owner)
            if key is not None and key.validator_address not in offline:
                weights.append((owner, stake))
        self._state.replace_candidates(ctx, weights)
        ctx.emit("producers.snapshot", candidates=len(weights), offline=len(offline))

    def _choose_committee(
        self, ctx: Context, params: Params, epoch: int
    ) -> tuple[list[Validator], bytes, int]:
        """(the committee drawn for ``epoch``, the seed, how many candidates were in the draw)."""
        outcome = self._beacon.finalize(ctx, epoch - 1)
        withheld = set(outcome.withheld)
        for addr in outcome.withheld:
            member = self._state.member_of(ctx, addr)
            if member is not None:
                burned = self._slash_member(ctx, member, params.slash_non_reveal_ppm)
                ctx.emit("producers.non_reveal", validator=addr.hex(), burned=burned)
                # left out of this very selection: it may be drawn again for the epoch after
                self._record_slash(
                    ctx,
                    kind=KIND_NON_REVEAL,
                    validator_addr=addr,
                    member=member,
                    offence_height=ctx.block.height,
                    burned=burned,
                    jailed_until_epoch=epoch + 1,
                )
        # The snapshot's weights, lowered (never raised) by what happened since: slashes, stakes
        # that ended. Withholders and the newly jailed are left out.
        current = self._qualifying_stakes(ctx, params)
        candidates: list[tuple[ConsensusKey, int]] = []
        for owner, snap_weight in self._state.candidates(ctx):
            key = self._state.key_of(ctx, owner)
            if key is None or owner not in current:
                continue
            addr = key.validator_address
            if addr in withheld or self._state.jailed_until(ctx, addr) > epoch:
                continue
            candidates.append((key, min(snap_weight, current[owner])))
        self._state.replace_candidates(ctx, [])
        picks = sample_without_replacement(outcome.seed, [w for _, w in candidates], params.committee_size)
        chosen = [
            Validator(key.validator_address, key.pub_key, key.member, power_for_stake(params, stake))
            for key, stake in (candidates[i] for i in picks)
        ]
        ctx.emit("producers.committee", epoch=epoch, candidates=len(candidates), chosen=len(chosen))
        return chosen, outcome.seed, len(candidates)

    def _liveness_offenders(self, ctx: Context, params: Params) -> list[tuple[bytes, int]]:
        """(validator address, misses) over the threshold, ascending address."""
        seen = self._state.seen(ctx)
        return [
            (addr, missed)
            for addr, missed in self._state.misses(ctx)
            if missed * PPM > params.max_missed_ppm * seen
        ]

    def _record_slash(
        self,
        ctx: Context,
        *,
        kind: str,
        validator_addr: bytes,
        member: bytes | None,
        offence_height: int,
        burned: int,
        jailed_until_epoch: int,
    ) -> None:
        record = SlashRecord(
            id=self._state.slashes.ids.next(ctx),
            kind=kind,
            validator_address=validator_addr,
            member=member or b"",
            offence_height=offence_height,
            height=ctx.block.height,
            epoch=self.position(ctx, ctx.block.height).epoch,
            burned=burned,
            jailed_until_epoch=jailed_until_epoch,
        )
        self._state.slashes.add(ctx, record)

    def _prune(self, ctx: Context, before_epoch: int) -> None:
        """Drop records of epochs < ``before_epoch`` (history_epochs behind the decided epoch)."""
        if before_epoch <= 0:
            return
        self._state.prune_committees_before(ctx, before_epoch)
        self._state.slashes.prune_before(ctx, before_epoch)
        self._state.liveness.prune_before(ctx, before_epoch)

    def _slash_member(self, ctx: Context, member: bytes, ppm: int) -> int:
        """Slash ``ppm`` of each active block_production stake of ``member``; REP burned."""
        burned = 0
        for s in self._availability.active_stakes_of(ctx, member, BLOCK_PRODUCTION):
            try:
                burned += self._availability.slash(ctx, s.id, ppm)
            except TxError:  # the stake cannot be slashed (gone); nothing else to do
                continue
        return burned
