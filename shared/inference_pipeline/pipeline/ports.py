"""Loopback ports the simulator hands out, held from the moment they are chosen.

"Find a free port, bind it later" races with every other process picking ports (parallel test
runs, a second pipeline). Instead each port stays bound here until its server listens:

* a container's port is held by a socket bound with ``SO_REUSEADDR`` but never listening. Linux
  keeps the port from anyone else (``bind(0)`` skips it, a plain ``bind`` fails), while the
  container's gunicorn, which binds with ``SO_REUSEADDR`` too, can still bind and listen on it;
* the front door's port (the user's choice) is held the same way (``hold``): the check that the
  port is free is that bind itself, and the front door (granian, SO_REUSEADDR) takes it over.
"""

from __future__ import annotations

import socket

LOCALHOST = "127.0.0.1"


class PortInUse(OSError):
    """The requested port is taken."""


class PortBook:
    """Ports held for the servers about to start; ``release`` once they listen (or gave up)."""

    def __init__(self) -> None:
        self._held: dict[int, socket.socket] = {}

    def hold(self, port: int) -> int:
        """Hold ``port`` itself; PortInUse when something listens on it (or holds it without
        SO_REUSEADDR). The server meant for it binds with SO_REUSEADDR and takes it over."""
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOCALHOST, port))
        except OSError as exc:
            sock.close()
            raise PortInUse(exc.errno, f"port {port} on {LOCALHOST} is already in use") from None
        self._held[port] = sock
        return port

    def hold_any(self) -> int:
        """A fresh port, distinct from every port this book holds."""
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((LOCALHOST, 0))
        port = int(sock.getsockname()[1])
        self._held[port] = sock  # while held, the kernel hands this port to nobody else
        return port

    def release(self, port: int | None = None) -> None:
        for key in [port] if port is not None else list(self._held):
            sock = self._held.pop(key, None) if key is not None else None
            if sock is not None:
                sock.close()

    @property
    def held(self) -> set[int]:
        return set(self._held)
