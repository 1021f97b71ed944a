"""OAuth state behind the identity endpoints: codes, grants, connections and tokens.

Tokens are opaque (`secrets.token_urlsafe`) and only their SHA-256 is stored. Refresh tokens
rotate: exchanging one returns a new pair; the used one keeps working for a grace period of
30 minutes from its first use, and *each* use within the grace returns another new pair (we keep
only hashes, so we cannot hand back the same pair again). After the grace, or once the grant is
revoked, it answers invalid_grant.
"""

import hashlib
import secrets
import uuid
from base64 import urlsafe_b64encode
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from widget.sandbox.models import AuthCode, Connection, Grant, Token
from widget.sandbox.problems import oauth_error

ACCESS_LIFETIME = timedelta(minutes=30)
REFRESH_LIFETIME = timedelta(days=60)
REFRESH_GRACE = timedelta(minutes=30)
CODE_LIFETIME = timedelta(minutes=5)

KNOWN_SCOPES = frozenset(
    [
        "openid",
        "profile",
        "email",
        "offline_access",
        "accounting.transactions",
        "accounting.transactions.read",
        "accounting.invoices",
        "accounting.invoices.read",
        "accounting.payments",
        "accounting.payments.read",
        "accounting.banktransactions",
        "accounting.banktransactions.read",
        "accounting.manualjournals",
        "accounting.manualjournals.read",
        "accounting.contacts",
        "accounting.contacts.read",
        "accounting.settings",
        "accounting.settings.read",
        "accounting.reports.read",
        "accounting.journals.read",
        "accounting.attachments",
        "accounting.attachments.read",
        "accounting.budgets.read",
    ]
)


def hash_token(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    scope: str
    grant_id: str
    tenant_ids: tuple[str, ...]

    def response(self) -> dict:
        body = {
            "access_token": self.access_token,
            "expires_in": int(ACCESS_LIFETIME.total_seconds()),
            "token_type": "Bearer",
            "scope": self.scope,
        }
        if self.refresh_token:
            body["refresh_token"] = self.refresh_token
        return body


@dataclass(frozen=True)
class AccessGrant:
    grant_id: str
    scopes: frozenset[str]
    tenant_ids: frozenset[str]


class Grants:
    def __init__(self, sandbox):
        self._sandbox = sandbox

    @property
    def _now(self) -> datetime:
        return self._sandbox.clock.now()

    # -- authorization codes --------------------------------------------------------------------
    def create_code(self, client_id, redirect_uri, scope, challenge, tenant_ids) -> str:
        code = secrets.token_urlsafe(32)
        with self._sandbox.sessions() as session, session.begin():
            session.add(
                AuthCode(
                    code_hash=hash_token(code),
                    client_id=client_id,
                    redirect_uri=redirect_uri,
                    scope=scope,
                    code_challenge=challenge or None,
                    tenant_ids=",".join(tenant_ids),
                    expires_at=self._now + CODE_LIFETIME,
                    used=False,
                )
            )
        return code

    def exchange_code(self, code, client_id, redirect_uri, verifier) -> TokenSet:
        with self._sandbox.sessions() as session, session.begin():
            row = session.get(AuthCode, hash_token(code or ""), with_for_update=True)
            if row is None or row.used or row.expires_at < self._now:
                raise oauth_error("invalid_grant")
            row.used = True  # one use, even when the rest of the request is wrong
            if row.client_id != client_id or row.redirect_uri != redirect_uri:
                raise oauth_error("invalid_grant")
            if row.code_challenge and (not verifier or s256(verifier) != row.code_challenge):
                raise oauth_error("invalid_grant", description="PKCE verification failed")
            scope, tenants = row.scope, row.tenant_ids.split(",")
        return self.issue(client_id, scope, tenants)

    # -- grants and tokens ----------------------------------------------------------------------
    def issue(self, client_id: str, scope: str, tenant_ids: list[str]) -> TokenSet:
        """A new grant (consent) for these organisations, with its first tokens."""
        grant_id, now = str(uuid.uuid4()), self._now
        with self._sandbox.sessions() as session, session.begin():
            session.add(Grant(grant_id=grant_id, client_id=client_id, scope=scope, created_at=now))
            for tenant_id in tenant_ids:
                session.add(
                    Connection(
                        connection_id=str(uuid.uuid4()),
                        grant_id=grant_id,
                        tenant_id=tenant_id,
                        created_at=now,
                        updated_at=now,
                    )
                )
            return self._tokens(session, grant_id, scope, tuple(tenant_ids))

    def _tokens(self, session, grant_id: str, scope: str, tenant_ids: tuple) -> TokenSet:
        access, now = secrets.token_urlsafe(48), self._now
        session.add(
            Token(
                token_hash=hash_token(access),
                grant_id=grant_id,
                kind="access",
                expires_at=now + ACCESS_LIFETIME,
            )
        )
        refresh = None
        if "offline_access" in scope.split():
            refresh = secrets.token_urlsafe(48)
            session.add(
                Token(
                    token_hash=hash_token(refresh),
                    grant_id=grant_id,
                    kind="refresh",
                    expires_at=now + REFRESH_LIFETIME,
                )
            )
        return TokenSet(access, refresh, scope, grant_id, tenant_ids)

    def refresh(self, refresh_token: str, client_id: str) -> TokenSet:
        now = self._now
        with self._sandbox.sessions() as session, session.begin():
            token = session.get(Token, hash_token(refresh_token or ""), with_for_update=True)
            grant = session.get(Grant, token.grant_id) if token else None
            if token is None or token.kind != "refresh" or grant is None or grant.revoked:
                raise oauth_error("invalid_grant")
            if grant.client_id != client_id or token.expires_at < now:
                raise oauth_error("invalid_grant")
            if token.used_at is not None and now - token.used_at > REFRESH_GRACE:
                raise oauth_error("invalid_grant")
            tenants = self._tenants(session, grant.grant_id)
            if any(self._sandbox.faults.is_revoked(tenant) for tenant in tenants):
                raise oauth_error("invalid_grant")
            token.used_at = token.used_at or now
            return self._tokens(session, grant.grant_id, grant.scope, tuple(tenants))

    def revoke(self, token_value: str, client_id: str) -> None:
        """Revoke the grant behind a refresh (or access) token; unknown tokens are ignored."""
        with self._sandbox.sessions() as session, session.begin():
            token = session.get(Token, hash_token(token_value or ""))
            grant = session.get(Grant, token.grant_id) if token else None
            if grant is None or grant.client_id != client_id:
                return
            grant.revoked = True
            session.execute(
                update(Token).where(Token.grant_id == grant.grant_id).values(expires_at=self._now)
            )

    def _tenants(self, session, grant_id: str) -> list[str]:
        return list(
            session.scalars(
                select(Connection.tenant_id)
                .where(Connection.grant_id == grant_id, Connection.deleted.is_(False))
                .order_by(Connection.created_at, Connection.tenant_id)
            )
        )

    # -- bearer tokens on API calls -------------------------------------------------------------
    def authenticate(self, access_token: str) -> AccessGrant | str:
        """The grant behind a live access token, or why not: "invalid" or the expiry time."""
        with self._sandbox.sessions() as session:
            token = session.get(Token, hash_token(access_token))
            grant = session.get(Grant, token.grant_id) if token else None
            if token is None or token.kind != "access" or grant is None or grant.revoked:
                return "invalid"
            if token.expires_at <= self._now:
                return token.expires_at.strftime("%m/%d/%Y %H:%M:%S")
            tenants = self._tenants(session, grant.grant_id)
            return AccessGrant(grant.grant_id, frozenset(grant.scope.split()), frozenset(tenants))

    # -- connections ----------------------------------------------------------------------------
    def connections(self, grant_id: str) -> list[Connection]:
        with self._sandbox.sessions() as session:
            return list(
                session.scalars(
                    select(Connection)
                    .where(Connection.grant_id == grant_id, Connection.deleted.is_(False))
                    .order_by(Connection.created_at, Connection.tenant_id)
                )
            )

    def delete_connection(self, grant_id: str, connection_id: str) -> bool:
        with self._sandbox.sessions() as session, session.begin():
            row = session.get(Connection, connection_id)
            if row is None or row.grant_id != grant_id or row.deleted:
                return False
            row.deleted, row.updated_at = True, self._now
            return True
