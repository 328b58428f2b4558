"""What a dispatcher watches: the alerts list and the watchlist's entries as columns, and
the panel an alert raises, which stays on top without taking the keyboard from whatever
the dispatcher is typing (the security desk, ``desk.py``, wires them up).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QWidget,
)

from desktop.services.localization import format_local, format_recent
from desktop.services.security import (
    PRIORITIES,
    STATE_TITLES,
    Alert,
    WatchlistEntry,
)
from desktop.views.kit.layout import (
    label,
    vbox,
)
from desktop.views.kit.tables import Column, RowsModel, badge_column

_PRIORITY_COLOURS = {"Urgent": "#b91c1c"}


class AlertsModel(RowsModel[Alert]):
    """Waiting alerts first, in bold; those acknowledged dimmed, saying by whom."""

    def __init__(self, zone: Callable[[], str], parent: QObject | None = None) -> None:
        super().__init__(
            [
                Column(
                    "Plate",
                    lambda a: f"{a.plate} ({a.jurisdiction})",
                    samples=("WWWW0000 (ON)",),
                    bold=lambda a: a.waiting,
                ),
                Column(
                    "Priority",
                    lambda a: PRIORITIES.get(a.priority, str(a.priority)),
                    colour=lambda a: _PRIORITY_COLOURS.get(PRIORITIES.get(a.priority, "")),
                    samples=tuple(PRIORITIES.values()),
                ),
                Column(
                    "Last seen",
                    lambda a: format_recent(a.last_at, zone()),
                    samples=("30 Sep 14:05",),
                    sort=lambda a: a.last_at,
                ),
                Column(
                    "Where",
                    lambda a: a.place,
                    samples=("Lot B — Science Quad",),
                    wrap=True,  # where to send someone: read whole, on two lines if need be
                    tooltip=lambda a: a.place,
                ),
                Column(
                    "How",
                    lambda a: a.how,
                    samples=("Read by otto with HH-101",),
                    stretch=True,
                    wrap=True,
                    tooltip=lambda a: a.how,
                ),
                Column(
                    "Hits",
                    lambda a: str(a.hits),
                    align="right",
                    samples=("Hits",),
                    sort=lambda a: a.hits,
                ),
                Column(
                    "Status",
                    lambda a: "Waiting" if a.waiting else "Acknowledged",
                    tooltip=lambda a: (
                        "Nobody has acknowledged it yet"
                        if a.waiting
                        else f"Acknowledged by {a.acknowledged_by}"
                    ),
                    samples=("Acknowledged",),
                    colour=lambda a: "#b91c1c" if a.waiting else None,
                ),
            ],
            key=lambda a: a.id,
            dimmed=lambda a: not a.waiting,
            parent=parent,
        )


class EntriesModel(RowsModel[WatchlistEntry]):
    def __init__(
        self,
        zone: Callable[[], str],
        who: Callable[[str], str],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(
            [
                Column(
                    "Plate", lambda e: e.plate_display, samples=("ABCD1234 (ON)", "AB*12 (any)")
                ),
                Column("Category", lambda e: e.category, samples=("Stolen vehicle",)),
                Column(
                    "Priority",
                    lambda e: PRIORITIES.get(e.priority, str(e.priority)),
                    colour=lambda e: _PRIORITY_COLOURS.get(PRIORITIES.get(e.priority, "")),
                    samples=tuple(PRIORITIES.values()),
                ),
                Column(
                    "Instruction",
                    lambda e: e.instruction,
                    stretch=True,
                    give_way=True,
                    tooltip=lambda e: e.instruction,
                ),
                Column(
                    "Expires",
                    lambda e: "—" if e.expires_at is None else format_recent(e.expires_at, zone()),
                    samples=("30 Sep 2027 14:05",),
                ),
                badge_column(
                    "State", lambda e: e.state, STATE_TITLES, colours={"retired": "#6b7280"}
                ),
                Column("Incident", lambda e: e.incident_number or "", samples=("I2026-00000",)),
                Column("Added by", lambda e: who(e.created_by), samples=("dispatcher",)),
            ],
            key=lambda e: e.id,
            dimmed=lambda e: e.state != "in_force",
            parent=parent,
        )


def alert_words(alert: Alert, zone: str) -> str:
    """What a dispatcher reads about an alert, in order of need."""
    seen = format_local(alert.seen_at, zone)
    lines = [
        f"Instruction: {alert.instruction}",
        f"Why it is watched: {alert.reason}",
        f"{alert.how} in {alert.place}, {seen}"
        + (
            f" — seen {alert.hits} times since {format_local(alert.first_at, zone)}"
            if alert.hits > 1
            else ""
        ),
        f"Entry {alert.plate_pattern}: {alert.category}, "
        f"{PRIORITIES.get(alert.priority, '').lower()} priority",
    ]
    if not alert.waiting and alert.acknowledged_at is not None:
        lines.append(
            f"Acknowledged by {alert.acknowledged_by}, {format_local(alert.acknowledged_at, zone)}"
            + (f": {alert.acknowledge_note}" if alert.acknowledge_note else "")
        )
    return "\n".join(lines)


class AlertPanel(QDialog):
    """The newest alert, on top of every desk, without taking the keyboard."""

    acknowledge = Signal(int)
    #: An incident is to be opened from the alert shown.
    incident_wanted = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertPanel")
        self.setModal(False)
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
        self.setWindowTitle("Watchlist alert")
        self.setMinimumWidth(520)
        self.alert: Alert | None = None
        self.heading = label(
            name="alertHeading",
            plain=True,
            style="font-size: 18pt; font-weight: 700; color: #b91c1c;",
        )
        self.words = label(name="alertWords", wrap=True, plain=True)
        self.photo = QLabel()
        self.photo.setObjectName("alertPhoto")
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo.hide()
        buttons = QDialogButtonBox()
        self.ack_button = buttons.addButton("&Acknowledge", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ack_button.setObjectName("alertAcknowledge")
        self.incident_button = buttons.addButton(
            "Open an &incident…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.incident_button.clicked.connect(self._open_incident)
        later = buttons.addButton("&Later", QDialogButtonBox.ButtonRole.RejectRole)
        later.setToolTip("Close this panel; the alert waits on the security desk")
        self.ack_button.clicked.connect(self._acknowledge)
        later.clicked.connect(self.hide)
        vbox(self.heading, self.words, self.photo, buttons, margins=16, spacing=10, parent=self)
        self.setStyleSheet("QDialog#alertPanel { border: 3px solid #b91c1c; }")

    def show_alert(self, alert: Alert, zone: str, photo: QImage | None) -> None:
        self.alert = alert
        self.heading.setText(f"WATCHLISTED  {alert.plate} ({alert.jurisdiction})")
        self.words.setText(alert_words(alert, zone))
        if photo is not None and not photo.isNull():
            self.photo.setPixmap(
                QPixmap.fromImage(photo).scaled(
                    480,
                    200,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
            self.photo.show()
        else:
            self.photo.hide()
        self.show()
        self.raise_()

    def _open_incident(self) -> None:
        if self.alert is not None:
            self.incident_wanted.emit(self.alert)
        self.hide()

    def _acknowledge(self) -> None:
        if self.alert is not None:
            self.acknowledge.emit(self.alert.id)
        self.hide()
