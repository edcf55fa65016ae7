"""Java's ``Double.toString``: what the JVM sparkml-serving container prints for doubles.

Plain notation for 1e-3 <= |x| < 1e7 (always with a fractional part: ``1.0``), otherwise
computerized scientific notation ``d.dddE±n`` without a ``+`` (``1.0E-5``, ``1.2345678E7``).
Digits are the shortest that round-trip (JDK 19+ and Python's ``repr`` agree on that).
"""

from __future__ import annotations

import math
from collections.abc import Iterable


def java_double_str(value: float) -> str:
    x = float(value)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0.0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    magnitude = abs(x)
    if 1e-3 <= magnitude < 1e7:
        text = repr(x)
        if "e" in text or "E" in text:  # repr switches at 1e16 / 1e-4; normalise just in case
            text = f"{x:.17f}".rstrip("0")
        return text if "." in text else text + ".0"
    # shortest round-tripping digits, from repr, re-expressed as d.ddd × 10^n
    digits, exp10 = _shortest_digits(magnitude)
    sign = "-" if x < 0 else ""
    head, tail = digits[0], digits[1:] or "0"
    return f"{sign}{head}.{tail}E{exp10}"


def _shortest_digits(magnitude: float) -> tuple[str, int]:
    text = repr(magnitude)
    if "e" in text:
        coefficient, _, exponent = text.partition("e")
        exp10 = int(exponent)
    else:
        coefficient, exp10 = text, 0
    integer, _, fraction = coefficient.partition(".")
    fraction = fraction.rstrip("0") if fraction else ""
    digits = (integer + fraction).lstrip("0")
    leading_zeros = len(integer + fraction) - len((integer + fraction).lstrip("0"))
    exp10 += len(integer) - 1 - leading_zeros
    digits = digits.rstrip("0") or "0"
    return digits, exp10


def java_doubles(values: Iterable[float]) -> list[str]:
    return [java_double_str(v) for v in values]
