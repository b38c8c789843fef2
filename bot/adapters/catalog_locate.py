"""Where each table, key and array element of the catalogue sits in its TOML source, and
the dotted name of a path, so an error can point at file:line: field.

Paths are tuples of keys and array indexes, as the parsed document nests them:
``("products", "pulso", "procedures", 1, "key")`` or ``("people", 0, "email")``.
The scanner only reads the layout of valid TOML (already accepted by `tomllib`); on
anything it does not understand it stops and keeps what it found so far.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import re
import tomllib
from collections.abc import Sequence

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
