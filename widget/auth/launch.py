"""Launch tokens: the short-lived HS256 JWT a CRM signs to open one of our panels in an iframe.

Verification uses joserfc (signature, algorithm allow-list, registered claims) and adds what the
contract says on top: a lifetime of at most 5 minutes, 60 s of clock skew, the right panel, and a
`jti` that can be spent once (a row in `used_launch_tokens`, whose primary key makes the check
atomic across workers and hosts). `check_launch_token` verifies without touching the database
(the secrets come from `keys_for`); spending the `jti` is the open path's job
(widget.auth.opening), or `spend_jti` here. The README documents the format for integrators.
"""

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from joserfc import jws, jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import OctKey
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from widget.auth.claims import LaunchRecord, LaunchUser, parse_record, parse_user, storable
from widget.auth.clock import utcnow
from widget.auth.models import UsedLaunchToken
from widget.auth.signing_keys import SigningKey, load_keys

ALGORITHM = "HS256"
AUDIENCE = "xero-widget"
MAX_LIFETIME = 300  # seconds from iat to exp
CLOCK_SKEW = 60  # seconds tolerated either way
MAX_TOKEN_LENGTH = 8192
MAX_JTI_LENGTH = 200
PANELS = ("contact", "company", "deal", "admin")


class LaunchError(Exception):
    """The token cannot open a panel. `reason` is a short, non-secret explanation for integrators;
    `workspace_id` is set when the (unverified) issuer names a real workspace, so the refusal page
    may still be framed by that workspace's CRM."""

    def __init__(self, reason: str, workspace_id: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.workspace_id = workspace_id


@dataclass(frozen=True)
class Launch:
    workspace_id: str
    jti: str
    panel: str
    user: LaunchUser
    record: LaunchRecord
    expires_at: datetime
    #: the workspace secret that verified the token (the open path checks it is still live)
    key_id: int | None = None


def sign_launch_token(
    workspace_id: str,
    secret: str,
    *,
    user: dict,
    record: dict,
    panel: str,
    lifetime: int = MAX_LIFETIME,
    now: datetime | None = None,
) -> str:
    """What a CRM does to open a panel (our CLI and the demo CRM use it too)."""
    issued = int((now or utcnow()).timestamp())
    claims = {
        "iss": workspace_id,
        "aud": AUDIENCE,
        "sub": str(user["id"]),
        "iat": issued,
        "exp": issued + lifetime,
        "jti": secrets.token_urlsafe(16),
        "user": user,
        "record": record,
        "panel": panel,
    }
    return jwt.encode({"alg": ALGORITHM, "typ": "JWT"}, claims, OctKey.import_key(secret))


def panel_path(panel: str) -> str:
    if panel not in PANELS:
        raise ValueError(f"unknown panel {panel!r}; one of {', '.join(PANELS)}")
    return f"/{panel}"


def launch_url(
    base_url: str,
    workspace_id: str,
    panel: str,
    user: dict,
    record: dict,
    *,
    secret: str,
    lifetime: int = MAX_LIFETIME,
    now: datetime | None = None,
) -> str:
    """The iframe URL for `panel`: `{base_url}/{panel}?token=<launch token>`."""
    token = sign_launch_token(
        workspace_id, secret, user=user, record=record, panel=panel, lifetime=lifetime, now=now
    )
    return f"{base_url.rstrip('/')}{panel_path(panel)}?{urlencode({'token': token})}"


def _unverified_issuer(token: str) -> str | None:
    """Which workspace the token claims to be from, to pick the secrets to verify it with."""
    try:
        payload = json.loads(jws.extract_compact(token.encode()).payload)
    except (JoseError, ValueError, UnicodeError):
        return None
    issuer = payload.get("iss") if isinstance(payload, dict) else None
    if not isinstance(issuer, str) or not 0 < len(issuer) <= 200:
        return None
    try:
        return storable(issuer, "iss")
    except ValueError:
        return None


#: the live signing keys of a workspace (None: no such workspace); `reload` skips any cache
KeysFor = Callable[[str, bool], "tuple[SigningKey, ...] | None"]


def _verified_claims(token: str, keys_for: KeysFor, workspace_id: str) -> tuple[dict, int]:
    """The claims and the id of the key that verified them; a miss reloads the keys once (the
    CRM may sign with a secret rotated in after they were cached)."""
    tried: set[int] = set()
    for reload in (False, True):
        for key in keys_for(workspace_id, reload) or ():
            if key.id in tried:
                continue
            tried.add(key.id)
            try:
                decoded = jwt.decode(token, OctKey.import_key(key.secret), algorithms=[ALGORITHM])
                return decoded.claims, key.id
            except BadSignatureError:
                continue
            except (JoseError, ValueError) as exc:
                raise LaunchError("the token is not a valid HS256 JWT", workspace_id) from exc
    raise LaunchError("the signature does not match the workspace's secrets", workspace_id)


def _check_times(claims: dict, now: datetime, workspace_id: str) -> None:
    registry = jwt.JWTClaimsRegistry(
        now=int(now.timestamp()),
        leeway=CLOCK_SKEW,
        iss={"essential": True, "value": workspace_id},
        aud={"essential": True, "value": AUDIENCE},
        sub={"essential": True},
        jti={"essential": True},
        iat={"essential": True},
        exp={"essential": True},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError as exc:
        raise LaunchError("the token has expired", workspace_id) from exc
    except MissingClaimError as exc:
        raise LaunchError(f"missing claim: {exc.description}", workspace_id) from exc
    except InvalidClaimError as exc:
        raise LaunchError(f"invalid claim: {exc.description}", workspace_id) from exc
    if not 0 < claims["exp"] - claims["iat"] <= MAX_LIFETIME:
        raise LaunchError(f"exp must be within {MAX_LIFETIME} s after iat", workspace_id)


def _check_panel(claims: dict, panel: str, workspace_id: str) -> tuple[LaunchUser, LaunchRecord]:
    if claims.get("panel") != panel:
        raise LaunchError(f"this token is for another panel, not {panel!r}", workspace_id)
    try:
        user = parse_user(claims.get("user"))
        record = parse_record(claims.get("record"))
    except ValueError as exc:
        raise LaunchError(str(exc), workspace_id) from exc
    if user.id != claims["sub"]:
        raise LaunchError("sub must equal user.id", workspace_id)
    if panel != "admin" and record.type != panel:
        raise LaunchError(f"the {panel} panel needs a {panel} record", workspace_id)
    return user, record


def _check_jti(jti: object, workspace_id: str) -> None:
    if not isinstance(jti, str) or len(jti) > MAX_JTI_LENGTH:
        raise LaunchError(
            f"jti must be a string of at most {MAX_JTI_LENGTH} characters", workspace_id
        )
    try:
        storable(jti, "jti")
    except ValueError as exc:
        raise LaunchError(str(exc), workspace_id) from exc


def spend_jti(session: Session, workspace_id: str, jti: str, expires_at: datetime) -> None:
    """Record the jti as used (and drop rows whose tokens could no longer be accepted anyway)."""
    now = utcnow()
    session.execute(delete(UsedLaunchToken).where(UsedLaunchToken.expires_at < now))
    session.add(UsedLaunchToken(workspace_id=workspace_id, jti=jti, expires_at=expires_at))
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise LaunchError("this token has already been used", workspace_id) from exc


def check_launch_token(
    token: str,
    panel: str,
    keys_for: KeysFor,
    *,
    now: datetime | None = None,
    max_length: int = MAX_TOKEN_LENGTH,
) -> Launch:
    """A verified launch for `panel` (its `jti` not yet spent), or LaunchError. `max_length`:
    MAX_TOKEN_LENGTH in a URL; a posted token may be longer (widget.auth.launch_entry)."""
    now = now or utcnow()
    if not token or len(token) > max_length or token.count(".") != 2:
        raise LaunchError("the token is not a compact JWS")
    issuer = _unverified_issuer(token)
    if not issuer or keys_for(issuer, False) is None:
        raise LaunchError("the token's issuer is not a known workspace")
    claims, key_id = _verified_claims(token, keys_for, issuer)
    _check_times(claims, now, issuer)
    user, record = _check_panel(claims, panel, issuer)
    _check_jti(claims["jti"], issuer)
    expires_at = datetime.fromtimestamp(claims["exp"], UTC) + timedelta(seconds=CLOCK_SKEW)
    return Launch(issuer, claims["jti"], panel, user, record, expires_at, key_id)


def verify_launch_token(
    session: Session, token: str, panel: str, *, now: datetime | None = None
) -> Launch:
    """A verified, now spent, launch for `panel`, or LaunchError (keys read from the database)."""
    launch = check_launch_token(
        token, panel, lambda workspace_id, _reload: load_keys(session, workspace_id), now=now
    )
    spend_jti(session, launch.workspace_id, launch.jti, launch.expires_at)
    return launch
