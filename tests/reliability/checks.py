"""What every response in the table must satisfy, whatever its status."""

from __future__ import annotations

import json

from tests.reliability.cases import Case
from tests.reliability.rawhttp import RawResponse


def _refuse(name: str) -> None:
    raise AssertionError(f"{name} in a JSON body: strict parsers (Jackson, JSON.parse) reject it")


def check_response(case: Case, response: RawResponse, *, plain_errors: bool) -> None:
    assert response.status, f"{case.name}: the server closed the connection without answering"
    assert response.status in case.statuses, (
        f"{case.name}: status {response.status}, expected one of {sorted(case.statuses)}; "
        f"body {response.body[:300]!r}")
    if not case.from_app:
        return
    request_id = response.headers.get("x-request-id")
    assert request_id, f"{case.name}: no X-Request-Id header"
    content_type = response.headers.get("content-type", "")
    if "json" in content_type and response.body.strip():
        text = response.body.decode("utf-8")
        documents = text.splitlines() if "jsonlines" in content_type else [text]
        for document in documents:
            if document.strip():
                json.loads(document, parse_constant=_refuse)
    if response.status >= 400:
        response.body.decode("utf-8")  # the error text itself is always encodable
        assert response.body.strip(), f"{case.name}: an error with an empty body"
        if not plain_errors:  # sparkml answers the JVM container's bare message; the id is in the header
            assert request_id.encode() in response.body, f"{case.name}: no request id in {response.body[:200]!r}"
