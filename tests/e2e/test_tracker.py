"""Escalation files exactly one issue in the product's development queue (GitHub Issues)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from blocks import ids
from bot.composition import build_runtime, set_runtime
from testkit.example_desk import ROOT
from testkit.fakes.github_api import GitHubFake
from tests.harness import Desk

REPO = "unholster/pulso"


@pytest.fixture
def github():
    with GitHubFake() as fake:
        yield fake


@pytest.fixture
def tracked_desk(request, tmp_path: Path, desk_env, slack, zendesk, github, monkeypatch):
    """A desk whose Pulso product files escalations in GitHub; `@pytest.mark.report` sets
    the tracker's include_report = true."""
    text = (ROOT / "catalog.example.toml").read_text(encoding="utf-8")
    text = re.sub(
        r"^  # (\[products\.pulso\.tracker\]|kind =|repo =|labels =|include_report =)",
        r"  \1",
        text,
        flags=re.MULTILINE,
    )
    if request.node.get_closest_marker("report"):
        text = text.replace("include_report = false", "include_report = true")
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(text, encoding="utf-8")
    monkeypatch.setenv("GITHUB_TOKEN", github.token)
    monkeypatch.setenv("GITHUB_API_URL", github.url)
    env = {**desk_env, "SOPORTE_CATALOG": str(catalog)}
    rt = build_runtime(env)
    assert rt.catalog.product("pulso").tracker is not None
    set_runtime(rt)
    desk = Desk(rt, slack, zendesk)
    yield desk
    desk.close()
    set_runtime(None)


def escalate(desk: Desk) -> int:
    org = desk.zendesk.add_organization("Municipalidad de Ejemplo")
    tid = desk.new_ticket(
        subject="Exportación falla",
        body="Soy Ana Pérez, mi RUT es 12.345.678-9 y no puedo exportar.",
        email="ana.perez@municipalidad.example",
        org_id=org,
    )
    desk.intake()
    desk.click(ids.Action.ESCALATE, tid)
    desk.submit(
        desk.opened_view(),
        {
            ids.Block.PRODUCT: {"type": "static_select", "selected_option": {"value": "pulso"}},
            ids.Block.NOTES: {"type": "plain_text_input", "value": "Revisar el exportador."},
        },
    )
    desk.run_jobs(horizon=3)
    return tid


def test_escalation_files_one_issue_with_a_link_back(tracked_desk, github):
    tid = escalate(tracked_desk)
    [issue] = github.issues(REPO)
    assert f"#{tid}" in issue["title"] and "Revisar el exportador." in issue["body"]
    assert f"/agent/tickets/{tid}" in issue["body"]
    url = tracked_desk.case(tid).escalation.tracker_url
    assert url == issue["html_url"]
    assert url in tracked_desk.card_text(tid)
    [message] = [m for m in tracked_desk.slack.messages("C0PULSO001") if not m.get("thread_ts")]
    assert url in str(message["blocks"])


def test_retried_job_after_lost_response_files_one_issue(tracked_desk, github):
    github.faults.drop_after_accept("/repos/", method="POST")
    escalate(tracked_desk)
    assert len(github.issues(REPO)) == 1


def test_tracker_outage_is_retried(tracked_desk, github):
    github.faults.fail_next("/repos/", 503, method="POST")
    tid = escalate(tracked_desk)
    assert len(github.issues(REPO)) == 1
    assert tracked_desk.case(tid).escalation.ts is not None


PERSONAL = ("Ana Pérez", "ana.perez@municipalidad.example", "12.345.678-9", "Exportación falla")


def test_a_public_repository_gets_no_personal_data(tracked_desk, github):
    tid = escalate(tracked_desk)
    [issue] = github.issues(REPO)
    text = issue["title"] + issue["body"]
    assert not [p for p in PERSONAL if p in text], text
    assert f"#{tid}" in issue["title"] and "Pulso" in text and "Revisar el exportador." in text
    assert f"/agent/tickets/{tid}" in issue["body"]


@pytest.mark.report
def test_include_report_files_it_only_in_a_private_repository(tracked_desk, github):
    escalate(tracked_desk)  # public: include_report alone is not enough
    github.set_private(REPO)
    escalate(tracked_desk)
    public, private = github.issues(REPO)
    assert not [p for p in PERSONAL if p in public["title"] + public["body"]]
    assert all(p in private["title"] + private["body"] for p in PERSONAL)
