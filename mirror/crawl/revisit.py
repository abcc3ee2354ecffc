"""Which seeds a budgeted run checks.

Run daily with a budget, every seed is checked at least every REVISIT_DAYS
days and recent releases (dated within RECENT_DAYS) on every run: recent
seeds first, newest first; then the seeds checked longest ago (never
checked first), in path order among equals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from mirror.archive.seeds import Seed

RECENT_DAYS = 30


@dataclass(frozen=True)
class Plan:
    chosen: list[Seed]
    recent: int      # seeds dated within RECENT_DAYS
    needed: int      # the smallest daily budget that keeps the promise


def needed_budget(total: int, recent: int, revisit_days: int) -> int:
    """Requests a day: every recent seed, and the rest spread over the cycle."""
    return recent + math.ceil(max(total - recent, 0) / max(revisit_days, 1))


def choose(seeds: list[Seed], checked: dict[str, float], budget: int | None, today: date,
           revisit_days: int = 30, recent_days: int = RECENT_DAYS) -> Plan:
    cutoff = (today - timedelta(days=recent_days)).isoformat()
    recent = sorted((s for s in seeds if s.date >= cutoff), key=lambda s: s.date, reverse=True)
    needed = needed_budget(len(seeds), len(recent), revisit_days)
    if budget is None:
        return Plan(list(seeds), len(recent), needed)
    recent_urls = {s.url for s in recent}
    order = {s.url: i for i, s in enumerate(seeds)}
    rest = sorted((s for s in seeds if s.url not in recent_urls),
                  key=lambda s: (checked.get(s.url, 0.0), order[s.url]))
    return Plan((recent + rest)[:budget], len(recent), needed)
