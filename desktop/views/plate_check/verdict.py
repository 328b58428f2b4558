"""The answer to a plate check: the verdict card (before the first check, what to do) and,
under it, the registered plates that look like the one typed — offered, never swapped in."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QSizePolicy, QWidget

from desktop.services.platecheck import NearMatch, PlateQuery, PlateVerdict
from desktop.views.kit.layout import Stretch, button, holder, label, vbox
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
        self.near_buttons: list[QPushButton] = []
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
        self.near_title = label(name="sectionTitle", wrap=True)
        self._near_grid = QGridLayout()
        self._near_grid.setHorizontalSpacing(8)
        self._near_grid.setVerticalSpacing(6)
        near_hint = "Choosing one checks that plate; the plate you typed stays in the history."
        self.near_box = holder(
            vbox(
                self.near_title,
                self._near_grid,
                label(near_hint, name="hint", wrap=True),
                margins=(0, 4, 0, 0),
                spacing=6,
            ),
            visible=False,
        )
        # The card keeps its natural height, with the look-alikes right under it.
        self._layout = vbox(
            (self.empty_state, 1), self.card, self.near_box, Stretch(0), spacing=12, parent=self
        )

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
        for old in self.near_buttons:
            self._near_grid.removeWidget(old)
            old.deleteLater()
        self.near_buttons = []
        matches = verdict.near_matches
        self.near_box.setVisible(bool(matches))
        self.near_title.setText(
            "Also registered — make sure the plate was read right before you move on:"
            if verdict.may_park
            else "Did you mean…"
        )
        for index, match in enumerate(matches):
            near = button(
                f"{match.label}  ·  {_short(match)}",
                partial(self.near_match_chosen.emit, match.jurisdiction, match.plate),
                tip=f"Check {match.label}: {match.description}.",
            )
            near.setObjectName("nearMatch")
            near.setAutoDefault(True)  # Enter on a focused look-alike chooses it
            near.setAccessibleName(f"Check {match.label}, {match.description}")
            near.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            self._near_grid.addWidget(near, index // NEAR_COLUMNS, index % NEAR_COLUMNS)
            self.near_buttons.append(near)


def _short(match: NearMatch) -> str:
    if match.differences == 0:
        return "other jurisdiction"
    return "1 look-alike" if match.differences == 1 else f"{match.differences} look-alikes"
