"""How much the maintainers' estimates are worth, as `/soporte calibración` and the Home show
it: per product and per maintainer, the estimates met by confidence, the median miss and the
certainty revised. Pure; small samples are said as counts ("2 de 3"), never as percentages.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    MarkdownTextObject,
)

from blocks.layout import header, section
from bot.domain import mrkdwn as t
from bot.domain.calibration import Calibration, Records, calibration_lines, record_line_of
from bot.domain.catalog import Catalog

MESSAGE_BLOCKS_MAX = 50
NOTE = (
    "Se mide la última estimación de cada caso corregido contra el momento de la corrección, "
    "en horario hábil: cumplida si no pasó tiempo hábil entre la fecha estimada y la "
    "corrección. Con menos de 5 casos se dan las cifras, no porcentajes."
)
NO_FIXES = (
    "Aún no hay estimaciones medidas: se miden cuando un responsable técnico marca el "
    "problema como corregido."
)


def _record(title: str, calibration: Calibration) -> str:
    return "\n".join([f"*{title}*", *(f"• {line}" for line in calibration_lines(calibration))])


def _product_title(key: str, catalog: Catalog) -> str:
    product = catalog.product(key)
    return t.escape_mrkdwn(product.name if product else key)


def calibration_blocks(
    records: Records,
    catalog: Catalog,
    products: Iterable[str] | None = None,
    maintainers: Iterable[str] | None = None,
) -> list[Block]:
    """Per product, then per maintainer (only those given, when given)."""
    wanted_products = set(products) if products is not None else None
    wanted_people = set(maintainers) if maintainers is not None else None
    by_product = {
        k: c for k, c in records.products.items() if wanted_products is None or k in wanted_products
    }
    by_person = {
        u: c for u, c in records.maintainers.items() if wanted_people is None or u in wanted_people
    }
    if not by_product and not by_person:
        return [section(NO_FIXES)]
    blocks: list[Block] = [section("📐 *Por producto*")]
    blocks += [
        section(_record(_product_title(k, catalog), c)) for k, c in sorted(by_product.items())
    ]
    blocks.append(section("👩‍🔧 *Por responsable técnico*"))
    blocks += [section(_record(t.user_mention(u), c)) for u, c in sorted(by_person.items())]
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=NOTE)]))
    return blocks


def calibration_message(
    records: Records,
    catalog: Catalog,
    products: Iterable[str] | None = None,
    maintainers: Iterable[str] | None = None,
) -> dict[str, Any]:
    """`/soporte calibración`."""
    title = header("Calibración de las estimaciones")
    blocks = [title, *calibration_blocks(records, catalog, products, maintainers)]
    if len(blocks) > MESSAGE_BLOCKS_MAX:
        blocks = [*blocks[: MESSAGE_BLOCKS_MAX - 1], blocks[-1]]
    return {
        "text": "Calibración de las estimaciones de los responsables técnicos",
        "blocks": [b.to_dict() for b in blocks],
    }


def home_calibration_blocks(records: Records, catalog: Catalog, user: str) -> list[Block]:
    """The Home section of a maintainer: their own record, and their products'."""
    products = [key for key, p in catalog.products.items() if user in p.maintainers]
    mine = records.maintainers.get(user)
    if not products and mine is None:
        return []
    lines = [
        _record(_product_title(key, catalog), records.products[key])
        for key in products
        if key in records.products
    ]
    blocks: list[Block] = [
        header("Tus estimaciones"),
        section(f"📐 {record_line_of(mine)}"),
    ]
    if lines:
        blocks.append(section("\n".join(lines)))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=NOTE)]))
    return blocks
