"""Java's ``Double.toString``: what the JVM sparkml-serving container prints for doubles.

Plain notation for 1e-3 <= |x| < 1e7 (always with a fractional part: ``1.0``), otherwise
computerized scientific notation ``d.dddE±n`` without a ``+`` (``1.0E-5``, ``1.2345678E7``);
``NaN``, ``Infinity``, ``-Infinity``, ``-0.0``.

Digits follow the JDK 19+ specification (JDK-4511638): the shortest decimal that rounds back
to the double, closest to it; when one digit would do, the closest of the one- and two-digit
candidates (so ``Double.MIN_VALUE`` prints ``4.9E-324``, not ``5.0E-324``). Python's ``repr``
already gives the shortest, closest digits, so only that one-digit case needs extra work, and
only for the smallest subnormals: a second two-digit candidate can round back to the double
only if it is within half an ulp, i.e. the ulp is at least 10^(e-1) >= |x| / 100, and for
normal doubles the ulp is |x| * 2^-52.

JDK 8–18 (the AWS image runs Java 8) print the same text for every |x| < 1e16 (checked against
a JVM in the tests); above that they sometimes print more digits than needed
(``2.3780253101263498E18`` where JDK 19+ prints ``2.37802531012635E18``).

``java_double_array`` formats a whole array at once (a features container writes millions of
doubles): whole numbers near zero come from a lookup table, the rest of the plain range is
Python's ``repr`` (identical there, see above), and only scientific notation and special
values go through ``java_double_str`` one by one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal

import numpy as np

# Below this magnitude one-digit shortest decimals may lose to a closer two-digit one (see
# the module docstring); 1e-300 leaves a wide margin over the ~5e-322 where it happens.
_ONE_DIGIT_RULE_BELOW = 1e-300
# Whole numbers in [-_TABLE_HALF, _TABLE_HALF) are formatted by lookup ("3.0").
_TABLE_HALF = 1 << 12
_TABLE = np.array([f"{i}.0" for i in range(-_TABLE_HALF, _TABLE_HALF)], dtype=object)


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
    if len(digits) == 1 and magnitude < _ONE_DIGIT_RULE_BELOW:
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


def _objects(texts: list[str]) -> np.ndarray:
    out = np.empty(len(texts), dtype=object)
    out[:] = texts
    return out


def java_double_array(values: Iterable[float] | np.ndarray) -> np.ndarray:
    """``java_double_str`` of every element: an object array of str with the input's shape."""
    array = np.asarray(values if isinstance(values, np.ndarray) else list(values), dtype=np.float64)
    flat = array.ravel()
    with np.errstate(invalid="ignore"):
        magnitude = np.abs(flat)
        whole = flat == np.trunc(flat)  # False for NaN; True for ±inf, excluded by the range tests
    # -0.0 is whole and small but prints "-0.0": leave it to the scalar path.
    table = whole & (magnitude < _TABLE_HALF) & ~((flat == 0) & np.signbit(flat))
    if table.all():  # counts, indices, one-hot values
        return _TABLE[flat.astype(np.intp) + _TABLE_HALF].reshape(array.shape)
    out = np.empty(flat.shape, dtype=object)
    out[table] = _TABLE[flat[table].astype(np.intp) + _TABLE_HALF]
    plain = ~table & (magnitude >= 1e-3) & (magnitude < 1e7)  # NaN compares False
    plain_whole = plain & whole
    if plain_whole.any():
        out[plain_whole] = _objects(list(map("{}.0".format, flat[plain_whole].astype(np.int64).tolist())))
    plain_fraction = plain & ~whole
    if plain_fraction.any():  # repr prints plain notation with Java's digits in this range
        out[plain_fraction] = _objects(list(map(float.__repr__, flat[plain_fraction].tolist())))
    rest = ~(table | plain)
    if rest.any():
        out[rest] = _objects(list(map(java_double_str, flat[rest].tolist())))
    return out.reshape(array.shape)


def java_doubles(values: Iterable[float] | np.ndarray) -> list[str]:
    """``java_double_str`` over many values, flattened to a list."""
    result: list[str] = java_double_array(values).ravel().tolist()
    return result
