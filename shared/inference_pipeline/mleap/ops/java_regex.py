"""Java regular expressions on Python's ``re``: dialect translation plus ``String.split`` semantics.

Spark/MLeap tokenizers use ``java.util.regex``. Python's ``re`` agrees on the common subset; this
module fixes the differences that change results and rejects constructs it cannot express, so a
bundle either tokenizes exactly like the JVM or fails to load with a clear message.

Handled:
* Java's predefined classes are ASCII-only by default (``\\s`` = ``[ \\t\\n\\x0B\\f\\r]``, ``\\w``,
  ``\\d``, ``\\b``), so patterns compile with ``re.ASCII`` unless the pattern sets ``(?U)``.
* POSIX classes ``\\p{Lower}``, ``\\p{Alpha}``, ``\\p{Punct}``... (inside and outside ``[...]``),
  ``\\Q...\\E`` quoting, ``(?<name>...)`` / ``\\k<name>``, ``\\z`` / ``\\Z``, ``\\h``, ``\\v``, ``\\R``,
  ``\\e``, ``\\cX``, ``\\0oct``, ``\\x{h..h}``; Java-only inline flags ``u``/``d``/``U`` are dropped.
Rejected (ValueError): Unicode categories/scripts (``\\p{L}``, ``\\p{IsLatin}``), class
intersection/union (``&&``, nested ``[``), ``\\G``, ``\\X``, and inline flags after the start.
"""

from __future__ import annotations

import re
from functools import lru_cache

_POSIX = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7F",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
    "Graph": "\\x21-\\x7E",
    "Print": "\\x20-\\x7E",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1F\\x7F",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0B\\f\\r",
}
_CLASS_ESCAPES = {
    "h": " \\t\\xA0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000",
    "v": "\\n\\x0B\\f\\r\\x85\\u2028\\u2029",
}
_JAVA_ONLY_FLAGS = set("duU")


class JavaRegexError(ValueError):
    """The Java pattern uses a construct that Python's ``re`` cannot reproduce."""


def _unsupported(pattern: str, what: str) -> JavaRegexError:
    return JavaRegexError(f"Java regex {pattern!r}: {what} is not supported by this runtime")


def _property(pattern: str, i: int) -> tuple[str, int]:
    """Parse the name after ``\\p``/``\\P`` at ``pattern[i]``; returns (name, next index)."""
    if i < len(pattern) and pattern[i] == "{":
        end = pattern.find("}", i)
        if end < 0:
            raise JavaRegexError(f"Java regex {pattern!r}: unclosed \\p{{...}}")
        return pattern[i + 1 : end], end + 1
    if i < len(pattern):
        return pattern[i], i + 1
    raise JavaRegexError(f"Java regex {pattern!r}: dangling \\p")


def _translate(pattern: str) -> tuple[str, int]:
    out: list[str] = []
    flags = re.ASCII
    in_class = False
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            e = pattern[i + 1]
            i += 2
            if e == "Q":
                end = pattern.find("\\E", i)
                literal = pattern[i:] if end < 0 else pattern[i:end]
                i = n if end < 0 else end + 2
                out.append(re.escape(literal))
            elif e in "pP":
                name, i = _property(pattern, i)
                body = _POSIX.get(name.removeprefix("Is"))
                if body is None:
                    raise _unsupported(pattern, f"character property \\{e}{{{name}}}")
                if in_class:
                    if e == "P":
                        raise _unsupported(pattern, "a negated property inside [...]")
                    out.append(body)
                else:
                    out.append(("[^" if e == "P" else "[") + body + "]")
            elif e in _CLASS_ESCAPES:
                out.append(_CLASS_ESCAPES[e] if in_class else "[" + _CLASS_ESCAPES[e] + "]")
            elif e in "HV":
                if in_class:
                    raise _unsupported(pattern, f"\\{e} inside [...]")
                out.append("[^" + _CLASS_ESCAPES[e.lower()] + "]")
            elif e == "R" and not in_class:
                out.append("(?:\\r\\n|[\\n\\x0B\\f\\r\\x85\\u2028\\u2029])")
            elif e == "z" and not in_class:
                out.append("\\Z")
            elif e == "Z" and not in_class:
                out.append("(?=\\n?\\Z)")
            elif e == "e":
                out.append("\\x1b")
            elif e == "c" and i < n:
                out.append(f"\\x{ord(pattern[i]) ^ 64:02x}")
                i += 1
            elif e == "0":
                m = re.match(r"[0-3]?[0-7]{1,2}", pattern[i:])
                if not m:
                    raise JavaRegexError(f"Java regex {pattern!r}: bad octal escape")
                out.append(f"\\x{int(m.group(), 8):02x}")
                i += len(m.group())
            elif e == "x" and i < n and pattern[i] == "{":
                end = pattern.index("}", i)
                out.append(f"\\U{int(pattern[i + 1 : end], 16):08x}")
                i = end + 1
            elif e == "k" and i < n and pattern[i] == "<":
                end = pattern.index(">", i)
                out.append(f"(?P={pattern[i + 1 : end]})")
                i = end + 1
            elif e in "GXNR":
                raise _unsupported(pattern, f"\\{e}")
            else:
                out.append("\\" + e)
            continue
        if in_class:
            if c == "[":
                raise _unsupported(pattern, "nested character classes (union)")
            if pattern.startswith("&&", i):
                raise _unsupported(pattern, "character class intersection (&&)")
            if c == "]":
                in_class = False
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            continue
        if pattern.startswith("(?<", i) and i + 3 < n and pattern[i + 3] not in "=!":
            out.append("(?P<")
            i += 3
            continue
        m = re.match(r"\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])", pattern[i:])
        if m and (m.group(1) or m.group(2)):
            on, off, close = m.group(1), m.group(2) or "", m.group(3)
            if "U" in on:
                flags &= ~re.ASCII
            on = "".join(f for f in on if f not in _JAVA_ONLY_FLAGS)
            off = "".join(f for f in off if f not in _JAVA_ONLY_FLAGS)
            if close == ")" and i > 0 and (on or off):
                raise _unsupported(pattern, "inline flags after the start of the pattern")
            if on or off or close == ":":
                out.append("(?" + on + ("-" + off if off else "") + close)
            i += len(m.group())
            continue
        out.append(c)
        i += 1
    return "".join(out), flags


@lru_cache(maxsize=256)
def compile_java_regex(pattern: str) -> re.Pattern[str]:
    """Compile a Java regex into an equivalent Python pattern (cached)."""
    translated, flags = _translate(pattern)
    try:
        return re.compile(translated, flags)
    except re.error as exc:
        raise JavaRegexError(f"Java regex {pattern!r} cannot be compiled: {exc}") from exc


def java_split(regex: re.Pattern[str], text: str) -> list[str]:
    """``String.split(regex)`` with limit 0, as Java and Scala's ``Regex.split`` do it.

    Unlike ``re.split``: no match returns ``[text]``; a zero-width match at index 0 does not yield a
    leading empty string; trailing empty strings are removed (possibly leaving an empty list).
    """
    parts: list[str] = []
    start = 0
    matched = False
    for m in regex.finditer(text):
        if m.end() == 0:
            continue
        parts.append(text[start : m.start()])
        start = m.end()
        matched = True
    if not matched:
        return [text]
    parts.append(text[start:])
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def java_find_all(regex: re.Pattern[str], text: str) -> list[str]:
    """Scala ``Regex.findAllIn``: every match's full text, in order."""
    return [m.group(0) for m in regex.finditer(text)]
