"""A running desk on a catalogue with a calendar and targets of its own (the catalogues
themselves come from testkit/catalogs.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from bot.composition import build_runtime, set_runtime
from testkit.catalogs import ALWAYS_OPEN, write_catalog
from testkit.fakes.slack_api import SlackFake
from testkit.fakes.zendesk_api import ZendeskFake
from tests.harness import Desk

PLAIN_TARGETS = '[targets]\nfirst_reply = "4h"\ndiagnosis = "8h"\nresolution = "40h"\n'
"""The same spans for every organisation and priority: the tests compute deadlines by hand."""


@contextlib.contextmanager
def desk_with(
    env: dict[str, str],
    slack: SlackFake,
    zendesk: ZendeskFake,
    folder: Path,
    calendar: str = ALWAYS_OPEN,
    targets: str = PLAIN_TARGETS,
) -> Iterator[Desk]:
    """A running desk whose catalogue has this calendar and these targets."""
    catalog = write_catalog(folder, calendar, targets)
    rt = build_runtime({**env, "SOPORTE_CATALOG": str(catalog)})
    set_runtime(rt)
    desk = Desk(rt, slack, zendesk)
    try:
        yield desk
    finally:
        desk.close()
        set_runtime(None)
