from blocks import ids
from bot.domain.lifecycle import State
from tests.harness import AGENT


def test_new_ticket_gets_one_card_and_spam_closes_it(desk):
    tid = desk.new_ticket()
    desk.intake()
    desk.intake()
    assert len(desk.cards()) == 1
    assert "No puedo entrar a Pulso" in desk.card_text(tid)
    response = desk.click(ids.Action.SPAM, tid, AGENT)
    assert response.status_code == 200
    desk.run_jobs()
    assert desk.case(tid).case.state is State.SPAM
    ticket = desk.zendesk.ticket(tid)
    assert ticket["status"] == "solved" and "spam" in ticket["tags"]
    assert desk.zendesk.public_comments(tid)[1:] == []
