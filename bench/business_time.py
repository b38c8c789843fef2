"""Business-time arithmetic at the size of a desk: `python -m bench.business_time`.

The calendar is the catalogue example's (America/Santiago, Monday to Friday with a lunch
break, Chile's public holidays, a half day and a week off). Seeded random instants over
two years:
- 10,000 business durations (spans up to 10 calendar days) and 10,000 deadlines (targets
  of 30 min to 45 h), each on a cold calendar (every day computed for the first time) and
  again on the warm one;
- the 7- and 30-day target figures of 10,000 cases (a third of them escalated), as
  `/soporte estado` would compute them on every call;
- calibration per product and per maintainer of 10,000 fixes.
Nothing is asserted: the figures are printed for the reader (Slack's limit for a slash
command's answer is 3 s).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from bot.domain.business_time import BusinessCalendar, DayOff
from bot.domain.calibration import GivenEstimate, by_maintainer, by_product, measure_fix
from bot.domain.targets import CaseTimes, TargetPolicy, target_figures

LUNCH = ((9 * 60, 13 * 60), (14 * 60, 18 * 60))
START = datetime(2026, 1, 1, tzinfo=UTC)
YEARS = 2


def calendar() -> BusinessCalendar:
    return BusinessCalendar(
        timezone="America/Santiago",
        week=(LUNCH,) * 4 + (((540, 780), (840, 1020)), (), ()),
        country="CL",
        days_off=(
            DayOff(date(2026, 12, 24), date(2026, 12, 24), ((540, 780),)),
            DayOff(date(2027, 2, 15), date(2027, 2, 19)),
        ),
    )


def _instant(rng: random.Random) -> datetime:
    return START + timedelta(seconds=rng.uniform(0, YEARS * 365 * 86400))


def _timed(run: Callable[[], object]) -> float:
    began = time.perf_counter()
    run()
    return time.perf_counter() - began


def _cases(rng: random.Random, n: int, now: datetime) -> list[CaseTimes]:
    cases = []
    for i in range(n):
        created = now - timedelta(days=rng.uniform(0, 60))
        reply = created + timedelta(hours=rng.uniform(0.1, 30))
        escalated = created + timedelta(hours=rng.uniform(0, 3)) if i % 3 == 0 else None
        diagnosed = escalated + timedelta(hours=rng.uniform(1, 40)) if escalated else None
        proposed = created + timedelta(hours=rng.uniform(2, 200))
        cases.append(
            CaseTimes(
                created=created,
                organization_id=360000001 + i % 3,
                priority=("urgent", "high", "normal", "low", None)[i % 5],
                first_reply=reply if reply < now else None,
                escalated=escalated,
                diagnosed=diagnosed if diagnosed and diagnosed < now else None,
                resolution_proposed=proposed if proposed < now else None,
            )
        )
    return cases


def seeded_fixes(n: int, desk: BusinessCalendar, seed: int = 13) -> list:
    """`n` measured fixes of the three example products by four maintainers."""
    return _fixes(random.Random(seed), n, desk)


def _fixes(rng: random.Random, n: int, desk: BusinessCalendar) -> list:
    levels = ("alta", "media", "baja")
    fixes = []
    for i in range(n):
        given = _instant(rng)
        estimates = [
            GivenEstimate(
                given + timedelta(hours=k),
                given + timedelta(hours=k + rng.uniform(4, 100)),
                rng.choice(levels),
                rng.choice(levels),
                f"U0MANT000{1 + (i + k) % 4}",
                rng.choice(("índice", "caché", "cola")),
            )
            for k in range(1 + i % 3)
        ]
        fixed = given + timedelta(hours=rng.uniform(2, 150))
        product = ("pulso", "mercado-publico", "portal-transparencia")[i % 3]
        fixes.append(measure_fix(product, estimates, fixed, desk))
    return fixes


def run(n: int = 10_000, seed: int = 13) -> list[str]:
    rng = random.Random(seed)
    spans = [(_instant(rng), timedelta(days=rng.uniform(0, 10))) for _ in range(n)]
    targets = [(_instant(rng), timedelta(minutes=rng.randrange(30, 45 * 60))) for _ in range(n)]
    rows = []
    for label, work in (
        (f"{n:,} business durations", lambda c: [c.business_duration(s, s + d) for s, d in spans]),
        (f"{n:,} deadlines", lambda c: [c.add_business(s, d) for s, d in targets]),
    ):
        desk = calendar()
        cold = _timed(lambda desk=desk, work=work: work(desk))
        warm = _timed(lambda desk=desk, work=work: work(desk))
        rows.append(
            f"{label:<36} cold {cold * 1000:7.1f} ms   warm {warm * 1000:7.1f} ms"
            f"   {warm / n * 1e6:5.1f} µs each"
        )
    now = datetime(2026, 11, 20, 15, tzinfo=UTC)
    cases = _cases(rng, n, now)
    desk = calendar()
    cold = _timed(lambda: target_figures(cases, TargetPolicy(), desk, now))
    warm = _timed(lambda: target_figures(cases, TargetPolicy(), desk, now))
    rows.append(
        f"{'target figures, ' + f'{n:,} cases':<36} cold {cold * 1000:7.1f} ms"
        f"   warm {warm * 1000:7.1f} ms"
    )
    desk = calendar()
    measured = time.perf_counter()
    fixes = _fixes(rng, n, desk)
    measured = time.perf_counter() - measured
    grouped = _timed(lambda: (by_product(fixes), by_maintainer(fixes)))
    rows.append(
        f"{'calibration, ' + f'{n:,} fixes':<36} measure {measured * 1000:6.1f} ms"
        f"   per product + maintainer {grouped * 1000:6.1f} ms"
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000, help="how many of each (10,000)")
    args = parser.parse_args()
    for row in run(args.n):
        print(row)


if __name__ == "__main__":
    main()
