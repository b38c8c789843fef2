"""The support catalogue: desk, products, organisations, people directory and reply templates.

Read from a TOML file (`SOPORTE_CATALOG`) at start-up. Anything malformed raises
`CatalogError` naming the file, the line and the reason, so the app refuses to start.
"""

from __future__ import annotations

import re
import string
import tomllib
import unicodedata
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.adapters.trackers import tracker_kinds
from bot.domain.business_time import BusinessCalendar
from bot.domain.catalog_calendar import TABLES, read_calendar, read_targets
from bot.domain.catalog_locate import CatalogError, TableReader, TomlPath, field_name, syntax_error
from bot.domain.targets import TargetPolicy

CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{6,}")
USER_ID = re.compile(r"[UW][A-Z0-9]{6,}")
SLUG = re.compile(r"[a-z0-9_-]+")
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+")
TRACKER_LABEL = re.compile(r"[^,\s](?:[^,\n]{0,48}[^,\s])?")


@dataclass(frozen=True)
class Procedure:
    key: str
    title: str
    description: str


@dataclass(frozen=True)
class Tracker:
    """The product's development queue, where escalated requirements are filed."""

    kind: str
    repo: str
    labels: tuple[str, ...] = ()
    # File the end user's report (name, e-mail, words) in the issue; honoured only when the
    # tracker says the repository is private.
    include_report: bool = False


@dataclass(frozen=True)
class Product:
    key: str
    name: str
    channel: str
    maintainers: tuple[str, ...]
    docs_url: str
    procedures: tuple[Procedure, ...]
    tracker: Tracker | None = None

    def procedure(self, key: str) -> Procedure | None:
        return next((p for p in self.procedures if p.key == key), None)


@dataclass(frozen=True)
class Organization:
    key: str
    zendesk_id: int
    name: str
    products: tuple[str, ...]


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class Templates:
    """Replies to the end user, as `str.format` templates (see `TEMPLATE_PLACEHOLDERS`).

    `closing_window` is appended to the replies that open the closing window; its `{days}`
    is already worded ("7 días").
    """

    wrong_recipient: str = (
        "Hola {requester}:\n\n"
        "Esta casilla es exclusivamente para soporte de los productos que mantiene Unholster, "
        "por lo que su mensaje no llegó al destinatario correcto. Le sugerimos revisar la "
        "dirección y enviarlo directamente a quien corresponda.\n\n"
        "No daremos curso a este mensaje por esta vía, pero quisimos avisarle para que esté "
        "al tanto.\n\n"
        "Saludos cordiales,\nEquipo de Soporte Unholster"
    )
    refer_to_person: str = (
        "Hola {requester}:\n\n"
        "Esta casilla es exclusivamente para soporte de los productos que mantiene Unholster. "
        "Entendemos que su mensaje está dirigido a {person}; para que le llegue sin demora, "
        "le pedimos escribirle directamente a {email}."
    )
    refer_to_general_contact: str = (
        "Hola {requester}:\n\n"
        "Esta casilla es exclusivamente para soporte de los productos que mantiene Unholster. "
        "Para comunicarse con otra área o persona de nuestro equipo, le pedimos escribir a "
        "{email}, desde donde con gusto harán llegar su mensaje a quien corresponda."
    )
    unsupported_product: str = (
        "Hola {requester}:\n\n"
        "Revisamos su solicitud y lamentablemente la consulta o problema que nos describe no "
        "corresponde a los productos que mantiene Unholster, por lo que no podemos atenderla "
        "por este medio.\n\n"
        "Para su organización brindamos soporte sobre los siguientes productos:\n\n"
        "{products}\n\n"
        "Si su consulta se relaciona con alguno de ellos, le agradeceremos respondernos con "
        "más detalles para ayudarle."
    )
    resolve_with_information: str = (
        "Hola {requester}:\n\n"
        "Gracias por contactarnos. A continuación le entregamos la información para resolver "
        "su consulta sobre {product}.\n\n\n\n"
        "Encontrará más detalles en la documentación del producto: {docs_url}"
    )
    resolve_with_action: str = (
        "Hola {requester}:\n\n"
        "Le informamos que atendimos su solicitud realizando el procedimiento «{procedure}». "
        "Este es el resumen de lo realizado:\n\n"
        "{summary}\n\n"
        "Verificamos que el resultado es el esperado."
    )
    closing_window: str = (
        "Le agradeceremos confirmarnos, respondiendo este mensaje, si con esto su caso quedó "
        "resuelto. Si no recibimos respuesta en los próximos {days}, daremos el caso por "
        "resuelto; si el problema persiste, basta con que nos responda y seguiremos "
        "atendiéndolo.\n\n"
        "Saludos cordiales,\nEquipo de Soporte Unholster"
    )


TEMPLATE_PLACEHOLDERS: dict[str, frozenset[str]] = {
    "wrong_recipient": frozenset({"requester"}),
    "refer_to_person": frozenset({"requester", "person", "email"}),
    "refer_to_general_contact": frozenset({"requester", "email"}),
    "unsupported_product": frozenset({"requester", "products"}),
    "resolve_with_information": frozenset({"requester", "product", "docs_url"}),
    "resolve_with_action": frozenset({"requester", "procedure", "summary"}),
    "closing_window": frozenset({"days"}),
}
"""Placeholders each template may use."""

TEMPLATE_REQUIRED: dict[str, frozenset[str]] = {
    "wrong_recipient": frozenset(),
    "refer_to_person": frozenset({"email"}),
    "refer_to_general_contact": frozenset({"email"}),
    "unsupported_product": frozenset({"products"}),
    "resolve_with_information": frozenset(),
    "resolve_with_action": frozenset({"summary"}),
    "closing_window": frozenset({"days"}),
}
"""Placeholders a template from the file must use: the reply is pointless without them."""


@dataclass(frozen=True)
class Catalog:
    source: Path
    agents_channel: str
    agents: frozenset[str]
    general_contact: str
    timezone: str
    spam_suspends_requester: bool
    zendesk_agent_url: str | None
    assign_maintainer: bool
    products: dict[str, Product]
    organizations: dict[int, Organization]
    people: tuple[Person, ...]
    templates: Templates
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    targets: TargetPolicy = field(default_factory=TargetPolicy)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_agent(self, user_id: str) -> bool:
        return user_id in self.agents

    def product(self, key: str) -> Product | None:
        return self.products.get(key)

    def organization(self, zendesk_id: int | None) -> Organization | None:
        return None if zendesk_id is None else self.organizations.get(zendesk_id)

    def products_for_organization(self, zendesk_id: int | None) -> tuple[Product, ...]:
        """Products supported for a Zendesk organisation; empty when it is unknown."""
        org = self.organization(zendesk_id)
        return tuple(self.products[key] for key in org.products) if org else ()

    def product_by_channel(self, channel: str) -> Product | None:
        return next((p for p in self.products.values() if p.channel == channel), None)

    def person(self, name_or_email: str) -> Person | None:
        """Directory lookup by e-mail or by name (ignoring case, accents and extra spaces)."""
        wanted = _fold(name_or_email)
        return next((p for p in self.people if wanted in (_fold(p.name), _fold(p.email))), None)

    def is_maintainer(self, product_key: str, user_id: str) -> bool:
        product = self.products.get(product_key)
        return product is not None and user_id in product.maintainers


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


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


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
        if _fold(name) in people:
            raise r.error((*path, "name"), f"{name!r} is listed twice in the people directory")
        people[_fold(name)] = Person(
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
