"""Reading what algorithm containers emit and writing post-processed rows, in pure Python.

Unlike ``serving.codecs`` (2-D numeric arrays), records here keep their shape: a scalar, a
vector, a label string or an algorithm's JSON object, as post-processors need them.

Input (one :class:`Record` per prediction):

* ``text/csv``: one prediction per line, a single value or a comma-separated vector
  (XGBoost/SparkML CSV output). A line that is a bracketed list (XGBoost batch ``multi:softprob``
  output, ``[0.1, 0.2, 0.7]``) and a quoted list cell (XGBoost selectable output) are vectors.
* ``application/json``: ``{"predictions": [...]}`` (XGBoost, Linear Learner), ``{"instances": [...]}``,
  a top-level list (BlazingText), or one value; each item is a value, a list or an object.
* ``application/jsonlines``: one value, list or object per line.

With an id column the first CSV cell, the first element of a JSON list, or an object's ``"id"``
is the record's id, passed through to the output.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from inference_pipeline.serving.codecs import body_text, safe_json
from inference_pipeline.serving.errors import BadRequest, UnsupportedContentType
from inference_pipeline.serving.media import CSV, JSON, JSONLINES, MediaType

READABLE: tuple[str, ...] = (CSV, JSON, JSONLINES)
WRITABLE: tuple[str, ...] = (CSV, JSON, JSONLINES)
ID_FIELD = "id"


@dataclass
class Record:
    """One prediction from the previous container. ``where`` names it in error messages."""

    where: str
    value: Any
    id: Any = None


def read_records(body: bytes, media: MediaType, *, id_column: bool = False) -> list[Record]:
    if media.essence not in READABLE:
        raise UnsupportedContentType(str(media), READABLE)
    text = body_text(body, media)
    if media.essence == CSV:
        return _read_csv(text, id_column)
    if media.essence == JSON:
        return _read_json(text, id_column)
    return _read_jsonlines(text, id_column)


def _number_or_text(cell: str) -> Any:
    stripped = cell.strip()
    if stripped.startswith("[") and stripped.endswith("]"):
        return _load_json(stripped, "a list cell")
    try:
        return float(stripped)
    except ValueError:
        return cell


def _read_csv(text: str, id_column: bool) -> list[Record]:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"row {number}"
        stripped = line.strip()
        if not id_column and stripped.startswith("[") and stripped.endswith("]"):
            records.append(Record(where, _load_json(stripped, where)))
            continue
        try:
            cells = next(csv.reader([line]))
        except (csv.Error, StopIteration) as exc:
            raise BadRequest(f"{where} is not valid CSV: {exc}") from None
        record_id = None
        if id_column:
            if len(cells) < 2:
                raise BadRequest(f"{where} has only the id column; expected id,prediction")
            record_id, cells = cells[0], cells[1:]
        values = [_number_or_text(cell) for cell in cells]
        records.append(Record(where, values[0] if len(values) == 1 else values, record_id))
    return records


def _load_json(text: str, where: str) -> Any:
    return safe_json.loads(text, where)


def _record(item: Any, where: str, id_column: bool) -> Record:
    if not id_column:
        return Record(where, item)
    if isinstance(item, list) and len(item) >= 2:
        return Record(where, item[1] if len(item) == 2 else item[1:], item[0])
    if isinstance(item, dict) and ID_FIELD in item:
        rest = {k: v for k, v in item.items() if k != ID_FIELD}
        return Record(where, rest, item[ID_FIELD])
    raise BadRequest(f'{where} has no id: expected [id, prediction, ...] or an object with "{ID_FIELD}"')


def _read_json(text: str, id_column: bool) -> list[Record]:
    document = _load_json(text, "the body")
    name = "item"
    if isinstance(document, dict) and len(document) == 1 and isinstance(
            document.get("predictions", document.get("instances")), list):
        name = next(iter(document))
        items = document[name]
    elif isinstance(document, list):
        items = document
    else:
        items = [document]
    return [_record(item, f"{name}[{i}]", id_column) for i, item in enumerate(items)]


def _read_jsonlines(text: str, id_column: bool) -> list[Record]:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            where = f"line {number}"
            records.append(_record(_load_json(line, where), where, id_column))
    return records


# ---------------------------------------------------------------------------- writing


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        return [cell for item in value.values() for cell in _flatten(item)]
    if isinstance(value, (list, tuple)):
        return [cell for item in value for cell in _flatten(item)]
    return [value]


def write_rows(rows: Iterable[Any], media_type: str) -> bytes:
    """Rows (objects, lists or scalars) → body.

    CSV: one line per row, lists spread over columns, lines joined by ``\\n`` with no newline
    after the last (a one-value response is the bare value, as the SparkML image answers).
    JSON: ``{"predictions": [...]}``. JSON Lines: one object (or value) per line.
    """
    items = list(rows)
    if media_type == JSON:
        return _dumps({"predictions": items})
    if media_type == JSONLINES:
        return b"".join(_dumps(item) + b"\n" for item in items)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for item in items:
        writer.writerow([_cell(cell) for cell in _flatten(item)])
    return buffer.getvalue().removesuffix("\n").encode("utf-8")


def _dumps(value: Any) -> bytes:
    # NaN/±inf → null: the one JSON policy of every image (serving.codecs.safe_json).
    try:
        return safe_json.dumps_bytes(value, python_style=True)
    except TypeError as exc:
        raise BadRequest(f"the result cannot be written as JSON: {exc}") from None
