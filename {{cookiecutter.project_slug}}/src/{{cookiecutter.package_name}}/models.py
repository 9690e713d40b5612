"""The tables, as SQLAlchemy 2 declarative models. Change them, then add an Alembic migration."""

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAME_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 2000
TOKEN_NAME_MAX_LENGTH = 64


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    description: Mapped[str | None] = mapped_column(String(DESCRIPTION_MAX_LENGTH))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        default=lambda: datetime.now(UTC),
        server_default=func.now(),
        index=True,
    )

    def to_dict(self) -> dict[str, object]:
        created_at = self.created_at
        if created_at.tzinfo is None:  # SQLite keeps no time zone; the value was written in UTC
            created_at = created_at.replace(tzinfo=UTC)
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "created_at": created_at.isoformat(),
        }


class ApiToken(Base):
    """An API token (auth.py): its public key id and the SHA-256 of its secret, never the token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(TOKEN_NAME_MAX_LENGTH), unique=True)
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: datetime.now(UTC), server_default=func.now()
    )
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
