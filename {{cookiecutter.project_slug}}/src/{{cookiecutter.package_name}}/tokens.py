"""The `token` management commands: make, list and revoke API tokens (auth.py checks them)."""

import argparse
import re
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .auth import SCOPES, aware, new_token, now
from .config import Settings
from .db import make_engine
from .models import TOKEN_NAME_MAX_LENGTH, ApiToken

# A name is shown in logs (`token:<name>`): letters, digits, `.`, `_` and `-` only.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
MAX_DAYS = 3650


class TokenError(Exception):
    """A refused command: the message says why; nothing was written."""


def create(session: Session, name: str, scopes: list[str], expires_in: str | None) -> str:
    """Store a new token and return it: the only time it is shown."""
    if not NAME.fullmatch(name) or len(name) > TOKEN_NAME_MAX_LENGTH:
        raise TokenError(
            f"name {name!r}: 1 to {TOKEN_NAME_MAX_LENGTH} letters, digits, '.', '_' or '-'"
        )
    for scope in scopes:
        if scope not in SCOPES:
            raise TokenError(f"unknown scope {scope!r}: one of {', '.join(SCOPES)}")
    expires_at = None
    if expires_in is not None:
        if not expires_in.isdigit() or not 1 <= int(expires_in) <= MAX_DAYS:
            raise TokenError(
                f"--expires-in {expires_in!r}: a whole number of days, 1 to {MAX_DAYS}"
            )
        expires_at = now() + timedelta(days=int(expires_in))
    token, key_id, secret_hash = new_token()
    session.add(
        ApiToken(
            name=name,
            key_id=key_id,
            secret_hash=secret_hash,
            scopes=sorted(set(scopes)),
            expires_at=expires_at,
        )
    )
    try:
        session.commit()
    except IntegrityError:
        raise TokenError(f"a token named {name!r} exists: revoke it or pick another name") from None
    return token


def when(moment: object) -> str:
    return aware(moment).isoformat(timespec="seconds") if moment else "-"  # type: ignore[arg-type]


def listing(session: Session) -> str:
    """One line per token, no secret: name, scopes, created, expires, last used, revoked."""
    rows = [("NAME", "SCOPES", "CREATED", "EXPIRES", "LAST USED", "REVOKED")]
    for token in session.scalars(select(ApiToken).order_by(ApiToken.name)):
        rows.append(
            (
                token.name,
                ",".join(token.scopes),
                when(token.created_at),
                when(token.expires_at),
                when(token.last_used_at),
                when(token.revoked_at),
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def revoke(session: Session, name: str) -> str:
    token = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if token is None:
        raise TokenError(f"no token named {name!r}")
    if token.revoked_at is None:
        token.revoked_at = now()
        session.commit()
    return f"revoked {name}"


def run(settings: Settings, args: argparse.Namespace) -> str:
    """The `token` command of args (__main__.py); what it prints."""
    engine = make_engine(settings)
    try:
        with Session(engine) as session:
            if args.action == "create":
                return create(session, args.name, args.scope, args.expires_in)
            if args.action == "list":
                return listing(session)
            return revoke(session, args.name)
    finally:
        engine.dispose()
