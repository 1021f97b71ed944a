"""The open path: a verified launch becomes a panel session in one statement, one round trip.

On PostgreSQL one statement (data-modifying CTEs) checks that the secret which verified the token
is still live, spends the `jti` (its primary key makes replay atomic across workers and hosts),
creates or refreshes the user and starts the session, and returns the user's grant and the
workspace's facts for the page. It runs in autocommit (a statement is its own transaction): one
round trip, where there were ten statements and three commits; psycopg runs it directly, and
the rows it returns are built as the ORM's loader builds rows (`widget.db.loaded`): a launch's
cost is then mostly its page, not SQLAlchemy's machinery. Its commit does not wait for the
WAL flush (`synchronous_commit` off for this transaction only): a crash could lose the last
moment's launches, whose panels are then reloaded.
Expired `jti`s and sessions are swept by about one launch in LAUNCH_SWEEP_ONE_IN (32), in the same
statement. A returning user's row is rewritten only when the token says something new about them
or once a minute (`last_seen_at`), not on every launch.

Other databases (SQLite: in process, no round trips) take the same steps one by one, spending
the `jti` in a commit of its own first. Either way the rows are attached to the request's session
without reading them back.
"""

from __future__ import annotations

import json
import random
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from psycopg.rows import namedtuple_row
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from widget.auth.clock import utcnow
from widget.auth.launch import Launch, LaunchError
from widget.auth.models import PanelSession, UsedLaunchToken, User, Workspace, WorkspaceSecret
from widget.auth.session_cache import Snapshot, session_cache
from widget.auth.sessions import forget_user_sessions, hash_token, idle_timeout
from widget.auth.signing_keys import signing_keys
from widget.auth.users import upsert_launch_user
from widget.db import adopt, loaded

DEFAULT_SWEEP_ONE_IN = 32
#: a returning user's row is written again only when its name, email or admin flag changed, or
#: to move last_seen_at on, at most this often (users created in that time: always, so a user
#: created by a racing launch is returned by the upsert, which its snapshot could not see)
SEEN_EVERY = timedelta(seconds=60)
REPLAYED = "this token has already been used"
NOT_SIGNED = "the signature does not match the workspace's secrets"


@dataclass(frozen=True)
class Opened:
    token: str  # the session token for the page (only its hash is stored)
    panel: PanelSession


def open_session(session: Session, launch: Launch) -> Opened:
    """Spend the launch's `jti`, upsert its user and start its session; LaunchError on replay or
    when the verifying secret has been retired meanwhile."""
    token = secrets.token_urlsafe(32)
    cache = session_cache()
    generation = cache.generation
    if session.get_bind().dialect.name == "postgresql":
        panel = _open_in_one_statement(session, launch, hash_token(token))
    else:
        panel = _open_step_by_step(session, launch, hash_token(token))
    # the panel's first htmx requests then need no session read either
    cache.put(panel.token_hash, Snapshot.of(panel), read_at_generation=generation)
    return Opened(token, panel)


_SWEEP = """
  swept_tokens AS (DELETE FROM used_launch_tokens WHERE expires_at < :now),
  swept_sessions AS (DELETE FROM panel_sessions WHERE expires_at < :now),"""

_OPEN = """
WITH
  quick AS (SELECT set_config('synchronous_commit', 'off', true) AS setting),{sweep}
  live AS (
    SELECT w.id, w.name, w.allowed_origins, w.settings, w.created_at
    FROM workspaces w JOIN workspace_secrets s ON s.workspace_id = w.id
    WHERE w.id = :workspace_id AND s.id = :key_id AND s.retired_at IS NULL),
  previous AS (
    SELECT is_admin FROM users WHERE workspace_id = :workspace_id AND crm_user_id = :crm_user_id),
  spent AS (
    INSERT INTO used_launch_tokens (workspace_id, jti, expires_at)
    SELECT :workspace_id, :jti, :jti_expires_at FROM live
    ON CONFLICT DO NOTHING RETURNING jti),
  written AS (
    INSERT INTO users (workspace_id, crm_user_id, name, email, is_admin, access,
                       first_seen_at, last_seen_at, launched_at)
    SELECT :workspace_id, :crm_user_id, :name, :email, :is_admin, 'none', :now, :now, :now
    FROM spent
    ON CONFLICT (workspace_id, crm_user_id) DO UPDATE SET
      name = excluded.name, email = excluded.email, is_admin = excluded.is_admin,
      last_seen_at = excluded.last_seen_at,
      launched_at = COALESCE(users.launched_at, excluded.launched_at)
    WHERE users.launched_at IS NULL
      OR users.name IS DISTINCT FROM excluded.name OR users.email IS DISTINCT FROM excluded.email
      OR users.is_admin IS DISTINCT FROM excluded.is_admin OR users.last_seen_at < :seen_before
      OR users.first_seen_at >= :seen_before
    RETURNING id, access, first_seen_at, launched_at),
  unchanged AS (
    SELECT u.id, u.access, u.first_seen_at, u.launched_at FROM users u JOIN spent ON true
    WHERE u.workspace_id = :workspace_id AND u.crm_user_id = :crm_user_id
      AND NOT EXISTS (SELECT 1 FROM written)),
  person AS (SELECT * FROM written UNION ALL SELECT * FROM unchanged),
  started AS (
    INSERT INTO panel_sessions (token_hash, workspace_id, user_id, panel, record, locale,
                                created_at, last_seen_at, expires_at)
    SELECT :token_hash, :workspace_id, person.id, :panel, CAST(:record AS JSON), :locale,
           :now, :now, :expires_at FROM person
    RETURNING token_hash)
SELECT live.id AS workspace_id, live.name, live.allowed_origins, live.settings, live.created_at,
       person.id AS user_id, person.access, person.first_seen_at, person.launched_at,
       (SELECT count(*) FROM started) AS started, (SELECT is_admin FROM previous) AS was_admin,
       quick.setting
FROM quick LEFT JOIN live ON true LEFT JOIN person ON true
"""
#: the statement in the driver's own parameter style (psycopg: %(name)s), run without
#: SQLAlchemy's statement and result machinery (it cost a launch about a tenth of its time)
_STATEMENTS = {
    sweep: re.sub(r"(?<!:):(\w+)", r"%(\1)s", _OPEN.format(sweep=_SWEEP if sweep else ""))
    for sweep in (False, True)
}


def _open_in_one_statement(session: Session, launch: Launch, token_hash: str) -> PanelSession:
    """The statement on a pooled connection in autocommit: being one statement, it is its own
    transaction, so neither BEGIN nor COMMIT costs a round trip of its own."""
    now = utcnow()
    expires_at = now + idle_timeout()
    record = launch.record.to_dict()
    row = _run_autocommit(
        session,
        _STATEMENTS[_sweeping()],
        {
            "now": now,
            "workspace_id": launch.workspace_id,
            "key_id": launch.key_id,
            "jti": launch.jti,
            "jti_expires_at": launch.expires_at,
            "crm_user_id": launch.user.id,
            "name": launch.user.name or launch.user.id,
            "email": launch.user.email,
            "is_admin": launch.user.admin,
            "token_hash": token_hash,
            "panel": launch.panel,
            "record": json.dumps(record),
            "locale": launch.user.locale,
            "expires_at": expires_at,
            "seen_before": now - SEEN_EVERY,
        },
    )
    if row.workspace_id is None:
        signing_keys().forget(launch.workspace_id)
        raise LaunchError(NOT_SIGNED, launch.workspace_id)
    if not row.started:
        raise LaunchError(REPLAYED, launch.workspace_id)
    if row.was_admin is not None and row.was_admin != launch.user.admin:
        forget_user_sessions(launch.workspace_id, row.user_id)  # their other open panels too
    workspace = loaded(
        Workspace,
        id=row.workspace_id,
        name=row.name,
        allowed_origins=row.allowed_origins,
        settings=row.settings,
        created_at=row.created_at,
    )
    user = loaded(
        User,
        id=row.user_id,
        workspace_id=launch.workspace_id,
        crm_user_id=launch.user.id,
        name=launch.user.name or launch.user.id,
        email=launch.user.email,
        is_admin=launch.user.admin,
        access=row.access,
        first_seen_at=row.first_seen_at,
        last_seen_at=now,
        launched_at=row.launched_at,
    )
    fields = _session_fields(launch, token_hash, user.id, now, expires_at, record)
    panel = loaded(PanelSession, **fields, user=user, workspace=workspace)
    return adopt(session, panel, user, workspace)


def _run_autocommit(session: Session, statement: str, parameters: dict):
    """The one row `statement` returns, run by the driver on a pooled connection switched to
    autocommit for it (switching needs no round trip on an idle connection; the pool's reset
    on return, a rollback, needs none either outside a transaction)."""
    pooled = session.get_bind().raw_connection()
    try:
        driver = pooled.driver_connection
        driver.autocommit = True
        try:
            with driver.cursor(row_factory=namedtuple_row) as cursor:
                return cursor.execute(statement, parameters).fetchone()
        finally:
            driver.autocommit = False
    finally:
        pooled.close()


def _sweeping() -> bool:
    """Whether this launch also deletes expired rows (housekeeping: random, not security)."""
    one_in = current_app.config.get("LAUNCH_SWEEP_ONE_IN", DEFAULT_SWEEP_ONE_IN)
    return random.randrange(max(1, one_in)) == 0  # noqa: S311


def _session_fields(launch: Launch, token_hash: str, user_id: int, now, expires_at,
                    record: dict) -> dict:  # fmt: skip
    return {
        "token_hash": token_hash,
        "workspace_id": launch.workspace_id,
        "user_id": user_id,
        "panel": launch.panel,
        "record": record,
        "locale": launch.user.locale,
        "created_at": now,
        "last_seen_at": now,
        "expires_at": expires_at,
    }


def _open_step_by_step(session: Session, launch: Launch, token_hash: str) -> PanelSession:
    now = utcnow()
    live = session.scalar(
        select(WorkspaceSecret.id).where(
            WorkspaceSecret.id == launch.key_id,
            WorkspaceSecret.workspace_id == launch.workspace_id,
            WorkspaceSecret.retired_at.is_(None),
        )
    )
    if live is None:
        signing_keys().forget(launch.workspace_id)
        raise LaunchError(NOT_SIGNED, launch.workspace_id)
    session.add(UsedLaunchToken(workspace_id=launch.workspace_id, jti=launch.jti,
                                expires_at=launch.expires_at))  # fmt: skip
    try:
        session.commit()  # spent before the user upsert, whose race recovery rolls back
    except IntegrityError as exc:
        session.rollback()
        raise LaunchError(REPLAYED, launch.workspace_id) from exc
    if _sweeping():
        session.query(UsedLaunchToken).filter(UsedLaunchToken.expires_at < now).delete()
        session.query(PanelSession).filter(PanelSession.expires_at < now).delete()
    user = upsert_launch_user(session, launch.workspace_id, launch.user)
    fields = _session_fields(launch, token_hash, user.id, now, now + idle_timeout(),
                             launch.record.to_dict())  # fmt: skip
    panel = PanelSession(**fields)
    panel.user = user
    session.add(panel)
    session.commit()
    return panel
