"""How much the maintainers' estimates are worth: each fix measured against its estimates,
and the record per product and per maintainer. Pure.

When a case is fixed, `measure_fix` compares the first and the latest estimate with the
moment of the fix, in business time: an estimate is met when no business time passed
between the moment it named and the fix (an estimate of "viernes", 18:00, fixed on Friday
evening is met); otherwise its miss is the business time from that moment to the fix. The
result keeps the certainty and confidence each estimate came with, who gave it, and the
revisions (estimates given after the first).

A diagnosis given with certeza alta counts as revised when a later diagnosis of the same
case says something else (its summary differs, ignoring case and spacing); a new estimate
alone is not a revision of the diagnosis.

From a history of fixes: per product and per maintainer (the author of each estimate), how
many estimates given with confianza alta / media / baja were met, the median miss of those
missed (nearest-rank, as every percentile of the desk), and how many certeza-alta diagnoses
were revised. Counts under `SMALL_SAMPLE` are said as counts ("3 de 4"), never as a
percentage; the misses of a small sample are listed rather than given a median.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.domain.business_time import BusinessCalendar
from bot.domain.target_texts import span_phrase
from bot.domain.targets import nearest_rank

LEVELS = ("alta", "media", "baja")
"""Certainty and confidence levels, as the diagnosis modal offers them."""
SMALL_SAMPLE = 5


class Basis(StrEnum):
    """Which estimate of each fix a record measures."""

    FIRST = "first"
    LATEST = "latest"


@dataclass(frozen=True)
class GivenEstimate:
    """One diagnosis as the Mantenedor submitted it (the first, or a revision)."""

    given_at: datetime
    due: datetime
    certainty: str
    confidence: str
    author: str
    summary: str = ""


@dataclass(frozen=True)
class EstimateResult:
    """One estimate measured at the fix; `miss` is negative when the fix came early."""

    estimate: GivenEstimate
    met: bool
    miss: timedelta


@dataclass(frozen=True)
class FixOutcome:
    """What the desk keeps about a fixed case's estimates."""

    product: str
    fixed_at: datetime
    first: EstimateResult
    latest: EstimateResult
    revisions: int
    sure_diagnoses: tuple[tuple[str, bool], ...]
    """(author, later revised?) of each diagnosis given with certeza alta."""

    def result(self, basis: Basis) -> EstimateResult:
        return self.first if basis is Basis.FIRST else self.latest


def _result(
    estimate: GivenEstimate, fixed_at: datetime, calendar: BusinessCalendar
) -> EstimateResult:
    miss = calendar.business_duration(estimate.due, fixed_at)
    return EstimateResult(estimate, miss <= timedelta(0), miss)


def _said(summary: str) -> str:
    return " ".join(summary.casefold().split())


def measure_fix(
    product: str,
    estimates: Sequence[GivenEstimate],
    fixed_at: datetime,
    calendar: BusinessCalendar,
) -> FixOutcome:
    """The fix of a case against its estimates, oldest first; at least one is needed."""
    if not estimates:
        raise ValueError("a fix is measured against at least one estimate")
    ordered = sorted(estimates, key=lambda e: e.given_at)
    sure = tuple(
        (e.author, any(_said(later.summary) != _said(e.summary) for later in ordered[i + 1 :]))
        for i, e in enumerate(ordered)
        if e.certainty == "alta"
    )
    return FixOutcome(
        product=product,
        fixed_at=fixed_at,
        first=_result(ordered[0], fixed_at, calendar),
        latest=_result(ordered[-1], fixed_at, calendar),
        revisions=len(ordered) - 1,
        sure_diagnoses=sure,
    )


# --- the record -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """`hits` of `total`, said as a count for small samples."""

    hits: int
    total: int

    def phrase(self) -> str:
        """ "8 de 10 (80 %)", "3 de 4" (small sample) or "sin casos"."""
        if not self.total:
            return "sin casos"
        if self.total < SMALL_SAMPLE:
            return f"{self.hits} de {self.total}"
        return f"{self.hits} de {self.total} ({round(100 * self.hits / self.total)} %)"


@dataclass(frozen=True)
class Calibration:
    """The record of one product or maintainer."""

    met: Mapping[str, Tally]
    """By confidence level: estimates met of those measured."""
    misses: Mapping[str, tuple[timedelta, ...]]
    """By confidence level: the business time each missed estimate was late, shortest first."""
    sure_revised: Tally
    """Certeza-alta diagnoses later revised, of all given."""

    def median_miss(self, level: str) -> timedelta | None:
        return nearest_rank(self.misses[level], 50)


def _calibration(results: Iterable[EstimateResult], sure: Iterable[bool]) -> Calibration:
    met = {level: [0, 0] for level in LEVELS}
    misses: dict[str, list[timedelta]] = {level: [] for level in LEVELS}
    for r in results:
        level = r.estimate.confidence
        if level not in met:
            continue
        met[level][0] += r.met
        met[level][1] += 1
        if not r.met:
            misses[level].append(r.miss)
    revised = list(sure)
    return Calibration(
        met={level: Tally(*counts) for level, counts in met.items()},
        misses={level: tuple(sorted(values)) for level, values in misses.items()},
        sure_revised=Tally(sum(revised), len(revised)),
    )


def by_product(
    outcomes: Iterable[FixOutcome], basis: Basis = Basis.LATEST
) -> dict[str, Calibration]:
    """{product: Calibration} over the fixes of each product."""
    groups: dict[str, list[FixOutcome]] = {}
    for o in outcomes:
        groups.setdefault(o.product, []).append(o)
    return {
        product: _calibration(
            (o.result(basis) for o in fixes),
            (revised for o in fixes for _, revised in o.sure_diagnoses),
        )
        for product, fixes in sorted(groups.items())
    }


def by_maintainer(
    outcomes: Iterable[FixOutcome], basis: Basis = Basis.LATEST
) -> dict[str, Calibration]:
    """{maintainer: Calibration}, each estimate and diagnosis credited to its author."""
    results: dict[str, list[EstimateResult]] = {}
    sure: dict[str, list[bool]] = {}
    for o in outcomes:
        result = o.result(basis)
        results.setdefault(result.estimate.author, []).append(result)
        for author, revised in o.sure_diagnoses:
            sure.setdefault(author, []).append(revised)
    return {
        author: _calibration(results.get(author, ()), sure.get(author, ()))
        for author in sorted(results.keys() | sure.keys())
    }


@dataclass(frozen=True)
class Records:
    """The calibration of every product and every maintainer (latest estimates)."""

    products: Mapping[str, Calibration] = field(default_factory=dict)
    maintainers: Mapping[str, Calibration] = field(default_factory=dict)


# --- in Spanish (tú to maintainers) ---------------------------------------------------------


def record_line(outcomes: Iterable[FixOutcome], maintainer: str) -> str:
    """The maintainer's own record, for the diagnosis modal: "Con confianza alta cumpliste 8 de
    10 (80 %); con media, 3 de 4." (their latest estimates of fixed cases)."""
    return record_line_of(by_maintainer(outcomes).get(maintainer))


def record_line_of(calibration: Calibration | None) -> str:
    """`record_line` from the maintainer's `Calibration` (None: nothing measured yet)."""
    parts = []
    if calibration is not None:
        for level in LEVELS:
            tally = calibration.met[level]
            if tally.total:
                lead = f"con confianza {level} cumpliste" if not parts else f"con {level},"
                parts.append(f"{lead} {tally.phrase()}")
    if not parts:
        return "Aún no tienes estimaciones medidas: se miden cuando el problema queda corregido."
    line = "; ".join(parts)
    return f"{line[0].upper()}{line[1:]}."


def calibration_lines(calibration: Calibration) -> list[str]:
    """The record as lines: per confidence level, met and by how much the rest were missed;
    then how often certeza alta was revised."""
    lines = []
    for level in LEVELS:
        tally, misses = calibration.met[level], calibration.misses[level]
        if not tally.total:
            lines.append(f"Confianza {level}: sin casos")
            continue
        line = f"Confianza {level}: cumplidas {tally.phrase()}"
        if len(misses) >= SMALL_SAMPLE:
            line += f"; atraso mediano {span_phrase(calibration.median_miss(level))} hábiles"
        elif misses:
            listed = ", ".join(span_phrase(m) for m in misses)
            line += f"; {'atraso' if len(misses) == 1 else 'atrasos'} {listed} hábiles"
        lines.append(line)
    lines.append(f"Certeza alta revisada después: {calibration.sure_revised.phrase()}")
    return lines


# --- as kept in Redis ------------------------------------------------------------------------


def _estimate_dict(e: GivenEstimate) -> dict[str, str]:
    return {
        "given_at": e.given_at.isoformat(),
        "due": e.due.isoformat(),
        "certainty": e.certainty,
        "confidence": e.confidence,
        "author": e.author,
        "summary": e.summary,
    }


def _result_dict(r: EstimateResult) -> dict[str, object]:
    return {"estimate": _estimate_dict(r.estimate), "met": r.met, "miss": r.miss.total_seconds()}


def outcome_to_dict(o: FixOutcome) -> dict[str, object]:
    return {
        "product": o.product,
        "fixed_at": o.fixed_at.isoformat(),
        "first": _result_dict(o.first),
        "latest": _result_dict(o.latest),
        "revisions": o.revisions,
        "sure_diagnoses": [list(pair) for pair in o.sure_diagnoses],
    }


def _result_from(data: Mapping[str, Any]) -> EstimateResult:
    e = data["estimate"]
    estimate = GivenEstimate(
        given_at=datetime.fromisoformat(e["given_at"]),
        due=datetime.fromisoformat(e["due"]),
        certainty=e["certainty"],
        confidence=e["confidence"],
        author=e["author"],
        summary=e.get("summary", ""),
    )
    return EstimateResult(estimate, bool(data["met"]), timedelta(seconds=data["miss"]))


def outcome_from_dict(data: Mapping[str, Any]) -> FixOutcome:
    return FixOutcome(
        product=data["product"],
        fixed_at=datetime.fromisoformat(data["fixed_at"]),
        first=_result_from(data["first"]),
        latest=_result_from(data["latest"]),
        revisions=int(data["revisions"]),
        sure_diagnoses=tuple((str(a), bool(r)) for a, r in data["sure_diagnoses"]),
    )


def calibration_to_dict(c: Calibration) -> dict[str, object]:
    return {
        "met": {level: [t.hits, t.total] for level, t in c.met.items()},
        "misses": {level: [m.total_seconds() for m in ms] for level, ms in c.misses.items()},
        "sure_revised": [c.sure_revised.hits, c.sure_revised.total],
    }


def calibration_from_dict(data: Mapping[str, Any]) -> Calibration:
    return Calibration(
        met={level: Tally(*pair) for level, pair in data["met"].items()},
        misses={
            level: tuple(timedelta(seconds=s) for s in seconds)
            for level, seconds in data["misses"].items()
        },
        sure_revised=Tally(*data["sure_revised"]),
    )
