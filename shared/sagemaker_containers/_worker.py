"""``worker.Response``: a Flask response whose mimetype defaults like the legacy one."""

from __future__ import annotations

from typing import Any

import flask


class Response(flask.Response):
    default_mimetype = "application/json"

    def __init__(self, response: Any = None, status: int = 200, headers: Any = None,
                 mimetype: str | None = None, accept: str | None = None, content_type: str | None = None) -> None:
        super().__init__(response=response, status=status, headers=headers,
                         mimetype=accept or mimetype, content_type=content_type)
