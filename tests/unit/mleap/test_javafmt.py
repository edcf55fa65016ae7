"""java_double_str against Java's Double.toString: documented examples and a real JVM."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from inference_pipeline.mleap.javafmt import java_double_array, java_double_str, java_doubles

JAVA_PROGRAM = """
import java.io.*;
public class DoubleToString {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    StringBuilder out = new StringBuilder(System.getProperty("java.specification.version")).append('\\n');
    for (String line; (line = in.readLine()) != null; )
      out.append(Double.toString(Double.longBitsToDouble(Long.parseUnsignedLong(line, 16)))).append('\\n');
    System.out.print(out);
  }
}
"""


@pytest.mark.parametrize("value,text", [
    (1.0, "1.0"), (0.2, "0.2"), (1e-5, "1.0E-5"), (1e7, "1.0E7"), (12345678.0, "1.2345678E7"),
    (float("nan"), "NaN"), (float("inf"), "Infinity"), (float("-inf"), "-Infinity"), (-0.0, "-0.0"),
    (0.0, "0.0"), (0.001, "0.001"), (0.000999, "9.99E-4"), (9999999.0, "9999999.0"), (-2.5e20, "-2.5E20"),
    (100.0, "100.0"), (123.456, "123.456"), (-0.0123, "-0.0123"), (1e23, "1.0E23"), (1e-300, "1.0E-300"),
    (1.7976931348623157e308, "1.7976931348623157E308"),
    (5e-324, "4.9E-324"),  # one digit would do; JDK 19+ prints the closer two-digit decimal
])
def test_documented_examples(value, text):
    assert java_double_str(value) == text


def test_vectorised_helper_matches_scalar():
    values = np.array([0.0, -0.0, 1.0, 3.0, 0.5, 1e7, 1e-5, np.nan, -np.inf, 42.0])
    assert java_doubles(values) == [java_double_str(v) for v in values]
    assert java_doubles([1, 2]) == ["1.0", "2.0"]


def _jvm_strings(values: np.ndarray, tmp_path: Path) -> tuple[int, list[str]]:
    java = shutil.which("java")
    if java is None:
        pytest.skip("no java on PATH (the JVM is the oracle for Double.toString)")
    source = tmp_path / "DoubleToString.java"
    source.write_text(JAVA_PROGRAM)
    lines = "\n".join(format(struct.unpack("<Q", struct.pack("<d", v))[0], "x") for v in values.tolist()) + "\n"
    result = subprocess.run([java, str(source)], input=lines, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    version, *out = result.stdout.split("\n")
    return int(version.split(".")[-1]), out[: len(values)]


def test_matches_the_jvm(tmp_path):
    rng = np.random.default_rng(7)
    raw_bits = rng.integers(0, 2**63, 100_000, dtype=np.int64).view(np.float64)
    values = np.concatenate([
        raw_bits[np.isfinite(raw_bits)],                    # every exponent, random mantissas
        10 ** rng.uniform(-30, 16, 100_000),                # the magnitudes models produce
        rng.normal(0, 1, 50_000), np.round(rng.normal(0, 100, 20_000), 3),
        np.arange(-50, 50) / 8, [5e-324, 1e-3, 1e7, 9999999.999999998, 0.001 - 1e-19],
    ])
    version, expected = _jvm_strings(values, tmp_path)
    got = [java_double_str(v) for v in values]
    assert java_double_array(values).tolist() == got  # the vectorised formatter, on the same doubles
    if version < 19:
        # JDK 8-18 print more digits than needed for some |x| >= 1e16; everything below agrees.
        keep = np.abs(values) < 1e16
        values, expected, got = values[keep], [e for e, k in zip(expected, keep) if k], \
            [g for g, k in zip(got, keep) if k]
    mismatches = [(v, e, g) for v, e, g in zip(values.tolist(), expected, got) if e != g]
    assert not mismatches[:10], f"{len(mismatches)} of {len(values)} differ from Java {version}"
    assert all(re.fullmatch(r"-?\d\.\d+E-?\d+|-?\d+\.\d+|NaN|-?Infinity", g) for g in got[:1000])
