"""One owner for job names and Redis keys: the job registry and bot/adapters/keys.py."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

from bot.adapters import keys
from bot.adapters.queue import Job

ROOT = Path(__file__).resolve().parents[2]
DOTTED_JOB = re.compile(r"^workers\.\w+\.\w+$")


def _desk_sources() -> list[Path]:
    files = [ROOT / "app.py"]
    for folder in ("bot", "handlers", "workers", "blocks"):
        files += sorted((ROOT / folder).rglob("*.py"))
    return files


def _strings(path: Path) -> list[str]:
    """Every string literal of a module, and the literal start of every f-string."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append(node.value)
        elif isinstance(node, ast.JoinedStr) and node.values:
            head = node.values[0]
            if isinstance(head, ast.Constant) and isinstance(head.value, str):
                found.append(head.value)
    return found


def test_every_job_in_the_registry_is_a_function_rq_can_import() -> None:
    for job in Job:
        module, _, name = job.value.rpartition(".")
        assert callable(getattr(importlib.import_module(module), name)), job


def test_the_worker_preloads_the_module_of_every_job() -> None:
    from workers import worker

    assert {m.__name__ for m in worker.PRELOADED} == {job.module for job in Job}
    assert "workers.home" in {m.__name__ for m in worker.PRELOADED}


def test_no_job_is_named_by_a_dotted_string_outside_the_registry() -> None:
    registry = ROOT / "bot" / "adapters" / "queue.py"
    offenders = {
        (path.relative_to(ROOT).as_posix(), text)
        for path in _desk_sources()
        if path != registry
        for text in _strings(path)
        if DOTTED_JOB.match(text)
    }
    assert offenders == set()


def test_no_redis_key_is_built_outside_keys_py() -> None:
    owner = ROOT / "bot" / "adapters" / "keys.py"
    offenders = {
        (path.relative_to(ROOT).as_posix(), text)
        for path in _desk_sources()
        if path != owner
        for text in _strings(path)
        if text.startswith(f"{keys.PREFIX}:") and not any(c.isspace() for c in text)
    }
    assert offenders == set()


def test_per_case_keys_name_their_ticket_and_desk_keys_name_none() -> None:
    per_case = [
        keys.case_key(7),
        keys.seen_comments(7),
        keys.comments_read(7),
        keys.posting("card", 7),
        keys.posting("escalation", 7),
        keys.zendesk_write(7, "reply-abc"),
        keys.own_update(7),
        keys.relay_copy(7, "C0PULSO001", "1700000000.000100"),
        keys.refusal_told("workers.cards.refresh_card", 7, "Slack respondió a:b"),
    ]
    assert [keys.owner(k) for k in per_case] == [7] * len(per_case)
    assert not any(keys.is_desk_key(k) for k in per_case)
    desk = [
        keys.SUMMARIES,
        keys.INTAKE_CURSOR,
        keys.HOME_USERS,
        keys.home_pending("U1"),
        keys.pace("C1"),
        keys.user_name("U1"),
        keys.slack_event("Ev1"),
        keys.submission("abc"),
        keys.DESK,
    ]
    assert all(keys.is_desk_key(k) and keys.owner(k) is None for k in desk)
    assert keys.owner(keys.escalation_thread("C0PULSO001", "1.0")) is None
    assert keys.owner(keys.refusal_told("workers.intake.ingest_ticket", None, "404")) is None
