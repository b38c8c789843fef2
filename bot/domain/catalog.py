"""The support catalogue: desk, products, organisations, people directory and reply templates.

The model and its lookups; bot/adapters/catalog_reader.py reads and validates it from the
TOML file (`SOPORTE_CATALOG`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.business_time import BusinessCalendar
from bot.domain.targets import TargetPolicy


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
        wanted = folded(name_or_email)
        return next((p for p in self.people if wanted in (folded(p.name), folded(p.email))), None)

    def is_maintainer(self, product_key: str, user_id: str) -> bool:
        product = self.products.get(product_key)
        return product is not None and user_id in product.maintainers


def folded(text: str) -> str:
    """`text` for comparing names: no accents, no case, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())
