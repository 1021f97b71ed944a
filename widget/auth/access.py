"""Who may call what: every route declares exactly one of `@public`, `@require("view")`,
`@require("edit")`, `@require("admin")` or `@signed(verifier)` (server-to-server requests a CRM
signs with its workspace secret: no panel session, not even an admin's, is accepted there).

A route without a declaration is refused at request time (and tests/test_routes_security.py fails
on it), so forgetting a check can never expose data. Grants: admins (per the launch token) always
edit; members have what an admin granted them (none by default).
"""

import logging
from collections.abc import Callable
from functools import wraps

from flask import Flask, abort, current_app, g, has_request_context, request
from flask_login import LoginManager, UserMixin, current_user

from widget import security
from widget.auth import launch_entry, responses, session_cache, signing_keys
from widget.auth.launch import MAX_TOKEN_LENGTH, LaunchError, check_launch_token
from widget.auth.launch_entry import LAUNCH_ATTRIBUTE, MAX_POSTED_TOKEN_LENGTH, launch_token
from widget.auth.models import PanelSession, User
from widget.auth.opening import open_session
from widget.auth.sessions import SESSION_HEADER, load_session
from widget.auth.users import LEVEL_ORDER, effective_access
from widget.auth.workspaces import find_workspace, origins_of
from widget.db import get_session

log = logging.getLogger(__name__)

ACCESS_ATTRIBUTE = "widget_access"
LEVELS = ("view", "edit", "admin")
SIGNED = "signed"

#: blueprints whose every route is public, and why (they authenticate callers their own way)
PUBLIC_BLUEPRINTS: dict[str, str] = {
    "sandbox": "the built-in Xero checks its own client credentials and bearer tokens",
}
#: single endpoints registered by code that cannot carry a decorator, and why they are public
PUBLIC_ENDPOINTS: dict[str, str] = {
    "static": "CSS and JavaScript, the same for everyone",
    "healthz": "liveness probe; touches no workspace data",
}


class PanelIdentity(UserMixin):
    """flask-login's user for a request: the panel session and the CRM user behind it."""

    def __init__(self, panel: PanelSession):
        self.panel = panel

    @property
    def user(self) -> User:
        return self.panel.user

    def get_id(self) -> str:
        return str(self.panel.user_id)


def public(view: Callable) -> Callable:
    """Anyone may call this route (it must not reveal or change workspace data)."""
    _declare(view, "public")
    return view


def require(level: str, *, launch: str | None = None) -> Callable[[Callable], Callable]:
    """Refuse the request unless a panel session's user has `level` (view < edit; admin).

    With `launch="contact"` (etc.) a GET carrying `?token=`, or a POST of a `token` form field
    (widget.auth.launch_entry), first verifies that launch token and starts the session, so the
    panel page renders straight away with the session in its <meta>.
    """
    if level not in LEVELS:
        raise ValueError(f"access level must be one of {', '.join(LEVELS)}")

    def decorator(view: Callable) -> Callable:
        if hasattr(view, ACCESS_ATTRIBUTE):
            raise TypeError(f"{view.__name__} already declares its access")

        @wraps(view)
        def guarded(*args, **kwargs):
            token = launch_token() if launch else None
            if token is not None:
                refusal = _launch(launch, token)
                if refusal is not None:
                    return refusal
            panel = current_panel()
            if panel is None:
                return responses.expired("no valid panel session")
            if not allows(panel.user, level):
                return responses.no_access(panel, level)
            return view(*args, **kwargs)

        setattr(guarded, ACCESS_ATTRIBUTE, level)
        setattr(guarded, LAUNCH_ATTRIBUTE, launch)
        return guarded

    return decorator


def signed(verify: Callable[[], object]) -> Callable[[Callable], Callable]:
    """Serve the route only to a request `verify()` accepts: it returns None (and sets
    `g.signed_workspace_id`) or the refusal to send. Panel sessions play no part here."""

    def decorator(view: Callable) -> Callable:
        if hasattr(view, ACCESS_ATTRIBUTE):
            raise TypeError(f"{view.__name__} already declares its access")

        @wraps(view)
        def guarded(*args, **kwargs):
            g.pop("signed_workspace_id", None)
            refusal = verify()
            if refusal is not None:
                return refusal
            if not g.get("signed_workspace_id"):
                raise RuntimeError("a signature verifier must name the workspace")
            return view(*args, **kwargs)

        setattr(guarded, ACCESS_ATTRIBUTE, SIGNED)
        return guarded

    return decorator


def signed_workspace_id() -> str:
    """The workspace a `@signed` route's request was signed for."""
    return g.signed_workspace_id


def _declare(view: Callable, level: str) -> None:
    if hasattr(view, ACCESS_ATTRIBUTE):
        raise TypeError(f"{view.__name__} already declares its access")
    setattr(view, ACCESS_ATTRIBUTE, level)


def public_blueprint(name: str, reason: str) -> None:
    """Declare every route of a blueprint public, for code that has its own authentication."""
    PUBLIC_BLUEPRINTS[name] = reason


def allows(user: User, level: str) -> bool:
    if level == "admin":
        return user.is_admin
    return LEVEL_ORDER[effective_access(user)] >= LEVEL_ORDER[level]


def current_panel() -> PanelSession | None:
    """The panel session of this request (from its launch or its X-Widget-Session header)."""
    if not has_request_context():
        return None
    identity = current_user._get_current_object()
    if isinstance(identity, PanelIdentity):
        return identity.panel
    return None


def declarations(app: Flask, endpoint: str) -> list[str]:
    """Every access declaration an endpoint has; exactly one is the rule."""
    found = []
    level = getattr(app.view_functions.get(endpoint), ACCESS_ATTRIBUTE, None)
    if level:
        found.append(level)
    if endpoint in PUBLIC_ENDPOINTS:
        found.append("public")
    blueprint = endpoint.rpartition(".")[0]
    if blueprint and any(
        blueprint == name or blueprint.startswith(name + ".") for name in PUBLIC_BLUEPRINTS
    ):
        found.append("public")
    return found


def _launch(panel: str, token: str):
    """Verify the launch token and start the session; a response only when refused."""
    db = get_session()
    keys = signing_keys.signing_keys()
    try:
        launch = check_launch_token(
            token,
            panel,
            lambda ws, reload: keys.get(db, ws, reload=reload),
            max_length=MAX_TOKEN_LENGTH if request.method == "GET" else MAX_POSTED_TOKEN_LENGTH,
        )
        opened = open_session(db, launch)
    except LaunchError as exc:
        log.info("launch refused", extra={"fields": {"reason": exc.reason, "panel": panel}})
        _allow_framing_by(exc.workspace_id)
        return responses.expired(exc.reason)
    g.widget_session_token = opened.token
    g.launched_panel = opened.panel
    g.pop("_login_user", None)  # let flask-login load the new session
    return None


def _allow_framing_by(workspace_id: str | None) -> None:
    workspace = find_workspace(get_session(), workspace_id) if workspace_id else None
    if workspace is not None:
        security.allow_framing(origins_of(workspace))


def _load_identity(_request) -> PanelIdentity | None:
    """flask-login's request_loader: the session comes from our header, never a cookie or form."""
    panel = g.get("launched_panel") or load_session(
        get_session(), request.headers.get(SESSION_HEADER)
    )
    if panel is None:
        return None
    security.allow_framing(origins_of(panel.workspace))
    return PanelIdentity(panel)


def _refuse_undeclared():
    """Fail closed: a route nobody declared access for is not served."""
    endpoint = request.endpoint
    if endpoint is None or len(declarations(current_app, endpoint)) == 1:
        return None
    log.error("route %s has no (or several) access declarations; refusing it", endpoint)
    abort(403)


def init_app(app: Flask) -> None:
    manager = LoginManager()
    manager.session_protection = None
    manager.request_loader(_load_identity)
    manager.init_app(app)
    signing_keys.init_app(app)
    session_cache.init_app(app)
    launch_entry.init_app(app)
    app.before_request(_refuse_undeclared)
