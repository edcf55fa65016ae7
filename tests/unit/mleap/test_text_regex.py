"""Java regex dialect translation and Java ``String.split`` semantics, checked against the JVM."""

from __future__ import annotations

import pytest

from inference_pipeline.mleap.ops.java_regex import (
    JavaRegexError,
    compile_java_regex,
    java_find_all,
    java_split,
)

from .spark_fixtures import spark  # noqa: F401  (shared local SparkSession)

CASES = [
    ("\\s", " hello  world \t"),
    ("\\s", ""),
    ("\\s", "   "),
    ("\\s+", "  a b\u00a0c\u2003d  "),
    ("\\W", "it's a re-test, ok?"),
    ("\\W+", "Ünïcode wörds_and 123"),
    ("", "abc"),
    ("a*", "baaac"),
    ("(?=b)", "abab"),
    ("\\p{Punct}+", "a,b;;c!d"),
    ("[\\p{Alpha}&]+", "x&y 12 z"),
    ("\\P{Alnum}", "a1-b2_c3"),
    ("\\Q.*\\E", "a.*b.*"),
    ("(?<word>\\w+)-\\k<word>", "ab-ab cd-ce"),
    ("(?i)AB", "xaByAbz"),
    ("\\h+", "a \u3000b\tc"),
    ("x\\z", "ax\n"),
    ("x\\Z", "ax\n"),
    ("\\0101", "zAz"),
    ("\\x{41}", "zAz"),
    ("[a-c]{2}+", "abcabc"),
]


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("\\s", " hello  world \t", ["", "hello", "", "world"]),
        ("\\s", "", [""]),
        ("\\s", "   ", []),
        ("", "abc", ["a", "b", "c"]),
        ("\\s+", "a\u00a0b", ["a\u00a0b"]),  # Java \s is ASCII-only
    ],
)
def test_split_follows_java(pattern: str, text: str, expected: list[str]) -> None:
    assert java_split(compile_java_regex(pattern), text) == expected


def test_ascii_word_class() -> None:
    assert java_find_all(compile_java_regex("\\w+"), "naïve café") == ["na", "ve", "caf"]
    assert java_find_all(compile_java_regex("(?U)\\w+"), "naïve café") == ["naïve", "café"]


@pytest.mark.parametrize("pattern", ["\\p{L}+", "[a&&[^b]]", "[a-z[0-9]]", "\\G", "a(?i)b", "\\p{IsLatin}"])
def test_untranslatable_patterns_fail_clearly(pattern: str) -> None:
    with pytest.raises(JavaRegexError, match="Java regex"):
        compile_java_regex(pattern)


@pytest.fixture(scope="module")
def jvm(spark):
    return spark.sparkContext._jvm


@pytest.mark.spark
@pytest.mark.parametrize(("pattern", "text"), CASES)
def test_split_and_find_all_match_java(jvm, pattern: str, text: str) -> None:
    java_pattern = jvm.java.util.regex.Pattern.compile(pattern)
    java_parts = list(java_pattern.split(text))
    matcher = java_pattern.matcher(text)
    java_matches = []
    while matcher.find():
        java_matches.append(matcher.group())
    regex = compile_java_regex(pattern)
    assert java_split(regex, text) == java_parts
    assert java_find_all(regex, text) == java_matches
