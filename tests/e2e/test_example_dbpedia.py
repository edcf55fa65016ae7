"""SparkML Tokenizer + BlazingText example in docker compose: `__label__k` answers whose
probabilities equal fastText's own for the tokenized text, for the requests and the batch."""

from __future__ import annotations

import re

import pytest

from tests.e2e.example_runner import run_example
from tests.support.docker import require_image

pytestmark = [pytest.mark.docker, pytest.mark.spark]


def test_sparkml_blazingtext_dbpedia_example(tmp_path):
    pytest.importorskip("fasttext", reason="fastText (fasttext-wheel) is a test dependency")
    for image in ("sparkml", "blazingtext"):
        require_image(image)
    summary, stdout = run_example("sparkml-blazingtext-dbpedia", tmp_path)
    assert summary["statuses"] == [200, 200]
    assert all(ct.startswith("application/jsonlines") for ct in summary["content_types"])
    for answer, expected in zip(summary["answers"], summary["expected"]):
        assert re.fullmatch(r"__label__(1[0-4]|[1-9])", answer["label"][0])
        assert answer["label"] == expected["label"]
        assert answer["prob"] == pytest.approx(expected["prob"], abs=1e-6)
    assert summary["batch_rows"] == summary["batch_records"] == summary["batch_matching"] == 200
    assert '{"source":"convair was an american aircraft' in stdout  # the sparkml hop's output
