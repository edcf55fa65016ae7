"""Java's ``Double.toString``: what the JVM sparkml-serving container prints for doubles.

Plain notation for 1e-3 <= |x| < 1e7 (always with a fractional part: ``1.0``), otherwise
computerized scientific notation ``d.dddE±n`` without a ``+`` (``1.0E-5``, ``1.2345678E7``);
``NaN``, ``Infinity``, ``-Infinity``, ``-0.0``.

Digits follow the JDK 19+ specification (JDK-4511638): the shortest decimal that rounds back
to the double, closest to it; when one digit would do, the closest of the one- and two-digit
candidates (so ``Double.MIN_VALUE`` prints ``4.9E-324``, not ``5.0E-324``). Python's ``repr``
already gives the shortest, closest digits, so only that one-digit case needs extra work.

JDK 8–18 (the AWS image runs Java 8) print the same text for every |x| < 1e16 (checked against
a JVM in the tests); above that they sometimes print more digits than needed
(``2.3780253101263498E18`` where JDK 19+ prints ``2.37802531012635E18``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal

import numpy as np


def java_double_str(value: float) -> str:
    x = float(value)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0.0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    if x.is_integer() and -1e7 < x < 1e7:
        # Whole numbers in plain notation (one-hot features, indices, labels: most of what a
        # features container writes) need no shortest-digits search: Java prints "3.0".
        return f"{int(x)}.0"
    digits, exp10 = _java_digits(abs(x))
    sign = "-" if x < 0 else ""
    if -3 <= exp10 < 7:  # plain notation, 1e-3 <= |x| < 1e7
        if exp10 >= 0:
            integer = digits[: exp10 + 1].ljust(exp10 + 1, "0")
            fraction = digits[exp10 + 1:] or "0"
        else:
            integer, fraction = "0", "0" * (-exp10 - 1) + digits
        return f"{sign}{integer}.{fraction}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{exp10}"


def _java_digits(magnitude: float) -> tuple[str, int]:
    """(significant digits without trailing zeros, decimal exponent of the first digit)."""
    digits, exp10 = _shortest_digits(magnitude)
    if len(digits) == 1:
        # JDK 19+: with one digit, a closer two-digit decimal that also rounds back wins.
        exact = Decimal(magnitude)
        step = Decimal(1).scaleb(exp10 - 1)
        candidates = [(int(digits) * 10 + k) for k in range(-9, 10)]
        best = min((abs(Decimal(c) * step - exact), c) for c in candidates
                   if 10 <= c <= 99 and float(Decimal(c) * step) == magnitude)
        text = str(best[1]).rstrip("0")
        return text, exp10
    return digits, exp10


def _shortest_digits(magnitude: float) -> tuple[str, int]:
    """Python's shortest round-tripping digits of ``magnitude`` as (digits, exponent)."""
    coefficient, _, exp_text = repr(magnitude).partition("e")
    integer, _, fraction = coefficient.partition(".")
    all_digits = integer + fraction
    stripped = all_digits.lstrip("0")
    exp10 = (int(exp_text) if exp_text else 0) + len(integer) - 1 - (len(all_digits) - len(stripped))
    return stripped.rstrip("0") or "0", exp10


def java_doubles(values: Iterable[float]) -> list[str]:
    """``java_double_str`` over many values; numpy arrays take a fast path for whole numbers."""
    array = np.asarray(values if isinstance(values, np.ndarray) else list(values), dtype=np.float64).ravel()
    small_ints = (array == np.trunc(array)) & (np.abs(array) < 1e7) & ~((array == 0) & np.signbit(array))
    if small_ints.all():  # counts, indices, one-hot values: "3.0"
        return [f"{int(v)}.0" for v in array.tolist()]
    return [java_double_str(v) for v in array.tolist()]
