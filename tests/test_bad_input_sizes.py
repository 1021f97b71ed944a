"""Request sizes are bounded: an oversized body, form field or url-encoded form gets 413 with our
own page (HTML, JSON or the htmx fragment), before authentication and before any view runs."""

import io

import pytest

from tests.auth.fixtures import launch, make_tenant

MB = 1024 * 1024


@pytest.fixture
def editor(app):
    return launch(app, make_tenant(app), "contact", user_id="rep-edit", access="edit")


def _assert_too_large(response) -> str:
    body = response.get_data(as_text=True)
    assert response.status_code == 413, body[:300]
    assert "too large (at most 1024 KB in all, 512 KB a field)" in body
    assert "Traceback" not in body
    return body


def test_an_anonymous_200_mb_post_is_refused_unread(app):
    body = io.BytesIO(b"x" * 10)  # the declared length is what is refused: nothing is read
    response = app.test_client().post(
        "/contact/link",
        input_stream=body,
        content_type="application/x-www-form-urlencoded",
        environ_overrides={"CONTENT_LENGTH": str(200 * MB)},
    )
    page = _assert_too_large(response)
    assert "<html" in page and response.headers["Content-Type"].startswith("text/html")
    assert body.tell() == 0


def test_the_refusal_is_json_or_an_htmx_fragment_when_asked(app):
    data = {"name": "x" * (2 * MB)}
    as_json = app.test_client().post(
        "/contact/new", data=data, headers={"Accept": "application/json"}
    )
    assert as_json.status_code == 413
    assert as_json.get_json()["error"] == "Request Entity Too Large"
    fragment = app.test_client().post("/contact/new", data=data, headers={"HX-Request": "true"})
    assert "<html" not in _assert_too_large(fragment)


def test_a_5_mb_multipart_upload_creates_nothing(editor):
    upload = (io.BytesIO(b"\x89PNG" + b"0" * (5 * MB)), "big.png")
    response = editor.post(
        "/contact/new",
        data={"name": "Upload Ltd", "email": "u@upload.example", "file": upload},
        content_type="multipart/form-data",
    )
    _assert_too_large(response)


def test_one_oversized_field_or_url_encoded_form_is_refused_under_the_body_limit(editor):
    field = "y" * (600 * 1024)  # under MAX_CONTENT_LENGTH, over MAX_FORM_MEMORY_SIZE
    multipart = editor.post(
        "/contact/new", data={"name": field}, content_type="multipart/form-data"
    )
    assert multipart.status_code == 413
    encoded = editor.post("/contact/new", data={"name": field})  # werkzeug leaves it: we don't
    assert encoded.status_code == 413
    query = editor.get("/contact/search", query_string={"q": field})
    assert query.status_code == 413


def test_limits_come_from_the_configuration(app):
    assert app.config["MAX_CONTENT_LENGTH"] == MB
    assert app.config["MAX_FORM_MEMORY_SIZE"] == 512 * 1024
    assert app.config["MAX_FORM_PARTS"] == 2000
