"""The hostile-request table against the built images (``docker run IMAGE serve``, host network):
the same rows as ``test_hostile_requests``, one container per image, then /ping 200."""

from __future__ import annotations

import pytest

from tests.reliability.cases import cases
from tests.reliability.checks import check_response
from tests.reliability.rawhttp import request_bytes, send
from tests.reliability.runtimes import specs, started_lazily
from tests.support.docker import require_image, run_container

pytestmark = pytest.mark.docker

SPECS = specs()
PLAIN_ERRORS = {"sparkml"}


@pytest.fixture(scope="module")
def containers(tmp_path_factory):
    root = tmp_path_factory.mktemp("reliability-images")

    def start(name: str):
        spec = SPECS[name]
        image = require_image(name)
        return run_container(image, spec.build(root / name / "model"), env=spec.env, timeout=120)

    with started_lazily(start) as get:
        yield get


@pytest.mark.parametrize("image", list(SPECS))
def test_hostile_table_against_the_image(containers, image):
    """One test per image (the whole table), so a failure lists every row that broke."""
    container = containers(image)
    spec = SPECS[image]
    failures = []
    for case in cases(spec):
        response = send(container.url, case.raw, half_close=case.half_close)
        try:
            check_response(case, response, plain_errors=image in PLAIN_ERRORS)
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0])
    assert send(container.url, request_bytes("GET", "/ping", {})).status == 200, container.logs()[-2000:]
    assert not failures, f"{len(failures)} of {len(cases(spec))} rows failed:\n" + "\n".join(failures)
