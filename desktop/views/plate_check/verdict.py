"""The answer to a plate check: the verdict card (before the first check, what to do) and,
under it, the registered plates that look like the one typed — offered, never swapped in."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from desktop.services.platecheck import NearMatch, PlateQuery, PlateVerdict
from desktop.views.kit.widgets import EmptyState
from desktop.views.plate_check.card import VerdictCard

#: Look-alike plates stand in this many columns.
NEAR_COLUMNS = 2

_VERDICT_STYLE = """
QLabel#sectionTitle { color: #374151; font-weight: 600; }
QPushButton#nearMatch { text-align: left; padding: 6px 12px; }
"""


class VerdictPanel(QWidget):
    """The verdict card, or what to do before there is one; the look-alikes under it."""

    #: A look-alike plate was chosen (its jurisdiction and plate): check that plate.
    near_match_chosen = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(_VERDICT_STYLE)
        self._near_buttons: list[QPushButton] = []
        self.empty_state = EmptyState(
            "Type a plate and press Enter",
            "The verdict appears here at once: valid permit, valid temporary permit, wrong "
            "lot, expired or no permit. Plates that differ only by look-alike characters "
            "(0 and O, 8 and B, 1 and I …) are offered below it, never swapped in. While a "
            "verdict is shown it stays up to date: a permit sold at another desk changes it "
            "by itself.",
        )
        self.card = VerdictCard()
        self.card.hide()

        self.near_box = QWidget()
        self.near_title = QLabel()
        self.near_title.setObjectName("sectionTitle")
        self.near_title.setWordWrap(True)
        self.near_hint = QLabel(
            "Choosing one checks that plate; the plate you typed stays in the history."
        )
        self.near_hint.setObjectName("hint")
        self.near_hint.setWordWrap(True)
        self._near_grid = QGridLayout()
        self._near_grid.setHorizontalSpacing(8)
        self._near_grid.setVerticalSpacing(6)
        near_layout = QVBoxLayout(self.near_box)
        near_layout.setContentsMargins(0, 4, 0, 0)
        near_layout.setSpacing(6)
        near_layout.addWidget(self.near_title)
        near_layout.addLayout(self._near_grid)
        near_layout.addWidget(self.near_hint)
        self.near_box.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(self.empty_state, 1)
        layout.addWidget(self.card)
        layout.addWidget(self.near_box)
        # The card keeps its natural height, with the look-alikes right under it.
        layout.addStretch(0)
        self._layout = layout

    def near_buttons(self) -> list[QPushButton]:
        return list(self._near_buttons)

    def show_verdict(self, verdict: PlateVerdict, note: str) -> None:
        self.card.show_verdict(verdict, note)
        self._show_card(True)
        self._show_near_matches(verdict)

    def show_pending(self, query: PlateQuery) -> None:
        """ "Checking…" while an answer is slow to come."""
        self.card.show_pending(query)
        self._show_card(True)

    def show_again(self, verdict: PlateVerdict | None) -> None:
        """No new answer came: the verdict that was on screen as it was, or nothing."""
        if verdict is None:
            self.clear()
        else:
            self.card.show_verdict(verdict, self.card.note.text())

    def clear(self) -> None:
        """No verdict: what to do instead."""
        self.near_box.hide()
        self._show_card(False)

    def _show_card(self, shown: bool) -> None:
        self.empty_state.setVisible(not shown)
        self.card.setVisible(shown)
        self._layout.setStretch(self._layout.count() - 1, 1 if shown else 0)

    def _show_near_matches(self, verdict: PlateVerdict) -> None:
        for button in self._near_buttons:
            self._near_grid.removeWidget(button)
            button.deleteLater()
        self._near_buttons = []
        matches = verdict.near_matches
        self.near_box.setVisible(bool(matches))
        if verdict.may_park:
            self.near_title.setText(
                "Also registered — make sure the plate was read right before you move on:"
            )
        else:
            self.near_title.setText("Did you mean…")
        for index, match in enumerate(matches):
            button = QPushButton(f"{match.label}  ·  {_short(match)}")
            button.setObjectName("nearMatch")
            button.setAutoDefault(True)  # Enter on a focused look-alike chooses it
            button.setToolTip(f"Check {match.label}: {match.description}.")
            button.setAccessibleName(f"Check {match.label}, {match.description}")
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.clicked.connect(
                lambda _=False, m=match: self.near_match_chosen.emit(m.jurisdiction, m.plate)
            )
            self._near_grid.addWidget(button, index // NEAR_COLUMNS, index % NEAR_COLUMNS)
            self._near_buttons.append(button)


def _short(match: NearMatch) -> str:
    if match.differences == 0:
        return "other jurisdiction"
    if match.differences == 1:
        return "1 look-alike"
    return f"{match.differences} look-alikes"
