"""Catalogues with a calendar of their own: the example catalogue, its `[calendar]` (and
optionally `[targets]`) replaced.

The end-to-end desks run on one that is open around the clock, so that their scenarios mean
the same at any hour of the day the suite runs; the tests of business time write their own.
"""

from __future__ import annotations

import functools
import re
import tempfile
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "catalog.example.toml"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ALWAYS_OPEN = "[calendar.hours]\n" + "".join(f'{day} = "00:00-24:00"\n' for day in WEEKDAYS)
_CALENDAR = re.compile(r"^\[calendar\]\n.*?(?=^# Response targets)", re.S | re.M)
_TARGETS = re.compile(r"^\[targets\]\n.*?(?=^# Directory)", re.S | re.M)


def catalog_text(calendar: str = ALWAYS_OPEN, targets: str | None = None) -> str:
    """The example catalogue with `calendar` (TOML) instead of its `[calendar]`, and
    `targets` instead of its `[targets]` when given."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text, found = _CALENDAR.subn(lambda _: calendar + "\n\n", text)
    assert found == 1, "catalog.example.toml lost its [calendar] table"
    if targets is not None:
        text, found = _TARGETS.subn(lambda _: targets + "\n\n", text)
        assert found == 1, "catalog.example.toml lost its [targets] table"
    return text


def write_catalog(folder: Path, calendar: str = ALWAYS_OPEN, targets: str | None = None) -> Path:
    path = folder / "catalog.toml"
    path.write_text(catalog_text(calendar, targets), encoding="utf-8")
    return path


@functools.cache
def always_open_catalog() -> Path:
    """The example catalogue, open every hour of every day (written once per process)."""
    return write_catalog(Path(tempfile.mkdtemp(prefix="soporte-catalog-")))
