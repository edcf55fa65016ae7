"""text/csv without a header (SageMaker's convention), RFC 4180 quoting.

Decoding strips blanks around unquoted fields (``M, 0.44, 0.365`` is three clean cells) and
keeps quoted fields verbatim; blank lines are skipped; a quote inside an unquoted field is a
400 (RFC 4180) rather than kept literally as Python's ``csv`` would. A one-row body stays 2-D: AWS's
decoder (``np.genfromtxt``) squeezes it to 1-D and turns text into NaN.
Encoding writes one value per line for 1-D data, one row per line for 2-D, floats as
``repr`` (shortest round-trip; NaN as ``nan`` like SageMaker's ``np.savetxt``), ints as ints.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from inference_pipeline.serving.codecs.tabular import rows_to_array
from inference_pipeline.serving.codecs.values import to_builtin
from inference_pipeline.serving.errors import BadRequest

_BLANKS = " \t"
_NEWLINES = re.compile(r"\r\n|\n|\r")
# One field and the separator after it. Quoted: optional blanks, "...", with "" as an
# escaped quote, optional blanks. Unquoted: anything but a separator or a quote (RFC 4180).
_FIELD = re.compile(r'([ \t]*(?:"([^"]*(?:""[^"]*)*)"|([^,\r\n"]*))[ \t]*)(,|\r\n|\n|\r|\Z)')
_QUOTED = re.compile(r'[ \t]*"[^"]*(?:""[^"]*)*"[ \t]*')


def _split_plain(text: str) -> list[list[str]]:
    """No quote anywhere: a line split on commas is exact, and fast."""
    lines = [line for line in _NEWLINES.split(text) if line.strip(_BLANKS)]
    if " " in text or "\t" in text:
        return [[field.strip(_BLANKS) for field in line.split(",")] for line in lines]
    return [line.split(",") for line in lines]


def _malformed(text: str) -> BadRequest:
    """Find where the field pattern stops matching and say what is wrong there."""
    pos = rows = 0
    fields: list[str] = []
    for match in _FIELD.finditer(text):
        if match.start() != pos:
            break
        pos = match.end()
        fields.append(match.group(1).strip(_BLANKS))
        if match.group(4) != ",":
            rows += fields != [""]  # the blank-line rule of _split_quoted
            fields = []
    where = f"malformed CSV in row {rows + 1}"
    quoted = _QUOTED.match(text, pos)
    if quoted:
        return BadRequest(f"{where}: {text[quoted.end()]!r} after a closing quote (a quote inside a field is "
                          'written "")')
    if text[pos:].lstrip(_BLANKS).startswith('"'):
        return BadRequest(f"{where}: a quoted field is never closed")
    return BadRequest(f'{where}: a quote inside an unquoted field (quote the field and write the quote as "")')


def _split_quoted(text: str) -> list[list[str]]:
    rows: list[list[str]] = []
    row: list[str] = []
    row_has_quotes = False
    consumed = 0
    for whole, quoted, plain, separator in _FIELD.findall(text):
        consumed += len(whole) + len(separator)
        if quoted or whole.lstrip(_BLANKS).startswith('"'):
            row.append(quoted.replace('""', '"'))
            row_has_quotes = True
        else:
            row.append(plain.strip(_BLANKS))
        if separator != ",":
            if row_has_quotes or row != [""]:
                rows.append(row)
            row, row_has_quotes = [], False
    if consumed != len(text):  # findall skipped text the pattern cannot read
        raise _malformed(text)
    return rows


def parse_rows(text: str) -> list[list[str]]:
    """CSV text → rows of field strings (blank lines skipped)."""
    return _split_quoted(text) if '"' in text else _split_plain(text)


def decode_text(text: str) -> np.ndarray:
    rows = parse_rows(text)
    if not rows:
        raise BadRequest("the CSV body has no rows")
    return rows_to_array(rows)


_NEEDS_QUOTES = re.compile(r'[,"\r\n]|^[ \t]|[ \t]$|^$')


def _field(cell: Any) -> str:
    if type(cell) is float:
        return repr(cell)
    if isinstance(cell, str):
        if _NEEDS_QUOTES.search(cell):
            # Quote what our decoder would otherwise split, strip or skip.
            return '"' + cell.replace('"', '""') + '"'
        return cell
    if cell is None:
        return ""
    if isinstance(cell, (list, dict)):
        return _field(json.dumps(cell, separators=(",", ":")))
    return repr(cell)  # int, float (shortest round-trip), bool


def encode(data: Any) -> bytes:
    if isinstance(data, np.ndarray) and data.dtype.kind in "biuf" and data.ndim in (1, 2) and data.size:
        # Numbers only: nothing to quote, so skip the per-cell checks.
        rows = to_builtin(data)
        lines = map(repr, rows) if data.ndim == 1 else (",".join(map(repr, row)) for row in rows)
        return ("\n".join(lines) + "\n").encode("ascii")
    value = to_builtin(data)
    if not isinstance(value, list):
        if isinstance(value, dict):
            raise TypeError("cannot write a mapping as CSV rows")
        value = [value]
    text_lines: list[str] = []
    for row in value:
        cells = row if isinstance(row, list) else [row]
        text_lines.append(",".join(map(_field, cells)))
    return ("\n".join(text_lines) + "\n").encode("utf-8") if text_lines else b""
