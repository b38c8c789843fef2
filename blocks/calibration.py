"""How much the maintainers' estimates are worth, as `/soporte calibración` and the Home show
it: per product and per maintainer, the estimates met by confidence, the median miss and the
certainty revised. Pure; small samples are said as counts ("2 de 3"), never as percentages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from blocks import text as t
from bot.domain.calibration import (
    Calibration,
    FixOutcome,
    by_maintainer,
    by_product,
    calibration_lines,
    record_line,
)
from bot.domain.catalog import Catalog

MESSAGE_BLOCKS_MAX = 50
NOTE = (
    "Se mide la última estimación de cada caso corregido contra el momento de la corrección, "
    "en horario hábil: cumplida si no pasó tiempo hábil entre la fecha estimada y la "
    "corrección. Con menos de 5 casos se dan las cifras, no porcentajes."
)
NO_FIXES = (
    "Aún no hay estimaciones medidas: se miden cuando un Mantenedor marca el problema como "
    "corregido."
)


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=t.truncate_mrkdwn(text, t.SECTION_TEXT_MAX)))


def _record(title: str, calibration: Calibration) -> str:
    return "\n".join([f"*{title}*", *(f"• {line}" for line in calibration_lines(calibration))])


def _product_title(key: str, catalog: Catalog) -> str:
    product = catalog.product(key)
    return t.escape_mrkdwn(product.name if product else key)


def calibration_blocks(
    outcomes: Sequence[FixOutcome],
    catalog: Catalog,
    products: Iterable[str] | None = None,
    maintainers: Iterable[str] | None = None,
) -> list[Block]:
    """Per product, then per maintainer (only those given, when given)."""
    if not outcomes:
        return [_section(NO_FIXES)]
    wanted_products = set(products) if products is not None else None
    wanted_people = set(maintainers) if maintainers is not None else None
    blocks: list[Block] = [_section("📐 *Por producto*")]
    for key, calibration in by_product(outcomes).items():
        if wanted_products is None or key in wanted_products:
            blocks.append(_section(_record(_product_title(key, catalog), calibration)))
    blocks.append(_section("👩‍🔧 *Por mantenedor*"))
    for user, calibration in by_maintainer(outcomes).items():
        if wanted_people is None or user in wanted_people:
            blocks.append(_section(_record(t.user_mention(user), calibration)))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=NOTE)]))
    return blocks


def calibration_message(
    outcomes: Sequence[FixOutcome],
    catalog: Catalog,
    products: Iterable[str] | None = None,
    maintainers: Iterable[str] | None = None,
) -> dict[str, Any]:
    """`/soporte calibración`."""
    header = HeaderBlock(text=PlainTextObject(text="Calibración de las estimaciones"))
    blocks = [header, *calibration_blocks(outcomes, catalog, products, maintainers)]
    if len(blocks) > MESSAGE_BLOCKS_MAX:
        blocks = [*blocks[: MESSAGE_BLOCKS_MAX - 1], blocks[-1]]
    return {
        "text": "Calibración de las estimaciones de los mantenedores",
        "blocks": [b.to_dict() for b in blocks],
    }


def home_calibration_blocks(
    outcomes: Sequence[FixOutcome], catalog: Catalog, user: str
) -> list[Block]:
    """The Home section of a maintainer: their own record, and their products'."""
    products = [key for key, p in catalog.products.items() if user in p.maintainers]
    mine = any(o.latest.estimate.author == user for o in outcomes)
    if not products and not mine:
        return []
    header = HeaderBlock(text=PlainTextObject(text="Tus estimaciones"))
    own = _section(f"📐 {record_line(outcomes, user)}")
    by_products = by_product([o for o in outcomes if o.product in products])
    lines = [
        _record(_product_title(key, catalog), calibration)
        for key, calibration in by_products.items()
    ]
    blocks: list[Block] = [header, own]
    if lines:
        blocks.append(_section("\n".join(lines)))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=NOTE)]))
    return blocks
