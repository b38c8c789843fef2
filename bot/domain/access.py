"""Who may see what of the desk. Pure: the catalogue and the case decide, nothing else.

Agents see every case and the whole queue; a product's catalogued maintainers see their
product's cases, and the queue made of them; a case's Mantenedor (who may be a channel
member, not catalogued) sees that case. Everyone else sees their own cases (`/soporte mios`)
and nothing more: the answer fails closed, and a stranger cannot tell a case that exists
from one that does not.
"""

from __future__ import annotations

from typing import Any

from bot.domain.case import CaseRecord
from bot.domain.catalog import Catalog

STRANGER = (
    "La cola de soporte solo la ven los agentes de soporte y los responsables técnicos de los "
    "productos. Si necesitas acceso, pídeselo a un agente."
)
CASE_CLOSED = (
    "No puedes ver el caso #{ticket_id}: lo ven los agentes de soporte, los responsables técnicos "
    "de su producto y quien tomó el caso."
)


def sees_queue(catalog: Catalog, user: str) -> bool:
    """Agents and the catalogued maintainers of any product."""
    return catalog.is_agent(user) or any(
        user in product.maintainers for product in catalog.products.values()
    )


def sees_case(catalog: Catalog, record: CaseRecord, user: str) -> bool:
    """Agents, the maintainers of the case's product, and the case's Mantenedor."""
    if catalog.is_agent(user):
        return True
    escalation = record.escalation
    if escalation and user and escalation.maintainer == user:
        return True
    product = escalation.product if escalation else record.product
    return bool(product) and catalog.is_maintainer(product, user)


def visible(catalog: Catalog, summaries: list[dict[str, Any]], user: str) -> list[dict[str, Any]]:
    """The cases whose summaries `user` may see in the queue: all of them for an agent, their
    products' and their own for a maintainer, their own for anyone else."""
    if catalog.is_agent(user):
        return summaries
    products = {key for key, p in catalog.products.items() if user in p.maintainers}
    return [
        s
        for s in summaries
        if s.get("product") in products or (user and user in (s.get("agent"), s.get("maintainer")))
    ]
