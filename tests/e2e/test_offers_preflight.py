"""Start-up stops when the bot is not in a channel the desk posts in: the agents' channel and
every product's channel of the catalogue, each named with its catalogue line and the way out
(/invite). The real slack_sdk asks the Slack fake (conversations.info), zenpy the Zendesk fake."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.adapters import preflight
from bot.adapters.catalog_reader import load_catalog
from testkit.fakes.slack_api import SlackFake
from testkit.fakes.zendesk_api import ZendeskFake
from tests.harness import CATALOG, desk_environment

ROOT = CATALOG.parent
DESK = load_catalog(CATALOG)
PULSO, MERCADO, PORTAL = (DESK.products[k].channel for k in DESK.products)


def catalog_line(catalog: Path, field: str) -> int:
    """The line of `catalog` where `key = ` of the dotted `field` sits (below its table)."""
    table, key = field.rsplit(".", 1)
    lines = catalog.read_text("utf-8").splitlines()
    start = next(n for n, line in enumerate(lines) if line.strip() == f"[{table}]")
    return next(n + 1 for n, line in enumerate(lines) if n > start and line.startswith(key))


def test_every_desk_channel_with_the_bot_in_it_passes(
    slack: SlackFake, zendesk: ZendeskFake, redis_url: str
) -> None:
    checked = preflight.preflight(desk_environment(slack, zendesk, redis_url), port=False)
    assert checked.catalog.agents_channel == DESK.agents_channel
    asked = {c.params["channel"] for c in slack.calls_to("conversations.info")}
    assert asked == {DESK.agents_channel, PULSO, MERCADO, PORTAL}


def test_a_channel_without_the_bot_stops_start_up_naming_it(
    zendesk: ZendeskFake, redis_url: str
) -> None:
    with SlackFake() as slack:
        slack.invite_bot(PULSO)  # only one product channel, not the agents' one
        slack.add_channel(DESK.agents_channel, "soporte-agentes")
        slack.add_channel(MERCADO, "mercado-publico")
        # PORTAL is private and the bot is not in it: Slack does not show it to the bot.
        # The example catalogue itself: the problems name its lines.
        env = desk_environment(slack, zendesk, redis_url, SOPORTE_CATALOG=str(CATALOG))
        problems = preflight.service_problems(preflight.local_problems(env), port=False)
        run = subprocess.run(
            [sys.executable, "app.py", "check"],
            cwd=ROOT,
            env={"PATH": "/usr/bin:/bin", **env},
            capture_output=True,
            text=True,
            timeout=60,
        )

    catalog = Path(env["SOPORTE_CATALOG"])
    agents_at = catalog_line(catalog, "desk.agents_channel")
    mercado_at = catalog_line(catalog, "products.mercado-publico.channel")
    portal_at = catalog_line(catalog, "products.portal-transparencia.channel")
    assert problems == [
        f"SOPORTE_CATALOG: {catalog}:{agents_at}: desk.agents_channel: the bot is not a "
        f"member of #soporte-agentes ({DESK.agents_channel}): /invite @soporte there",
        f"SOPORTE_CATALOG: {catalog}:{mercado_at}: products.mercado-publico.channel: the bot "
        f"is not a member of #mercado-publico ({MERCADO}): /invite @soporte there",
        f"SOPORTE_CATALOG: {catalog}:{portal_at}: products.portal-transparencia.channel: Slack "
        f"shows the bot no channel {PORTAL} (a private channel stays hidden until you "
        "/invite @soporte there)",
    ]
    assert run.returncode == 2, run.stdout + run.stderr
    lines = [line.strip() for line in run.stderr.splitlines() if line.strip()]
    assert lines == ["soporte cannot start:", *problems]
    assert "Traceback" not in run.stderr and slack.token not in run.stderr
