"""The Redis case store (bot/adapters/case_store.py) against a real Redis server."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime, timedelta

import pytest
import redis

from bot.adapters.case_store import CaseStore, case_key
from bot.domain.case import CardRef, CaseRecord, Ticket
from bot.domain.lifecycle import Case, Event, IllegalTransition, State, apply

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
AGENT = "U0AGENT001"


@pytest.fixture
def connection(redis_url: str):
    conn = redis.Redis.from_url(redis_url)
    yield conn
    conn.close()


@pytest.fixture
def store(connection: redis.Redis) -> CaseStore:
    return CaseStore(connection)


def make_record(ticket_id: int = 4321, product: str | None = None) -> CaseRecord:
    ticket = Ticket(
        id=ticket_id,
        subject="No puedo entrar a Pulso",
        requester_id=99,
        requester_name="Ana Soto",
        requester_email="ana.soto@muni.cl",
        organization_id=360000001,
        organization_name="Municipalidad de Ejemplo",
        excerpt="Hola, desde ayer no puedo iniciar sesión.",
        created_at=NOW - timedelta(hours=3),
        url=f"https://unholster.zendesk.com/agent/tickets/{ticket_id}",
    )
    return CaseRecord(
        case=Case(ticket_id, opened_at=ticket.created_at),
        ticket=ticket,
        card=CardRef("C0AGENTS01", "1700000000.000100"),
        product=product,
    )


def test_create_then_get_round_trip(store: CaseStore) -> None:
    record = make_record()
    assert store.get(record.ticket_id) is None
    assert not store.exists(record.ticket_id)
    assert store.create(record) is True
    assert store.exists(record.ticket_id)
    assert store.get(record.ticket_id) == record
    assert [s["id"] for s in store.summaries()] == [record.ticket_id]


def test_create_is_idempotent_and_second_then_does_not_run(
    store: CaseStore, connection: redis.Redis
) -> None:
    calls: list[int] = []

    def then(pipe, record: CaseRecord) -> None:
        calls.append(record.ticket_id)
        pipe.rpush("soporte:test:created", str(record.ticket_id))

    first = make_record(product="pulso")
    assert store.create(first, then) is True
    assert calls == [first.ticket_id]

    second = make_record(product="mercado-publico")
    assert store.create(second, then) is False
    assert calls == [first.ticket_id]  # `then` was not run the second time
    assert store.get(first.ticket_id).product == "pulso"  # first one kept
    assert connection.lrange("soporte:test:created", 0, -1) == [b"4321"]
    assert [s["id"] for s in store.summaries()] == [first.ticket_id]


def test_then_joins_the_create_transaction(store: CaseStore, connection: redis.Redis) -> None:
    def then(pipe, record: CaseRecord) -> None:
        # inside MULTI: commands are queued, not yet executed
        assert connection.get(case_key(record.ticket_id)) is None
        pipe.set("soporte:test:marker", "yes")

    store.create(make_record(), then)
    assert connection.get("soporte:test:marker") == b"yes"


def test_update_applies_change_and_then(store: CaseStore, connection: redis.Redis) -> None:
    store.create(make_record())
    seen: list[CaseRecord] = []

    def change(record: CaseRecord) -> CaseRecord:
        case = apply(record.case, Event.ESCALATE, AGENT, NOW, "revisar")
        return dataclasses.replace(record, case=case, product="pulso")

    def then(pipe, record: CaseRecord) -> None:
        seen.append(record)
        pipe.set("soporte:test:after", record.case.state.value)

    updated = store.update(4321, change, then)
    assert updated.case.state is State.ESCALATED
    assert store.get(4321) == updated
    assert seen == [updated]
    assert connection.get("soporte:test:after") == b"escalated"


def test_update_of_a_missing_case_raises_key_error(store: CaseStore) -> None:
    with pytest.raises(KeyError):
        store.update(999, lambda record: record)


def test_update_is_atomic_under_contention(redis_url: str, store: CaseStore) -> None:
    store.create(make_record(product="0"))
    threads_count = 20
    start = threading.Barrier(threads_count)
    errors: list[BaseException] = []
    change_calls = []

    def increment(record: CaseRecord) -> CaseRecord:
        change_calls.append(1)
        return dataclasses.replace(record, product=str(int(record.product) + 1))

    def worker() -> None:
        conn = redis.Redis.from_url(redis_url)  # its own connection, like another process
        try:
            start.wait(timeout=5)
            CaseStore(conn).update(4321, increment)
        except BaseException as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not errors
    assert store.get(4321).product == str(threads_count)
    assert len(change_calls) >= threads_count  # retries re-run `change` on fresh data


def test_update_raising_in_change_leaves_record_unchanged_and_runs_no_then(
    store: CaseStore, connection: redis.Redis
) -> None:
    record = make_record(product="pulso")
    store.create(record)
    raw_before = connection.get(case_key(record.ticket_id))
    then_calls: list[CaseRecord] = []

    def change(current: CaseRecord) -> CaseRecord:
        # an illegal transition aborts the update, as handlers rely on
        apply(current.case, Event.USER_CONFIRMED, AGENT, NOW)
        raise AssertionError("unreachable")

    with pytest.raises(IllegalTransition):
        store.update(record.ticket_id, change, lambda pipe, r: then_calls.append(r))
    assert then_calls == []
    assert connection.get(case_key(record.ticket_id)) == raw_before
    assert store.get(record.ticket_id) == record

    # the store still works afterwards (the pipeline was reset, nothing left watched)
    updated = store.update(
        record.ticket_id, lambda r: dataclasses.replace(r, product="mercado-publico")
    )
    assert store.get(record.ticket_id) == updated


def test_values(store: CaseStore) -> None:
    assert store.get_value("intake:cursor") is None
    store.set_value("intake:cursor", "1700000000")
    assert store.get_value("intake:cursor") == "1700000000"
