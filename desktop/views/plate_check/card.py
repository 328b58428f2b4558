"""The verdict card: the big answer an officer reads at a glance, in words and colour; and
the lists beside it."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QFormLayout, QFrame, QHBoxLayout, QLabel, QListWidget, QWidget

from desktop.services.platecheck import (
    PlateQuery,
    PlateVerdict,
    describe_until,
    format_clock,
    format_moment,
)
from desktop.views.kit.layout import STRETCH, label, vbox


def side_list(panel: QWidget, name: str, accessible: str, *, chosen: bool) -> QListWidget:
    """The list of ``panel`` beside the verdict: an icon and two lines an entry, wrapped to
    the side's width; ``chosen``: an entry can be chosen (and has the focus to be)."""
    panel.setStyleSheet(
        "QLabel#sectionTitle { color: #374151; font-weight: 600; } "
        f"QListWidget#{name} {{ background: #ffffff; border: 1px solid #dde2e9; "
        "border-radius: 4px; } "
        f"QListWidget#{name}::item {{ padding: 5px 4px; }} "
        + (
            f"QListWidget#{name}::item:selected {{ background: #dbe7fd; color: #111827; }}"
            if chosen
            else ""
        )
    )
    panel.setMinimumWidth(210)
    panel.setMaximumWidth(320)
    made = QListWidget()
    made.setObjectName(name)
    made.setAccessibleName(accessible)
    made.setIconSize(QSize(16, 16))
    made.setWordWrap(True)
    # Long entries wrap within the side's width instead of scrolling sideways.
    made.setResizeMode(QListWidget.ResizeMode.Adjust)
    made.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    if not chosen:
        made.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return made


#: tone -> (card background, border and icon colour, title colour)
TONE_COLOURS = {
    "ok": ("#ecfdf3", "#16a34a", "#14532d"),
    "caution": ("#fffaeb", "#d97706", "#7a3e00"),
    "stop": ("#fef3f2", "#d92d20", "#8a1c13"),
    "pending": ("#ffffff", "#94a3b8", "#374151"),
}

#: What a verdict means for the car, above its title (so colour is never the only signal).
VERDICT_WORDS = {
    "watchlisted": "Watchlisted: follow the instruction",
    "valid": "May park",
    "temporary": "May park for now",
    "exempt": "Do not ticket",
    "scofflaw": "Boot or tow: unpaid citations",
    "over_limit": "Over the time limit",
    "wrong_lot": "Not in this lot",
    "expired": "May not park",
    "no_permit": "May not park",
}

#: The rows of a verdict's details, by key.
DETAIL_CAPTIONS = {
    "instruction": "Instruction",
    "permit": "Permit",
    "type": "Type",
    "lot": "Lot",
    "from": "Valid from",
    "until": "Valid until",
    "checked": "Checked",
}


def paint_verdict_icon(painter: QPainter, rect: QRectF, tone: str) -> None:
    """A filled circle with a tick (ok), an exclamation mark (caution) or a cross (stop)."""
    colour = QColor(TONE_COLOURS.get(tone, TONE_COLOURS["pending"])[1])
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawEllipse(rect)
    size = rect.width()
    pen = QPen(QColor("#ffffff"), max(1.5, size * 0.11))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    x, y = rect.x(), rect.y()

    def at(fx: float, fy: float) -> QPointF:
        return QPointF(x + fx * size, y + fy * size)

    if tone == "ok":
        path = QPainterPath(at(0.28, 0.52))
        path.lineTo(at(0.44, 0.68))
        path.lineTo(at(0.73, 0.35))
        painter.drawPath(path)
    elif tone == "caution":
        painter.drawLine(at(0.5, 0.25), at(0.5, 0.58))
        painter.drawPoint(at(0.5, 0.75))
    elif tone == "stop":
        painter.drawLine(at(0.33, 0.33), at(0.67, 0.67))
        painter.drawLine(at(0.67, 0.33), at(0.33, 0.67))
    else:
        for fx in (0.3, 0.5, 0.7):
            painter.drawPoint(at(fx, 0.5))
    painter.restore()


def verdict_icon(tone: str, size: int = 16) -> QIcon:
    pixmap = QPixmap(size * 2, size * 2)
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    paint_verdict_icon(painter, QRectF(1, 1, size - 2, size - 2), tone)
    painter.end()
    return QIcon(pixmap)


class VerdictIcon(QWidget):
    def __init__(self, size: int = 56, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tone = "pending"
        self.setFixedSize(QSize(size, size))

    def set_tone(self, tone: str) -> None:
        self._tone = tone
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        paint_verdict_icon(painter, QRectF(2, 2, self.width() - 4, self.height() - 4), self._tone)
        painter.end()


class VerdictCard(QFrame):
    """The verdict in large type, the database's reason, and the permit's details."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verdictCard")
        selectable = Qt.TextInteractionFlag.TextSelectableByMouse
        self.icon = VerdictIcon()
        self.tone_label = label(name="verdictTone")
        self.title = label(name="verdictTitle", wrap=True)
        self.plate = label(name="verdictPlate")
        self.plate.setTextInteractionFlags(selectable)
        self.plate.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.reason = label(name="verdictReason", wrap=True, plain=True)
        self.reason.setTextInteractionFlags(selectable)
        self.note = label(name="verdictNote", wrap=True)
        self.details = QFormLayout()
        self.details.setHorizontalSpacing(18)
        self.details.setVerticalSpacing(6)
        self.details.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        self.details.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._values: dict[str, QLabel] = {}
        for key, caption in DETAIL_CAPTIONS.items():
            value = label(name=f"detail_{key}", wrap=True, plain=True)
            value.setTextInteractionFlags(selectable)
            self.details.addRow(label(caption, name="detailCaption"), value)
            self._values[key] = value
        top = QHBoxLayout()
        top.setSpacing(16)
        top.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(vbox(self.tone_label, self.title, spacing=0), 1)
        top.addWidget(self.plate, 0, Qt.AlignmentFlag.AlignTop)
        self.rule = QFrame()
        self.rule.setFrameShape(QFrame.Shape.HLine)
        self.rule.setObjectName("verdictRule")
        vbox(
            top,
            self.reason,
            self.rule,
            self.details,
            self.note,
            STRETCH,
            margins=(22, 18, 22, 18),
            spacing=12,
            parent=self,
        )
        self.set_tone("pending")

    def value(self, key: str) -> str:
        return self._values[key].text()

    def set_tone(self, tone: str) -> None:
        background, border, title = TONE_COLOURS.get(tone, TONE_COLOURS["pending"])
        self.setStyleSheet(
            f"QFrame#verdictCard {{ background: {background}; border: 2px solid {border}; "
            "border-radius: 8px; } "
            f"QLabel#verdictTitle {{ color: {title}; font-size: 22pt; font-weight: 700; }} "
            f"QLabel#verdictTone {{ color: {border}; font-weight: 700; "
            "text-transform: uppercase; letter-spacing: 1px; } "
            "QLabel#verdictPlate { font-size: 16pt; font-weight: 600; color: #111827; "
            "font-family: 'DejaVu Sans Mono', 'Consolas', 'Menlo', monospace; } "
            f"QFrame#verdictRule {{ border: none; border-top: 1px solid {border}; "
            "max-height: 1px; } "
            "QLabel#verdictReason { font-size: 11pt; } "
            "QLabel#detailCaption, QLabel#verdictNote { color: #5b6577; } "
        )
        self.icon.set_tone(tone)

    def show_pending(self, query: PlateQuery) -> None:
        self.set_tone("pending")
        self._show_heading("", "Checking…", query.plate_display)
        self._show_details(None)
        self.say("")

    def show_verdict(self, verdict: PlateVerdict, note: str) -> None:
        self.set_tone(verdict.tone)
        words = VERDICT_WORDS.get(verdict.verdict, "Check")
        self._show_heading(words, verdict.title, verdict.plate_display)
        self._show_details(verdict)
        self.say(note)

    def say(self, note: str) -> None:
        """A line under the details: why the verdict changed, or that checking again failed."""
        self.note.setText(note)
        self.note.setVisible(bool(note))

    def _show_heading(self, words: str, title: str, plate: str) -> None:
        self.tone_label.setText(words.upper())
        self.tone_label.setVisible(bool(words))
        self.title.setText(title)
        self.plate.setText(plate)

    def _show_details(self, verdict: PlateVerdict | None) -> None:
        """The reason and the permit's details of a verdict; none while it is on its way."""
        self.reason.setText(verdict.reason if verdict is not None else "")
        self.reason.setVisible(verdict is not None)
        self.rule.setVisible(verdict is not None)
        rows = detail_rows(verdict) if verdict is not None else {}
        for row, (key, value) in enumerate(self._values.items()):
            value.setText(rows.get(key, ""))
            self.details.setRowVisible(row, key in rows)


def detail_rows(verdict: PlateVerdict) -> dict[str, str]:
    """The permit behind a verdict and when it was checked, by row of the card."""
    zone = verdict.office_zone
    rows: dict[str, str] = {}
    if verdict.instruction:
        rows["instruction"] = verdict.instruction
    if verdict.permit_number:
        rows["permit"] = verdict.permit_number
        kind = verdict.permit_kind_title
        permit_type = verdict.permit_type or kind
        rows["type"] = (
            permit_type
            if not kind or kind == permit_type or verdict.permit_kind == "term"
            else f"{permit_type} ({kind.lower()})"
        )
        if verdict.lot_name:
            rows["lot"] = verdict.lot_name
        if verdict.valid_from is not None:
            rows["from"] = format_moment(verdict.valid_from, zone)
        if verdict.valid_until is not None:
            rows["until"] = describe_until(verdict.valid_until, zone)
    checked = format_clock(verdict.checked_at, zone, seconds=True)
    if verdict.query.at is not None:
        checked += f", for {format_moment(verdict.query.at, zone)} (not now)"
    if verdict.query.lot_code:
        checked += f", in lot {verdict.query.lot_code}"
    rows["checked"] = checked
    return rows
