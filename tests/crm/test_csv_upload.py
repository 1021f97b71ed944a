"""CSV upload of CRM contacts and users in the admin page: good rows saved, each bad row named
with its line, the same file again changes nothing, too large or unreadable files refused."""

import io

import pytest
from sqlalchemy import select

from tests.auth.fixtures import launch, make_tenant
from widget.auth import audit
from widget.auth.users import find_by_crm_id
from widget.crm.models import CrmContact
from widget.db import get_session

GOOD_CONTACTS = (
    "\ufeffId,Name,First name,Last name,Email,Company,Notes\r\n"
    "c-1,Jo Bloggs,Jo,Bloggs,jo@bloggs.example,Bloggs Ltd,ignored\r\n"
    'c-2,"Smith, Ann",Ann,Smith,ann@smith.example,"Smith & Co",\r\n'
    "c-3,,Åsa,Öberg,asa@oberg.example,,\r\n"
)
BAD_CONTACTS = (
    "id,name,email\n"
    "c-1,Jo Bloggs,jo@bloggs.example\n"
    ",Nobody,no@id.example\n"
    "c-4,Bad Mail,bad-mail\n"
    "c-5,,\n"
    "c-1,Jo Twice,\n"
    "c-6,Fine Person,fine@person.example\n"
)


def _upload(admin, data: bytes, kind="contacts", name="crm.csv"):
    return admin.post(
        "/admin/crm/upload",
        data={"kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _contacts(app, tenant) -> dict[str, CrmContact]:
    with app.app_context():
        query = select(CrmContact).where(CrmContact.workspace_id == tenant.id)
        return {row.crm_id: row for row in get_session().scalars(query)}


def test_a_good_file_is_saved_and_uploading_it_again_changes_nothing(db_app):
    tenant = make_tenant(db_app)
    admin = launch(db_app, tenant, "admin", user_id="boss", admin=True, name="Bea Boss")
    first = _upload(admin, GOOD_CONTACTS.encode())
    body = first.get_data(as_text=True)
    assert first.status_code == 200 and first.headers["HX-Trigger"] == "setup-changed"
    assert "Saved contacts: 3 new, 0 updated." in body
    assert "3 CRM contacts received" in body
    stored = _contacts(db_app, tenant)
    assert stored["c-2"].name == "Smith, Ann" and stored["c-2"].company == "Smith & Co"
    assert stored["c-3"].name == "Åsa Öberg" and stored["c-1"].source == "csv"
    again = _upload(admin, GOOD_CONTACTS.encode())
    assert "Nothing changed: all 3 contacts were already saved" in again.get_data(as_text=True)
    assert "HX-Trigger" not in again.headers
    with db_app.app_context():
        entries = audit.entries(get_session(), tenant.id).entries
    assert [e.action for e in entries] == ["crm.contacts.upload"]
    assert "uploaded CRM contacts from a CSV file: 3 new, 0 updated" in admin.get(  # a sentence
        "/admin/audit"
    ).get_data(as_text=True)


def test_bad_rows_are_named_by_line_and_good_rows_kept(auth_app, tenant):
    admin = launch(auth_app, tenant, "admin", user_id="boss", admin=True)
    response = _upload(admin, BAD_CONTACTS.encode())
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Saved contacts: 2 new" in body and "4 lines were not saved" in body
    assert "Line 3: id is required" in body
    assert "Line 4 (c-4): email &#39;bad-mail&#39; is not an email address" in body
    assert "Line 5 (c-5): name (or first_name/last_name) is required" in body
    assert "Line 6 (c-1): id &#39;c-1&#39; appears twice (first on line 2)" in body
    assert sorted(_contacts(auth_app, tenant)) == ["c-1", "c-6"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"name,email\nJo,jo@x.example\n", "the first row must name the columns"),
        ("id,name\n1,Jo\n".encode("utf-16"), "not UTF-8 text"),
        (b"\x00\x01\x02\xff", "not UTF-8 text"),
    ],
)
def test_an_unreadable_file_saves_nothing_and_says_why(auth_app, tenant, data, message):
    admin = launch(auth_app, tenant, "admin", user_id="boss", admin=True)
    response = _upload(admin, data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Nothing was saved" in body and message in body
    assert _contacts(auth_app, tenant) == {}


def test_a_file_over_the_limit_is_a_413(auth_app, tenant):
    admin = launch(auth_app, tenant, "admin", user_id="boss", admin=True)
    limit = auth_app.config["CRM_CSV_MAX_BYTES"]
    big = b"id,name\n" + b"c-1,Jo\n" * (limit // 7 + 100)
    response = _upload(admin, big)
    assert response.status_code == 413 and "larger than 2 MB" in response.get_data(as_text=True)
    assert _contacts(auth_app, tenant) == {}


def test_missing_file_or_kind_is_a_422(auth_app, tenant):
    admin = launch(auth_app, tenant, "admin", user_id="boss", admin=True)
    no_file = admin.post("/admin/crm/upload", data={"kind": "contacts"})
    assert no_file.status_code == 422 and "Choose a CSV file" in no_file.get_data(as_text=True)
    odd_kind = _upload(admin, GOOD_CONTACTS.encode(), kind="deals")
    assert odd_kind.status_code == 422


def test_a_users_file_adds_people_with_their_grants(db_app):
    tenant = make_tenant(db_app)
    admin = launch(db_app, tenant, "admin", user_id="boss", admin=True)
    users = b"id,name,email,access\nu-1,Ana,ana@x.example,edit\nu-2,Ben,,\nu-3,Cy,,owner\n"
    response = _upload(admin, users, kind="users")
    assert response.status_code == 422
    assert "Line 4 (u-3): access must be one of none, view, edit" in response.get_data(as_text=True)
    with db_app.app_context():
        db = get_session()
        assert find_by_crm_id(db, tenant.id, "u-1").access == "edit"
        assert find_by_crm_id(db, tenant.id, "u-2").access == "none"
    assert launch(db_app, tenant, "contact", user_id="u-1").get("/contact").status_code == 200


def test_uploads_stay_in_their_workspace(auth_app):
    ours, theirs = make_tenant(auth_app), make_tenant(auth_app)
    admin = launch(auth_app, ours, "admin", user_id="boss", admin=True)
    _upload(admin, GOOD_CONTACTS.encode())
    assert len(_contacts(auth_app, ours)) == 3 and _contacts(auth_app, theirs) == {}
