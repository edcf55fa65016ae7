"""Every error status of the serving core, over HTTP against the real server (default hooks)."""

from __future__ import annotations

import requests

CSV = {"Content-Type": "text/csv"}


def post(server, body, headers):
    return requests.post(f"{server.url}/invocations", data=body, headers=headers, timeout=10)


def test_default_hooks_predict_csv(regressor_server):
    response = post(regressor_server, "1,1,1\n0,0,0\n", {**CSV, "Accept": "text/csv"})
    assert response.status_code == 200, response.text
    values = [float(v) for v in response.text.split()]
    assert values == [6.5, 0.5] or max(abs(a - b) for a, b in zip(values, [6.5, 0.5])) < 1e-9


def test_one_row_csv_stays_two_dimensional(regressor_server):
    response = post(regressor_server, "1,1,1", {**CSV, "Accept": "application/json"})
    assert response.status_code == 200, response.text
    assert abs(response.json()[0] - 6.5) < 1e-9


def test_415_unsupported_content_type(regressor_server):
    response = post(regressor_server, "<x/>", {"Content-Type": "application/xml", "Accept": "application/json"})
    assert response.status_code == 415
    body = response.json()
    assert "application/xml" in body["message"] and "text/csv" in body["message"]


def test_406_unsupported_accept_text_body(regressor_server):
    response = post(regressor_server, "1,1,1", {**CSV, "Accept": "application/xml"})
    assert response.status_code == 406
    assert "application/xml" in response.text


def test_400_names_row_and_reason(regressor_server):
    response = post(regressor_server, "1,1,1\n1,1\n", {**CSV, "Accept": "text/csv"})
    assert response.status_code == 400
    assert "row 2" in response.text
    assert response.headers["Content-Type"].startswith("text/plain")


def test_400_wrong_feature_count_from_model(regressor_server):
    response = post(regressor_server, "1,1\n", {**CSV, "Accept": "application/json"})
    assert response.status_code == 400
    assert "features" in response.json()["message"]


def test_413_over_payload_limit(regressor_server):
    big = ("1,1,1\n" * 1_100_000).encode()  # 6.6 MB against the 6 MiB real-time limit
    response = post(regressor_server, big, {**CSV, "Accept": "application/json"})
    assert response.status_code == 413
    assert "limit" in response.json()["message"]


def test_error_body_follows_accept(regressor_server):
    as_json = post(regressor_server, "a,b\n1", {**CSV, "Accept": "application/json"})
    as_text = post(regressor_server, "a,b\n1", {**CSV, "Accept": "text/csv"})
    assert as_json.status_code == as_text.status_code == 400
    assert as_json.json()["error"] == "BadRequest"
    assert as_text.text.endswith(f"(request id {as_text.headers['X-Request-Id']})\n")
