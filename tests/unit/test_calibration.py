"""Calibration of estimates: each fix against its first and latest estimate in business time,
and the record per product and maintainer, from a seeded history checked by hand."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.business_time import BusinessCalendar
from bot.domain.calibration import (
    Basis,
    GivenEstimate,
    Tally,
    by_maintainer,
    by_product,
    calibration_lines,
    measure_fix,
    record_line,
)

SCL = ZoneInfo("America/Santiago")
H = timedelta(hours=1)
M = timedelta(minutes=1)
OFFICE = BusinessCalendar()  # Monday to Friday 09:00-18:00


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Santiago, March 2026 (Monday 2 and 9)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=SCL)


def given(
    when: datetime,
    due: datetime,
    confidence: str,
    author: str = "U1",
    certainty: str = "alta",
    summary: str = "Índice corrupto",
) -> GivenEstimate:
    return GivenEstimate(when, due, certainty, confidence, author, summary)


# Case 1: "miércoles" (18:00), fixed Wednesday 19:30: no business time late, met.
CASE_1 = measure_fix("pulso", [given(at(2, 10), at(4, 18), "alta")], at(4, 19, 30), OFFICE)
# Case 2: first promised Tuesday 12:00 (alta), revised on Tuesday to Thursday 12:00 (media)
# with another diagnosis; fixed Thursday 15:00.
CASE_2 = measure_fix(
    "pulso",
    [
        given(at(3, 11), at(5, 12), "media", summary="  el caché,  no el índice "),
        given(at(2, 10), at(3, 12), "alta"),
    ],
    at(5, 15),
    OFFICE,
)
# Case 3: Friday 18:00 (baja, certeza media), fixed Monday 09:30.
CASE_3 = measure_fix(
    "mercado",
    [given(at(6, 10), at(6, 18), "baja", author="U2", certainty="media")],
    at(9, 9, 30),
    OFFICE,
)
# Case 4: U2 estimated Monday 9 at 12:00; U1 took over with the same diagnosis and
# Tuesday 12:00; fixed Tuesday 10:00, two hours early.
CASE_4 = measure_fix(
    "pulso",
    [
        given(at(5, 10), at(9, 12), "media", author="U2", certainty="media"),
        given(at(9, 11), at(10, 12), "alta", certainty="media", summary="ÍNDICE  corrupto"),
    ],
    at(10, 10),
    OFFICE,
)
HISTORY = [CASE_1, CASE_2, CASE_3, CASE_4]


def test_a_fix_measured_against_the_first_and_the_latest_estimate() -> None:
    assert CASE_1.first == CASE_1.latest
    assert (CASE_1.latest.met, CASE_1.latest.miss, CASE_1.revisions) == (True, timedelta(0), 0)
    # Case 2: the estimates are put in order of when they were given.
    assert CASE_2.first.estimate.due == at(3, 12)
    assert CASE_2.revisions == 1
    assert (CASE_2.first.met, CASE_2.first.miss) == (False, 6 * H + 9 * H + 6 * H)
    assert (CASE_2.latest.met, CASE_2.latest.miss) == (False, 3 * H)
    assert CASE_2.latest.estimate.confidence == "media"
    assert (CASE_3.latest.met, CASE_3.latest.miss) == (False, 30 * M)  # over the weekend
    assert (CASE_4.first.met, CASE_4.first.miss) == (False, 7 * H)
    assert (CASE_4.latest.met, CASE_4.latest.miss) == (True, -2 * H)


def test_certeza_alta_revised_only_when_the_diagnosis_changes() -> None:
    assert CASE_1.sure_diagnoses == (("U1", False),)
    assert CASE_2.sure_diagnoses == (("U1", True), ("U1", False))
    assert CASE_3.sure_diagnoses == ()
    same_words = measure_fix(
        "pulso",
        [given(at(2, 10), at(3, 12), "alta"), given(at(3, 10), at(4, 12), "baja")],
        at(4, 11),
        OFFICE,
    )
    assert same_words.sure_diagnoses == (("U1", False), ("U1", False))


def test_a_fix_needs_an_estimate() -> None:
    with pytest.raises(ValueError):
        measure_fix("pulso", [], at(4, 10), OFFICE)


def test_per_maintainer_latest_estimates() -> None:
    record = by_maintainer(HISTORY)
    assert list(record) == ["U1", "U2"]
    u1, u2 = record["U1"], record["U2"]
    assert u1.met == {"alta": Tally(2, 2), "media": Tally(0, 1), "baja": Tally(0, 0)}
    assert u1.misses["media"] == (3 * H,)
    assert u1.median_miss("media") == 3 * H
    assert u1.median_miss("alta") is None
    assert u1.sure_revised == Tally(1, 3)
    assert u2.met == {"alta": Tally(0, 0), "media": Tally(0, 0), "baja": Tally(0, 1)}
    assert u2.misses["baja"] == (30 * M,)
    assert u2.sure_revised == Tally(0, 0)


def test_per_maintainer_first_estimates() -> None:
    record = by_maintainer(HISTORY, Basis.FIRST)
    assert record["U1"].met["alta"] == Tally(1, 2)
    assert record["U1"].misses["alta"] == (21 * H,)
    assert record["U2"].met == {"alta": Tally(0, 0), "media": Tally(0, 1), "baja": Tally(0, 1)}
    assert record["U2"].misses["media"] == (7 * H,)


def test_per_product() -> None:
    record = by_product(HISTORY)
    assert list(record) == ["mercado", "pulso"]
    assert record["pulso"].met == {"alta": Tally(2, 2), "media": Tally(0, 1), "baja": Tally(0, 0)}
    assert record["pulso"].sure_revised == Tally(1, 3)
    assert record["mercado"].met["baja"] == Tally(0, 1)
    assert by_product(HISTORY, Basis.FIRST)["pulso"].met["media"] == Tally(0, 1)


@pytest.mark.parametrize(
    ("tally", "phrase"),
    [
        (Tally(0, 0), "sin casos"),
        (Tally(3, 4), "3 de 4"),
        (Tally(0, 1), "0 de 1"),
        (Tally(4, 5), "4 de 5 (80 %)"),
        (Tally(8, 10), "8 de 10 (80 %)"),
        (Tally(1, 6), "1 de 6 (17 %)"),
    ],
)
def test_small_samples_are_counts_not_percentages(tally: Tally, phrase: str) -> None:
    assert tally.phrase() == phrase


def test_record_line_for_the_diagnosis_modal() -> None:
    assert record_line(HISTORY, "U1") == "Con confianza alta cumpliste 2 de 2; con media, 0 de 1."
    assert record_line(HISTORY, "U2") == "Con confianza baja cumpliste 0 de 1."
    assert record_line(HISTORY, "U9").startswith("Aún no tienes estimaciones medidas")
    assert record_line([], "U1").startswith("Aún no tienes")


def ten_alta_fixes() -> list:
    """Ten fixes with confianza alta: 8 met, and 2 missed by 1 h and 4 h."""
    outcomes = []
    for n in range(10):
        due = at(2, 12)
        fixed = at(2, 11) if n < 8 else due + (H if n == 8 else 4 * H)
        outcomes.append(measure_fix("pulso", [given(at(2, 9), due, "alta")], fixed, OFFICE))
    return outcomes


def test_record_line_with_a_large_sample() -> None:
    assert record_line(ten_alta_fixes(), "U1") == "Con confianza alta cumpliste 8 de 10 (80 %)."


def test_calibration_lines() -> None:
    assert calibration_lines(by_maintainer(ten_alta_fixes())["U1"]) == [
        "Confianza alta: cumplidas 8 de 10 (80 %); atrasos 1 h, 4 h hábiles",
        "Confianza media: sin casos",
        "Confianza baja: sin casos",
        "Certeza alta revisada después: 0 de 10 (0 %)",
    ]
    late = [
        measure_fix("pulso", [given(at(2, 9), at(2, 10), "media")], at(2, 10) + k * H, OFFICE)
        for k in (1, 2, 3, 4, 5, 6)
    ]
    # Six misses of 1 to 6 h: the nearest-rank median is the 3rd, 3 h.
    assert calibration_lines(by_product(late)["pulso"])[1] == (
        "Confianza media: cumplidas 0 de 6 (0 %); atraso mediano 3 h hábiles"
    )
