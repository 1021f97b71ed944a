"""Blueprint `mirror`: Xero's webhook endpoint, and the admin page's first-sync progress.

`POST /webhooks/xero` is public (Xero calls it; it proves itself with the body's signature) and
has no session, so there is nothing for CSRF to forge; nothing else is exempted for it.
"""

from flask import Blueprint, Response, abort, render_template, request

from widget.auth.access import current_panel, public, require
from widget.connection.status import time_ago
from widget.mirror import service, webhooks
from widget.mirror.tenancy import connected_tenant

bp = Blueprint("mirror", __name__)


@bp.post("/webhooks/xero")
@public
def xero_webhook():
    if (request.content_length or 0) > webhooks.MAX_BODY_BYTES:
        abort(413)
    body = request.get_data(cache=False)
    if len(body) > webhooks.MAX_BODY_BYTES:
        abort(413)
    signature = request.headers.get("x-xero-signature")
    if not webhooks.signature_ok(body, signature, webhooks.webhook_key()):
        return Response(status=401)
    try:
        events = webhooks.events_of(body)
    except webhooks.BadWebhook:
        return Response(status=400)
    if events:
        webhooks.take(events)
    return Response(status=200)


def _progress(status_code: int = 200):
    panel = current_panel()
    tenant_id = connected_tenant(panel.workspace_id)
    status = None
    if tenant_id:
        if service.switched_on("MIRROR_START_ON_CONNECT"):
            service.ensure_fresh(panel.workspace_id, tenant_id)  # a stalled first sync resumes
        status = service.mirror_status(panel.workspace_id, tenant_id)
    synced_ago = time_ago(status.synced_at, panel.locale) if status else ""
    page = render_template("mirror/sync_progress.html", status=status, synced_ago=synced_ago)
    return page, status_code


@bp.get("/admin/mirror/progress")
@require("admin")
def sync_progress():
    return _progress()


@bp.post("/admin/mirror/retry")
@require("admin")
def retry_sync():
    tenant_id = connected_tenant(current_panel().workspace_id)
    if tenant_id is None:
        return _progress(409)
    service.start_sync(current_panel().workspace_id, tenant_id)
    return _progress()
