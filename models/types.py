"""Column types that keep time zones honest on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import DateTime, String
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores an aware datetime as naive UTC and gives it back aware.

    SQLite drops the zone, so every instant is normalised to UTC on the way in and
    re-attached on the way out; a naive value is refused rather than guessed.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class DecimalText(TypeDecorator[Decimal]):
    """Stores a Decimal as its exact text, gives it back as a Decimal.

    Money must not pass through a float: SQLite has no decimal type (SQLAlchemy's
    Numeric warns and rounds through float there), so the canonical text is kept on
    both databases and arithmetic happens in Python on Decimals.
    """

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise ValueError(f"{value!r}: pass a Decimal, not a {type(value).__name__}")
        return format(value, "f")

    def process_result_value(self, value: str | None, dialect):  # type: ignore[override]
        return None if value is None else Decimal(value)
