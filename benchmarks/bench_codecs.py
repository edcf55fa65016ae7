"""Codec throughput: decode/encode per format for one row, a 1,000-row batch and a 20,000-row
batch of 30 float features, next to sagemaker-inference's codecs where it has one.

    .venv/bin/python benchmarks/bench_codecs.py      # writes benchmarks/results/codecs.md
"""

from __future__ import annotations

import timeit
from collections.abc import Callable
from pathlib import Path

import numpy as np

from inference_pipeline.serving import codecs
from inference_pipeline.serving.media import MediaType

RESULTS = Path(__file__).resolve().parent / "results" / "codecs.md"
FORMATS = ["text/csv", "application/json", "application/jsonlines", "application/x-npy",
           "application/x-recordio-protobuf"]
SIZES = {"1 row": 1, "1k rows": 1_000, "20k rows": 20_000}
COLUMNS = 30


def per_call(fn: Callable[[], object], budget: float = 0.3) -> float:
    """Seconds per call: the best of 3 runs of enough calls to fill ``budget``."""
    number, elapsed = timeit.Timer(fn).autorange()
    number = max(1, int(number * budget / max(elapsed, 1e-9)))
    return min(timeit.repeat(fn, number=number, repeat=3)) / number


def fmt(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f} µs" if seconds < 1e-3 else f"{seconds * 1e3:,.1f} ms"


def aws_codecs() -> tuple[Callable | None, Callable | None]:
    try:
        from sagemaker_inference import decoder, encoder
    except ImportError:
        return None, None
    return decoder.decode, encoder.encode


def main() -> None:
    aws_decode, aws_encode = aws_codecs()
    rng = np.random.default_rng(0)
    lines = ["# Codecs", "", f"Float64 features, {COLUMNS} columns; time per call (best of 3), "
             "body size, and sagemaker-inference's codec for the same body where it has one "
             "(CSV, JSON, NPY; its CSV squeezes one row and its NPY decoder unpickles).", "",
             "| format | rows | body | decode | encode | AWS decode | AWS encode |", "|---|---|---|---|---|---|---|"]
    for essence in FORMATS:
        media = MediaType.parse(essence)
        for label, rows in SIZES.items():
            array = rng.normal(size=(rows, COLUMNS))
            body = codecs.encode(array, media)
            decode = per_call(lambda: codecs.decode(body, media))  # noqa: B023
            encode = per_call(lambda: codecs.encode(array, media))  # noqa: B023
            aws_dec = aws_enc = "–"
            if aws_decode and essence in ("text/csv", "application/json", "application/x-npy"):
                wire = body if essence == "application/x-npy" else body.decode()
                aws_dec = fmt(per_call(lambda: aws_decode(wire, essence)))  # noqa: B023
                aws_enc = fmt(per_call(lambda: aws_encode(array, essence)))  # noqa: B023
            lines.append(f"| {essence} | {label} | {len(body) / 1e3:,.1f} kB | {fmt(decode)} | {fmt(encode)} "
                         f"| {aws_dec} | {aws_enc} |")
            print(lines[-1], flush=True)
    csv_media = MediaType.parse("text/csv")
    for label, rows in SIZES.items():
        # A quoted text column ("a, b") takes the RFC 4180 tokenizer instead of the split fast path.
        mixed = rng.normal(size=(rows, COLUMNS)).astype(object)
        mixed[:, 0] = ["review, with a comma"] * rows
        body = codecs.encode(mixed, csv_media)
        decode = per_call(lambda: codecs.decode(body, csv_media))  # noqa: B023
        encode = per_call(lambda: codecs.encode(mixed, csv_media))  # noqa: B023
        lines.append(f"| text/csv, quoted text column | {label} | {len(body) / 1e3:,.1f} kB | {fmt(decode)} "
                     f"| {fmt(encode)} | – | – |")
        print(lines[-1], flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
