"""The catalogue's `CatalogError` (file:line: field: reason) and typed access to the parsed
document that raises it at the line bot/adapters/catalog_locate.py finds."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.adapters.catalog_locate import SourceMap, TomlPath, field_name

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
