"""The hostile-request table over raw sockets against each runtime's real ``serve`` process.

One server per runtime (module-scoped), every row of ``cases.cases`` against it, then /ping must
still answer 200. The docker variant (``test_hostile_images``) runs the same table against the
built images.
"""

from __future__ import annotations

import pytest

from tests.reliability.cases import cases
from tests.reliability.checks import check_response
from tests.reliability.rawhttp import request_bytes, send
from tests.reliability.runtimes import specs, started_lazily
from tests.support.server import serve

SPECS = specs()
PLAIN_ERRORS = {"sparkml"}


def _table() -> list:
    params = []
    for name, spec in SPECS.items():
        for case in cases(spec):
            # Framing rows (case.framing) pass since the server layer moved to granian; mark them
            # pytest.mark.xfail(strict=False, reason=cases.FRAMING) if a server change regresses them.
            params.append(pytest.param(name, case, id=f"{name}-{case.name}"))
    return params


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Started lazily, one per runtime, kept for the module."""
    root = tmp_path_factory.mktemp("reliability")

    def start(name: str):
        spec = SPECS[name]
        return serve(name, spec.build(root / name / "model"), env=spec.env, tmp_path=root / name)

    with started_lazily(start) as get:
        yield get


@pytest.mark.parametrize("runtime, case", _table())
def test_hostile_request(servers, runtime, case):
    server = servers(runtime)
    response = send(server.url, case.raw, half_close=case.half_close)
    check_response(case, response, plain_errors=runtime in PLAIN_ERRORS)


@pytest.mark.parametrize("runtime", list(SPECS))
def test_still_healthy_after_the_table(servers, runtime):
    server = servers(runtime)
    assert send(server.url, request_bytes("GET", "/ping", {})).status == 200
    assert server.process.poll() is None, server.log()[-2000:]
