"""Reads the support catalogue from its TOML file (`SOPORTE_CATALOG`) at start-up.

Anything malformed raises `CatalogError` naming the file, the line and the reason, so the
app refuses to start. The model it builds is bot/domain/catalog.py.
"""

from __future__ import annotations

import re
import string
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.adapters.catalog_calendar import TABLES, read_calendar, read_targets
from bot.adapters.catalog_fields import CatalogError, TableReader, syntax_error
from bot.adapters.catalog_locate import TomlPath, field_name
from bot.adapters.trackers import tracker_kinds
from bot.domain.catalog import (
    TEMPLATE_PLACEHOLDERS,
    TEMPLATE_REQUIRED,
    Catalog,
    Organization,
    Person,
    Procedure,
    Product,
    Templates,
    Tracker,
    folded,
)

CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{6,}")
USER_ID = re.compile(r"[UW][A-Z0-9]{6,}")
SLUG = re.compile(r"[a-z0-9_-]+")
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+")
TRACKER_LABEL = re.compile(r"[^,\s](?:[^,\n]{0,48}[^,\s])?")


def load_catalog(path: str | Path) -> Catalog:
    """Read and validate the catalogue file; raises `CatalogError`."""
    source = Path(path)
    try:
        raw = source.read_bytes()
    except FileNotFoundError:
        raise CatalogError(source, None, "", "catalogue file not found") from None
    except OSError as exc:
        reason = f"cannot read the catalogue: {exc.strerror or exc}"
        raise CatalogError(source, None, "", reason) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CatalogError(source, line, "", "the file is not valid UTF-8") from None
    return parse_catalog(text, source)


def parse_catalog(text: str, source: Path) -> Catalog:
    """Validate catalogue TOML text; `source` names it in errors."""
    source = Path(source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise syntax_error(exc, text, source) from None
    r = TableReader(text, source)
    optional = ("organizations", "people", "templates", *TABLES)
    r.keys(data, (), ("desk", "products"), optional)
    desk = _desk(r, r.get(data, (), "desk", dict))
    products = _products(r, r.get(data, (), "products", dict), desk["agents_channel"])
    organizations = _organizations(r, r.get(data, (), "organizations", dict, {}), products)
    return Catalog(
        source=source,
        **desk,
        products=products,
        organizations=organizations,
        people=_people(r, r.get(data, (), "people", list, [])),
        templates=_templates(r, r.get(data, (), "templates", dict, {})),
        calendar=read_calendar(r, data, desk["timezone"]),
        targets=read_targets(r, data, {o.key: o.zendesk_id for o in organizations.values()}),
    )


def _desk(r: TableReader, data: dict[str, Any]) -> dict[str, Any]:
    path: TomlPath = ("desk",)
    r.keys(
        data,
        path,
        ("agents_channel", "agents", "general_contact", "timezone"),
        ("spam_suspends_requester", "zendesk_agent_url", "assign_maintainer"),
    )
    agents_channel = r.matching(data, path, "agents_channel", CHANNEL_ID, "a Slack channel id")
    agents = r.id_list(data, path, "agents", USER_ID, "a Slack user id")
    if not agents:
        raise r.error((*path, "agents"), "list at least one agent (Slack user id)")
    general_contact = r.matching(data, path, "general_contact", EMAIL, "an e-mail address")
    timezone = r.text(data, path, "timezone")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        reason = f"unknown time zone {timezone!r}; use an IANA name such as 'America/Santiago'"
        raise r.error((*path, "timezone"), reason) from None
    agent_url = r.url(data, path, "zendesk_agent_url", None)
    return {
        "agents_channel": agents_channel,
        "agents": frozenset(agents),
        "general_contact": general_contact,
        "timezone": timezone,
        "spam_suspends_requester": r.get(data, path, "spam_suspends_requester", bool, False),
        "zendesk_agent_url": agent_url.rstrip("/") + "/" if agent_url else None,
        "assign_maintainer": r.get(data, path, "assign_maintainer", bool, False),
    }


def _products(r: TableReader, data: dict[str, Any], agents_channel: str) -> dict[str, Product]:
    if not data:
        raise r.error(("products",), "define at least one product, e.g. [products.pulso]")
    channels: dict[str, str] = {}
    products: dict[str, Product] = {}
    for key in data:
        path: TomlPath = ("products", key)
        table = r.get(data, ("products",), key, dict)
        if not SLUG.fullmatch(key):
            raise r.error(path, "product keys may only use a-z, 0-9, '-' and '_'")
        r.keys(
            table, path, ("name", "channel", "docs_url"), ("maintainers", "procedures", "tracker")
        )
        name = r.text(table, path, "name")
        channel = r.matching(table, path, "channel", CHANNEL_ID, "a Slack channel id")
        if channel == agents_channel:
            raise r.error((*path, "channel"), f"{channel} is the agents' channel (desk)")
        if channel in channels:
            raise r.error((*path, "channel"), f"{channel} is already used by {channels[channel]}")
        channels[channel] = field_name(path)
        products[key] = Product(
            key=key,
            name=name,
            channel=channel,
            maintainers=r.id_list(table, path, "maintainers", USER_ID, "a Slack user id"),
            docs_url=r.url(table, path, "docs_url"),
            procedures=_procedures(r, r.get(table, path, "procedures", list, []), path),
            tracker=_tracker(r, r.get(table, path, "tracker", dict, None), path),
        )
    return products


def _tracker(r: TableReader, data: dict[str, Any] | None, product: TomlPath) -> Tracker | None:
    if data is None:
        return None
    path: TomlPath = (*product, "tracker")
    r.keys(data, path, ("kind", "repo"), ("labels", "include_report"))
    kind = r.get(data, path, "kind", str)
    spec = tracker_kinds().get(kind)
    if spec is None:
        known = ", ".join(sorted(tracker_kinds()))
        raise r.error((*path, "kind"), f"unknown tracker kind {kind!r}; known kinds: {known}")
    repo = r.matching(data, path, "repo", spec.repo, spec.repo_hint)
    what = "a label (1-50 characters, no commas)"
    labels = r.id_list(data, path, "labels", TRACKER_LABEL, what)
    return Tracker(kind, repo, labels, r.get(data, path, "include_report", bool, False))


def _procedures(r: TableReader, items: list[Any], product: TomlPath) -> tuple[Procedure, ...]:
    procedures: dict[str, Procedure] = {}
    for i, item in enumerate(items):
        path: TomlPath = (*product, "procedures", i)
        r.check_type(item, path, dict)
        r.keys(item, path, ("key", "title"), ("description",))
        key = r.matching(item, path, "key", SLUG, "a procedure key (a-z, 0-9, '-', '_')")
        if key in procedures:
            raise r.error((*path, "key"), f"procedure key {key!r} is used twice in this product")
        title = r.text(item, path, "title")
        procedures[key] = Procedure(key, title, r.text(item, path, "description", ""))
    return tuple(procedures.values())


def _organizations(
    r: TableReader, data: dict[str, Any], products: dict[str, Product]
) -> dict[int, Organization]:
    organizations: dict[int, Organization] = {}
    for key in data:
        path: TomlPath = ("organizations", key)
        table = r.get(data, ("organizations",), key, dict)
        r.keys(table, path, ("zendesk_id", "name", "products"), ())
        zendesk_id = r.get(table, path, "zendesk_id", int)
        if zendesk_id <= 0:
            raise r.error((*path, "zendesk_id"), "must be a positive Zendesk organisation id")
        if zendesk_id in organizations:
            other = field_name(("organizations", organizations[zendesk_id].key))
            raise r.error(
                (*path, "zendesk_id"), f"zendesk_id {zendesk_id} is already used by {other}"
            )
        name = r.text(table, path, "name")
        keys = r.get(table, path, "products", list)
        for i, product in enumerate(keys):
            r.check_type(product, (*path, "products", i), str)
            if product not in products:
                known = ", ".join(products)
                raise r.error(
                    (*path, "products", i), f"unknown product {product!r}; known products: {known}"
                )
        organizations[zendesk_id] = Organization(key, zendesk_id, name, tuple(dict.fromkeys(keys)))
    return organizations


def _people(r: TableReader, items: list[Any]) -> tuple[Person, ...]:
    people: dict[str, Person] = {}
    for i, item in enumerate(items):
        path: TomlPath = ("people", i)
        r.check_type(item, path, dict)
        r.keys(item, path, ("name", "email"), ())
        name = r.text(item, path, "name")
        if folded(name) in people:
            raise r.error((*path, "name"), f"{name!r} is listed twice in the people directory")
        people[folded(name)] = Person(
            name, r.matching(item, path, "email", EMAIL, "an e-mail address")
        )
    return tuple(people.values())


def _templates(r: TableReader, data: dict[str, Any]) -> Templates:
    names = [f.name for f in fields(Templates)]
    r.keys(data, ("templates",), (), names)
    return Templates(
        **{
            name: _check_template(r, ("templates", name), name, r.text(data, ("templates",), name))
            for name in data
        }
    )


def _check_template(r: TableReader, path: TomlPath, name: str, template: str) -> str:
    allowed, required = TEMPLATE_PLACEHOLDERS[name], TEMPLATE_REQUIRED[name]
    listed = ", ".join(f"{{{p}}}" for p in sorted(allowed))
    try:
        used = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
        for placeholder in sorted(used):
            if placeholder not in allowed:
                raise r.error(path, f"unknown placeholder {{{placeholder}}}; allowed: {listed}")
        template.format(**{p: "x" for p in allowed})
    except (ValueError, KeyError, IndexError) as exc:
        reason = f"malformed template ({exc}); write a literal brace as {{{{ or }}}}"
        raise r.error(path, reason) from None
    missing = sorted(required - used)
    if missing:
        raise r.error(path, f"missing placeholder {', '.join(f'{{{p}}}' for p in missing)}")
    return template
