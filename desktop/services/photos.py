"""Photos a simulated device takes: a car's rear with its plate and the time stamped in
the corner, as an enforcement camera writes it. Used by ``parkdesk device patrol`` and
by the demo data, so the office's photo viewer has real JPEG files to show and hash.

Drawn with Qt's painter on an image (no window); a program without a Qt application
gets an offscreen one.
"""

from __future__ import annotations

import os
import sys
import zlib
from datetime import datetime

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
)

#: Big enough to read the plate, small enough for thousands of demo photos.
WIDTH, HEIGHT = 480, 320

_CAR_COLOURS = ("#8a1c1c", "#1f3b73", "#2f2f2f", "#c9c9c9", "#f2f2f2", "#3e6b3a", "#7a5a2f")

#: The application made for a program that had none, kept alive with the module.
_made: list[QGuiApplication] = []


def _ensure_gui() -> None:
    """Fonts need a Qt application; a command-line program has none. In a program that
    also shows widgets (the desktop, its tests), the application made is a widgets one, so
    windows can still be opened after a photo was drawn."""
    if QGuiApplication.instance() is not None:
        return
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if "PySide6.QtWidgets" in sys.modules:
        from PySide6.QtWidgets import QApplication

        _made.append(QApplication([]))
    else:
        _made.append(QGuiApplication([]))


def plate_photo(jurisdiction: str, plate: str, taken_at: datetime, where: str = "") -> bytes:
    """A JPEG of a car's rear showing ``plate``, with ``taken_at`` (as given, in its own
    zone) and ``where`` stamped on it. The same arguments give the same picture."""
    _ensure_gui()
    image = QImage(WIDTH, HEIGHT, QImage.Format.Format_RGB32)
    # The car's colour follows the plate, so the same car looks the same on every read.
    body = QColor(_CAR_COLOURS[zlib.crc32(plate.encode()) % len(_CAR_COLOURS)])
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        _draw_car(painter, body)
        _draw_plate(painter, QRectF(170, 180, 140, 52), jurisdiction, plate)
        _stamp(painter, f"{taken_at:%Y-%m-%d %H:%M:%S %z}" + (f"  {where}" if where else ""))
    finally:
        painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "JPEG", 80)  # type: ignore[call-overload]  # the stubs say bytes; only str works
    buffer.close()
    return bytes(data.data())


def _draw_car(painter: QPainter, body: QColor) -> None:
    """The scene: the sky, the lot's asphalt, and a car's rear (tyres, body, rear
    window, lights, bumper)."""
    sky = QLinearGradient(0, 0, 0, HEIGHT)
    sky.setColorAt(0, QColor("#9aa7b1"))
    sky.setColorAt(1, QColor("#4a4f54"))
    painter.fillRect(QRectF(0, 0, WIDTH, HEIGHT), sky)
    painter.fillRect(QRectF(0, HEIGHT * 0.78, WIDTH, HEIGHT * 0.22), QColor("#3a3a3a"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#161616"))
    painter.drawRoundedRect(QRectF(70, 230, 60, 60), 8, 8)
    painter.drawRoundedRect(QRectF(350, 230, 60, 60), 8, 8)
    shape = QPainterPath()
    shape.addRoundedRect(QRectF(50, 90, 380, 170), 28, 28)
    painter.setBrush(body)
    painter.drawPath(shape)
    painter.setBrush(QColor(30, 40, 50, 220))
    painter.drawRoundedRect(QRectF(105, 100, 270, 60), 14, 14)
    painter.setBrush(QColor("#c0261f"))
    painter.drawRoundedRect(QRectF(60, 170, 60, 28), 6, 6)
    painter.drawRoundedRect(QRectF(360, 170, 60, 28), 6, 6)
    painter.setBrush(QColor("#222222"))
    painter.drawRect(QRectF(50, 238, 380, 16))


def _draw_plate(painter: QPainter, box: QRectF, jurisdiction: str, plate: str) -> None:
    painter.setBrush(QColor("#f7f7f2"))
    painter.setPen(QPen(QColor("#1b3d8f"), 2))
    painter.drawRoundedRect(box, 5, 5)
    painter.setPen(QColor("#1b3d8f"))
    painter.setFont(QFont("DejaVu Sans", 7))
    painter.drawText(
        QRectF(box.x(), box.y() + 2, box.width(), 11), Qt.AlignmentFlag.AlignHCenter, jurisdiction
    )
    painter.setFont(QFont("DejaVu Sans Mono", 18, QFont.Weight.Bold))
    painter.setPen(QColor("#111111"))
    painter.drawText(box.adjusted(0, 10, 0, 0), Qt.AlignmentFlag.AlignCenter, plate.upper())


def _stamp(painter: QPainter, text: str) -> None:
    """The camera's time stamp, yellow on a black shadow, readable on any car."""
    painter.setFont(QFont("DejaVu Sans Mono", 9))
    painter.setPen(QColor("#000000"))
    painter.drawText(QPointF(11, 21), text)
    painter.setPen(QColor("#ffd200"))
    painter.drawText(QPointF(10, 20), text)
