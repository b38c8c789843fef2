"""Read and validate what an agent typed in a modal. Pure: returns values or inline errors."""

from __future__ import annotations

from typing import Any

from blocks import ids

MAX_TEXT = 3000


class ModalInput:
    """The `view.state.values` of a submitted modal."""

    def __init__(self, view: dict[str, Any]) -> None:
        self.values: dict[str, dict[str, Any]] = view.get("state", {}).get("values", {})
        self.errors: dict[str, str] = {}

    def _element(self, block_id: str) -> dict[str, Any]:
        """The input under `block_id`, or under a refilled version of it ("reply~3f2a")."""
        if block_id not in self.values:
            block_id = next((b for b in self.values if b.split("~", 1)[0] == block_id), block_id)
        return next(iter(self.values.get(block_id, {}).values()), {})

    def block_of(self, base_id: str) -> str:
        """The block_id the input `base_id` has in this view (refilled inputs get a suffix)."""
        return next((b for b in self.values if b.split("~", 1)[0] == base_id), base_id)

    def text(self, block_id: str, *, required: bool, what: str) -> str:
        value = (self._element(block_id).get("value") or "").strip()
        if required and not value:
            self.refuse(block_id, f"Escribe {what}: no puede quedar vacío.")
        elif len(value) > MAX_TEXT:
            self.errors[self.block_of(block_id)] = (
                f"Es demasiado largo ({len(value):,} caracteres); el máximo es 3.000."
            ).replace(",", ".")
        return value

    def date(self, block_id: str, *, what: str) -> str | None:
        """A date picker's "YYYY-MM-DD", or None (and an error) when none was chosen."""
        value = self._element(block_id).get("selected_date")
        if not value:
            self.refuse(block_id, f"Elige {what}.")
        return value

    def selected(self, block_id: str, *, what: str) -> str | None:
        option = self._element(block_id).get("selected_option") or {}
        value = option.get("value")
        if not value:
            self.errors[block_id] = f"Elige {what}."
        return value

    def confirmed(self, block_id: str, *, what: str) -> bool:
        options = self._element(block_id).get("selected_options") or []
        ok = any(o.get("value") == ids.CHECKED_VALUE for o in options)
        if not ok:
            self.errors[block_id] = what
        return ok

    def refuse(self, block_id: str, message: str) -> None:
        self.errors[self.block_of(block_id)] = message

    @property
    def ok(self) -> bool:
        return not self.errors
