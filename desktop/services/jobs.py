"""The office's clock work: what must happen as time passes, whether or not a desk is open.

Today that is the waitlists — an offer nobody answered in time expires, and the space it
held is offered to the next parker waiting —, the plate reads' monthly partitions, kept a
year ahead, citations' escalation stages (late fees, referrals to collections), and the
settings staff logins saved for themselves, cleared (docs/SECURITY.md, threat 20).
``parkdesk jobs run`` does it from cron, a systemd timer or the Windows task scheduler
(``installer/README.md``); every open permit desk expires waitlist offers too, each minute.
Each job is idempotent: running it twice, or from two places at once, does nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, text

from desktop.services.localization import format_month


@dataclass(frozen=True)
class JobsDone:
    """What one run did."""

    offers_expired: int
    offers_made: int
    #: Months of plate reads split off ahead, and months left in the default partition
    #: (with why).
    months_added: tuple[date, ...] = ()
    months_skipped: tuple[tuple[date, str], ...] = ()
    #: Escalation stages a citation still unpaid reached (a late fee, collections).
    citation_stages: int = 0
    #: Staff logins whose self-saved settings were cleared (docs/SECURITY.md, threat 20).
    settings_cleared: int = 0

    def describe(self) -> str:
        def count(n: int, thing: str) -> str:
            return f"{n} {thing}{'' if n == 1 else 's'}"

        lines = [
            f"Clock work done: {count(self.offers_expired, 'waitlist offer')} expired, "
            f"{count(self.offers_made, 'space')} offered to the next in line; "
            f"{count(len(self.months_added), 'month')} of plate reads added ahead; "
            f"{count(self.citation_stages, 'citation escalation stage')} posted."
        ]
        if self.settings_cleared:
            lines.append(
                f"Cleared the settings {count(self.settings_cleared, 'staff login')} saved "
                "for their own sessions (the server log names them)."
            )
        lines += [
            f"Plate reads of {format_month(m, long=True)} not split off: {why}."
            for m, why in self.months_skipped
        ]
        return "\n".join(lines)


#: How far ahead plate reads have their month's partition ready.
READ_MONTHS_AHEAD = 12


def run_jobs(conn: Connection) -> JobsDone:
    """Run every clock job once, in the caller's transaction (the administrator's)."""
    expired = conn.execute(
        text(
            "SELECT count(*) FROM parkdesk.waitlist_entry "
            "WHERE status = 'offered' AND offer_expires_at <= now()"
        )
    ).scalar_one()
    made = conn.execute(text("SELECT parkdesk.refresh_waitlists()")).scalar_one()
    months = conn.execute(
        text("SELECT month, created, note FROM parkdesk.ensure_read_partitions(:ahead)"),
        {"ahead": READ_MONTHS_AHEAD},
    ).all()
    stages = conn.execute(text("SELECT parkdesk.escalate_citations()")).scalar_one()
    cleared = conn.execute(text("SELECT parkdesk.clear_staff_settings()")).scalar_one()
    return JobsDone(
        offers_expired=int(expired),
        offers_made=int(made),
        months_added=tuple(m.month for m in months if m.created),
        months_skipped=tuple((m.month, str(m.note)) for m in months if not m.created),
        citation_stages=int(stages),
        settings_cleared=int(cleared),
    )
