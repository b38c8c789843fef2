"""Catalogue errors that point at the file: where each table, key and array element sits
in the TOML source, the error type, and typed access to the parsed document that raises it.

Paths are tuples of keys and array indexes, as the parsed document nests them:
``("products", "pulso", "procedures", 1, "key")`` or ``("people", 0, "email")``.
The scanner only reads the layout of valid TOML (already accepted by `tomllib`); on
anything it does not understand it stops and keeps what it found so far.
"""

from __future__ import annotations

import bisect
import contextlib
import difflib
import json
import re
import tomllib
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

TomlPath = tuple[str | int, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR_END = re.compile(r"[,\]}\n#]")


class _Stop(Exception):
    """The scanner met something it does not understand."""


class SourceMap:
    """Line numbers (1-based) of every table header, key and array element in a TOML text."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._newlines = [i for i, ch in enumerate(text) if ch == "\n"]
        self._lines: dict[TomlPath, int] = {}
        self._arrays: dict[TomlPath, int] = {}
        self._explicit: set[TomlPath] = set()
        self._pos = 0
        with contextlib.suppress(_Stop, IndexError, tomllib.TOMLDecodeError):
            self._document()

    def line(self, path: Sequence[str | int]) -> int | None:
        """Line of `path`, or of its nearest ancestor found in the text."""
        path = tuple(path)
        while path:
            if path in self._lines:
                return self._lines[path]
            path = path[:-1]
        return None

    def exact(self, path: Sequence[str | int]) -> int | None:
        """Line of `path` itself, or None."""
        return self._lines.get(tuple(path))

    def _line_at(self, pos: int) -> int:
        return bisect.bisect_left(self._newlines, pos) + 1

    def _record(self, path: TomlPath, pos: int) -> None:
        line = self._line_at(pos)
        for n in range(1, len(path)):
            self._lines.setdefault(path[:n], line)
        if path not in self._explicit:
            self._explicit.add(path)
            self._lines[path] = line

    def _peek(self, n: int = 1) -> str:
        return self._text[self._pos : self._pos + n]

    def _skip_blank(self, *, newlines: bool) -> None:
        text = self._text
        while self._pos < len(text):
            ch = text[self._pos]
            if ch in " \t\r" or (newlines and ch == "\n"):
                self._pos += 1
            elif ch == "#":
                end = text.find("\n", self._pos)
                self._pos = len(text) if end < 0 else end
            else:
                return

    def _document(self) -> None:
        table: TomlPath = ()
        while True:
            self._skip_blank(newlines=True)
            if self._pos >= len(self._text):
                return
            start = self._pos
            if self._peek() == "[":
                table = self._header(start)
            else:
                key = self._key()
                self._record(table + key, start)
                self._expect("=")
                self._value(table + key)
            self._skip_blank(newlines=False)
            if self._pos < len(self._text) and self._peek() != "\n":
                raise _Stop

    def _header(self, start: int) -> TomlPath:
        is_array = self._peek(2) == "[["
        self._pos += 2 if is_array else 1
        keys = self._key()
        self._expect("]]" if is_array else "]")
        path: TomlPath = ()
        for n, key in enumerate(keys):
            path += (key,)
            if n < len(keys) - 1 and path in self._arrays:
                path += (self._arrays[path] - 1,)
        if is_array:
            index = self._arrays.get(path, 0)
            self._arrays[path] = index + 1
            self._record(path, start)
            path += (index,)
        self._record(path, start)
        return path

    def _expect(self, token: str) -> None:
        self._skip_blank(newlines=False)
        if self._peek(len(token)) != token:
            raise _Stop
        self._pos += len(token)

    def _key(self) -> tuple[str, ...]:
        parts: list[str] = []
        while True:
            self._skip_blank(newlines=False)
            ch = self._peek()
            if ch in ("'", '"'):
                start = self._pos
                self._skip_string()
                raw = self._text[start : self._pos]
                parts.append(tomllib.loads(f"k = {raw}")["k"])
            else:
                match = _BARE_KEY.match(self._text, self._pos)
                if not match:
                    raise _Stop
                parts.append(match.group())
                self._pos = match.end()
            self._skip_blank(newlines=False)
            if self._peek() != ".":
                return tuple(parts)
            self._pos += 1

    def _value(self, path: TomlPath) -> None:
        self._skip_blank(newlines=False)
        ch = self._peek()
        if ch == "[":
            self._array(path)
        elif ch == "{":
            self._inline_table(path)
        elif ch in ("'", '"'):
            self._skip_string()
        else:
            match = _SCALAR_END.search(self._text, self._pos)
            end = match.start() if match else len(self._text)
            if end == self._pos:
                raise _Stop
            self._pos = end

    def _array(self, path: TomlPath) -> None:
        self._pos += 1
        index = 0
        while True:
            self._skip_blank(newlines=True)
            if self._peek() == "]":
                self._pos += 1
                return
            self._record((*path, index), self._pos)
            self._value((*path, index))
            self._skip_blank(newlines=True)
            if self._peek() == ",":
                self._pos += 1
            elif self._peek() != "]":
                raise _Stop
            index += 1

    def _inline_table(self, path: TomlPath) -> None:
        self._pos += 1
        while True:
            self._skip_blank(newlines=False)
            if self._peek() == "}":
                self._pos += 1
                return
            start = self._pos
            key = self._key()
            self._record(path + key, start)
            self._expect("=")
            self._value(path + key)
            self._skip_blank(newlines=False)
            if self._peek() == ",":
                self._pos += 1
            elif self._peek() != "}":
                raise _Stop

    def _skip_string(self) -> None:
        text = self._text
        quote = text[self._pos]
        multi = text.startswith(quote * 3, self._pos)
        delimiter = quote * 3 if multi else quote
        pos = self._pos + len(delimiter)
        while pos < len(text):
            if quote == '"' and text[pos] == "\\":
                pos += 2
            elif text.startswith(delimiter, pos):
                pos += len(delimiter)
                while multi and pos < len(text) and text[pos] == quote:
                    pos += 1
                self._pos = pos
                return
            elif text[pos] == "\n" and not multi:
                raise _Stop
            else:
                pos += 1
        raise _Stop


def locate(text: str, path: Sequence[str | int]) -> int | None:
    """Line of `path` in `text`, or of its nearest ancestor found there."""
    return SourceMap(text).line(path)


_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")


class CatalogError(Exception):
    """A catalogue that cannot be used: where (file, line, dotted field) and why."""

    def __init__(self, path: str | Path, line: int | None, field: str, reason: str) -> None:
        self.path = Path(path)
        self.line = line
        self.field = field
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"


def syntax_error(exc: tomllib.TOMLDecodeError, text: str, source: Path) -> CatalogError:
    """The TOML parser's complaint, with its line."""
    message = str(exc)
    match = _TOML_POSITION.search(message)
    if not match:
        return CatalogError(source, None, "", f"invalid TOML: {message}")
    reason = f"invalid TOML: {message[: match.start()]}"
    if match.group(1):
        return CatalogError(source, int(match.group(1)), "", f"{reason} (column {match.group(2)})")
    return CatalogError(source, max(1, len(text.splitlines())), "", f"{reason} (at end of file)")


def field_name(path: Sequence[str | int]) -> str:
    """Dotted name of a catalogue path: ("people", 1, "email") -> "people[1].email"."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            key = part if _BARE_KEY.fullmatch(part) else json.dumps(part, ensure_ascii=False)
            out += f".{key}" if out else key
    return out


_TYPE_NAMES: dict[type, str] = {
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    str: "a string",
    list: "an array",
    dict: "a table",
    datetime: "a date-time",
    date: "a date",
    time: "a time",
}
_MISSING: Any = object()


class TableReader:
    """Typed access to the parsed document, raising `CatalogError` with the source line."""

    def __init__(self, text: str, source: Path) -> None:
        self._text = text
        self._source = source
        self._map: SourceMap | None = None

    def error(self, path: TomlPath, reason: str) -> CatalogError:
        if self._map is None:
            self._map = SourceMap(self._text)
        return CatalogError(self._source, self._map.line(path), field_name(path), reason)

    def keys(
        self,
        table: dict[str, Any],
        path: TomlPath,
        required: Iterable[str],
        optional: Iterable[str],
    ) -> None:
        required = tuple(required)
        allowed = (*required, *optional)
        for key in table:
            if key not in allowed:
                hint = difflib.get_close_matches(key, allowed, n=1)
                guess = f"did you mean {hint[0]!r}? " if hint else ""
                raise self.error(
                    (*path, key), f"unknown key; {guess}allowed keys: {', '.join(allowed)}"
                )
        for key in required:
            if key not in table:
                raise self.error((*path, key), "missing required key")

    def get(
        self, table: dict[str, Any], path: TomlPath, key: str, kind: type, default: Any = _MISSING
    ) -> Any:
        if key not in table:
            if default is _MISSING:
                raise self.error((*path, key), "missing required key")
            return default
        return self.check_type(table[key], (*path, key), kind)

    def check_type(self, value: Any, path: TomlPath, kind: type) -> Any:
        if type(value) is not kind:
            got = _TYPE_NAMES.get(type(value), type(value).__name__)
            raise self.error(path, f"expected {_TYPE_NAMES[kind]}, got {got}")
        return value

    def text(self, table: dict[str, Any], path: TomlPath, key: str, default: Any = _MISSING) -> Any:
        if key not in table and default is not _MISSING:
            return default
        value = self.get(table, path, key, str)
        if not value.strip():
            raise self.error((*path, key), "must not be empty")
        return value.strip()

    def matching(
        self, table: dict[str, Any], path: TomlPath, key: str, pattern: re.Pattern[str], what: str
    ) -> str:
        return self.check_pattern(self.get(table, path, key, str), (*path, key), pattern, what)

    def check_pattern(self, value: str, path: TomlPath, pattern: re.Pattern[str], what: str) -> str:
        if not pattern.fullmatch(value):
            raise self.error(path, f"{value!r} is not {what}")
        return value

    def id_list(
        self, table: dict[str, Any], path: TomlPath, key: str, pattern: re.Pattern[str], what: str
    ) -> tuple[str, ...]:
        values = self.get(table, path, key, list, [])
        for i, value in enumerate(values):
            self.check_pattern(
                self.check_type(value, (*path, key, i), str), (*path, key, i), pattern, what
            )
        return tuple(dict.fromkeys(values))

    def url(self, table: dict[str, Any], path: TomlPath, key: str, default: Any = _MISSING) -> Any:
        if key not in table and default is not _MISSING:
            return default
        value = self.text(table, path, key)
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", value):
            raise self.error((*path, key), f"{value!r} is not an http(s) URL")
        return value
