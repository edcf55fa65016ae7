"""A stand-in pipeline container over real HTTP (stdlib server in a thread) for front door tests.

``/invocations`` answers ``<body>><name>:<content-type>:<accept>`` with Content-Type ``output_type``
and ``X-Amzn-SageMaker-Custom-Attributes: <received>><name>`` when it received any; a body
containing ``fail-<name>`` gets a 400, ``crash-<name>`` a 500. ``/ping`` answers ``ping_status``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CUSTOM = "X-Amzn-SageMaker-Custom-Attributes"


@contextmanager
def fake_hop(name: str, output_type: str = "text/csv", *, ping_status: int = 200,
             ping_body: bytes = b"") -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the real containers

        def log_message(self, *args: object) -> None:
            pass

        def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/ping":
                self._answer(ping_status, ping_body, {"Content-Type": "text/plain"})
            else:
                self._answer(404, b"", {})

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            text = body.decode("utf-8", errors="replace")
            if f"fail-{name}" in text:
                self._answer(400, f"{name} cannot read {text!r}".encode(), {"Content-Type": "text/plain"})
                return
            if f"crash-{name}" in text:
                self._answer(500, f"{name} crashed".encode(), {"Content-Type": "text/plain"})
                return
            headers = {"Content-Type": output_type}
            if self.headers.get(CUSTOM) is not None:
                headers[CUSTOM] = f"{self.headers[CUSTOM]}>{name}"
            answer = f"{text}>{name}:{self.headers.get('Content-Type')}:{self.headers.get('Accept')}"
            self._answer(200, answer.encode(), headers)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)  # bound before anyone learns the port
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
