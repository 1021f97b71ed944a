"""Blueprint `crm_api`: the server-to-server API a CRM calls with signed requests
(widget.crm.signing) to push its contacts and its users, in batches of up to 1,000.

Both routes are idempotent PUTs: the answer counts what was created, updated and left unchanged,
so a batch sent twice reports `"created": 0, "updated": 0` the second time.
"""

from flask import Blueprint, jsonify, request

from widget.auth import audit
from widget.auth.access import signed, signed_workspace_id
from widget.crm import rows, signing
from widget.crm.batches import BatchRefused, checked
from widget.crm.people import apply_users
from widget.crm.store import save, upsert_contacts
from widget.db import get_session
from widget.request_guard import reads_own_body

bp = Blueprint("crm_api", __name__, url_prefix="/api/crm")


@bp.errorhandler(BatchRefused)
def _refused(refused: BatchRefused):
    return jsonify(refused.as_json()), refused.status


def _audited(db, workspace_id: str, action: str, counts) -> None:
    if counts.changed:
        audit.record(db, workspace_id, None, action, "CRM (server-to-server)", **counts.as_json())


@bp.put("/contacts")
@reads_own_body
@signed(signing.verify_request)
def put_contacts():
    workspace_id, db = signed_workspace_id(), get_session()
    contacts = checked(request, "contacts", rows.contact_row)

    def attempt():
        counts = upsert_contacts(db, workspace_id, contacts, source="api")
        _audited(db, workspace_id, "crm.contacts.push", counts)
        return counts

    return jsonify(received=len(contacts), **save(db, attempt).as_json())


@bp.put("/users")
@reads_own_body
@signed(signing.verify_request)
def put_users():
    workspace_id, db = signed_workspace_id(), get_session()
    users = checked(request, "users", rows.user_row)

    def attempt():
        counts = apply_users(db, workspace_id, users, None, source="api")
        _audited(db, workspace_id, "crm.users.push", counts)
        return counts

    return jsonify(received=len(users), **save(db, attempt).as_json())
