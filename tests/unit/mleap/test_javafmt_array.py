"""java_double_array (whole arrays at once) against the scalar java_double_str, value for value.

The scalar function is checked against a real JVM in test_javafmt; here the vectorised one must
print exactly the same text for every double, and the scalar one's subnormal-only shortcut for
the JDK 19 one-digit rule must agree with the rule applied to every one-digit double.
"""

from __future__ import annotations

import struct
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from inference_pipeline.mleap.javafmt import _shortest_digits, java_double_array, java_double_str, java_doubles


def _one_digit_rule_everywhere(value: float) -> str:
    """java_double_str as it was before the shortcut: the two-digit search for every one-digit double."""
    x = float(value)
    if x != x or x in (float("inf"), float("-inf")) or x == 0 or (x.is_integer() and abs(x) < 1e7):
        return java_double_str(x)
    magnitude = abs(x)
    digits, exp10 = _shortest_digits(magnitude)
    if len(digits) == 1:
        exact, step = Decimal(magnitude), Decimal(1).scaleb(exp10 - 1)
        best = min((abs(Decimal(c) * step - exact), c) for c in range(int(digits) * 10 - 9, int(digits) * 10 + 10)
                   if 10 <= c <= 99 and float(Decimal(c) * step) == magnitude)
        digits = str(best[1]).rstrip("0")
    sign = "-" if x < 0 else ""
    if -3 <= exp10 < 7:
        if exp10 >= 0:
            return f"{sign}{digits[: exp10 + 1].ljust(exp10 + 1, '0')}.{digits[exp10 + 1:] or '0'}"
        return f"{sign}0.{'0' * (-exp10 - 1)}{digits}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{exp10}"


def _scalar(values: np.ndarray) -> list[str]:
    return [java_double_str(v) for v in values.ravel().tolist()]


def _from_bits(bits: int) -> float:
    return float(struct.unpack("<d", struct.pack("<Q", bits))[0])


BOUNDARIES = [
    0.0, -0.0, float("nan"), float("inf"), float("-inf"), 5e-324, -5e-324, 1e-323, 2.2250738585072014e-308,
    2.225073858507201e-308, 1e-300, 1e-3, np.nextafter(1e-3, 0), np.nextafter(1e-3, 1), 0.000999, 1e7,
    np.nextafter(1e7, 0), np.nextafter(1e7, 2e7), 9999999.999999998, 4095.0, 4096.0, -4096.0, -4097.0,
    1e16, 2.0**53, 2.0**53 + 2, 2.0**63, -(2.0**63), 1e22, 1e23, 1.7976931348623157e308, -1.7976931348623157e308,
    0.1, 0.5, 0.3, 1e-5, 2e7, 12345678.0, 123.456, -0.0123, 1.0, -1.0,
]


def test_boundaries_match_the_scalar_formatter():
    values = np.array(BOUNDARIES, dtype=np.float64)
    assert java_double_array(values).tolist() == _scalar(values)


def test_one_hot_matrix_keeps_its_shape_and_text():
    matrix = np.eye(4)[[0, 3, 1, 1, 2]]
    out = java_double_array(matrix)
    assert out.shape == (5, 4) and out.dtype == object
    assert out.tolist()[1] == ["0.0", "0.0", "0.0", "1.0"]
    assert java_doubles(matrix) == _scalar(matrix)


def test_empty_and_list_input():
    assert java_double_array(np.zeros((3, 0))).shape == (3, 0)
    assert java_doubles([]) == []
    assert java_doubles([1, 2.5, -0.0]) == ["1.0", "2.5", "-0.0"]


@settings(max_examples=300, deadline=None)
@given(arrays(np.float64, st.integers(0, 64), elements=st.floats(allow_nan=True, allow_infinity=True, width=64)))
def test_any_doubles_match_the_scalar_formatter(values):
    assert java_double_array(values).tolist() == _scalar(values)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=64))
def test_any_bit_patterns_match_the_scalar_formatter(bits):
    # Every exponent equally likely, subnormals and NaN payloads included.
    values = np.array([_from_bits(b) for b in bits], dtype=np.float64)
    assert java_double_array(values).tolist() == _scalar(values)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-(2**14), 2**14).map(float) | st.sampled_from([0.0, -0.0, 1.0]), max_size=64))
def test_whole_numbers_around_the_lookup_table(values):
    array = np.array(values, dtype=np.float64)
    assert java_double_array(array).tolist() == _scalar(array)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 9), st.integers(-324, 308), st.booleans())
def test_one_digit_doubles_follow_the_jdk19_rule(digit, exponent, negative):
    value = float(f"{'-' if negative else ''}{digit}e{exponent}")
    if value == 0 or value != value or abs(value) == float("inf"):
        return
    assert java_double_str(value) == _one_digit_rule_everywhere(value)


def test_every_subnormal_one_digit_double_follows_the_jdk19_rule():
    # Where the rule can change the digits: the smallest subnormals (4.9E-324 and the like).
    values = [_from_bits(bits) for bits in range(1, 2000)] + [float(f"{d}e{e}") for d in range(1, 10)
                                                              for e in range(-324, -295)]
    assert [java_double_str(v) for v in values] == [_one_digit_rule_everywhere(v) for v in values]
    assert java_double_array(np.array(values)).tolist() == [_one_digit_rule_everywhere(v) for v in values]
