"""Every request parser, as a function of (bytes) → anything, and the errors it may raise.

Shared by the hypothesis properties and the coverage-guided fuzz run: a parser may answer or
raise an InferenceError with a 4xx status (BadRequest, UnsupportedContentType,
PayloadTooLarge, NoContent); anything else is a 500 waiting to happen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from inference_pipeline.serving import codecs
from inference_pipeline.serving.codecs import safe_json
from inference_pipeline.serving.errors import InferenceError
from inference_pipeline.serving.media import MediaType


def _codec(content_type: str) -> Callable[[bytes], Any]:
    media = MediaType.parse(content_type)
    return lambda body: codecs.decode(body, media)


def _text(parse: Callable[[str], Any], charset: str = "utf-8") -> Callable[[bytes], Any]:
    media = MediaType.parse(f"text/plain; charset={charset}")
    return lambda body: parse(codecs.body_text(body, media))


def _xgboost() -> dict[str, Callable[[bytes], Any]]:
    from inference_pipeline.runtimes.xgboost import io

    return {"xgboost-csv": _text(io.parse_csv), "xgboost-libsvm": _text(io.parse_libsvm),
            "xgboost-recordio": io.parse_recordio}


def _others() -> dict[str, Callable[[bytes], Any]]:
    from inference_pipeline.mleap.serving_schema import parse_schema
    from inference_pipeline.runtimes.blazingtext.runtime import parse_instances, parse_source_lines
    from inference_pipeline.runtimes.postprocessing.io import read_records
    from inference_pipeline.runtimes.sparkml.values import convert_basic

    def sparkml_cells(text: str) -> None:
        for type_ in ("double", "int", "long", "boolean", "string"):
            convert_basic(text, type_, "c")

    return {
        "blazingtext-instances": _text(parse_instances),
        "blazingtext-lines": _text(parse_source_lines),
        "postprocessing-csv": lambda body: read_records(body, MediaType.parse("text/csv")),
        "postprocessing-json": lambda body: read_records(body, MediaType.parse("application/json"), id_column=True),
        "postprocessing-jsonl": lambda body: read_records(body, MediaType.parse("application/jsonlines")),
        "sparkml-cells": _text(sparkml_cells),
        "safe-json": _text(safe_json.loads),
        "latin-1-csv": _text(lambda text: codecs.csv_codec.decode_text(text), "latin-1"),
        "sparkml-schema": _text(lambda text: parse_schema(safe_json.loads(text))),
    }


def parsers() -> dict[str, Callable[[bytes], Any]]:
    found = {f"codec-{essence}": _codec(essence) for essence in codecs.DECODABLE}
    found.update(_xgboost())
    found.update(_others())
    return found


def run_one(parse: Callable[[bytes], Any], body: bytes) -> None:
    """Parse ``body``; re-raise anything but a client error (4xx) or 204."""
    from inference_pipeline.mleap.serving_schema import SchemaError

    try:
        parse(body)
    except InferenceError as exc:
        if not (exc.status == 204 or 400 <= exc.status < 500):
            raise
    except SchemaError:  # the sparkml runtime maps it to a 400
        pass
