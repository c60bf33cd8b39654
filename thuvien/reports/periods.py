"""Reporting periods: a year or a quarter, as dates and as the aware datetimes queries compare with."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True)
class Period:
    """A reporting period: YEAR, or quarter QUARTER (1–4) of YEAR."""

    year: int
    quarter: int | None = None

    def __post_init__(self):
        if self.quarter is not None and not 1 <= self.quarter <= 4:
            raise ValueError("quarter must be 1..4")

    @property
    def start(self) -> dt.date:
        month = 1 if self.quarter is None else 3 * (self.quarter - 1) + 1
        return dt.date(self.year, month, 1)

    @property
    def end(self) -> dt.date:
        """The last day of the period (inclusive)."""
        return self.end_exclusive_date - dt.timedelta(days=1)

    @property
    def end_exclusive_date(self) -> dt.date:
        if self.quarter is None or self.quarter == 4:
            return dt.date(self.year + 1, 1, 1)
        return dt.date(self.year, 3 * self.quarter + 1, 1)

    @property
    def start_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def end_at(self) -> dt.datetime:
        """The first instant after the period: compare with ``< end_at``."""
        return timezone.make_aware(dt.datetime.combine(self.end_exclusive_date, dt.time.min))

    @property
    def label(self) -> str:
        return f"Q{self.quarter}/{self.year}" if self.quarter else str(self.year)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end
