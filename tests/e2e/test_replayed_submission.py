"""A modal submission takes effect once, even when the same signed bytes come back."""

from __future__ import annotations

from blocks import ids
from tests.harness import Desk, text_value
from tests.support.concurrency import prepare
from tests.support.flows import user_replies


def test_a_replayed_submission_sends_no_second_reply(desk: Desk) -> None:
    tid = desk.new_ticket()
    desk.intake()
    desk.click(ids.Action.UNSUPPORTED, tid)
    submission = prepare(
        desk.submit, desk.opened_view(), {ids.Block.REPLY: text_value("No es nuestro producto.")}
    )
    assert submission.send().status_code == 200
    desk.run_jobs()
    assert len(user_replies(desk, tid)) == 1

    desk.zendesk.add_user_comment(tid, "Pero sigo con el problema.")
    desk.intake()  # the user's answer puts the case back in the agent's hands

    replayed = submission.send()  # the very same bytes, still inside Slack's five minutes
    desk.listeners.wait_idle()
    desk.run_jobs()
    assert replayed.status_code == 200 and not replayed.content
    sent = [r for r in user_replies(desk, tid) if r.startswith("No es nuestro producto.")]
    assert len(sent) == 1, "the replay sent the reply again"
    assert len(desk.case(tid).replies) == 1
