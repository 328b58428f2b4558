"""The set-up desk's lists: permit types and lots, as column declarations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QObject

from desktop.services.permit_setup import LotInfo, PermitTypeInfo
from desktop.services.workspace import Identity
from desktop.views.kit.forms import ERROR_COLOUR
from desktop.views.kit.setup_desk import PricedRows
from desktop.views.kit.tables import Column, money_column

#: As wide as a code gets (12 characters), so no code in a list is cut.
WIDEST_CODE = "FAC-MWQ-2026"


def permit_type_model(
    identity: Identity, parent: QObject | None = None
) -> PricedRows[PermitTypeInfo]:
    """The permit types as rows (a short list: loaded whole)."""
    return PricedRows(
        lambda currency: _type_columns(identity, currency),
        dimmed=lambda t: not t.active,
        parent=parent,
    )


def _type_columns(identity: Identity, currency: Callable[[], str]) -> list[Column[PermitTypeInfo]]:
    columns: list[Column[PermitTypeInfo]] = [
        Column("Code", lambda t: t.code, samples=(WIDEST_CODE,)),
        Column("Name", lambda t: t.name, stretch=True),
        money_column("Price", lambda t: t.price, currency),
        Column(
            "Validity",
            lambda t: t.validity_words,
            sort=lambda t: f"{t.validity} {t.term_start or ''} {t.days or 0:04d}",
            samples=("Term 30 Sep 2026 \u2013 31 Aug 2027",),
        ),
        Column(
            "Eligible", lambda t: t.affiliation_words, samples=("Faculty, Staff",), give_way=True
        ),
        Column("Lots", lambda t: ", ".join(t.lot_codes) or "None", samples=("A, B, C",)),
        Column(
            "Sold",
            lambda t: t.sale_mode_words if t.active else "Withdrawn",
            samples=("Through the waitlist", "Withdrawn"),
            header_tip="First come, through the waitlist, or withdrawn (no longer sold)",
        ),
        Column(
            "Limit",
            lambda t: str(t.per_parker_limit),
            align="right",
            sort=lambda t: t.per_parker_limit,
            header_tip="How many permits of this type one parker may hold at a time",
        ),
    ]
    # The price reads the same in its tooltip; every other cell describes the type.
    return [
        c if c.title == "Price" else replace(c, tooltip=lambda t: _type_tooltip(identity, t))
        for c in columns
    ]


def _type_tooltip(identity: Identity, info: PermitTypeInfo) -> str:
    vehicles = "1 vehicle" if info.max_vehicles == 1 else f"{info.max_vehicles} vehicles"
    sold = f"Sold {info.sale_mode_words.lower()}" if info.active else "Withdrawn: not sold"
    return (
        f"{info.name} ({info.code})\n"
        f"{info.validity_words}; for {info.affiliation_words}\n"
        f"Lots: {', '.join(info.lot_codes) or 'none'}\n"
        f"{sold}; at most {info.per_parker_limit} per parker\n"
        f"Late start: {info.proration_words}\n"
        f"Up to {vehicles} per permit; waitlist offers held {info.offer_hours} hours\n"
        + identity.changed_words("Last changed", info.updated_by, info.updated_at)
    )


def _lot_tooltip(identity: Identity, lot: LotInfo) -> str:
    lines = [
        f"{lot.name} ({lot.code}): {lot.capacity:,} spaces",
        f"{lot.taken:,} permits valid now",
    ]
    if lot.offered:
        lines.append(f"{lot.offered:,} spaces held for waitlist offers")
    if lot.over_capacity:
        lines.append("More permits are valid than there are spaces: no new sales for now.")
    if not lot.active:
        lines.append("Closed: no new permits are sold for it.")
    lines.extend(f"Zone {zone.code}: {zone.name}" for zone in lot.zones)
    lines.append(identity.changed_words("Last changed", lot.updated_by, lot.updated_at))
    return "\n".join(lines)


def _free_words(lot: LotInfo) -> str:
    over = lot.taken + lot.offered - lot.capacity
    return f"0 (over by {over})" if over > 0 else f"{lot.free:,}"


def _count(title: str, count: Callable[[LotInfo], int]) -> Column[LotInfo]:
    return Column(
        title, lambda lot: f"{count(lot):,}", align="right", sort=count, samples=("10,000",)
    )


def lot_model(identity: Identity, parent: QObject | None = None) -> PricedRows[LotInfo]:
    """The lots with their capacity and what is taken and free right now."""
    return PricedRows(
        _lot_columns,
        tooltip=lambda lot: _lot_tooltip(identity, lot),
        dimmed=lambda lot: not lot.active,
        parent=parent,
    )


def _lot_columns(_currency: Callable[[], str]) -> list[Column[LotInfo]]:
    return [
        Column("Code", lambda lot: lot.code, samples=(WIDEST_CODE,)),
        Column("Name", lambda lot: lot.name, stretch=True),
        _count("Capacity", lambda lot: lot.capacity),
        _count("Taken now", lambda lot: lot.taken),
        Column(
            "Free now",
            _free_words,
            align="right",
            sort=lambda lot: lot.free,
            colour=lambda lot: ERROR_COLOUR if lot.over_capacity and lot.active else None,
            samples=("0 (over by 10)",),
        ),
        Column("Zones", lambda lot: lot.zone_codes or "\u2014", samples=("A1, A2, B1, B2",)),
        Column("Status", lambda lot: "Open" if lot.active else "Closed", samples=("Closed",)),
    ]
