"""Walks the catalog so a new table, grant or function cannot slip past the security model.

The permission matrix below is the contract, and must say the same as docs/SECURITY.md:
change a grant in a migration and this test fails until both are updated.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from tests.conftest import Database

OWNER = "parkdesk_owner"
EVERY_DESK = {"clerk", "adjudicator", "dispatcher", "manager", "officer", "admin"}
#: The desks that work with people: personal details are theirs to read.
PARKER_READERS = {"clerk", "adjudicator", "dispatcher", "manager"}

# -- the permission matrix ----------------------------------------------------------

EVIDENCE_COLUMNS = {
    "id", "citation_id", "appeal_id", "incident_id", "content", "sha256", "media_type",
    "size_bytes", "captured_at", "recorded_by", "device_id", "device_seq", "description",
    "file_name", "recorded_at",
}  # fmt: skip
WATCHLIST_ENTRY_COLUMNS = {
    "id", "jurisdiction", "plate_pattern", "partial", "plate_like", "category", "priority",
    "reason", "instruction", "starts_at", "expires_at", "retired_at", "retired_by",
    "retire_reason", "trespass_notice_id", "incident_id", "version", "created_at",
    "created_by", "updated_at", "updated_by",
}  # fmt: skip
TRESPASS_NOTICE_COLUMNS = {
    "id", "number", "parker_id", "person_name", "person_description", "lot_id", "place",
    "reason", "issued_at", "issued_by", "expires_at", "incident_id", "revoked_at",
    "revoked_by", "revoke_reason",
}  # fmt: skip

#: table -> privilege -> group roles holding it on the whole table.
TABLE_GRANTS: dict[str, dict[str, set[str]]] = {
    "alembic_version": {"SELECT": EVERY_DESK},  # clients refuse a schema they do not know
    "audit_chain": {},  # only the audit trigger and verify_audit_chain touch it
    "sql_definition": {},  # the checksum of the applied SQL files, the administrator's
    "audit_log": {"SELECT": {"manager", "admin"}},
    "lot": {"SELECT": EVERY_DESK},
    "zone": {"SELECT": EVERY_DESK},
    "staff_member": {"SELECT": EVERY_DESK},  # row-level security: own row unless admin/manager
    "parker": {"SELECT": PARKER_READERS},
    "vehicle": {"SELECT": {"manager"}},
    # The permit desk. Every write is a SECURITY DEFINER function (FUNCTION_GRANTS), except
    # the settings, price list and lot list a manager keeps.
    "office_setting": {"SELECT": EVERY_DESK},
    "permit_type": {"SELECT": PARKER_READERS},
    "permit_type_lot": {"SELECT": PARKER_READERS, "INSERT": {"manager"}, "DELETE": {"manager"}},
    # Who sold, renewed, refunded or offered what (the stamps) is the managers' to read:
    # the other desks have every other column (COLUMN_GRANTS).
    "permit": {"SELECT": {"manager"}},
    "permit_vehicle": {"SELECT": {"manager"}},
    "waitlist_entry": {"SELECT": {"manager"}},
    # Who took a payment or posted a line, and in which drawer shift, is the managers':
    # the other desks read the masked views below (VIEW_GRANTS).
    "payment": {"SELECT": {"manager"}},
    "refund": {"SELECT": {"manager"}},
    "ledger_entry": {"SELECT": {"manager"}},
    # Row-level security (own drawer unless manager); clerks read it through shift_line.
    "cash_shift": {"SELECT": {"manager"}},
    # Hardening: keys of money requests (functions only); recorded plate corrections.
    "request_key": {},
    "plate_correction": {"SELECT": PARKER_READERS},
    # Enforcement. Managers keep the codes, the fine schedule, devices and ranges with
    # column grants (COLUMN_GRANTS); a handheld lists the codes and knows its ranges.
    "violation": {"SELECT": PARKER_READERS | {"officer"}},
    "fine_rule": {"SELECT": PARKER_READERS},
    "device": {"SELECT": PARKER_READERS | {"officer"}},
    "citation_range": {"SELECT": PARKER_READERS | {"officer"}},
    "spoiled_number": {"SELECT": PARKER_READERS},  # written only by spoil_numbers
    "device_request": {},  # the device API's keys: issue_citation's own
    # Written only by issue_citation; the officer reads none (the function returns what the
    # device needs), and nobody updates or deletes one.
    "citation": {"SELECT": {"clerk", "adjudicator", "manager"}},
    # Written only by attach_evidence; read with the citation by the same desks; never
    # updated or deleted by anyone, the owner included.
    # Row security: an incident's files as the incident, an appeal's as the appeals.
    # The other desks read files through case_evidence and evidence_file: under the row
    # policy, EXPLAIN ANALYZE of a scan counted the rows it hid.
    "evidence": {"SELECT": {"manager"}},
    # Written only by record_plate_read; read by the desks that work with people (vehicle
    # record, case timeline, reports); the officer reads none; never updated or deleted by
    # anyone, the owner included. The chain heads are record_plate_read's own.
    "plate_read": {"SELECT": PARKER_READERS},
    "plate_read_photo": {"SELECT": PARKER_READERS},
    "plate_read_chain": {},
    # The money side of citations: the managers' set-up (COLUMN_GRANTS), read by the
    # citation desks; which stages a citation has had is escalate_citations' to write.
    "repeat_fine": {"SELECT": {"clerk", "adjudicator", "manager"}},
    "escalation_stage": {"SELECT": {"clerk", "adjudicator", "manager"}},
    "citation_stage": {"SELECT": {"clerk", "adjudicator", "manager"}},
    # Exemptions ("do not ticket"): managers add and end them (COLUMN_GRANTS), nobody
    # removes one. Permit flags: raised by record_plate_read, cleared by clear_permit_flag.
    # The desks that answer for a plate read both; the officer's device reads neither.
    "exemption": {"SELECT": {"clerk", "adjudicator", "manager"}},
    "permit_flag": {"SELECT": {"clerk", "adjudicator", "manager"}},
    # Appeals: written by their functions; the desks that deal with citations read them.
    "appeal": {"SELECT": {"clerk", "adjudicator", "manager"}},
    "appeal_step": {"SELECT": {"clerk", "adjudicator", "manager"}},
    "appeal_reason": {"SELECT": {"clerk", "adjudicator", "manager"}},
    "appeal_claim": {"SELECT": {"clerk", "adjudicator", "manager"}},
    # The watchlist: dispatchers and managers keep it (COLUMN_GRANTS) and read its alerts;
    # the verdict gives others the instruction only.
    # Which incident an entry is for: the managers' column (watchlist_entry_incidents).
    "watchlist_entry": {"SELECT": {"manager"}},
    "watchlist_alert": {"SELECT": {"dispatcher", "manager"}},
    # Incidents: dispatchers and managers, under row security (a confidential one only for
    # its reporter, investigators and managers); writes by column grants (COLUMN_GRANTS).
    "incident_category": {"SELECT": {"dispatcher", "manager"}},
    "incident_role": {"SELECT": {"dispatcher", "manager"}},
    # Dispatchers read incidents through the visible_* functions and name only ids.
    # and write through functions; they scan none of these tables.
    "incident": {"SELECT": {"manager"}},
    "incident_person": {"SELECT": {"manager"}},
    "incident_vehicle": {"SELECT": {"manager"}},
    "dispatch_entry": {"SELECT": {"manager"}},
    "incident_task": {"SELECT": {"manager"}},
    "incident_link": {"SELECT": {"manager"}},
    # Trespass notices: issued and revoked by their functions.
    "trespass_notice": {"SELECT": {"manager"}},
}

#: view -> privilege -> group roles. Views run as the owner: each masks what it must.
VIEW_GRANTS: dict[str, dict[str, set[str]]] = {
    "payment_line": {"SELECT": PARKER_READERS},  # received_by: one's own, or a manager
    "ledger_line": {"SELECT": PARKER_READERS},  # posted_by: one's own, or a manager
    # A clerk's own shifts; expected and variance once the closing is committed.
    "shift_line": {"SELECT": {"clerk", "manager"}},
}

_OTHER_DESKS = {"clerk", "adjudicator", "dispatcher"}


def _reads(*columns: str) -> dict[tuple[str, str], set[str]]:
    """Column SELECT for the desks other than the manager's, who reads the whole table."""
    return {(desk, "SELECT"): set(columns) for desk in _OTHER_DESKS}


PARKER_FIELDS = {
    "first_name",
    "last_name",
    "affiliation",
    "campus_id",
    "email",
    "phone",
    "address",
    "notes",
}
VEHICLE_FIELDS = {
    "parker_id",
    "jurisdiction",
    "plate_raw",
    "plate_status",
    "make",
    "model",
    "colour",
    "model_year",
}
DEACTIVATION = {"active", "deactivated_at", "deactivation_reason"}
PERMIT_TYPE_FIELDS = {
    "code",
    "name",
    "price",
    "validity",
    "term_start",
    "term_end",
    "days",
    "affiliations",
    "per_parker_limit",
    "max_vehicles",
    "sale_mode",
    "proration",
    "offer_hours",
    "active",
}

VIOLATION_FIELDS = {
    "code",
    "description",
    "warning_only",
    "active",
    "repeat_window_days",
    "appealable",
    "appeal_window_days",
}
STAGE_FIELDS = {"after_days", "amount", "sends_to_collections", "description", "active"}


#: What a dispatcher writes of an incident, its people and its vehicles.
INCIDENT_FIELDS = {
    "category_id",
    "priority",
    "occurred_at",
    "lot_id",
    "zone_id",
    "location",
    "latitude",
    "longitude",
    "narrative",
    "weapon",
    "injury",
    "police_service",
    "police_case",
    "confidential",
    "investigators",
}
INCIDENT_PERSON_FIELDS = {"role_id", "parker_id", "name", "description", "contact"}
INCIDENT_VEHICLE_FIELDS = {"vehicle_id", "jurisdiction", "plate", "description"}

#: table -> (group role, privilege) -> the only columns it may write. Never version,
#: created_*/updated_* (the stamp trigger sets them) nor generated columns.
COLUMN_GRANTS: dict[str, dict[tuple[str, str], set[str]]] = {
    "lot": {
        ("manager", "INSERT"): {"code", "name", "capacity", "active"},
        ("manager", "UPDATE"): {"code", "name", "capacity", "active"},
    },
    "zone": {
        ("manager", "INSERT"): {"lot_id", "code", "name", "time_limit_minutes"},
        ("manager", "UPDATE"): {"code", "name", "time_limit_minutes"},
    },
    "parker": {
        ("clerk", "INSERT"): PARKER_FIELDS,
        ("clerk", "UPDATE"): PARKER_FIELDS | DEACTIVATION,
    },
    "vehicle": {
        ("clerk", "INSERT"): VEHICLE_FIELDS,
        ("clerk", "UPDATE"): VEHICLE_FIELDS | DEACTIVATION,
        # Not its stamps: a plate registered by a temporary permit's sale names its seller.
        **_reads(
            "id",
            "parker_id",
            "jurisdiction",
            "plate_raw",
            "plate_status",
            "plate_normalized",
            "plate_skeleton",
            "make",
            "model",
            "colour",
            "model_year",
            "active",
            "deactivated_at",
            "deactivation_reason",
            "version",
            "created_at",
            "updated_at",
        ),
    },
    "office_setting": {
        ("manager", "UPDATE"): {
            "office_name",
            "time_zone",
            "currency",
            "refund_approval_threshold",
            "receipt_footer",
            "free_days_per_plate",
            "free_days_window",
            "phone_region",
            "check_digit_scheme",
            "citation_due_days",
            "discount_days",
            "discount_percent",
            "scofflaw_threshold",
            "shared_permit_window_minutes",
            "appeal_window_days",
            "appeal_response_days",
            "hearing_requires_payment",
            "appeal_lease_minutes",
            "watchlist_merge_minutes",
        },
    },
    "watchlist_entry": {
        **{
            (role, privilege): {
                "jurisdiction",
                "plate_pattern",
                "category",
                "priority",
                "reason",
                "instruction",
                "starts_at",
                "expires_at",
                "incident_id",
            }
            for role in ("dispatcher", "manager")
            for privilege in ("INSERT", "UPDATE")
        },
        ("dispatcher", "SELECT"): WATCHLIST_ENTRY_COLUMNS - {"incident_id"},
    },
    "incident_category": {
        ("manager", privilege): {"name", "parent_id", "active"}
        for privilege in ("INSERT", "UPDATE")
    },
    "incident_role": {
        ("manager", privilege): {"name", "active"} for privilege in ("INSERT", "UPDATE")
    },
    "incident_person": {
        (role, "INSERT"): INCIDENT_PERSON_FIELDS | {"incident_id"}
        for role in ("dispatcher", "manager")
    },
    "incident_vehicle": {
        (role, "INSERT"): INCIDENT_VEHICLE_FIELDS | {"incident_id"}
        for role in ("dispatcher", "manager")
    },
    "dispatch_entry": {
        (role, "INSERT"): {"incident_id", "kind", "note"} for role in ("dispatcher", "manager")
    },
    "trespass_notice": {("dispatcher", "SELECT"): TRESPASS_NOTICE_COLUMNS - {"incident_id"}},
    "incident_task": {
        (role, "INSERT"): {"incident_id", "assigned_to", "due_on", "description"}
        for role in ("dispatcher", "manager")
    },
    # An exemption's plate stays what it was made for; one ends early by its end time.
    "exemption": {
        ("manager", "INSERT"): {
            "jurisdiction",
            "plate_normalized",
            "lot_id",
            "reason",
            "starts_at",
            "ends_at",
        },
        ("manager", "UPDATE"): {"lot_id", "reason", "starts_at", "ends_at"},
    },
    "violation": {
        ("manager", "INSERT"): VIOLATION_FIELDS,
        ("manager", "UPDATE"): VIOLATION_FIELDS,
    },
    "repeat_fine": {
        ("manager", "INSERT"): {"violation_id", "offence", "amount"},
        ("manager", "UPDATE"): {"violation_id", "offence", "amount"},
    },
    "escalation_stage": {
        ("manager", "INSERT"): STAGE_FIELDS,
        ("manager", "UPDATE"): STAGE_FIELDS,
    },
    "appeal_reason": {
        ("manager", "INSERT"): {"decision", "text", "active"},
        ("manager", "UPDATE"): {"decision", "text", "active"},
    },
    "fine_rule": {
        ("manager", "INSERT"): {"violation_id", "lot_id", "zone_id", "amount"},
        ("manager", "UPDATE"): {"violation_id", "lot_id", "zone_id", "amount"},
    },
    "device": {
        ("manager", "INSERT"): {"code", "kind", "description", "active"},
        # The code is what devices call with and citations name: it stays.
        ("manager", "UPDATE"): {"kind", "description", "active"},
    },
    # A range is never changed once given to a device: its numbers may be on paper.
    "citation_range": {
        ("manager", "INSERT"): {"device_id", "prefix", "first_seq", "last_seq", "width"},
    },
    "permit_type": {
        ("manager", "INSERT"): PERMIT_TYPE_FIELDS,
        ("manager", "UPDATE"): PERMIT_TYPE_FIELDS,
    },
    # Not a way to change a payment: a foreign key to payment (refund, ledger_entry) locks
    # the referenced row FOR KEY SHARE, which needs UPDATE on some column of it. The owner
    # revoked UPDATE on the table from itself and keeps it on the key only; the
    # payment_append_only trigger refuses every UPDATE anyway.
    "payment": {
        (OWNER, "UPDATE"): {"id"},
    },
    # The same for foreign keys from ledger_entry (checked when a parker or permit is
    # removed): the ledger_entry_append_only trigger refuses every UPDATE.
    "ledger_entry": {
        (OWNER, "UPDATE"): {"id"},
    },
    # The same for evidence (checked when a citation or device is removed): guard_evidence
    # refuses every UPDATE.
    "evidence": {
        (OWNER, "UPDATE"): {"id"},
    },
    # The same for a read and its photo (plate_read_photo's foreign key, checked both
    # ways): guard_plate_read refuses every UPDATE.
    "plate_read": {
        (OWNER, "UPDATE"): {"id"},
    },
    "plate_read_photo": {
        (OWNER, "UPDATE"): {"read_id"},
    },
    "permit": _reads(
        "id",
        "number",
        "kind",
        "permit_type_id",
        "parker_id",
        "lot_id",
        "issued_validity",
        "validity",
        "price",
        "free_reason",
        "note",
        "renewed_from_id",
        "cancelled_at",
        "cancel_reason",
        "version",
        "created_at",
        "updated_at",
    ),
    "permit_vehicle": _reads(
        "id",
        "permit_id",
        "vehicle_id",
        "lot_id",
        "validity",
        "version",
        "created_at",
        "updated_at",
    ),
    "refund": _reads(
        "id",
        "permit_id",
        "parker_id",
        "original_payment_id",
        "amount",
        "status",
        "reason",
        "decided_by",
        "decided_at",
        "decision_note",
        "paid_payment_id",
        "approval_reason",
        "requested_tender",
        "citation_id",
        "appeal_id",
        "version",
        "created_at",
        "updated_at",
    ),
    "waitlist_entry": _reads(
        "id",
        "permit_type_id",
        "lot_id",
        "parker_id",
        "status",
        "joined_at",
        "offered_at",
        "offer_expires_at",
        "resolved_at",
        "permit_id",
        "version",
        "created_at",
        "updated_at",
    ),
}

#: function -> group roles that may EXECUTE it (nobody else, PUBLIC least of all).
FUNCTION_GRANTS: dict[str, set[str]] = {
    "changes_since": EVERY_DESK,
    "last_change_id": EVERY_DESK,
    "plate_differences": PARKER_READERS,
    "verify_audit_chain": {"manager", "admin"},
    "staff_logins": {"manager", "admin"},
    "create_staff_login": {"admin"},
    "disable_staff_login": {"admin"},
    # The permit desk: the only way anything in it is written.
    "sell_permit": {"clerk"},
    "renew_permit": {"clerk"},
    "transfer_permit": {"clerk"},
    "cancel_permit": {"clerk"},
    "pay_refund": {"clerk"},
    "issue_temporary_permit": {"clerk", "manager"},  # a manager, beyond the free-day policy
    "charge_fee": {"clerk"},
    "join_waitlist": {"clerk"},
    "leave_waitlist": {"clerk"},
    "open_shift": {"clerk"},
    "close_shift": {"clerk"},
    "decide_refund": {"manager"},
    "post_adjustment": {"manager"},
    "sign_off_shift": {"manager"},
    "quote_permit": {"clerk", "manager"},
    "lot_availability": {"clerk", "manager"},
    "refresh_waitlists": {"clerk", "manager"},
    # The plate check returns no personal details, so field devices may run it too.
    "check_plate": EVERY_DESK,
    "plate_near_matches": EVERY_DESK,
    # Trigger and helper functions: called by the database, never by a login.
    "audit_digest": set(),
    "record_change": set(),
    "stamp_row": set(),
    "forbid_audit_rewrite": set(),
    "seal_audit_chain": set(),
    "forbid_audit_forgery": set(),
    "forbid_money_rewrite": set(),
    "enforce_lot_capacity": set(),
    "offer_spaces_on_capacity": set(),
    # Dates in the office's time zone, so every desk shows a day the way the database ends it.
    "local_midnight": EVERY_DESK,
    "local_day": EVERY_DESK,
    "describe_until": EVERY_DESK,
    # Helpers of the permit desk functions, run inside them as the owner.
    "describe_plate": set(),
    "refuse": set(),
    "lock_lot": set(),
    "permit_dates": set(),
    "permit_price": set(),
    "permit_refusal": set(),
    "take_payment": set(),
    "post_line": set(),
    "payment_for_key": set(),
    "offer_spaces": set(),
    # Hardening: what the permit desk's functions share to bound their inputs and bind
    # each request key to one request.
    "claim_request": set(),
    "remember_request": set(),
    "canonical_tender": set(),
    "tender_signature": set(),
    "tender_refusal": set(),
    "bound_text": set(),
    "bound_json": set(),
    "check_amount": set(),
    "wait_for_audit_chain": set(),
    "end_chain_holders": set(),
    "staff_backends": set(),
    "clear_staff_settings": set(),
    "check_holder_eligible": set(),
    "check_office_zone": set(),
    "guard_plate_identity": set(),
    # Every live connection ends sessions that stall the others, every two seconds.
    "end_overdue_sessions": EVERY_DESK,
    # CHECK constraints on every free-text column call it as the writing login.
    "card_number_free": EVERY_DESK,
    # The audit trail's row-level security calls it as the reading login.
    "readable_tables": {"manager", "admin"},
    # The cash drawer: totals that keep the count blind, a closed shift's payments, and
    # who took a payment (one's own, or a manager).
    "shift_totals": {"clerk", "manager"},
    "shift_payments": {"clerk", "manager"},
    "payment_taker": {"clerk", "manager"},
    "shown_taker": PARKER_READERS,  # called by the payment and ledger views
    "shown_poster": PARKER_READERS,  # called by the ledger view
    "correct_plate": {"clerk"},
    "vehicle_last_change": {"clerk"},
    # Enforcement: the device API, spoiled numbers, and the check digit a manager's set-up
    # and a handheld may compute for themselves.
    "issue_citation": {"officer"},
    "spoil_numbers": {"manager"},
    "check_digit": {"clerk", "adjudicator", "manager", "officer"},
    "guard_citation": set(),
    "attach_evidence": {"officer"},
    "case_evidence": {"clerk", "adjudicator", "dispatcher", "manager"},
    "evidence_file": {"clerk", "adjudicator", "dispatcher", "manager"},
    "may_see_evidence": set(),
    "evidence_media_type": set(),
    # The device API's one-call-at-a-time and each-call-once, run inside its functions.
    "claim_device_call": set(),
    "check_plate_identity": set(),
    "remember_device_call": set(),
    "guard_evidence": set(),
    # Plate reads: the device API, the per-device chain and its check, the months kept
    # ahead by the clock job (run as the administrator).
    "record_plate_read": {"officer"},
    "read_digest": set(),
    "verify_read_chains": {"manager", "admin"},
    "recent_reads": {"clerk", "adjudicator", "dispatcher", "manager", "officer", "admin"},
    "guard_plate_read": set(),
    "guard_read_partition": set(),
    "ensure_read_partitions": {"admin"},
    # The money side of citations: the counter pays, adjudicators and managers void, the
    # clock job (as the administrator) and a manager escalate; the scofflaw count and list
    # carry no personal details, so the field reads them too.
    "citation_status": {"clerk", "adjudicator", "manager"},
    "citation_amount_due": {"clerk", "adjudicator", "manager"},
    "pay_citations": {"clerk", "manager"},
    "void_citation": {"adjudicator", "manager"},
    "escalate_citations": {"manager", "admin"},
    "unpaid_past_due": {"clerk", "adjudicator", "manager", "officer"},
    "scofflaws": {"clerk", "adjudicator", "manager", "officer"},
    "citation_fine": set(),
    "citation_discount": set(),
    "keep_citation_balance": set(),
    "keep_citation_stamp": set(),
    # Verdicts: a device's place (lot or lot/zone), exemptions kept and never removed,
    # permit flags cleared by the desks that look into them.
    "find_place": set(),
    "plate_verdict": set(),
    # Appeals: the counter files and withdraws, adjudicators work the queue and decide, a
    # manager frees a claim and reopens; the desks that deal with citations read the queue
    # and the case timeline.
    "appeal_window_closes": set(),
    "appeal_step_taken": set(),
    "locked_appeal": set(),
    "require_claim": set(),
    "hold_claim": set(),
    "drop_claims": set(),
    "claim_commits_lazily": set(),
    "days_under_appeal": set(),
    "guard_appeal_step": set(),
    "guard_appeal_reason": set(),
    "file_appeal": {"clerk", "manager"},
    "withdraw_appeal": {"clerk", "manager"},
    "attach_appeal_document": {"clerk", "adjudicator", "manager"},
    "refund_of_appeal": set(),
    "take_next_appeal": {"adjudicator"},
    "claim_appeal": {"adjudicator"},
    "schedule_hearing": {"adjudicator"},
    "decide_appeal": {"adjudicator"},
    "release_appeal": {"adjudicator", "manager"},
    "reopen_appeal": {"manager"},
    "appeal_queue": {"clerk", "adjudicator", "manager"},
    "case_timeline": {"clerk", "adjudicator", "manager"},
    "normalize_exemption": set(),
    "normalize_watchlist_entry": set(),
    "guard_watchlist_entry": set(),
    "guard_watchlist_alert": set(),
    "raise_watchlist_alert": set(),
    "acknowledge_alert": {"dispatcher", "manager"},
    "retire_watchlist_entry": {"dispatcher", "manager"},
    "incident_visible": {"clerk", "adjudicator", "dispatcher", "manager"},
    "incident_closed": {"dispatcher", "manager"},
    "open_incident_row": set(),
    "guard_incident": set(),
    "guard_incident_link": set(),
    "normalize_incident_vehicle": set(),
    "stamp_incident_person": set(),
    "stamp_dispatch_entry": set(),
    "guard_incident_task": set(),
    "guard_incident_category": set(),
    "tidy_incident_role": set(),
    "check_incident_choice": set(),
    "reads_incidents": set(),
    "visible_incident_ids": set(),
    "visible_incidents": {"dispatcher", "manager"},
    "visible_incident_people": {"dispatcher", "manager"},
    "visible_incident_vehicles": {"dispatcher", "manager"},
    "visible_incident_tasks": {"dispatcher", "manager"},
    "visible_dispatch_entries": {"dispatcher", "manager"},
    "visible_incident_links": {"dispatcher", "manager"},
    "visible_incident_evidence": {"dispatcher", "manager"},
    "merge_watchlist_alert": set(),
    "end_watchlist_holders": set(),
    "staff_sessions": set(),
    "end_session": set(),
    "check_named_incident": set(),
    "readable_incident": set(),
    "incident_columns": set(),
    "record_incident": {"dispatcher", "manager"},
    "change_incident": {"dispatcher", "manager"},
    "remove_incident_person": {"dispatcher", "manager"},
    "complete_incident_task": {"dispatcher", "manager"},
    "unlink_incident": {"dispatcher", "manager"},
    "watchlist_entry_incidents": {"dispatcher", "manager"},
    "reopen_incident": {"dispatcher", "manager"},
    "attach_incident_evidence": {"dispatcher", "manager"},
    "checked_document": set(),
    "checked_investigators": {"dispatcher", "manager"},
    "link_incident": {"dispatcher", "manager"},
    "issue_trespass_notice": {"dispatcher", "manager"},
    "revoke_trespass_notice": {"dispatcher", "manager"},
    "guard_trespass_notice": set(),
    "guard_exemption": set(),
    "guard_permit_flag": set(),
    "clear_permit_flag": {"clerk", "manager"},
}

#: Tables with row-level security (policies in the migrations, described in docs/SECURITY.md).
ROW_SECURITY = {
    "staff_member",
    "cash_shift",
    "audit_log",
    "evidence",
    "incident",
    "incident_person",
    "incident_vehicle",
    "dispatch_entry",
    "incident_task",
    "incident_link",
}

#: Append-only money: no role, the owner included, may change or remove a row.
APPEND_ONLY = ("payment", "ledger_entry")

#: Never removed by any role, the owner included (voids keep the row).
NEVER_REMOVED = ("citation",)

#: Never changed or removed by any role, the owner included, and the trigger that refuses
#: it even to a superuser: chain-of-custody data is kept as it was received.
NEVER_CHANGED = {
    "evidence": "guard_evidence",
    "plate_read": "guard_plate_read",
    "plate_read_photo": "guard_plate_read",
}

#: Tables without the audit trigger, and why.
NOT_AUDITED = {
    "audit_log": "the audit trail itself: auditing it would audit its own rows forever",
    "audit_chain": "the hash-chain head, rewritten by the audit trigger on every change",
    "alembic_version": "migration bookkeeping, written only by the administrator's upgrade",
    "sql_definition": "the same, for the SQL files the upgrade applies after the migrations",
    # Reads arrive by the hundred a minute: they are chained per device instead, and never
    # queue on the audit trail's chain head (docs/SECURITY.md, "Plate reads").
    "plate_read": "chained per device (row_hash, prev_hash; verify_read_chains)",
    "plate_read_photo": "its SHA-256 is in its read's chained row",
    "plate_read_chain": "the newest link of each device's read chain, rewritten on every read",
    # A claim is a lease: work in hand, not a change of the appeal ("take next" never queues
    # on the audit trail's chain; docs/SECURITY.md, "Tables of appeals").
    "appeal_claim": "the appeal an adjudicator has in hand, until the lease runs out",
}

#: Tables audited by more than one trigger, each on some operations.
AUDITED_IN_PARTS = {
    # A plate read's key is in the chained read itself, not in the audit trail.
    "device_request": "record_plate_read's keys are chained with their reads",
}

# -- catalog access ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog(database: Database) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with database.admin() as conn:
        yield conn
        conn.rollback()


def _who(name: str) -> str:
    return name.removeprefix("parkdesk_") if name != OWNER else name


def _tables(conn: psycopg.Connection[tuple[object, ...]]) -> list[str]:
    return [
        str(r[0])
        for r in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'parkdesk' AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
            "ORDER BY 1"
        )
    ]


def test_every_table_is_in_the_permission_matrix(
    catalog: psycopg.Connection[tuple[object, ...]],
) -> None:
    assert set(_tables(catalog)) == set(TABLE_GRANTS), (
        "a table was added or dropped: put it in TABLE_GRANTS and docs/SECURITY.md"
    )


def test_everything_in_the_schema_belongs_to_the_owner_role(
    catalog: psycopg.Connection[tuple[object, ...]],
) -> None:
    foreign = catalog.execute(
        """
        SELECT 'relation ' || c.relname, pg_get_userbyid(c.relowner) FROM pg_class c
        WHERE c.relnamespace = 'parkdesk'::regnamespace AND pg_get_userbyid(c.relowner) <> %(o)s
        UNION ALL
        SELECT 'function ' || p.proname, pg_get_userbyid(p.proowner) FROM pg_proc p
        WHERE p.pronamespace = 'parkdesk'::regnamespace AND pg_get_userbyid(p.proowner) <> %(o)s
        UNION ALL
        SELECT 'type ' || t.typname, pg_get_userbyid(t.typowner) FROM pg_type t
        WHERE t.typnamespace = 'parkdesk'::regnamespace AND pg_get_userbyid(t.typowner) <> %(o)s
        UNION ALL
        SELECT 'schema parkdesk', pg_get_userbyid(nspowner) FROM pg_namespace
        WHERE nspname = 'parkdesk' AND pg_get_userbyid(nspowner) <> %(o)s
        """,
        {"o": OWNER},
    ).fetchall()
    assert foreign == []


@pytest.mark.parametrize("table", sorted(TABLE_GRANTS))
def test_table_grants_match_the_matrix(
    catalog: psycopg.Connection[tuple[object, ...]], table: str
) -> None:
    rows = catalog.execute(
        """
        SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END,
               a.privilege_type
        FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
        WHERE c.oid = %s::regclass
        """,
        (f"parkdesk.{table}",),
    ).fetchall()
    granted: dict[str, set[str]] = {}
    for grantee, privilege in rows:
        if grantee != OWNER:
            granted.setdefault(str(privilege), set()).add(_who(str(grantee)))
    assert granted == TABLE_GRANTS[table]


def test_every_view_is_in_the_permission_matrix(
    catalog: psycopg.Connection[tuple[object, ...]],
) -> None:
    views = catalog.execute(
        "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'parkdesk'::regnamespace "
        "AND c.relkind IN ('v', 'm')"
    ).fetchall()
    assert {str(r[0]) for r in views} == set(VIEW_GRANTS)


@pytest.mark.parametrize("view", sorted(VIEW_GRANTS))
def test_view_grants_match_the_matrix(
    catalog: psycopg.Connection[tuple[object, ...]], view: str
) -> None:
    rows = catalog.execute(
        "SELECT pg_get_userbyid(a.grantee), a.privilege_type "
        "FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = %s::regclass",
        (f"parkdesk.{view}",),
    ).fetchall()
    granted: dict[str, set[str]] = {}
    for grantee, privilege in rows:
        if grantee != OWNER:
            granted.setdefault(str(privilege), set()).add(_who(str(grantee)))
    assert granted == VIEW_GRANTS[view]


@pytest.mark.parametrize("table", sorted(TABLE_GRANTS))
def test_column_grants_match_the_matrix(
    catalog: psycopg.Connection[tuple[object, ...]], table: str
) -> None:
    rows = catalog.execute(
        """
        SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END,
               a.privilege_type, att.attname
        FROM pg_attribute att, aclexplode(att.attacl) a
        WHERE att.attrelid = %s::regclass AND att.attnum > 0 AND NOT att.attisdropped
        """,
        (f"parkdesk.{table}",),
    ).fetchall()
    granted: dict[tuple[str, str], set[str]] = {}
    for grantee, privilege, column in rows:
        granted.setdefault((_who(str(grantee)), str(privilege)), set()).add(str(column))
    assert granted == COLUMN_GRANTS.get(table, {})


def test_the_owner_itself_cannot_rewrite_the_audit_trail(
    catalog: psycopg.Connection[tuple[object, ...]],
) -> None:
    rows = catalog.execute(
        "SELECT privilege_type FROM pg_class c, aclexplode(c.relacl) a "
        "WHERE c.oid = 'parkdesk.audit_log'::regclass AND a.grantee = %s::regrole",
        (OWNER,),
    ).fetchall()
    # MAINTAIN (VACUUM, ANALYZE; PostgreSQL 17+) changes no row.
    assert {str(r[0]) for r in rows} - {"MAINTAIN"} == {"SELECT", "INSERT"}


def test_sequences_are_not_granted_to_anyone(
    catalog: psycopg.Connection[tuple[object, ...]],
) -> None:
    """Identity columns draw their numbers without a grant; a sequence grant would let a
    login burn or reset numbers."""
    rows = catalog.execute(
        """
        SELECT c.relname, pg_get_userbyid(a.grantee) FROM pg_class c,
               aclexplode(coalesce(c.relacl, acldefault('s', c.relowner))) a
        WHERE c.relnamespace = 'parkdesk'::regnamespace AND c.relkind = 'S'
          AND a.grantee <> c.relowner
        """
    ).fetchall()
    assert rows == []


@pytest.mark.parametrize("table", sorted(TABLE_GRANTS))
def test_every_table_has_the_audit_trigger(
    catalog: psycopg.Connection[tuple[object, ...]], table: str
) -> None:
    triggers = catalog.execute(
        """
        SELECT t.tgtype, t.tgenabled FROM pg_trigger t
        WHERE t.tgrelid = %s::regclass AND NOT t.tgisinternal
          AND t.tgfoid = 'parkdesk.record_change'::regproc
        """,
        (f"parkdesk.{table}",),
    ).fetchall()
    if table in NOT_AUDITED:
        assert triggers == [], NOT_AUDITED[table]
        return
    if table in AUDITED_IN_PARTS:
        covered = 0
        for tgtype, enabled in triggers:
            assert isinstance(tgtype, int)
            assert (tgtype & 1, tgtype & 2, enabled) == (1, 0, "O"), table
            covered |= tgtype & (4 | 8 | 16)
        assert covered == 4 | 8 | 16, AUDITED_IN_PARTS[table]
        return
    assert len(triggers) == 1, f"{table} has no audit trigger (parkdesk.record_change)"
    tgtype, enabled = triggers[0]
    assert isinstance(tgtype, int)
    row, before, insert, delete, update = (bool(tgtype & bit) for bit in (1, 2, 4, 8, 16))
    assert (row, before, insert, delete, update) == (True, False, True, True, True)
    assert enabled == "O", f"the audit trigger on {table} is switched off"


@pytest.mark.parametrize("table", sorted(TABLE_GRANTS))
def test_tables_with_a_version_have_the_stamp_trigger(
    catalog: psycopg.Connection[tuple[object, ...]], table: str
) -> None:
    has_version = catalog.execute(
        "SELECT 1 FROM pg_attribute WHERE attrelid = %s::regclass AND attname = 'version'",
        (f"parkdesk.{table}",),
    ).fetchone()
    if has_version is None:
        return
    triggers = catalog.execute(
        """
        SELECT t.tgtype FROM pg_trigger t
        WHERE t.tgrelid = %s::regclass AND t.tgfoid = 'parkdesk.stamp_row'::regproc
          AND t.tgenabled = 'O'
        """,
        (f"parkdesk.{table}",),
    ).fetchall()
    assert len(triggers) == 1, f"{table} has a version column but no stamp_row trigger"
    tgtype = triggers[0][0]
    assert isinstance(tgtype, int)
    # FOR EACH ROW, BEFORE, on INSERT and UPDATE.
    assert tgtype & (1 | 2 | 4 | 16) == 1 | 2 | 4 | 16


def _functions(
    conn: psycopg.Connection[tuple[object, ...]],
) -> list[tuple[str, str, bool, list[str] | None]]:
    rows = conn.execute(
        "SELECT p.proname, pg_get_userbyid(p.proowner), p.prosecdef, p.proconfig "
        "FROM pg_proc p WHERE p.pronamespace = 'parkdesk'::regnamespace ORDER BY 1"
    ).fetchall()
    return [(str(r[0]), str(r[1]), bool(r[2]), r[3]) for r in rows]  # type: ignore[misc]


def test_every_function_is_in_the_matrix(
    catalog: psycopg.Connection[tuple[object, ...]],
) -> None:
    assert {f[0] for f in _functions(catalog)} == set(FUNCTION_GRANTS)


def test_security_definer_functions_pin_a_safe_search_path(
    catalog: psycopg.Connection[tuple[object, ...]],
) -> None:
    definers = [f for f in _functions(catalog) if f[2]]
    assert definers, "the schema should have SECURITY DEFINER functions"
    for name, owner, _definer, config in definers:
        assert owner == OWNER
        paths = [c.removeprefix("search_path=") for c in config or [] if c.startswith("search_")]
        assert paths, f"{name} is SECURITY DEFINER without a pinned search_path"
        schemas = [s.strip().strip('"') for s in paths[0].split(",")]
        # pg_temp must be named, and last: left out, it is searched first.
        assert schemas[-1] == "pg_temp", f"{name}: search_path {paths[0]!r}"
        assert set(schemas) <= {"pg_catalog", "parkdesk", "pg_temp"}, name


@pytest.mark.parametrize("function", sorted(FUNCTION_GRANTS))
def test_function_execute_grants_match_the_matrix(
    catalog: psycopg.Connection[tuple[object, ...]], function: str
) -> None:
    rows = catalog.execute(
        """
        SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END
        FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
        WHERE p.pronamespace = 'parkdesk'::regnamespace AND p.proname = %s
          AND a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner
        """,
        (function,),
    ).fetchall()
    assert {_who(str(r[0])) for r in rows} == FUNCTION_GRANTS[function]


def test_functions_added_later_are_not_executable_by_everyone(
    catalog: psycopg.Connection[tuple[object, ...]],
) -> None:
    """A future migration creating a function as the owner gets no PUBLIC EXECUTE."""
    with catalog.transaction(force_rollback=True):
        catalog.execute("SET LOCAL ROLE parkdesk_owner")
        catalog.execute(
            "CREATE FUNCTION parkdesk.later_one() RETURNS int LANGUAGE sql AS 'SELECT 1'"
        )
        rows = catalog.execute(
            "SELECT a.grantee FROM pg_proc p, "
            "aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a "
            "WHERE p.oid = 'parkdesk.later_one'::regproc AND a.privilege_type = 'EXECUTE'"
        ).fetchall()
        owner = catalog.execute("SELECT %s::regrole::oid", (OWNER,)).fetchone()
    assert owner is not None
    assert {r[0] for r in rows} == {owner[0]}


def test_the_schema_and_database_are_closed_to_everyone_else(
    catalog: psycopg.Connection[tuple[object, ...]],
) -> None:
    schema = catalog.execute(
        "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END, "
        "a.privilege_type FROM pg_namespace n, aclexplode(n.nspacl) a "
        "WHERE n.nspname = 'parkdesk' AND a.grantee <> n.nspowner"
    ).fetchall()
    assert {(_who(str(g)), str(p)) for g, p in schema} == {(g, "USAGE") for g in EVERY_DESK}
    database = catalog.execute(
        "SELECT a.privilege_type FROM pg_database d, "
        "aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a "
        "WHERE d.datname = current_database() AND a.grantee = 0"
    ).fetchall()
    assert database == [], "PUBLIC may not connect or make temporary tables"


def test_an_abandoned_transaction_cannot_block_every_desk_for_long(
    catalog: psycopg.Connection[tuple[object, ...]],
) -> None:
    """Audited writes queue on the chain head until commit; an idle transaction is ended."""
    settings = catalog.execute(
        "SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase "
        "WHERE d.datname = current_database() AND s.setrole = 0"
    ).fetchone()
    assert settings is not None
    assert "idle_in_transaction_session_timeout=1min" in settings[0]  # type: ignore[operator]


def test_row_level_security_is_on_exactly_where_documented(
    catalog: psycopg.Connection[tuple[object, ...]],
) -> None:
    """Rows are kept from some roles exactly on the documented tables. Every table has
    row security, forced on the owner too, so that no error message shows a row
    (docs/SECURITY.md, threat 22): elsewhere its one policy lets every row through."""
    rows = catalog.execute(
        "SELECT DISTINCT c.relname FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid "
        "WHERE c.relnamespace = 'parkdesk'::regnamespace AND c.relkind IN ('r', 'p') "
        "AND p.polname NOT IN ('every_row', 'owner_every_row')"
    ).fetchall()
    assert {str(r[0]) for r in rows} == ROW_SECURITY
    through = catalog.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid "
        "WHERE p.polname = 'every_row' AND (p.polroles <> '{0}' OR p.polcmd <> '*' "
        "OR pg_get_expr(p.polqual, p.polrelid) <> 'true' "
        "OR pg_get_expr(p.polwithcheck, p.polrelid) <> 'true')"
    ).fetchall()
    assert through == []


# -- money ------------------------------------------------------------------------------

#: Types that cannot hold money exactly: binary floating point, and ``money`` (its scale
#: follows lc_monetary, and it rounds).
INEXACT = ("real", "double precision", "money")


def _inexact_types(conn: psycopg.Connection[tuple[object, ...]]) -> list[int]:
    """The oids of float4, float8 and money, their arrays and domains over any of them."""
    rows = conn.execute(
        """
        WITH base AS (SELECT unnest(%s::regtype[])::oid AS oid)
        SELECT t.oid::int FROM pg_type t
        WHERE t.oid IN (SELECT oid FROM base)
           OR t.oid IN (SELECT b.typarray FROM pg_type b WHERE b.oid IN (SELECT oid FROM base))
           OR (t.typtype = 'd' AND t.typbasetype IN (SELECT oid FROM base))
        """,
        (list(INEXACT),),
    ).fetchall()
    return [int(str(r[0])) for r in rows]


def test_no_column_in_the_schema_is_floating_point_or_money(
    catalog: psycopg.Connection[tuple[object, ...]],
) -> None:
    """SPEC rule 9: exact decimals. Views, generated columns and composite types included."""
    bad = catalog.execute(
        """
        SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE c.relnamespace = 'parkdesk'::regnamespace
          AND c.relkind IN ('r', 'p', 'v', 'm', 'c', 'f')
          AND a.attnum > 0 AND NOT a.attisdropped AND a.atttypid::int = ANY(%s)
        """,
        (_inexact_types(catalog),),
    ).fetchall()
    assert bad == []


#: Decimal columns that are not money: degrees to about 10 cm, and a reader's confidence.
NOT_MONEY = {
    "plate_read.latitude": "numeric(8,6)",
    "plate_read.longitude": "numeric(9,6)",
    "plate_read.confidence": "numeric(4,3)",
    "office_setting.discount_percent": "numeric(5,2)",  # a percentage, to 0.01 %
    "incident.latitude": "numeric(9,6)",
    "incident.longitude": "numeric(9,6)",
}


def test_every_decimal_column_holds_cents_exactly(
    catalog: psycopg.Connection[tuple[object, ...]],
) -> None:
    """An unconstrained numeric would keep 10.005; every amount is numeric(12,2). The
    only other decimals are a plate read's position and confidence, at a fixed scale too."""
    rows = catalog.execute(
        """
        SELECT c.relname || '.' || a.attname, format_type(a.atttypid, a.atttypmod)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE c.relnamespace = 'parkdesk'::regnamespace AND c.relkind IN ('r', 'p')
          AND NOT c.relispartition
          AND a.attnum > 0 AND NOT a.attisdropped AND a.atttypid = 'numeric'::regtype
        """
    ).fetchall()
    assert rows, "the permit desk should store amounts"
    assert {str(column): str(kind) for column, kind in rows} == {
        str(column): NOT_MONEY.get(str(column), "numeric(12,2)") for column, _kind in rows
    }


def test_no_function_takes_or_returns_floating_point_or_money(
    catalog: psycopg.Connection[tuple[object, ...]],
) -> None:
    bad = catalog.execute(
        """
        SELECT p.proname || '(' || pg_get_function_arguments(p.oid) || ') -> '
               || pg_get_function_result(p.oid)
        FROM pg_proc p
        WHERE p.pronamespace = 'parkdesk'::regnamespace
          AND (p.prorettype::int = ANY(%(bad)s)
               OR EXISTS (SELECT 1 FROM unnest(coalesce(p.proallargtypes,
                                                        p.proargtypes::oid[])) t
                          WHERE t::int = ANY(%(bad)s)))
        """,
        {"bad": _inexact_types(catalog)},
    ).fetchall()
    assert bad == []


CARD_NUMBER = "4242424242424242"
#: Names that suggest a card: they may hold the last four digits at most.
CARD_LIKE = ("card", "pan", "cvv", "cvc", "last4")
#: Numbers on a payment that are not a card's.
NOT_CARD_NUMBERS = {"cheque_number", "receipt_number"}


def _card_like_columns(conn: psycopg.Connection[tuple[object, ...]]) -> set[tuple[str, str]]:
    rows = conn.execute(
        "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "WHERE c.relnamespace = 'parkdesk'::regnamespace AND c.relkind IN ('r', 'p') "
        "AND a.attnum > 0 AND NOT a.attisdropped"
    ).fetchall()
    found = set()
    for table, column in ((str(t), str(c)) for t, c in rows):
        if any(word in column for word in CARD_LIKE) or (
            table == "payment" and "number" in column and column not in NOT_CARD_NUMBERS
        ):
            found.add((table, column))
    return found


def _card_payment(**override: str) -> tuple[str, dict[str, str]]:
    """An INSERT of an otherwise valid card payment, with some columns replaced."""
    values = {
        "tender": "card",
        "card_brand": "Visa",
        "card_last4": "4242",
        "processor_ref": "AUTH-83JD",
        **override,
    }
    sql = (
        "INSERT INTO parkdesk.payment (idempotency_key, received_at, received_by, direction, "
        "description, amount, tender, card_brand, card_last4, processor_ref) "
        "VALUES (gen_random_uuid(), now(), 'alice', 'in', 'Schema check', 1.00, "
        "%(tender)s, %(card_brand)s, %(card_last4)s, %(processor_ref)s)"
    )
    return sql, values


def test_the_only_card_columns_are_the_brand_and_the_last_four_digits(
    catalog: psycopg.Connection[tuple[object, ...]],
) -> None:
    """SPEC rule 9: a processor token, the brand and the last 4 digits, nothing more."""
    assert _card_like_columns(catalog) == {("payment", "card_brand"), ("payment", "card_last4")}
    kind = catalog.execute(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = 'parkdesk.payment'::regclass AND attname = 'card_last4'"
    ).fetchone()
    assert kind == ("text",)
    checks = catalog.execute(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'parkdesk.payment'::regclass AND contype = 'c' "
        "AND conkey = ARRAY[(SELECT attnum FROM pg_attribute "
        "WHERE attrelid = 'parkdesk.payment'::regclass AND attname = 'card_last4')]"
    ).fetchall()
    assert [str(r[0]) for r in checks] == ["CHECK ((card_last4 ~ '^[0-9]{4}$'::text))"]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("card_last4", CARD_NUMBER),
        ("card_last4", "42424"),
        ("card_last4", "424"),
        ("card_last4", "4 42"),
        ("card_brand", CARD_NUMBER),
        ("card_brand", "4242 4242 4242 4242"),
        ("processor_ref", CARD_NUMBER),
        ("processor_ref", f"AUTH-{CARD_NUMBER}"),
        ("processor_ref", "4242 4242 4242 4242"),
        ("processor_ref", "4242-4242-4242-4242"),
    ],
)
def test_a_card_number_has_nowhere_to_go_in_a_payment(
    database: Database, column: str, value: str
) -> None:
    """Tried as the superuser, so only the table's own constraints stand in the way."""
    with database.admin() as conn:
        sql, values = _card_payment()
        with conn.transaction(force_rollback=True):
            conn.execute(sql, values)  # the row is fine as it is
        sql, values = _card_payment(**{column: value})
        with (
            pytest.raises(psycopg.errors.CheckViolation) as refused,
            conn.transaction(force_rollback=True),
        ):
            conn.execute(sql, values)
        assert refused.value.diag.table_name == "payment"
        conn.rollback()


def _money_rows(
    conn: psycopg.Connection[tuple[object, ...]], parker: object = None
) -> dict[str, int]:
    """One payment and one ledger entry, written as the superuser (rolled back by callers)."""
    payment = conn.execute(
        "INSERT INTO parkdesk.payment (idempotency_key, received_at, received_by, direction, "
        "description, amount, tender, parker_id) VALUES (gen_random_uuid(), now(), 'alice', "
        "'in', 'Schema check', 0, 'none', %s) RETURNING id",
        (parker,),
    ).fetchone()
    entry = conn.execute(
        "INSERT INTO parkdesk.ledger_entry (posted_at, posted_by, kind, amount, memo, payment_id, "
        "parker_id) VALUES (now(), 'alice', 'sale', 0, 'Schema check', %s, %s) RETURNING id",
        (payment[0] if payment else None, parker),
    ).fetchone()
    assert payment is not None
    assert entry is not None
    return {"payment": int(str(payment[0])), "ledger_entry": int(str(entry[0]))}


@pytest.mark.parametrize("table", APPEND_ONLY)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE parkdesk.{table} SET amount = 5 WHERE id = {id}",
        "UPDATE parkdesk.{table} SET id = id WHERE id = {id}",
        "DELETE FROM parkdesk.{table} WHERE id = {id}",
        "TRUNCATE parkdesk.{table} CASCADE",
    ],
)
def test_money_rows_are_never_changed_or_removed_even_by_the_superuser(
    database: Database, table: str, statement: str
) -> None:
    with database.admin() as conn:
        with conn.transaction(force_rollback=True):
            ids = _money_rows(conn)
            with pytest.raises(
                psycopg.errors.InsufficientPrivilege, match="never changed or removed"
            ):
                conn.execute(statement.format(table=table, id=ids[table]))
        conn.rollback()


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_the_append_only_triggers_are_in_place(
    catalog: psycopg.Connection[tuple[object, ...]], table: str
) -> None:
    rows = catalog.execute(
        """
        SELECT t.tgtype, t.tgenabled FROM pg_trigger t
        WHERE t.tgrelid = %s::regclass AND t.tgfoid = 'parkdesk.forbid_money_rewrite'::regproc
        """,
        (f"parkdesk.{table}",),
    ).fetchall()
    covered = 0
    for tgtype, enabled in rows:
        assert isinstance(tgtype, int)
        assert enabled == "O", f"a trigger keeping {table} append-only is switched off"
        assert tgtype & 2, "refused BEFORE the change, not after"
        covered |= tgtype & (8 | 16 | 32)  # DELETE, UPDATE, TRUNCATE
    assert covered == 8 | 16 | 32


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_the_owner_may_only_read_and_append_money_rows(
    catalog: psycopg.Connection[tuple[object, ...]], database: Database, table: str
) -> None:
    rows = catalog.execute(
        "SELECT privilege_type FROM pg_class c, aclexplode(c.relacl) a "
        "WHERE c.oid = %s::regclass AND a.grantee = %s::regrole",
        (f"parkdesk.{table}", OWNER),
    ).fetchall()
    # MAINTAIN (VACUUM, ANALYZE; PostgreSQL 17+) changes no row.
    assert {str(r[0]) for r in rows} - {"MAINTAIN"} == {"SELECT", "INSERT"}
    with database.admin() as conn:
        for statement in [
            f"DELETE FROM parkdesk.{table}",
            f"TRUNCATE parkdesk.{table}",
            f"UPDATE parkdesk.{table} SET amount = amount",
        ]:
            with conn.transaction(force_rollback=True):
                conn.execute("SET LOCAL ROLE parkdesk_owner")
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
                    conn.execute(statement)
        conn.rollback()


@pytest.mark.parametrize("table", NEVER_REMOVED)
def test_the_owner_itself_cannot_remove_a_citation(
    catalog: psycopg.Connection[tuple[object, ...]], table: str
) -> None:
    rows = catalog.execute(
        "SELECT privilege_type FROM pg_class c, aclexplode(c.relacl) a "
        "WHERE c.oid = %s::regclass AND a.grantee = %s::regrole",
        (f"parkdesk.{table}", OWNER),
    ).fetchall()
    assert {"DELETE", "TRUNCATE"} & {str(r[0]) for r in rows} == set()
    triggers = catalog.execute(
        "SELECT t.tgtype FROM pg_trigger t WHERE t.tgrelid = %s::regclass "
        "AND t.tgfoid = 'parkdesk.guard_citation'::regproc AND t.tgenabled = 'O'",
        (f"parkdesk.{table}",),
    ).fetchall()
    covered = 0
    for (tgtype,) in triggers:
        assert isinstance(tgtype, int)
        assert tgtype & 2, "refused BEFORE the change, not after"
        covered |= tgtype & (8 | 16 | 32)  # DELETE, UPDATE, TRUNCATE
    assert covered == 8 | 16 | 32


@pytest.mark.parametrize(("table", "guard"), sorted(NEVER_CHANGED.items()))
def test_the_owner_itself_cannot_change_or_remove_evidence(
    catalog: psycopg.Connection[tuple[object, ...]], table: str, guard: str
) -> None:
    rows = catalog.execute(
        "SELECT privilege_type FROM pg_class c, aclexplode(c.relacl) a "
        "WHERE c.oid = %s::regclass AND a.grantee = %s::regrole",
        (f"parkdesk.{table}", OWNER),
    ).fetchall()
    # MAINTAIN (VACUUM, ANALYZE) changes no row; REFERENCES lets a later table link to it.
    assert {str(r[0]) for r in rows} - {"MAINTAIN", "REFERENCES"} == {"SELECT", "INSERT"}
    triggers = catalog.execute(
        "SELECT t.tgtype FROM pg_trigger t WHERE t.tgrelid = %s::regclass "
        "AND t.tgfoid = %s::regproc AND t.tgenabled = 'O'",
        (f"parkdesk.{table}", f"parkdesk.{guard}"),
    ).fetchall()
    covered = 0
    for (tgtype,) in triggers:
        assert isinstance(tgtype, int)
        assert tgtype & 2, "refused BEFORE the change, not after"
        covered |= tgtype & (8 | 16 | 32)  # DELETE, UPDATE, TRUNCATE
    assert covered == 8 | 16 | 32


def _parker(conn: psycopg.Connection[tuple[object, ...]]) -> object:
    row = conn.execute(
        "INSERT INTO parkdesk.parker (first_name, last_name, affiliation) "
        "VALUES ('Key', 'Check', 'visitor') RETURNING id"
    ).fetchone()
    assert row is not None
    return row[0]


def test_the_administrator_can_remove_a_parker_nothing_refers_to(database: Database) -> None:
    """Checking a reference locks the referring rows FOR KEY SHARE as their owner, which
    needs UPDATE on a column of every referring table, money tables included: without it
    even a parker with no permits cannot be removed."""
    with database.admin() as conn, conn.transaction(force_rollback=True):
        parker = _parker(conn)
        conn.execute("DELETE FROM parkdesk.parker WHERE id = %s", (parker,))


def test_a_parker_with_money_rows_is_kept_by_the_foreign_keys(database: Database) -> None:
    with database.admin() as conn, conn.transaction(force_rollback=True):
        parker = _parker(conn)
        _money_rows(conn, parker)
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute("DELETE FROM parkdesk.parker WHERE id = %s", (parker,))
