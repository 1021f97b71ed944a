"""The admin page's audit log reads as sentences with names (not ids), its times in the admin's
locale and in the organisation's time zone when the organisation is known, else UTC saying so."""

from datetime import UTC, datetime

from sqlalchemy import select

from tests.auth.fixtures import launch, make_tenant
from widget.auth import audit
from widget.auth.models import AuditEntry, User
from widget.cache import CacheScope
from widget.connection.models import XeroConnection
from widget.contact.service import OrgProfile, panel_cache
from widget.db import get_session

XERO_ID = "6d9c1bd4-0000-4000-8000-00000000abcd"
WHEN = datetime(2026, 3, 9, 20, 5, tzinfo=UTC)  # 10 March 09:05 in Auckland (+13)


def _record(app, tenant, actor_crm_id: str, action: str, subject: str, **details) -> None:
    with app.app_context():
        db = get_session()
        actor = db.scalars(
            select(User).where(User.workspace_id == tenant.id, User.crm_user_id == actor_crm_id)
        ).one()
        entry = audit.record(db, tenant.id, actor, action, subject, **details)
        entry.created_at = WHEN
        db.commit()


def _system(app, tenant, action: str, subject: str, **details) -> None:
    with app.app_context():
        db = get_session()
        audit.record(db, tenant.id, None, action, subject, **details).created_at = WHEN
        db.commit()


def test_links_and_the_connection_read_as_sentences_with_names(auth_app):
    tenant = make_tenant(auth_app)
    admin = launch(auth_app, tenant, "admin", user_id="boss", admin=True, name="Ana Admin")
    _record(auth_app, tenant, "boss", "link.create", XERO_ID, crm_contact_id="c-42",
            crm_contact_name="Jo Bloggs", xero_contact_name="Bloggs Ltd")  # fmt: skip
    _record(auth_app, tenant, "boss", "link.remove", XERO_ID, crm_contact_id="c-43",
            record_type="company")  # fmt: skip
    _system(auth_app, tenant, "xero.needs_reauthorisation", "t-1", tenant_name="Demo NZ")
    _system(auth_app, tenant, "secret.rotate", tenant.id, via="cli")
    log = admin.get("/admin/audit").get_data(as_text=True)
    assert "Ana Admin linked Jo Bloggs to Xero contact Bloggs Ltd" in log
    assert "Ana Admin unlinked CRM company c-43 from its Xero contact" in log  # an older entry
    assert "Xero stopped accepting the connection to Demo NZ: reconnect it" in log
    assert "An operator (command line) made a new signing secret" in log
    assert "link.create" not in log and XERO_ID not in log


def test_times_follow_the_admins_locale_and_say_utc_without_an_organisation(auth_app):
    tenant = make_tenant(auth_app)
    admin = launch(auth_app, tenant, "admin", user_id="boss", admin=True, locale="en-GB")
    _record(auth_app, tenant, "boss", "setup.defaults.keep", "draft defaults")
    log = admin.get("/admin/audit").get_data(as_text=True)
    assert "9 Mar 2026, 20:05 UTC" in log
    assert "2026-03-09 20:05" not in log


def test_times_are_in_the_organisations_zone_once_it_is_known(auth_app):
    tenant = make_tenant(auth_app)
    admin = launch(auth_app, tenant, "admin", user_id="boss", admin=True, locale="en-NZ")
    with auth_app.app_context():
        db = get_session()
        db.add(XeroConnection(workspace_id=tenant.id, tenant_id="t-nz", status="running",
                              updated_at=WHEN))  # fmt: skip
        db.commit()
        profile = OrgProfile("Demo NZ", "!abc", "NZD", "NEWZEALANDSTANDARDTIME")
        panel_cache().set(CacheScope(tenant.id, "t-nz"), "org", profile, ttl=3600)
    _record(auth_app, tenant, "boss", "setup.defaults.keep", "draft defaults")
    log = admin.get("/admin/audit").get_data(as_text=True)
    assert "10 Mar 2026, 9:05" in log and "UTC" not in log.split("<tbody>")[1]
    with auth_app.app_context():
        assert get_session().scalars(select(AuditEntry)).first() is not None
