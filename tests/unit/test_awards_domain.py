"""The Round aggregate: given(events) → when(command) → then(events), and its quota invariant.

The property test drives the aggregate through an in-memory stream that has the event store's
one guard (`unique (stream_id, version)`), with racing deciders that load the same version and
retry as the HTTP route does, so it checks the very mechanism that keeps a quota from being
exceeded — not just the arithmetic.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from hypothesis import given as hypothesis_given
from hypothesis import settings
from hypothesis import strategies as st

from services.awards import messages  # noqa: F401 - registers the bilingual messages
from services.awards.domain import (
    EVENT_TYPES,
    AwardGrantedInRound,
    AwardType,
    EligibleModel,
    InvalidInput,
    ModelNominated,
    NotInRound,
    QuotaKey,
    QuotaLine,
    Round,
    RoundKind,
    RoundOpened,
)
from services.awards.handlers import RACE_RETRIES
from shared.domain.aggregate import DomainError
from shared.domain.events import DomainEvent
from shared.i18n import message
from shared.store.event_store import ConcurrencyError

NOW = datetime(2025, 10, 1, 8, 0, tzinfo=UTC)
ROUND_ID = uuid.UUID(int=1)
ROUND_PATH = "VN.15.BY"
KINDS = ("collective", "individual")


def given(*events: DomainEvent) -> Round:
    return Round.rehydrate(events)


def opened(*quotas: tuple[AwardType, str, int], org_path: str = ROUND_PATH) -> RoundOpened:
    return RoundOpened(round_id=ROUND_ID, name="Tổng kết 2022–2025", kind=RoundKind.FINAL, year=2025,
                       org_path=org_path, decision_date=None,
                       quotas=[QuotaLine(award_type=a, recipient_kind=k, quota=q) for a, k, q in quotas], at=NOW)


def model(kind: str = "collective", org_path: str = f"{ROUND_PATH}.XA1") -> EligibleModel:
    return EligibleModel(model_id=uuid.uuid4(), title=f"Mô hình {uuid.uuid4().hex[:6]}", org_path=org_path,
                         owner_org_name="Xã A", recipient_kind=kind, inspection_id=uuid.uuid4(), total_score=87.5)


def nominated(m: EligibleModel, award_type: AwardType = AwardType.REWARD) -> ModelNominated:
    return ModelNominated(nomination_id=uuid.uuid4(), award_type=award_type, model=m, summary=None, at=NOW)


def granted(n: ModelNominated, quota: int, in_quota: int) -> AwardGrantedInRound:
    return AwardGrantedInRound(grant_id=uuid.uuid4(), nomination_id=n.nomination_id, award_type=n.award_type,
                               recipient_kind=n.model.recipient_kind, quota=quota, granted_in_quota=in_quota, at=NOW)


# --- opening ---------------------------------------------------------------------------------------

def test_open_records_the_round_with_its_quotas() -> None:
    lines = [QuotaLine(award_type=AwardType.COMMENDATION, recipient_kind="collective", quota=25),
             QuotaLine(award_type=AwardType.REWARD, recipient_kind="individual", quota=25)]
    new = Round.open(round_id=ROUND_ID, name=" Tổng kết ", kind=RoundKind.FINAL, year=2025, org_path=ROUND_PATH,
                     quotas=lines, decision_date=None, at=NOW)
    [event] = new.pending
    assert isinstance(event, RoundOpened)
    assert (event.round_id, event.name, event.org_path, event.quotas) == (ROUND_ID, "Tổng kết", ROUND_PATH, lines)
    assert event.decision_date is None
    assert {line.key: new.remaining(line.key) for line in lines} == {line.key: line.quota for line in lines}


def test_an_annual_round_is_decided_on_the_anniversary_by_default() -> None:
    new = Round.open(round_id=ROUND_ID, name="Năm 2024", kind=RoundKind.ANNUAL, year=2024, org_path=ROUND_PATH,
                     quotas=[QuotaLine(award_type=AwardType.REWARD, recipient_kind="collective", quota=3)],
                     decision_date=None, at=NOW)
    event = new.pending[0]
    assert isinstance(event, RoundOpened)
    assert event.decision_date == date(2024, 10, 15)


@pytest.mark.parametrize(("quotas", "year", "decision_date", "field", "code"), [
    ([], 2025, None, "quotas", "round_quotas_empty"),
    ([(AwardType.REWARD, "collective", 0)], 2025, None, "quotas", "round_quota_not_positive"),
    ([(AwardType.REWARD, "collective", 2), (AwardType.REWARD, "collective", 3)], 2025, None, "quotas",
     "round_quota_duplicate"),
    ([(AwardType.REWARD, "collective", 2)], NOW.year + 2, None, "year", "round_year_too_far"),
    ([(AwardType.REWARD, "collective", 2)], 2025, date(2024, 10, 15), "decision_date", "round_decision_date_year"),
])
def test_open_refuses_bad_rounds(quotas: list[tuple[AwardType, str, int]], year: int, decision_date: date | None,
                                 field: str, code: str) -> None:
    lines = [QuotaLine(award_type=a, recipient_kind=k, quota=q) for a, k, q in quotas]
    with pytest.raises(InvalidInput) as refused:
        Round.open(round_id=ROUND_ID, name="Đợt", kind=RoundKind.MID_TERM, year=year, org_path=ROUND_PATH,
                   quotas=lines, decision_date=decision_date, at=NOW)
    assert (refused.value.field, refused.value.code, refused.value.status) == (field, code, 422)


# --- nominating ------------------------------------------------------------------------------------

def test_nominate_records_the_models_snapshot() -> None:
    rnd = given(opened((AwardType.REWARD, "collective", 2)))
    m = model()
    nomination_id = uuid.uuid4()
    rnd.nominate(
        inside=True, nomination_id=nomination_id, model=m, award_type=AwardType.REWARD, summary="Thành tích", at=NOW)
    assert rnd.pending == [ModelNominated(nomination_id=nomination_id, award_type=AwardType.REWARD, model=m,
                                          summary="Thành tích", at=NOW)]


def test_nominate_refuses_a_model_outside_the_rounds_subtree() -> None:
    rnd = given(opened((AwardType.REWARD, "collective", 2)))
    with pytest.raises(InvalidInput) as refused:
        rnd.nominate(inside=False, nomination_id=uuid.uuid4(), model=model(org_path="VN.16.BY.XA1"),
                     award_type=AwardType.REWARD, summary=None, at=NOW)
    assert (refused.value.field, refused.value.code) == ("model_id", "model_outside_round")
    assert rnd.pending == []


def test_nominate_accepts_the_awarding_body_itself() -> None:
    rnd = given(opened((AwardType.REWARD, "collective", 2)))
    rnd.nominate(inside=True, nomination_id=uuid.uuid4(), model=model(org_path=ROUND_PATH), award_type=AwardType.REWARD,
                 summary=None, at=NOW)
    assert len(rnd.pending) == 1


def test_nominate_refuses_a_pair_the_round_has_no_quota_for() -> None:
    rnd = given(opened((AwardType.REWARD, "collective", 2), (AwardType.COMMENDATION, "individual", 2)))
    with pytest.raises(InvalidInput) as refused:
        rnd.nominate(inside=True, nomination_id=uuid.uuid4(), model=model("individual"), award_type=AwardType.REWARD,
                     summary=None, at=NOW)
    assert (refused.value.field, refused.value.code) == ("award_type", "round_no_quota_line")


def test_one_achievement_is_nominated_once_per_award_type() -> None:
    m = model()
    first = nominated(m, AwardType.REWARD)
    rnd = given(opened((AwardType.REWARD, "collective", 2), (AwardType.COMMENDATION, "collective", 2)), first)
    with pytest.raises(DomainError) as refused:
        rnd.nominate(
            inside=True, nomination_id=uuid.uuid4(), model=m, award_type=AwardType.REWARD, summary=None, at=NOW)
    assert (refused.value.code, refused.value.status) == ("model_already_nominated", 409)
    assert m.title in message(refused.value.code, **refused.value.params).vi
    rnd.nominate(
        inside=True, nomination_id=uuid.uuid4(), model=m, award_type=AwardType.COMMENDATION, summary=None, at=NOW)
    assert len(rnd.pending) == 1


def test_nothing_happens_in_a_round_never_opened() -> None:
    with pytest.raises(NotInRound):
        given().nominate(
            inside=True, nomination_id=uuid.uuid4(), model=model(), award_type=AwardType.REWARD, summary=None,
                         at=NOW)


# --- granting --------------------------------------------------------------------------------------

def test_grant_within_quota_counts_it() -> None:
    a, b = nominated(model()), nominated(model())
    rnd = given(opened((AwardType.REWARD, "collective", 2)), a, b, granted(a, 2, 1))
    grant_id = uuid.uuid4()
    event = rnd.grant(nomination_id=b.nomination_id, grant_id=grant_id, at=NOW)
    assert rnd.pending == [event]
    assert event == AwardGrantedInRound(grant_id=grant_id, nomination_id=b.nomination_id,
                                        award_type=AwardType.REWARD, recipient_kind="collective", quota=2,
                                        granted_in_quota=2, at=NOW)
    assert rnd.remaining((AwardType.REWARD, "collective")) == 0


def test_grant_beyond_quota_is_refused_with_the_count() -> None:
    a, b, c = nominated(model()), nominated(model()), nominated(model())
    rnd = given(opened((AwardType.REWARD, "collective", 2)), a, b, c, granted(a, 2, 1), granted(b, 2, 2))
    with pytest.raises(DomainError) as refused:
        rnd.grant(nomination_id=c.nomination_id, grant_id=uuid.uuid4(), at=NOW)
    assert (refused.value.code, refused.value.status) == ("round_quota_exhausted", 409)
    assert rnd.pending == []
    text = message(refused.value.code, **refused.value.params)
    assert "(2/2)" in text.vi and "(2/2)" in text.en
    assert "khen thưởng" in text.vi and "tập thể" in text.vi and "collectives" in text.en


def test_quota_lines_are_independent() -> None:
    a, b = nominated(model("collective")), nominated(model("individual"))
    rnd = given(opened((AwardType.REWARD, "collective", 1), (AwardType.REWARD, "individual", 1)), a, b,
                granted(a, 1, 1))
    event = rnd.grant(nomination_id=b.nomination_id, grant_id=uuid.uuid4(), at=NOW)
    assert (event.recipient_kind, event.granted_in_quota) == ("individual", 1)


def test_a_nomination_is_granted_once() -> None:
    a = nominated(model())
    rnd = given(opened((AwardType.REWARD, "collective", 5)), a, granted(a, 5, 1))
    with pytest.raises(DomainError) as refused:
        rnd.grant(nomination_id=a.nomination_id, grant_id=uuid.uuid4(), at=NOW)
    assert (refused.value.code, refused.value.status) == ("nomination_already_granted", 409)


def test_granting_an_unknown_nomination_is_not_found() -> None:
    rnd = given(opened((AwardType.REWARD, "collective", 5)))
    with pytest.raises(NotInRound) as refused:
        rnd.grant(nomination_id=uuid.uuid4(), grant_id=uuid.uuid4(), at=NOW)
    assert refused.value.status == 404


# --- the quota invariant under racing deciders -----------------------------------------------------

class Stream:
    """One round's stream with the event store's guard: a version is written once, never skipped over
    by the store itself — so a wrong expected version shows up as a conflict or as a gap."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, str, str]] = []

    def load(self) -> Round:
        return Round.rehydrate(EVENT_TYPES.load(name, json.loads(body)) for _, name, body in self.rows)

    def append(self, aggregate: Round) -> None:
        taken = {v for v, _, _ in self.rows}
        new = [(aggregate.expected_version + i, e) for i, e in enumerate(aggregate.pending, start=1)]
        if any(v in taken for v, _ in new):
            raise ConcurrencyError("round", aggregate.expected_version)
        self.rows += [(v, e.NAME, e.model_dump_json()) for v, e in new]
        aggregate.version += len(new)
        aggregate.pending.clear()


def race(stream: Stream, nominations: list[UUID]) -> tuple[set[UUID], int]:
    """Concurrent grants: each pass, every unresolved attempt loads the same version, then they commit in
    order; losers retry like `run_command(retries_on_conflict=RACE_RETRIES)`. Returns the nominations
    whose attempts ended with a decision (granted or refused) and how many gave up on conflicts."""
    losses = dict.fromkeys(range(len(nominations)), 0)
    resolved: set[UUID] = set()
    gave_up = 0
    while losses:
        loaded = {i: stream.load() for i in losses}
        for i, rnd in loaded.items():
            try:
                rnd.grant(nomination_id=nominations[i], grant_id=uuid.uuid4(), at=NOW)
                stream.append(rnd)
            except ConcurrencyError:
                losses[i] += 1
                if losses[i] > RACE_RETRIES:
                    gave_up += 1
                    del losses[i]
                continue
            except DomainError:
                pass
            resolved.add(nominations[i])
            del losses[i]
    return resolved, gave_up


quota_lines = st.dictionaries(st.tuples(st.sampled_from(list(AwardType)), st.sampled_from(KINDS)),
                              st.integers(1, 4), min_size=1)


@settings(max_examples=150, deadline=None)
@hypothesis_given(quotas=quota_lines, data=st.data())
def test_a_quota_is_never_exceeded_and_versions_have_no_gaps(quotas: dict[QuotaKey, int], data: st.DataObject) -> None:
    stream = Stream()
    rnd = Round.open(round_id=ROUND_ID, name="Đợt", kind=RoundKind.ANNUAL, year=2025, org_path=ROUND_PATH,
                     quotas=[QuotaLine(award_type=a, recipient_kind=k, quota=q) for (a, k), q in quotas.items()],
                     decision_date=None, at=NOW)
    stream.append(rnd)
    keys = sorted(quotas)
    pool: list[UUID] = [uuid.uuid4()]  # one id the round never saw
    key_of: dict[UUID, QuotaKey] = {}
    for award_type, kind in data.draw(st.lists(st.sampled_from(keys), max_size=10), label="nominations"):
        current = stream.load()
        nomination_id = uuid.uuid4()
        current.nominate(
            inside=True, nomination_id=nomination_id, model=model(kind), award_type=award_type, summary=None, at=NOW)
        stream.append(current)
        pool.append(nomination_id)
        key_of[nomination_id] = (award_type, kind)

    resolved: set[UUID] = set()
    batches = data.draw(st.lists(st.lists(st.sampled_from(pool), min_size=1, max_size=6), max_size=8),
                        label="concurrent grant batches")
    for batch in batches:
        done, _ = race(stream, batch)
        resolved |= done

    final = stream.load()
    assert [v for v, _, _ in stream.rows] == list(range(1, len(stream.rows) + 1))
    assert final.version == len(stream.rows)
    grants = [EVENT_TYPES.load(name, json.loads(body)) for _, name, body in stream.rows
              if name == AwardGrantedInRound.NAME]
    seen: dict[QuotaKey, int] = {}
    for g in grants:
        assert isinstance(g, AwardGrantedInRound)
        key = (g.award_type, g.recipient_kind)
        seen[key] = seen.get(key, 0) + 1
        assert g.granted_in_quota == seen[key] <= g.quota == quotas[key]
    assert len({g.nomination_id for g in grants}) == len(grants)
    for key, quota in quotas.items():
        # Never beyond the quota — and never refusing while quota is left for a decided nomination.
        decided = {n for n in resolved if key_of.get(n) == key}
        assert seen.get(key, 0) == min(quota, len(decided))
        assert final.remaining(key) == quota - seen.get(key, 0)
