"""One appeal on the appeals desk: who appeals and why, the citation's case timeline with
what it shows at first sight, and — for the adjudicator holding it — the decision.

The timeline is the database's (``case_timeline``): permits as bands, the plate's reads
that day, the citation and its photos, its money, the parker's payments around it and
the appeal's steps, the finding first. The decision form is keyboard-first: the
decision's letter keys, the reason list, Ctrl+Enter to decide.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QGroupBox,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QWidget,
)

from desktop.services.appeals import (
    CHANNELS,
    Appeal,
    AppealOffice,
    Reason,
    TimelineEntry,
)
from desktop.services.localization import format_local, format_money, format_recent
from desktop.views.kit.forms import text_box
from desktop.views.kit.layout import STRETCH, button, desk_action, hbox, label, line_edit, vbox
from desktop.views.kit.table_view import Listing, sorted_table
from desktop.views.kit.tables import Column, RowsModel
from desktop.views.kit.widgets import NoticeBar

#: What each kind of timeline line is called in the "What" column's tooltip and colour.
KIND_COLOURS = {
    "permit": "#1a7f37",
    "permit_bought": "#1a7f37",
    "permit_cancelled": "#9a6700",
    "exemption": "#1a7f37",
    "citation": "#cf222e",
    "void": "#6e7781",
    "read": "#0969da",
    "appeal": "#8250df",
    "document": "#8250df",
}
KIND_TITLES = {
    "permit": "Permit valid",
    "permit_bought": "Permit bought",
    "permit_cancelled": "Permit cancelled",
    "exemption": "Exemption",
    "read": "Plate read",
    "citation": "Citation",
    "photo": "Photo",
    "document": "Parker's document",
    "void": "Void",
    "ledger": "Money",
    "payment": "Payment",
    "appeal": "Appeal",
}


#: The timeline's lines that open the evidence viewer.
EVIDENCE_KINDS = ("photo", "document")


#: A SHA-256 fingerprint as the database words it: 64 hexadecimal digits.
_FINGERPRINT = re.compile(r"\b([0-9a-f]{8})[0-9a-f]{48}([0-9a-f]{8})\b")


def short_fingerprints(text: str) -> str:
    """Fingerprints cut to their first and last eight digits ("042a7f64…c682a12b"), as
    people compare them; the line's tooltip and the printed packet have them whole."""
    return _FINGERPRINT.sub(r"\1…\2", text)


def from_citation(entry: TimelineEntry) -> str:
    """ "3 minutes after"; for a permit or exemption, when it began to cover the plate."""
    if entry.kind in ("permit", "exemption"):
        return f"valid from {entry.when}"
    return entry.when


class TimelineModel(RowsModel[TimelineEntry]):
    """The case timeline, in time order (the finding is shown above the table): when, and
    how long before or after the citation, on a second line; what; and its detail. Lines
    are read, not scanned: long texts go on to more lines rather than being cut."""

    def __init__(self, office: Callable[[], AppealOffice], parent: QObject | None = None) -> None:
        def zone() -> str:
            return office().time_zone

        def what(entry: TimelineEntry) -> str:
            if entry.amount is None:
                return entry.title
            return f"{entry.title} {format_money(entry.amount, office().currency)}"

        super().__init__(
            [
                Column(
                    "When",
                    lambda e: f"{format_recent(e.at, zone())}\n{from_citation(e)}",
                    tooltip=lambda e: (
                        format_local(e.at, zone())
                        + (f" until {format_local(e.until, zone())}" if e.until else "")
                    ),
                    sort=lambda e: e.at.timestamp(),
                    samples=("30 Sep 2025 14:05", "valid from 40 minutes before"),
                    wrap=True,
                ),
                Column(
                    "What",
                    what,
                    tooltip=lambda e: f"{KIND_TITLES.get(e.kind, '')}: {what(e)}",
                    colour=lambda e: KIND_COLOURS.get(e.kind),
                    bold=lambda e: e.kind == "citation",
                    samples=("Permit P-2026-00412 (Staff annual) for Lot B",),
                    wrap=True,
                ),
                Column(
                    "Detail",
                    lambda e: short_fingerprints(e.detail),
                    tooltip=lambda e: e.detail,
                    samples=("Science Quad Lot, officer demo_officer, device HH-1.",),
                    stretch=True,
                    wrap=True,
                ),
            ],
            key=lambda e: (e.kind, e.ref, e.at),
            parent=parent,
        )


class DecisionPanel(QGroupBox):
    """Uphold, reduce (to an amount) or dismiss, with a reason and a note for the letter."""

    #: (decision, reason id or None, note, amount typed)
    decide = Signal(str, object, str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Decision", parent)
        self.setObjectName("decisionPanel")
        self.uphold = QRadioButton("&Uphold")
        self.reduce = QRadioButton("&Reduce to")
        self.dismiss = QRadioButton("Dis&miss")
        self.choices = QButtonGroup(self)
        for radio, key in (
            (self.uphold, "uphold"),
            (self.reduce, "reduce"),
            (self.dismiss, "dismiss"),
        ):
            radio.setObjectName(f"{key}Choice")
            radio.setProperty("decision", key)
            self.choices.addButton(radio)
        self.choices.buttonToggled.connect(self._chosen)
        self.amount = line_edit(placeholder="e.g. 20.00", max_length=12, right=True)
        self.amount.setObjectName("reducedToEdit")
        self.amount.setAccessibleName("Reduce to")
        self.amount.setMinimumWidth(120)
        self.amount.setMaximumWidth(140)
        self.amount.setEnabled(False)
        self.reason = QComboBox()
        self.reason.setObjectName("reasonChoice")
        self.reason.setPlaceholderText("Choose a decision first")
        self.reason.setMinimumContentsLength(34)
        self.note = text_box(2, "Note for the letter")
        self.note.setObjectName("decisionNote")
        self.problem = label(name="formError", wrap=True)
        self.problem.hide()
        self.decide_button = button(
            "De&cide", self._decide, primary=True, tip="Decide the appeal (Ctrl+Enter)"
        )
        self.decide_button.setObjectName("decideButton")
        reason_label = label("Reas&on")
        reason_label.setBuddy(self.reason)
        note_label = label("&Note for the letter")
        note_label.setBuddy(self.note)
        vbox(
            hbox(self.uphold, self.reduce, self.amount, self.dismiss, STRETCH, spacing=14),
            hbox(reason_label, (self.reason, 1), spacing=8),
            note_label,
            hbox((self.note, 1), (vbox(STRETCH, self.decide_button), 0), spacing=10),
            self.problem,
            margins=(10, 12, 10, 10),
            spacing=8,
            parent=self,
        )
        desk_action(self, "Decide", "Ctrl+Return", self._decide)
        desk_action(self, "Decide", "Ctrl+Enter", self._decide)
        self._reasons: dict[str, list[Reason]] = {}

    def set_reasons(self, decision: str, reasons: list[Reason]) -> None:
        self._reasons[decision] = reasons
        if self.chosen() == decision:
            self._fill_reasons(decision)

    def chosen(self) -> str:
        checked = self.choices.checkedButton()
        return str(checked.property("decision")) if checked is not None else ""

    def clear(self) -> None:
        self.choices.setExclusive(False)
        for radio in self.choices.buttons():
            radio.setChecked(False)
        self.choices.setExclusive(True)
        self.amount.clear()
        self.amount.setEnabled(False)
        self.reason.clear()
        self.reason.setPlaceholderText("Choose a decision first")
        self.note.clear()
        self.show_problem("")

    def show_problem(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.setVisible(bool(message))

    def busy(self, busy: bool) -> None:
        self.decide_button.setEnabled(not busy)
        self.decide_button.setText("Deciding…" if busy else "De&cide")

    def has_draft(self) -> bool:
        return bool(self.chosen() or self.note.toPlainText().strip())

    def _chosen(self, _radio: QRadioButton, checked: bool) -> None:
        if not checked:
            return
        decision = self.chosen()
        self.amount.setEnabled(decision == "reduce")
        if decision == "reduce":
            self.amount.setFocus(Qt.FocusReason.OtherFocusReason)
        self._fill_reasons(decision)

    def _fill_reasons(self, decision: str) -> None:
        self.reason.clear()
        for reason in self._reasons.get(decision, []):
            self.reason.addItem(reason.text, reason.id)
        self.reason.setPlaceholderText("Choose the reason")
        self.reason.setCurrentIndex(0 if self.reason.count() == 1 else -1)

    def _decide(self) -> None:
        decision = self.chosen()
        if not decision:
            self.show_problem("Choose uphold, reduce or dismiss.")
            self.uphold.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        reason = self.reason.currentData()
        if reason is None:
            self.show_problem("Choose the reason for the decision.")
            self.reason.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.show_problem("")
        self.decide.emit(decision, reason, self.note.toPlainText().strip(), self.amount.text())


class AppealPage(QWidget):
    """The appeal shown: its header, the parker's statement, the finding, the timeline,
    the decision (when in hand) and what the counter and a manager may do."""

    give_back = Signal()
    set_hearing = Signal()
    withdraw = Signal()
    reopen = Signal()
    letter = Signal()
    hearing_notice = Signal()
    packet = Signal()
    add_document = Signal()
    #: The vehicle record of the cited plate was asked for.
    vehicle_record = Signal()
    #: A photo line of the timeline was opened: the evidence ids of the timeline's
    #: photos, and the one opened.
    photos_requested = Signal(list, int)

    def __init__(self, office: Callable[[], AppealOffice], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("appealPage")
        self._office = office
        self.appeal: Appeal | None = None
        self.title = label(
            name="appealTitle", plain=True, wrap=True, style="font-size: 14pt; font-weight: 600;"
        )
        self.status = label(
            name="appealStatus", wrap=True, plain=True, style="font-weight: 600; color: #374151;"
        )
        self.facts = label(wrap=True, plain=True)
        self.facts.setObjectName("appealFacts")
        self.statement = QPlainTextEdit()
        self.statement.setObjectName("appealStatement")
        self.statement.setReadOnly(True)
        self.statement.setTabChangesFocus(True)
        self.statement.setFixedHeight(self.statement.fontMetrics().lineSpacing() * 2 + 14)
        self.finding = NoticeBar("timelineFinding", "")
        self.finding.button.hide()
        self.timeline_model = TimelineModel(self._office, self)
        self.timeline, _proxy = sorted_table(self.timeline_model, "timelineTable")
        self.timeline.doubleClicked.connect(lambda _index: self.open_selected_photo())
        self.timeline_listing = Listing(self.timeline)
        self.decision = DecisionPanel()
        self.give_back_button = button(
            "Give &back", self.give_back.emit, tip="Return the appeal to the queue for someone else"
        )
        self.hearing_button = button(
            "Set hearin&g…",
            self.set_hearing.emit,
            tip="Send the appeal to a hearing, at a time and place",
        )
        self.withdraw_button = button(
            "&Withdraw…", self.withdraw.emit, tip="The parker withdrew the appeal"
        )
        self.reopen_button = button(
            "Reop&en…", self.reopen.emit, tip="Reopen the decided appeal, saying why (a manager)"
        )
        self.letter_button = button(
            "&Letter…", self.letter.emit, tip="The decision letter, to print or save"
        )
        self.hearing_notice_button = button(
            "Not&ice of hearing…", self.hearing_notice.emit, tip="The notice of the hearing"
        )
        self.packet_button = button(
            "Hearing pac&ket…",
            self.packet.emit,
            tip="The citation, its photos, the timeline and the appeal's history in one document",
        )
        self.document_button = button(
            "Add a &scan…",
            self.add_document.emit,
            tip="Attach the parker's document, scanned or photographed: a receipt, the permit "
            "(PDF, JPEG or PNG)",
        )
        self.document_button.setObjectName("attachDocumentButton")
        self.record_button = button(
            "&Vehicle record…",
            self.vehicle_record.emit,
            tip="Everything you may see about the cited plate: permits, reads, citations… (Ctrl+R)",
        )
        self.record_button.setObjectName("vehicleRecordButton")
        actions = (
            self.give_back_button,
            self.hearing_button,
            self.withdraw_button,
            self.reopen_button,
            self.letter_button,
            self.hearing_notice_button,
            self.packet_button,
            self.document_button,
        )
        # Each shows when the appeal on the page allows it: never all at once, so they
        # do not make the desk wider than the window before an appeal is shown.
        for action in actions:
            action.setVisible(False)
        self.action_row = hbox(*actions, STRETCH, spacing=8)
        vbox(
            hbox(self.title, STRETCH, self.record_button, spacing=8),
            self.status,
            self.facts,
            self.statement,
            self.finding,
            (self.timeline_listing, 1),
            self.decision,
            self.action_row,
            margins=(4, 0, 0, 0),
            spacing=8,
            parent=self,
        )
        self.statement.setAccessibleName("The parker's statement")

    def show_appeal(
        self,
        appeal: Appeal,
        *,
        in_hand: bool,
        may_withdraw: bool,
        may_reopen: bool,
        may_attach: bool = False,
    ) -> None:
        changed = self.appeal is None or self.appeal.id != appeal.id
        self.appeal = appeal
        office = self._office()
        zone = office.time_zone
        self.title.setText(
            f"Appeal {appeal.number} — citation {appeal.citation_number}, "
            f"{appeal.jurisdiction} {appeal.plate}"
        )
        status = [appeal.outcome]
        if appeal.status == "decided" and appeal.decided_at is not None:
            status.append(
                f"by {appeal.decided_by} on {format_local(appeal.decided_at, zone)}: "
                f"{appeal.reason}" + (f" — {appeal.decision_note}" if appeal.decision_note else "")
            )
            if appeal.refund_due > 0:
                status.append(
                    f"{format_money(appeal.refund_due, office.currency)} was paid beyond the "
                    "decided amount: the counter refunds it the way it was paid (permit desk, "
                    "Refunds)."
                )
        elif appeal.claimed_by and appeal.claimed_until is not None:
            who = "you" if in_hand else appeal.claimed_by
            status.append(f"in hand: {who}, until {format_recent(appeal.claimed_until, zone)}")
        if appeal.hearing_at is not None:
            status.append(
                f"hearing {format_local(appeal.hearing_at, zone)}, {appeal.hearing_place}"
            )
        status.append(
            f"fine {format_money(appeal.fine, office.currency)}, "
            f"owed {format_money(appeal.balance, office.currency)}"
        )
        self.status.setText(" · ".join(status))
        facts = [
            f"{appeal.appellant}" + (f" ({appeal.contact})" if appeal.contact else ""),
            f"{CHANNELS.get(appeal.channel, appeal.channel)}, "
            f"filed {format_local(appeal.filed_at, zone)} by {appeal.filed_by}",
        ]
        if appeal.late_reason:
            facts.append(f"Late, accepted by {appeal.late_accepted_by}: {appeal.late_reason}")
        self.facts.setText("\n".join(facts))
        self.statement.setPlainText(appeal.statement)
        deciding = in_hand and appeal.status == "open"
        self.decision.setVisible(deciding)
        if changed or not deciding:
            self.decision.clear()
        self.give_back_button.setVisible(deciding)
        self.hearing_button.setVisible(deciding and appeal.level == "review")
        self.withdraw_button.setVisible(may_withdraw and appeal.status == "open")
        self.reopen_button.setVisible(may_reopen and appeal.status == "decided")
        self.document_button.setVisible(may_attach and appeal.status == "open")
        self.letter_button.setVisible(appeal.status == "decided")
        self.packet_button.setVisible(True)
        self.hearing_notice_button.setVisible(
            appeal.status == "open" and appeal.hearing_at is not None
        )

    def show_timeline(self, entries: list[TimelineEntry]) -> None:
        findings = [e for e in entries if e.kind == "finding"]
        self.finding.say(" ".join(f"{e.title} {e.detail}".strip() for e in findings))
        rows = [e for e in entries if e.kind != "finding"]
        self.timeline_model.set_rows(rows)
        self.timeline_listing.show_rows(
            len(rows), "Nothing on the timeline", "The citation has nothing recorded around it."
        )

    def open_selected_photo(self) -> None:
        """A photo's or document's line opens the case's evidence, from that one."""
        entry: TimelineEntry | None = self.timeline.selected_row()
        if entry is None or entry.kind not in EVIDENCE_KINDS or entry.ref is None:
            return
        photos = [e.ref for e in self.timeline_model.rows() if e.kind in EVIDENCE_KINDS and e.ref]
        self.photos_requested.emit(photos, entry.ref)

    def timeline_failed(self, message: str) -> None:
        self.finding.say("")
        self.timeline_listing.show_empty("The timeline could not be loaded", message)

    def amount_edit(self) -> QLineEdit:
        return self.decision.amount
