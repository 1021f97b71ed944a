"""The admin page's CSV upload of CRM contacts or users: size-limited, every bad row named with
its line, good rows saved idempotently (uploading the same file again changes nothing)."""

from flask import current_app, make_response, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from widget.admin.views import _audit_page as audit_page
from widget.admin.views import bp
from widget.auth import audit
from widget.auth.access import current_panel, require
from widget.crm.csv_import import KINDS, UnreadableFile, parse_csv
from widget.crm.people import apply_users
from widget.crm.store import contact_count, save, upsert_contacts
from widget.db import get_session
from widget.request_guard import reads_own_body

#: room for the multipart framing and the other fields around the file itself
FORM_OVERHEAD = 64 * 1024


def _result(status: int, **context):
    panel = current_panel()
    page = render_template(
        "admin/_import_result.html",
        crm_contacts=contact_count(get_session(), panel.workspace_id),
        audit=audit_page(),
        **context,
    )
    response = make_response(page, status)
    if context.get("counts") is not None and context["counts"].changed:
        response.headers["HX-Trigger"] = "setup-changed"
    return response


def _store(kind: str, parsed):
    panel, db = current_panel(), get_session()

    def attempt():
        if kind == "contacts":
            counts = upsert_contacts(db, panel.workspace_id, parsed.rows, source="csv")
        else:
            counts = apply_users(db, panel.workspace_id, parsed.rows, panel.user, source="csv")
        if counts.changed:
            audit.record(
                db,
                panel.workspace_id,
                panel.user,
                f"crm.{kind}.upload",
                "CSV file",
                **counts.as_json(),
            )
        return counts

    return save(db, attempt)


@bp.post("/crm/upload")
@reads_own_body
@require("admin")
def upload_csv():
    limit = current_app.config["CRM_CSV_MAX_BYTES"]
    too_large = f"The file is larger than {limit // 1024 // 1024} MB: split it."
    request.max_content_length = limit + FORM_OVERHEAD
    try:
        kind, upload = request.form.get("kind", ""), request.files.get("file")
    except RequestEntityTooLarge:
        return _result(413, kind="", problem=too_large)
    if kind not in KINDS:
        return _result(422, kind="", problem="Choose whether the file holds contacts or users.")
    if upload is None or not upload.filename:
        return _result(422, kind=kind, problem="Choose a CSV file to upload.")
    data = upload.read(limit + 1)
    if len(data) > limit:
        return _result(413, kind=kind, problem=too_large)
    try:
        parsed = parse_csv(data, kind)
    except UnreadableFile as exc:
        return _result(422, kind=kind, problem=f"Nothing was saved: {exc}.")
    counts = _store(kind, parsed) if parsed.rows else None
    status = 422 if parsed.errors else 200
    return _result(status, kind=kind, counts=counts, errors=parsed.errors)
