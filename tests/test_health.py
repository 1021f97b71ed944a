def test_healthz_answers_ok_on_each_database(db_app):
    response = db_app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_unknown_page_is_a_plain_404_without_a_stack_trace(client):
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert b"Traceback" not in response.data
    assert b"Not Found" in response.data


def test_unknown_api_path_answers_json(client):
    response = client.get("/api/nothing", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["error"] == "Not Found"


def test_curl_style_accept_gets_the_html_page_not_json(client):
    response = client.get("/no-such-page", headers={"Accept": "*/*"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_htmx_request_gets_a_fragment_not_a_whole_page(client):
    response = client.get("/no-such-page", headers={"HX-Request": "true", "Accept": "text/html"})
    assert response.status_code == 404
    assert b'role="alert"' in response.data
    assert b"<html" not in response.data
