"""The access list pages and searches; admins add people before they ever open a panel (one,
or a pasted list with per-line errors), and the grant applies at that person's first launch."""

import pytest
from sqlalchemy import select

from tests.auth.fixtures import launch, make_tenant
from widget.auth import audit
from widget.auth.clock import utcnow
from widget.auth.models import User
from widget.auth.users import find_by_crm_id
from widget.db import get_session


def _add_many(app, tenant, count: int) -> None:
    now = utcnow()
    with app.app_context():
        db = get_session()
        for number in range(count):
            db.add(
                User(
                    workspace_id=tenant.id,
                    crm_user_id=f"u-{number:04d}",
                    name=f"Person {number:04d}",
                    email=f"person{number:04d}@example.com",
                    access="none",
                    first_seen_at=now,
                    last_seen_at=now,
                    launched_at=now,
                )
            )
        db.commit()


def test_604_people_page_by_50_and_search(db_app):
    tenant = make_tenant(db_app)
    _add_many(db_app, tenant, 603)
    admin = launch(db_app, tenant, "admin", user_id="boss", admin=True, name="Bea Boss")
    page = admin.launch_response.get_data(as_text=True)
    assert page.count('class="user-row"') == 50
    assert "604 people · page 1 of 13" in page
    assert len(admin.launch_response.data) < 120_000
    print(f"admin page with 604 people: {len(admin.launch_response.data):,} bytes")
    second = admin.get("/admin/users?page=2").get_data(as_text=True)
    assert second.count('class="user-row"') == 50 and "Person 0049" in second
    assert 'hx-get="/admin/users?q=&amp;page=3"' in second
    last = admin.get("/admin/users?page=13").get_data(as_text=True)
    assert last.count('class="user-row"') == 4 and "Next" not in last
    for bad in ("99999999999999999999999", "-1", "x", "9223372036854775808"):
        assert admin.get(f"/admin/users?page={bad}").status_code == 200
    found = admin.get("/admin/users?q=PERSON0123@").get_data(as_text=True)
    assert found.count('class="user-row"') == 1 and "Person 0123" in found
    assert "1 person matches" in found
    by_id = admin.get("/admin/users?q=u-05").get_data(as_text=True)
    assert "100 people match" in by_id
    for odd in ("%ED%A0%80", "%F0%9F%98%80", "x" * 5000):
        assert admin.get(f"/admin/users?q={odd}").status_code == 200
    for nul in ("%00", "a%00b"):  # the request guard refuses NUL anywhere, before any view
        assert admin.get(f"/admin/users?q={nul}").status_code == 400
    wildcard = admin.get("/admin/users?q=%25").get_data(as_text=True)
    assert "0 people match" in wildcard and "Nobody matches." in wildcard


def test_search_stays_in_the_workspace(auth_app):
    ours, theirs = make_tenant(auth_app), make_tenant(auth_app)
    launch(auth_app, theirs, "contact", user_id="their-rep", name="Secret Person")
    admin = launch(auth_app, ours, "admin", user_id="boss", admin=True)
    assert "Secret Person" not in admin.get("/admin/users?q=Secret").get_data(as_text=True)


def test_an_admin_adds_one_person_whose_grant_applies_at_first_launch(db_app):
    tenant = make_tenant(db_app)
    admin = launch(db_app, tenant, "admin", user_id="boss", admin=True, name="Bea Boss")
    form = {"crm_user_id": "u-77", "name": "Nia New", "email": "nia@crm.example", "access": "edit"}
    response = admin.post("/admin/users", data=form)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "setup-changed"
    assert "Saved: 1 added" in body and "has not opened the widget yet" in body
    assert 'id="user-list-box" hx-swap-oob="true"' in body
    assert "added Nia New (user u-77) before their first visit, on this page" in body
    again = admin.post("/admin/users", data=form).get_data(as_text=True)
    assert "Nothing to change" in again
    nia = launch(db_app, tenant, "contact", user_id="u-77", name="Nia New")
    assert nia.get("/contact").status_code == 200
    with db_app.app_context():
        db = get_session()
        user = find_by_crm_id(db, tenant.id, "u-77")
        assert user.access == "edit" and user.launched_at is not None
        actions = [(e.action, e.actor) for e in audit.entries(db, tenant.id).entries]
    assert actions == [("access.grant", "Bea Boss"), ("user.add", "Bea Boss")]
    assert "not opened" not in admin.get("/admin/users?q=nia").get_data(as_text=True)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"crm_user_id": "", "name": "No Id"}, "id is required"),
        ({"crm_user_id": "u-1", "email": "nope"}, "is not an email address"),
        ({"crm_user_id": "u-1", "access": "owner"}, "access must be one of"),
        ({"crm_user_id": "u\x071"}, "control characters"),
    ],
)
def test_a_bad_single_person_is_a_422_saying_why(auth_app, tenant, form, message):
    admin = launch(auth_app, tenant, "admin", user_id="boss", admin=True)
    response = admin.post("/admin/users", data=form)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with auth_app.app_context():
        query = select(User.crm_user_id).where(User.workspace_id == tenant.id)
        assert list(get_session().scalars(query)) == ["boss"]


def test_a_pasted_list_saves_good_lines_and_names_each_bad_one(db_app):
    tenant = make_tenant(db_app)
    admin = launch(db_app, tenant, "admin", user_id="boss", admin=True)
    pasted = "\n".join(
        [
            "id,name,email,access",
            "u-1, Ana Lyst, ana@example.com",
            "u-2, Ben Hall, ben@example.com, edit",
            "",
            "u-3, Cy Bad, not-an-email",
            "u-4, Di Odd, di@example.com, owner",
            "u-1, Ana Again, ana@example.com",
            ", No Id, x@example.com",
        ]
    )
    response = admin.post("/admin/users/paste", data={"people": pasted, "access": "view"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Saved: 2 added" in body and "4 lines were not saved" in body
    assert "Line 5 (u-3): email &#39;not-an-email&#39; is not an email address" in body
    assert "Line 6 (u-4): access must be one of none, view, edit" in body
    assert "Line 7 (u-1): id &#39;u-1&#39; appears twice (first on line 2)" in body
    assert "Line 8: id is required" in body
    with db_app.app_context():
        db = get_session()
        assert find_by_crm_id(db, tenant.id, "u-1").access == "view"
        assert find_by_crm_id(db, tenant.id, "u-2").access == "edit"
        assert find_by_crm_id(db, tenant.id, "u-3") is None
    fixed = "u-1, Ana Lyst, ana@example.com\nu-3, Cy Bad, cy@example.com"
    second = admin.post("/admin/users/paste", data={"people": fixed, "access": "view"})
    assert second.status_code == 200
    assert "Saved: 1 added, 0 updated, 1 already as given" in second.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"people": "", "access": "view"}, 422, "Paste at least one line"),
        ({"people": "u-1,A", "access": "admin"}, 422, "Choose no access, view or edit"),
        ({"people": "u-1,A,a@b.cd\n" * 20_000, "access": "view"}, 413, "too long"),
    ],
)
def test_a_paste_that_cannot_be_used_says_why(auth_app, tenant, data, status, message):
    admin = launch(auth_app, tenant, "admin", user_id="boss", admin=True)
    response = admin.post("/admin/users/paste", data=data)
    assert response.status_code == status and message in response.get_data(as_text=True)


def test_members_cannot_add_people(auth_app, tenant):
    launch(auth_app, tenant, "admin", user_id="boss", admin=True)
    editor = launch(auth_app, tenant, "contact", user_id="rep", access="edit")
    response = editor.post("/admin/users", data={"crm_user_id": "sneaky", "access": "edit"})
    assert response.status_code == 403
    with auth_app.app_context():
        assert find_by_crm_id(get_session(), tenant.id, "sneaky") is None
