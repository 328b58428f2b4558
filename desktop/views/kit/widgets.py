"""Small widgets and helpers shared by the ParkDesk windows: settings, icon, headers, states."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import shiboken6
from PySide6.QtCore import QDate, QDateTime, QObject, QRectF, QSettings, QSize, Qt, QTime
from PySide6.QtGui import QColor, QIcon, QPainter, QPaintEvent, QResizeEvent, QValidator
from PySide6.QtWidgets import QCheckBox, QDateTimeEdit, QFrame, QPushButton, QSplitter, QWidget

from desktop.services.localization import on_clock, parse_moment, wall_time
from desktop.views.kit.layout import STRETCH, Stretch, hbox, label, vbox

log = logging.getLogger(__name__)
T = TypeVar("T")

ORGANIZATION = "ParkDesk"
APPLICATION = "ParkDesk"

#: Indicator colours for the live connection states of desktop.views.kit.live.
STATE_COLOURS = {"live": "#16a34a", "connecting": "#d97706", "offline": "#dc2626"}


def app_settings() -> QSettings:
    """The person's ParkDesk settings (an INI file in their config folder; never passwords)."""
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
    )


def resources_dir() -> Path:
    """The stylesheet and icon: beside the package when installed, at the repository root
    when running from a checkout."""
    package = Path(__file__).resolve().parents[2]  # desktop/views/kit/widgets.py
    for candidate in (package / "resources", package.parent / "resources"):
        if (candidate / "parkdesk.qss").exists():
            return candidate
    return package.parent / "resources"


def app_icon() -> QIcon:
    folder = resources_dir()
    icon = QIcon()
    for name in ("parkdesk.svg", "parkdesk.png"):
        if (folder / name).exists():
            icon.addFile(str(folder / name))
    return icon


def stylesheet() -> str:
    folder = resources_dir()
    try:
        text = (folder / "parkdesk.qss").read_text(encoding="utf-8")
    except OSError:
        log.warning("no stylesheet in %s", folder)
        return ""
    return text.replace("@RESOURCES@", folder.as_posix())


def alive(owner: QObject) -> bool:
    """False once Qt has deleted the object (a window closed while its work was running)."""
    return shiboken6.isValid(owner)


def while_alive(owner: QObject, fn: Callable[[T], object]) -> Callable[[T], None]:
    """A runner success callback that is dropped when ``owner`` has gone meanwhile."""

    def callback(result: T) -> None:
        if alive(owner):
            fn(result)

    return callback


def failure_while_alive(
    owner: QObject, fn: Callable[[BaseException], bool | None]
) -> Callable[[BaseException], bool | None]:
    """A runner failure callback; once ``owner`` has gone the failure is only logged."""

    def callback(exc: BaseException) -> bool | None:
        if alive(owner):
            return fn(exc)
        log.info("ignoring a failure for a closed window: %s", exc)
        return True

    return callback


def grow_to_fit(window: QWidget) -> None:
    """Make a dialog tall enough after text appeared in it (wrapped labels need the room)."""
    layout = window.layout()
    if layout is None:
        return
    layout.activate()
    needed = layout.totalHeightForWidth(window.width()) if layout.hasHeightForWidth() else -1
    needed = max(needed, layout.totalMinimumSize().height())
    if window.height() < needed:
        window.resize(window.width(), needed)


def mark_invalid(widget: QWidget, invalid: bool) -> None:
    """Give a field the stylesheet's error look (a red border) or take it away."""
    if bool(widget.property("invalid")) == invalid:
        return
    widget.setProperty("invalid", invalid)
    # The tick boxes of a refused group take their look from it: polished again too.
    for shown in (widget, *widget.findChildren(QCheckBox)):
        style = shown.style()
        style.unpolish(shown)
        style.polish(shown)
        shown.update()


class StateDot(QWidget):
    """A small coloured dot: green live, amber connecting, red offline."""

    def __init__(self, state: str = "connecting", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self.setFixedSize(QSize(12, 12))

    @property
    def state(self) -> str:
        return self._state

    def set_state(self, state: str) -> None:
        self._state = state
        self.update()

    def colour(self) -> QColor:
        return QColor(STATE_COLOURS.get(self._state, "#94a3b8"))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.colour())
        painter.drawEllipse(QRectF(1, 1, self.width() - 2, self.height() - 2))
        painter.end()


class DeskHeader(QWidget):
    """The title area above a desk: what it is, in one line of explanation."""

    def __init__(self, title: str = "", subtitle: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deskHeader")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.title = label(title, name="deskTitle")
        self.subtitle = label(subtitle, name="deskSubtitle", wrap=True)
        vbox(self.title, self.subtitle, margins=(24, 16, 24, 14), spacing=2, parent=self)

    def set_text(self, title: str, subtitle: str) -> None:
        self.title.setText(title)
        self.subtitle.setText(subtitle)
        self.subtitle.setVisible(bool(subtitle))


class EmptyState(QWidget):
    """A centred message where a desk or list has nothing to show."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        self.title = label(title, name="emptyTitle", wrap=True)
        self.text = label(text, name="emptyText", wrap=True)
        for shown in (self.title, self.text):
            shown.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        # A column of limited width, centred: wrapped labels get their full height in it.
        column = QWidget()
        column.setMaximumWidth(560)
        vbox(self.title, self.text, spacing=10, parent=column)
        row = hbox(STRETCH, (column, 4), STRETCH, margins=None)
        vbox(Stretch(2), row, Stretch(3), margins=24, parent=self)


class NoticeBar(QFrame):
    """A coloured strip with a message and one button (Reload, or OK to dismiss)."""

    INFO = ("#eaf2fe", "#c6dbfb", "#1e3a5f")
    WARNING = ("#fff4ce", "#e8cf7a", "#5c3c00")

    def __init__(self, name: str, button: str, colours: tuple[str, str, str] = INFO) -> None:
        super().__init__()
        self.setObjectName(name)
        background, border, text = colours
        self.setStyleSheet(
            f"QFrame#{name} {{ background: {background}; border: 1px solid {border}; "
            f"border-radius: 4px; }} QFrame#{name} QLabel {{ color: {text}; }}"
        )
        self.label = label(wrap=True)
        self.button = QPushButton(button)
        self.button.setAutoDefault(False)
        hbox((self.label, 1), self.button, margins=(8, 4, 4, 4), parent=self)
        self.hide()

    def say(self, message: str) -> None:
        self.label.setText(message)
        self.setVisible(bool(message))


class MomentEdit(QDateTimeEdit):
    """A date and time that can be typed whole — "15 May 2027 12:00", "2027-05-15 12:00" —
    as well as stepped section by section or picked from the calendar."""

    DISPLAY = "d MMM yyyy HH:mm"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat(self.DISPLAY)
        self.setCalendarPopup(True)

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        state = QValidator.State.Acceptable if parse_moment(text) else QValidator.State.Intermediate
        return state, text, pos

    def fixup(self, text: str) -> str:
        return text

    def dateTimeFromText(self, text: str) -> QDateTime:
        moment = parse_moment(text)
        if moment is None:
            return self.dateTime()
        return QDateTime(
            QDate(moment.year, moment.month, moment.day), QTime(moment.hour, moment.minute)
        )

    def textFromDateTime(self, value: QDateTime) -> str:
        return value.toString(self.DISPLAY)

    def show_moment(self, at: datetime, zone: str | None) -> None:
        """Show ``at`` on the office's clock (``zone``), whatever the computer's zone (its
        own while the office's is not known: None)."""
        local = on_clock(at, zone)
        self.setDateTime(
            QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))
        )

    def moment(self, zone: str | None) -> datetime:
        """The time shown, read on the office's clock (``zone``; the computer's: None)."""
        shown = self.dateTime()
        day, clock = shown.date(), shown.time()
        wall = datetime(day.year(), day.month(), day.day(), clock.hour(), clock.minute())  # noqa: DTZ001
        return wall_time(wall, zone)


class DeskSplitter(QSplitter):
    """Search results above (or on the left), a record below (or on the right): the desk
    says which pane needs the room now (the results until a record is open, then the
    record), and the split follows — unless the person has dragged it, which then stays
    as they left it."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        orientation: Qt.Orientation = Qt.Orientation.Vertical,
    ) -> None:
        super().__init__(orientation, parent)
        self.setChildrenCollapsible(False)
        self._by_hand = False
        self._sizing = False
        self._favoured: tuple[int, float] | None = None
        self.splitterMoved.connect(self._moved)

    def favour(self, pane: int, share: float = 0.7) -> None:
        """Give ``pane`` (0 above or left, 1 below or right) ``share`` of the room, now
        and whenever the desk is resized (results that arrive before the desk is first
        shown would otherwise be split at the size it had then)."""
        self._favoured = (pane, share)
        self._split()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._split()

    def _split(self) -> None:
        if self._by_hand or self.count() != 2 or self._favoured is None:
            return
        pane, share = self._favoured
        total = sum(self.sizes()) or (
            self.height() if self.orientation() == Qt.Orientation.Vertical else self.width()
        )
        first = int(total * (share if pane == 0 else 1 - share))
        self._sizing = True
        try:
            self.setSizes([first, total - first])
        finally:
            self._sizing = False

    def _moved(self, _position: int, _index: int) -> None:
        if not self._sizing:
            self._by_hand = True
