"""The example analysis: items created per day over the last days, with a least-squares trend.

The heavy part runs in the database (GROUP BY day over the created_at index), so the report's
memory stays the same whatever the number of items: Python only sees one row per day.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection, Date, func, select, type_coerce

from ..models import Item


@dataclass(frozen=True)
class Trend:
    """created ~ slope * day_index + intercept, fitted by least squares."""

    slope: float
    intercept: float

    def at(self, index: int) -> float:
        return self.slope * index + self.intercept


@dataclass(frozen=True)
class Report:
    generated_at: datetime
    days: list[date]
    created: list[int]
    total_items: int
    trend: Trend

    @property
    def created_in_period(self) -> int:
        return sum(self.created)

    @property
    def busiest_day(self) -> tuple[date, int]:
        best = max(range(len(self.days)), key=lambda i: (self.created[i], self.days[i]))
        return self.days[best], self.created[best]


def least_squares(values: list[int]) -> Trend:
    """The straight line closest to values[i] at x = i (ordinary least squares)."""
    n = len(values)
    if n == 0:
        return Trend(0.0, 0.0)
    mean_x = (n - 1) / 2
    mean_y = sum(values) / n
    spread = sum((x - mean_x) ** 2 for x in range(n))
    if spread == 0:
        return Trend(0.0, mean_y)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values)) / spread
    return Trend(slope, mean_y - slope * mean_x)


def items_per_day(connection: Connection, today: date, days: int) -> dict[date, int]:
    """{day: items created that day (UTC)} for the `days` days to today; days with none left out."""
    start = datetime.combine(today - timedelta(days=days - 1), time(), UTC)
    # date() of a UTC timestamp: SQLite keeps UTC text, PostgreSQL's session runs in UTC (runs.py).
    day = type_coerce(func.date(Item.created_at), Date)
    query = select(day, func.count()).where(Item.created_at >= start).group_by(day)
    return {row[0]: int(row[1]) for row in connection.execute(query)}


def analyse(connection: Connection, now: datetime, days: int = 30) -> Report:
    today = now.astimezone(UTC).date()
    counts = items_per_day(connection, today, days)
    all_days = [today - timedelta(days=days - 1 - i) for i in range(days)]
    created = [counts.get(day, 0) for day in all_days]
    total = connection.execute(select(func.count()).select_from(Item)).scalar_one()
    return Report(now, all_days, created, int(total), least_squares(created))
