"""The enforcement set-up desk's lists, as column declarations."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from PySide6.QtCore import QObject

from desktop.services.enforcement_records import DECISION_TITLES, AppealReasonInfo
from desktop.services.enforcement_setup import (
    DEVICE_KIND_TITLES,
    DeviceInfo,
    EscalationStageInfo,
    ExemptionInfo,
    FineRuleInfo,
    RangeInfo,
    RepeatFineInfo,
    ViolationInfo,
    ZoneLimit,
)
from desktop.services.localization import format_recent
from desktop.services.workspace import Identity
from desktop.views.kit.setup_desk import PricedRows
from desktop.views.kit.tables import Column, badge_column, money_column, time_column

R = TypeVar("R")
_GREEN, _GREY, _AMBER = "#1e7b34", "#6b7280", "#7a4b00"
#: Room for the largest fine the schedule allows.
LARGEST_FINE = Decimal("10000.00")


def _changed(identity: Identity, row: Any) -> str:
    return identity.changed_words("Last changed", row.updated_by, row.updated_at)


def _rows(
    columns: Callable[[Callable[[], str]], list[Column[R]]],
    identity: Identity,
    parent: QObject | None,
    dimmed: Callable[[R], bool] | None = None,
) -> PricedRows[R]:
    """A list whose tooltip says who last changed the row, and when."""
    return PricedRows(
        columns, tooltip=lambda r: _changed(identity, r), dimmed=dimmed, parent=parent
    )


def _count(title: str, value: Callable[[R], int], tip: str | None = None) -> Column[R]:
    return Column(
        title,
        lambda row: f"{value(row):,}",
        align="right",
        sort=value,
        samples=("999,999",),
        header_tip=tip,
    )


def _yes(title: str, value: Callable[[R], bool], words: tuple[str, str]) -> Column[R]:
    return Column(title, lambda row: words[0] if value(row) else words[1], samples=words)


def violation_model(identity: Identity, parent: QObject | None = None) -> PricedRows[ViolationInfo]:
    def columns(currency: Callable[[], str]) -> list[Column[ViolationInfo]]:
        return [
            Column("Code", lambda v: v.code, samples=("NP-01-LONG",)),
            Column("Description", lambda v: v.description, stretch=True, give_way=True),
            money_column(
                "Default fine",
                lambda v: v.default_fine,
                currency,
                words=lambda v, shown: "Warning" if v.warning_only else shown or "None",
            ),
            Column(
                "Repeat window",
                lambda v: f"{v.repeat_window_days:,} days" if v.repeat_window_days else "None",
                sort=lambda v: v.repeat_window_days or 0,
                samples=("3,650 days",),
                header_tip="A plate's Nth citation of this code within this many days "
                "is fined as the Nth offence",
            ),
            _yes("Status", lambda v: v.active, ("In use", "Retired")),
        ]

    return _rows(columns, identity, parent, dimmed=lambda v: not v.active)


def fine_rule_model(identity: Identity, parent: QObject | None = None) -> PricedRows[FineRuleInfo]:
    def columns(currency: Callable[[], str]) -> list[Column[FineRuleInfo]]:
        return [
            Column("Lot", lambda f: f.lot_code, samples=("LOT-NORTH-12",)),
            Column("Zone", lambda f: f.zone_code or "Whole lot", samples=("Whole lot",)),
            money_column("Fine", lambda f: f.amount, currency, largest=LARGEST_FINE),
        ]

    return _rows(columns, identity, parent)


def repeat_model(identity: Identity, parent: QObject | None = None) -> PricedRows[RepeatFineInfo]:
    def columns(currency: Callable[[], str]) -> list[Column[RepeatFineInfo]]:
        return [
            Column(
                "Offence",
                lambda r: r.offence_words,
                sort=lambda r: r.offence,
                samples=("22nd offence",),
            ),
            money_column("Fine", lambda r: r.amount, currency, largest=LARGEST_FINE),
        ]

    return _rows(columns, identity, parent)


def stage_model(
    identity: Identity, parent: QObject | None = None
) -> PricedRows[EscalationStageInfo]:
    def columns(currency: Callable[[], str]) -> list[Column[EscalationStageInfo]]:
        return [
            Column(
                "After",
                lambda s: "1 day" if s.after_days == 1 else f"{s.after_days:,} days",
                sort=lambda s: s.after_days,
                samples=("10,000 days",),
                header_tip="Days after the citation's day of issue, while it is unpaid",
            ),
            Column("Description", lambda s: s.description, stretch=True, give_way=True),
            money_column("Late fee", lambda s: s.amount, currency, largest=LARGEST_FINE),
            _yes(
                "Collections",
                lambda s: s.sends_to_collections,
                ("Sends to collections", "No"),
            ),
            _yes("Status", lambda s: s.active, ("In use", "Not in use")),
        ]

    return _rows(columns, identity, parent, dimmed=lambda s: not s.active)


def device_model(identity: Identity, parent: QObject | None = None) -> PricedRows[DeviceInfo]:
    def columns(_currency: Callable[[], str]) -> list[Column[DeviceInfo]]:
        return [
            Column("Code", lambda d: d.code, samples=("HH-NORTH-PATROL-1",)),
            badge_column("Kind", lambda d: d.kind, DEVICE_KIND_TITLES),
            Column("Description", lambda d: d.description, stretch=True, give_way=True),
            _yes("Status", lambda d: d.active, ("In use", "Retired")),
        ]

    return _rows(columns, identity, parent, dimmed=lambda d: not d.active)


def range_model(identity: Identity, parent: QObject | None = None) -> PricedRows[RangeInfo]:
    def columns(_currency: Callable[[], str]) -> list[Column[RangeInfo]]:
        return [
            Column(
                "Numbers",
                lambda r: r.sequence_words,
                sort=lambda r: (r.prefix, r.first_seq),
                samples=("ABCD000000001 \u2013 ABCD999999999",),
                stretch=True,
            ),
            _count("Size", lambda r: r.size),
            _count("Issued", lambda r: r.issued),
            _count("Spoiled", lambda r: r.spoiled),
            _count("Left", lambda r: r.left, "Numbers neither issued nor spoiled"),
        ]

    return PricedRows(
        columns,
        tooltip=lambda r: (
            f"{r.sequence_words} (each number ends with its check digit)\n"
            + identity.changed_words(f"Given to {r.device_code}", r.created_by, r.created_at)
        ),
        parent=parent,
    )


def zone_model(identity: Identity, parent: QObject | None = None) -> PricedRows[ZoneLimit]:
    def columns(_currency: Callable[[], str]) -> list[Column[ZoneLimit]]:
        return [
            Column("Lot", lambda z: z.lot_code, samples=("LOT-NORTH-12",)),
            Column("Zone", lambda z: z.code, samples=("ZONE-EAST-12",)),
            Column("Name", lambda z: z.name, stretch=True, give_way=True),
            Column(
                "Time limit",
                lambda z: z.limit_words,
                sort=lambda z: z.time_limit_minutes or 10_000,
                align="right",
                samples=("23 h 55 min",),
            ),
        ]

    return PricedRows(
        columns,
        tooltip=lambda z: f"{z.lot_name}, zone {z.code} ({z.name})\n{_changed(identity, z)}",
        parent=parent,
    )


_STATUS_COLOURS = {"In force": _GREEN, "Ended": _GREY, "Starts later": _AMBER}


def exemption_model(
    identity: Identity, time_zone: Callable[[], str], parent: QObject | None = None
) -> PricedRows[ExemptionInfo]:
    def columns(_currency: Callable[[], str]) -> list[Column[ExemptionInfo]]:
        def when(at: Any) -> str:
            return format_recent(at, time_zone())

        return [
            Column(
                "Plate",
                lambda e: f"{e.plate_normalized} ({e.jurisdiction})",
                samples=("ABCD1234XY (US-NY)",),
            ),
            Column("Where", lambda e: e.place_words, samples=("LOT-NORTH-12", "Every lot")),
            Column("Reason", lambda e: e.reason, stretch=True, give_way=True),
            time_column("From", lambda e: e.starts_at, when, sample="30 Sep 2026 14:05"),
            Column(
                "Until",
                lambda e: when(e.ends_at) if e.ends_at else "Until ended",
                sort=lambda e: e.ends_at.timestamp() if e.ends_at else float("inf"),
                samples=("30 Sep 2026 14:05",),
            ),
            Column(
                "Status",
                lambda e: e.status_words,
                colour=lambda e: _STATUS_COLOURS.get(e.status_words),
                samples=tuple(_STATUS_COLOURS),
            ),
        ]

    return _rows(columns, identity, parent, dimmed=lambda e: e.status_words == "Ended")


def appeal_reason_model(
    identity: Identity, parent: QObject | None = None
) -> PricedRows[AppealReasonInfo]:
    def columns(_currency: Callable[[], str]) -> list[Column[AppealReasonInfo]]:
        return [
            badge_column("Decision", lambda r: r.decision, DECISION_TITLES),
            Column("Reason", lambda r: r.text, stretch=True, give_way=True),
            _count("Given", lambda r: r.used, "Decisions that gave this reason"),
            _yes("Status", lambda r: r.active, ("In use", "Retired")),
        ]

    return _rows(columns, identity, parent, dimmed=lambda r: not r.active)
