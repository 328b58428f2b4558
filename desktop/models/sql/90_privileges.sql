-- Who may do what: row security, the owner's own limits, and every grant to a desk's group.
--
-- The current definition: edit here, never in a migration (docs/ARCHITECTURE.md).
-- 00_reset.sql took every grant away first, so this file is the whole truth.


ALTER TABLE parkdesk.staff_member ENABLE ROW LEVEL SECURITY;

-- Everyone sees their own row; administrators and managers see everyone.
CREATE POLICY staff_member_visible ON parkdesk.staff_member FOR SELECT
    USING (login = current_user
           OR pg_has_role(current_user, 'parkdesk_admin', 'USAGE')
           OR pg_has_role(current_user, 'parkdesk_manager', 'USAGE'));

ALTER TABLE parkdesk.cash_shift ENABLE ROW LEVEL SECURITY;

-- A clerk sees their own drawer; managers see every drawer.
CREATE POLICY cash_shift_visible ON parkdesk.cash_shift FOR SELECT
    USING (clerk = current_user OR pg_has_role(current_user, 'parkdesk_manager', 'USAGE'));

ALTER TABLE parkdesk.audit_log ENABLE ROW LEVEL SECURITY;

-- Old and new values of a row are as private as the row: an administrator, who may not
-- read parkers, does not read them here either.
CREATE POLICY audit_log_readable ON parkdesk.audit_log FOR SELECT
    USING (table_name IN (SELECT parkdesk.readable_tables(current_user)));

-- The audit trail is written only by record_change, and never rewritten, not even by the owner.
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON parkdesk.audit_log FROM parkdesk_owner;
-- Not even the owner's own functions may rewrite money. Foreign-key checks lock rows
-- FOR KEY SHARE, which needs UPDATE on one column: the owner keeps it on the key,
-- and the append-only triggers refuse every UPDATE anyway.
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON parkdesk.payment, parkdesk.ledger_entry
    FROM parkdesk_owner;
GRANT UPDATE (id) ON parkdesk.payment, parkdesk.ledger_entry TO parkdesk_owner;
-- A citation is never removed, not even by the owner's own functions (voids keep it);
-- the owner keeps UPDATE for the voids to come, and guard_citation refuses any change of
-- what it said when issued.
REVOKE DELETE, TRUNCATE ON parkdesk.citation FROM parkdesk_owner;
-- Evidence's bytes are never rewritten or removed, not even by the owner's own functions:
-- as for money, the owner keeps UPDATE on the key only (a foreign-key check locks the
-- referring rows FOR KEY SHARE, which needs it), and guard_evidence refuses every UPDATE,
-- DELETE and TRUNCATE anyway. REFERENCES stays, for what will link to evidence (incidents).
REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER ON parkdesk.evidence FROM parkdesk_owner;
GRANT UPDATE (id) ON parkdesk.evidence TO parkdesk_owner;
-- Plate reads and their photos, the same: never rewritten or removed, not even by the
-- owner's own functions. The owner keeps UPDATE on each table's key for the photos'
-- foreign key, checked both ways (guard_plate_read refuses every UPDATE anyway). Each monthly partition is a
-- table of its own, which the owner could otherwise empty directly: it gets the same
-- limits and the TRUNCATE refusal (guard_read_partition; ensure_read_partitions does it
-- for the months it adds).
REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER ON parkdesk.plate_read, parkdesk.plate_read_photo
    FROM parkdesk_owner;
GRANT UPDATE (id) ON parkdesk.plate_read TO parkdesk_owner;
-- A read names its device, lot, zone and vehicle without foreign keys (migration 0014:
-- they cost every read a locked lookup each). What keeps those names true is that none
-- of these rows is ever removed: they are retired. No role has DELETE on them, and the
-- owner's own functions lose it here.
REVOKE DELETE, TRUNCATE ON parkdesk.device, parkdesk.lot, parkdesk.zone, parkdesk.vehicle
    FROM parkdesk_owner;
GRANT UPDATE (read_id) ON parkdesk.plate_read_photo TO parkdesk_owner;
DO $$
DECLARE
    p regclass;
BEGIN
    FOR p IN SELECT i.inhrelid::regclass FROM pg_inherits i
             WHERE i.inhparent = 'parkdesk.plate_read'::regclass LOOP
        PERFORM parkdesk.guard_read_partition(p);
    END LOOP;
END
$$;

GRANT USAGE ON SCHEMA parkdesk TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher, parkdesk_manager,
    parkdesk_officer, parkdesk_admin;

GRANT SELECT ON parkdesk.alembic_version, parkdesk.lot, parkdesk.office_setting,
    parkdesk.staff_member, parkdesk.zone
    TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher, parkdesk_manager,
    parkdesk_officer, parkdesk_admin;
GRANT SELECT ON parkdesk.audit_log TO parkdesk_manager, parkdesk_admin;
GRANT SELECT ON parkdesk.cash_shift, parkdesk.ledger_entry, parkdesk.payment, parkdesk.permit,
    parkdesk.permit_vehicle, parkdesk.refund, parkdesk.waitlist_entry TO parkdesk_manager;
GRANT SELECT ON parkdesk.ledger_line, parkdesk.parker, parkdesk.payment_line,
    parkdesk.permit_type, parkdesk.permit_type_lot, parkdesk.plate_correction
    TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher, parkdesk_manager;
-- A vehicle's stamps name who registered its plate, and a temporary permit's sale
-- registers a new plate: who sold it, which a permit's own columns keep from the desks
-- (threat 28). Managers read them; the desks show none.
GRANT SELECT ON parkdesk.vehicle TO parkdesk_manager;
GRANT SELECT (id, parker_id, jurisdiction, plate_raw, plate_status, plate_normalized,
              plate_skeleton, make, model, colour, model_year, active, deactivated_at,
              deactivation_reason, version, created_at, updated_at)
    ON parkdesk.vehicle TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher;
GRANT INSERT, DELETE ON parkdesk.permit_type_lot TO parkdesk_manager;
GRANT SELECT ON parkdesk.shift_line TO parkdesk_clerk, parkdesk_manager;

-- Enforcement: the codes, the fine schedule, devices and their number ranges are the
-- managers' to keep; a handheld lists the codes and knows its ranges. Citations are read by
-- the desks that take their payments, decide their appeals and void them; an officer's
-- device reads none (issue_citation returns what it needs). device_request is the
-- functions' own.
GRANT SELECT ON parkdesk.citation TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_manager;
-- A citation's photos, with their hashes, go with the citation: the same desks read them,
-- and dispatchers; the device gets back what attach_evidence returns.
-- The other desks read it through case_evidence and evidence_file (66_evidence.sql):
-- under the row policy, EXPLAIN ANALYZE of a scan counted the rows it hid (threat 29).
GRANT SELECT ON parkdesk.evidence TO parkdesk_manager;
GRANT EXECUTE ON FUNCTION parkdesk.case_evidence(bigint), parkdesk.evidence_file(bigint)
    TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher, parkdesk_manager;
-- Plate reads are read by every desk that works with people, for the vehicle record,
-- the case timeline and the reports; the officer's device reads none (record_plate_read
-- returns the verdict). The chain heads are the functions' own.
GRANT SELECT ON parkdesk.plate_read, parkdesk.plate_read_photo
    TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher, parkdesk_manager;
-- Exemptions ("do not ticket") are the managers' to keep: they add one and end it (its
-- end time); nobody removes one (guard_exemption). Permit flags are raised by
-- record_plate_read and cleared by clear_permit_flag. The desks that answer for a plate
-- read both; the officer's device reads neither (check_plate and record_plate_read say
-- what it needs).
GRANT SELECT ON parkdesk.exemption, parkdesk.permit_flag
    TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_manager;
GRANT INSERT (jurisdiction, plate_normalized, lot_id, reason, starts_at, ends_at),
    UPDATE (lot_id, reason, starts_at, ends_at)
    ON parkdesk.exemption TO parkdesk_manager;
REVOKE DELETE, TRUNCATE ON parkdesk.exemption, parkdesk.permit_flag FROM parkdesk_owner;
GRANT SELECT ON parkdesk.citation_range, parkdesk.device, parkdesk.violation
    TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher, parkdesk_manager,
    parkdesk_officer;
GRANT SELECT ON parkdesk.fine_rule, parkdesk.spoiled_number
    TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher, parkdesk_manager;
GRANT INSERT (code, description, warning_only, active, repeat_window_days, appealable,
              appeal_window_days),
    UPDATE (code, description, warning_only, active, repeat_window_days, appealable,
            appeal_window_days)
    ON parkdesk.violation TO parkdesk_manager;
-- The money side of citations: the repeat-offence schedule and the escalation stages are
-- the managers' to keep and the citation desks' to read; which stages a citation has had
-- is read with it. An officer's device needs none of them (issue_citation returns the fine).
GRANT SELECT ON parkdesk.repeat_fine, parkdesk.escalation_stage, parkdesk.citation_stage
    TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_manager;
GRANT INSERT (violation_id, offence, amount), UPDATE (violation_id, offence, amount)
    ON parkdesk.repeat_fine TO parkdesk_manager;
GRANT INSERT (after_days, amount, sends_to_collections, description, active),
    UPDATE (after_days, amount, sends_to_collections, description, active)
    ON parkdesk.escalation_stage TO parkdesk_manager;
GRANT INSERT (violation_id, lot_id, zone_id, amount), UPDATE (violation_id, lot_id, zone_id, amount)
    ON parkdesk.fine_rule TO parkdesk_manager;
GRANT INSERT (code, kind, description, active), UPDATE (kind, description, active)
    ON parkdesk.device TO parkdesk_manager;
GRANT INSERT (device_id, prefix, first_seq, last_seq, width)
    ON parkdesk.citation_range TO parkdesk_manager;

GRANT INSERT (code, name, capacity, active)
    ON parkdesk.lot TO parkdesk_manager;
GRANT UPDATE (code, name, capacity, active)
    ON parkdesk.lot TO parkdesk_manager;
GRANT UPDATE (office_name, time_zone, currency, refund_approval_threshold, receipt_footer,
              free_days_per_plate, free_days_window, phone_region, check_digit_scheme,
              citation_due_days, discount_days, discount_percent, scofflaw_threshold,
              shared_permit_window_minutes, appeal_window_days, appeal_response_days,
              hearing_requires_payment, appeal_lease_minutes, watchlist_merge_minutes)
    ON parkdesk.office_setting TO parkdesk_manager;
GRANT INSERT (first_name, last_name, affiliation, campus_id, email, phone, address, notes)
    ON parkdesk.parker TO parkdesk_clerk;
GRANT UPDATE (first_name, last_name, affiliation, campus_id, email, phone, address, notes,
              active, deactivated_at, deactivation_reason)
    ON parkdesk.parker TO parkdesk_clerk;
GRANT SELECT (id, number, kind, permit_type_id, parker_id, lot_id, issued_validity, validity,
              price, free_reason, note, renewed_from_id, cancelled_at, cancel_reason, version,
              created_at, updated_at)
    ON parkdesk.permit TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher;
GRANT INSERT (code, name, price, validity, term_start, term_end, days, affiliations,
              per_parker_limit, max_vehicles, sale_mode, proration, offer_hours, active)
    ON parkdesk.permit_type TO parkdesk_manager;
GRANT UPDATE (code, name, price, validity, term_start, term_end, days, affiliations,
              per_parker_limit, max_vehicles, sale_mode, proration, offer_hours, active)
    ON parkdesk.permit_type TO parkdesk_manager;
GRANT SELECT (id, permit_id, vehicle_id, lot_id, validity, version, created_at, updated_at)
    ON parkdesk.permit_vehicle TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher;
GRANT SELECT (id, permit_id, parker_id, original_payment_id, amount, status, reason, decided_by,
              decided_at, decision_note, paid_payment_id, version, created_at, updated_at,
              approval_reason, requested_tender, citation_id, appeal_id)
    ON parkdesk.refund TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher;
GRANT INSERT (parker_id, jurisdiction, plate_raw, plate_status, make, model, colour, model_year)
    ON parkdesk.vehicle TO parkdesk_clerk;
GRANT UPDATE (parker_id, jurisdiction, plate_raw, plate_status, make, model, colour, model_year,
              active, deactivated_at, deactivation_reason)
    ON parkdesk.vehicle TO parkdesk_clerk;
GRANT SELECT (id, permit_type_id, lot_id, parker_id, status, joined_at, offered_at,
              offer_expires_at, resolved_at, permit_id, version, created_at, updated_at)
    ON parkdesk.waitlist_entry TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher;
GRANT INSERT (lot_id, code, name, time_limit_minutes)
    ON parkdesk.zone TO parkdesk_manager;
GRANT UPDATE (code, name, time_limit_minutes)
    ON parkdesk.zone TO parkdesk_manager;

GRANT EXECUTE ON FUNCTION
    parkdesk.card_number_free(text),
    parkdesk.changes_since(bigint,integer),
    parkdesk.check_plate(text,text,text,timestamp with time zone),
    parkdesk.describe_until(timestamp with time zone),
    parkdesk.end_overdue_sessions(),
    parkdesk.last_change_id(),
    parkdesk.local_day(timestamp with time zone),
    parkdesk.local_midnight(date),
    parkdesk.plate_near_matches(text,text),
    parkdesk.recent_reads(text,text,integer)
    TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher, parkdesk_manager,
    parkdesk_officer, parkdesk_admin;

GRANT EXECUTE ON FUNCTION
    parkdesk.plate_differences(text,text),
    parkdesk.shown_taker(text,bigint,text),
    parkdesk.shown_poster(text,timestamp with time zone)
    TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher, parkdesk_manager;

GRANT EXECUTE ON FUNCTION
    parkdesk.readable_tables(name,boolean),
    parkdesk.staff_logins(),
    parkdesk.verify_audit_chain(),
    parkdesk.verify_read_chains()
    TO parkdesk_manager, parkdesk_admin;

-- The clock job (parkdesk jobs run) keeps the next months of plate reads.
GRANT EXECUTE ON FUNCTION parkdesk.ensure_read_partitions(integer) TO parkdesk_admin;

GRANT EXECUTE ON FUNCTION
    parkdesk.issue_temporary_permit(uuid,text,text,text,bigint,timestamp with time zone,timestamp with time zone,numeric,text,jsonb,bigint,text),
    parkdesk.lot_availability(bigint,tstzrange),
    parkdesk.payment_taker(bigint),
    parkdesk.quote_permit(bigint,date),
    parkdesk.refresh_waitlists(),
    parkdesk.shift_payments(bigint),
    parkdesk.shift_totals(bigint[])
    TO parkdesk_clerk, parkdesk_manager;

GRANT EXECUTE ON FUNCTION
    parkdesk.create_staff_login(text,text,text[],text),
    parkdesk.disable_staff_login(text)
    TO parkdesk_admin;

GRANT EXECUTE ON FUNCTION
    parkdesk.cancel_permit(uuid,bigint,text,jsonb),
    parkdesk.charge_fee(uuid,bigint,numeric,text,jsonb),
    parkdesk.close_shift(bigint,jsonb),
    parkdesk.correct_plate(bigint,text,text,text,text),
    parkdesk.join_waitlist(bigint,bigint,bigint),
    parkdesk.leave_waitlist(bigint,boolean),
    parkdesk.open_shift(numeric),
    parkdesk.pay_refund(uuid,bigint,jsonb),
    parkdesk.renew_permit(uuid,bigint,jsonb),
    parkdesk.vehicle_last_change(bigint),
    parkdesk.sell_permit(uuid,bigint,bigint,bigint,bigint[],date,jsonb,bigint),
    parkdesk.transfer_permit(bigint,bigint,bigint)
    TO parkdesk_clerk;

GRANT EXECUTE ON FUNCTION
    parkdesk.decide_refund(bigint,boolean,text),
    parkdesk.post_adjustment(bigint,numeric,text),
    parkdesk.sign_off_shift(bigint,text)
    TO parkdesk_manager;

-- A pure computation: every desk that shows citation numbers may show a sample one.
GRANT EXECUTE ON FUNCTION
    parkdesk.check_digit(text,text)
    TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_manager, parkdesk_officer;

GRANT EXECUTE ON FUNCTION
    parkdesk.spoil_numbers(bigint,bigint,bigint,text)
    TO parkdesk_manager;

GRANT EXECUTE ON FUNCTION
    parkdesk.clear_permit_flag(bigint,text)
    TO parkdesk_clerk, parkdesk_manager;

-- Field devices: the device API (docs/DEVICE_API.md).
GRANT EXECUTE ON FUNCTION
    parkdesk.attach_evidence(text,bigint,text,bytea,text,text,timestamp with time zone),
    parkdesk.issue_citation(text,bigint,text,text,text,text,text,timestamp with time zone,text,text,text),
    parkdesk.record_plate_read(text,bigint,text,text,text,timestamp with time zone,numeric,numeric,numeric,bytea,text)
    TO parkdesk_officer;

-- Citations' money (68_citation_money.sql): the counter takes payments, adjudicators and
-- managers void, the clock job (run as the administrator) and a manager escalate; every
-- desk that reads citations sees where each stands and what it owes; the boot and tow list
-- and the scofflaw count carry no personal details, so the field reads them too.
GRANT EXECUTE ON FUNCTION
    parkdesk.citation_status(parkdesk.citation,timestamp with time zone),
    parkdesk.citation_amount_due(bigint,timestamp with time zone)
    TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_manager;
GRANT EXECUTE ON FUNCTION parkdesk.pay_citations(uuid,bigint[],jsonb)
    TO parkdesk_clerk, parkdesk_manager;
GRANT EXECUTE ON FUNCTION parkdesk.void_citation(bigint,text)
    TO parkdesk_adjudicator, parkdesk_manager;
GRANT EXECUTE ON FUNCTION parkdesk.escalate_citations(timestamp with time zone)
    TO parkdesk_manager, parkdesk_admin;
GRANT EXECUTE ON FUNCTION
    parkdesk.unpaid_past_due(text,text,timestamp with time zone),
    parkdesk.scofflaws(timestamp with time zone)
    TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_manager, parkdesk_officer;

-- Appeals (87_appeals.sql): the counter files them for parkers and records withdrawals;
-- adjudicators work the queue, set hearings and decide; a manager accepts a late appeal
-- (through file_appeal), frees a stuck claim, reopens a decided appeal and keeps the list
-- of reasons. The desks that deal with citations read appeals, their steps and the case
-- timeline (which reads with the caller's own rights); the field and the dispatchers read
-- none of it.
-- The watchlist (88_watchlist.sql): dispatchers and managers keep it and read its alerts;
-- the other desks and the field read none of it (the verdict gives the instruction only).
-- Which incident an entry is for is read through watchlist_entry_incidents, which shows
-- it where the incident is the reader's to read.
GRANT SELECT ON parkdesk.watchlist_entry TO parkdesk_manager;
GRANT SELECT (id, jurisdiction, plate_pattern, partial, plate_like, category, priority, reason,
              instruction, starts_at, expires_at, retired_at, retired_by, retire_reason,
              trespass_notice_id, version, created_at, created_by, updated_at, updated_by)
    ON parkdesk.watchlist_entry TO parkdesk_dispatcher;
GRANT SELECT ON parkdesk.watchlist_alert TO parkdesk_dispatcher, parkdesk_manager;
GRANT INSERT (jurisdiction, plate_pattern, category, priority, reason, instruction, starts_at,
              expires_at, incident_id),
    UPDATE (jurisdiction, plate_pattern, category, priority, reason, instruction, starts_at,
            expires_at, incident_id)
    ON parkdesk.watchlist_entry TO parkdesk_dispatcher, parkdesk_manager;
GRANT EXECUTE ON FUNCTION parkdesk.acknowledge_alert(bigint, text),
    parkdesk.retire_watchlist_entry(bigint, text), parkdesk.watchlist_entry_incidents()
    TO parkdesk_dispatcher, parkdesk_manager;
-- Trespass notices: issued and revoked by their functions, which make and retire the
-- person's watchlist entries; read by dispatch and managers.
-- The incident a notice came from is the managers' to read here: a dispatcher who may not
-- read a confidential incident must not learn from a notice that it exists.
GRANT SELECT ON parkdesk.trespass_notice TO parkdesk_manager;
GRANT SELECT (id, number, parker_id, person_name, person_description, lot_id, place, reason,
              issued_at, issued_by, expires_at, revoked_at, revoked_by, revoke_reason)
    ON parkdesk.trespass_notice TO parkdesk_dispatcher;
GRANT EXECUTE ON FUNCTION
    parkdesk.issue_trespass_notice(bigint, text, text, text, text, text, timestamptz, text[],
                                   bigint),
    parkdesk.revoke_trespass_notice(bigint, text)
    TO parkdesk_dispatcher, parkdesk_manager;
REVOKE DELETE, TRUNCATE ON parkdesk.trespass_notice FROM parkdesk_owner;

-- Incidents (89_incidents.sql): dispatchers and managers record and follow them; a
-- confidential one is read and changed only by its reporter, its investigators and
-- managers, and so are its people, vehicles, log, tasks and evidence. Nobody else reads
-- any of it. Writes go through column grants; the triggers hold the rules.
ALTER TABLE parkdesk.incident ENABLE ROW LEVEL SECURITY;
CREATE POLICY incident_readable ON parkdesk.incident FOR ALL
    USING (pg_has_role(session_user, 'parkdesk_manager', 'USAGE') OR NOT confidential
           OR reported_by = session_user OR session_user::text = ANY (investigators));
DO $$
DECLARE
    v_table text;
BEGIN
    FOREACH v_table IN ARRAY ARRAY['incident_person', 'incident_vehicle', 'dispatch_entry',
                                   'incident_task', 'incident_link'] LOOP
        EXECUTE format('ALTER TABLE parkdesk.%I ENABLE ROW LEVEL SECURITY', v_table);
        EXECUTE format('CREATE POLICY %I ON parkdesk.%I FOR ALL '
                       'USING (parkdesk.incident_visible(incident_id))',
                       v_table || '_of_readable_incident', v_table);
    END LOOP;
END
$$;
-- An incident's photos are as private as the incident, and an appeal's documents as the
-- appeals (dispatchers read the officers' photos of citations, not the parkers' papers).
-- Only managers read the table itself; the functions the other desks read it through
-- hold the same rule (may_see_evidence).
ALTER TABLE parkdesk.evidence ENABLE ROW LEVEL SECURITY;
CREATE POLICY evidence_readable ON parkdesk.evidence FOR SELECT
    USING (CASE WHEN incident_id IS NOT NULL THEN parkdesk.incident_visible(incident_id)
                WHEN appeal_id IS NOT NULL
                    THEN has_table_privilege(current_user, 'parkdesk.appeal', 'SELECT')
                ELSE true END);
GRANT SELECT ON parkdesk.incident_category, parkdesk.incident_role
    TO parkdesk_dispatcher, parkdesk_manager;
GRANT INSERT (name, parent_id, active), UPDATE (name, parent_id, active)
    ON parkdesk.incident_category TO parkdesk_manager;
GRANT INSERT (name, active), UPDATE (name, active) ON parkdesk.incident_role TO parkdesk_manager;
-- Dispatchers read incidents through the visible_* functions and change them through
-- record_incident, change_incident and the other writing functions (89_incidents.sql): a
-- row policy alone leaks counts of hidden rows to EXPLAIN ANALYZE of any statement that
-- scans, so they SELECT, UPDATE and DELETE none of these tables. They insert an
-- incident's people, vehicles, log lines and tasks (an INSERT scans nothing; the row
-- policy checks the row). Managers, from whom nothing is hidden, read the tables too.
GRANT SELECT ON parkdesk.incident, parkdesk.incident_person, parkdesk.incident_vehicle,
    parkdesk.dispatch_entry, parkdesk.incident_link, parkdesk.incident_task
    TO parkdesk_manager;
GRANT INSERT (incident_id, role_id, parker_id, name, description, contact)
    ON parkdesk.incident_person TO parkdesk_dispatcher, parkdesk_manager;
GRANT INSERT (incident_id, vehicle_id, jurisdiction, plate, description)
    ON parkdesk.incident_vehicle TO parkdesk_dispatcher, parkdesk_manager;
GRANT INSERT (incident_id, kind, note) ON parkdesk.dispatch_entry
    TO parkdesk_dispatcher, parkdesk_manager;
GRANT INSERT (incident_id, assigned_to, due_on, description)
    ON parkdesk.incident_task TO parkdesk_dispatcher, parkdesk_manager;
GRANT EXECUTE ON FUNCTION parkdesk.record_incident(jsonb),
    parkdesk.change_incident(bigint, jsonb), parkdesk.remove_incident_person(bigint, bigint),
    parkdesk.complete_incident_task(bigint, bigint), parkdesk.unlink_incident(bigint, bigint)
    TO parkdesk_dispatcher, parkdesk_manager;
GRANT EXECUTE ON FUNCTION parkdesk.visible_incidents(bigint),
    parkdesk.visible_incident_people(bigint), parkdesk.visible_incident_vehicles(bigint),
    parkdesk.visible_incident_tasks(bigint), parkdesk.visible_dispatch_entries(bigint),
    parkdesk.visible_incident_links(bigint), parkdesk.visible_incident_evidence(bigint)
    TO parkdesk_dispatcher, parkdesk_manager;
REVOKE DELETE, TRUNCATE ON parkdesk.incident, parkdesk.dispatch_entry FROM parkdesk_owner;
GRANT EXECUTE ON FUNCTION parkdesk.reopen_incident(bigint, text),
    parkdesk.link_incident(bigint, text, text, text),
    parkdesk.attach_incident_evidence(bigint, bytea, text, text, text, text, timestamptz),
    parkdesk.incident_closed(bigint),
    parkdesk.checked_investigators(text[])
    TO parkdesk_dispatcher, parkdesk_manager;
-- Asked by the row policy of evidence, which the citation and appeal desks read too: it
-- answers false to them.
GRANT EXECUTE ON FUNCTION parkdesk.incident_visible(bigint)
    TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher, parkdesk_manager;

GRANT SELECT ON parkdesk.appeal, parkdesk.appeal_step, parkdesk.appeal_reason,
    parkdesk.appeal_claim
    TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_manager;
GRANT INSERT (decision, text, active), UPDATE (decision, text, active)
    ON parkdesk.appeal_reason TO parkdesk_manager;
GRANT EXECUTE ON FUNCTION parkdesk.file_appeal(uuid,bigint,text,text,text,text,text)
    TO parkdesk_clerk, parkdesk_manager;
GRANT EXECUTE ON FUNCTION parkdesk.withdraw_appeal(bigint,text)
    TO parkdesk_clerk, parkdesk_manager;
GRANT EXECUTE ON FUNCTION parkdesk.attach_appeal_document(bigint,bytea,text,text,text,text)
    TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_manager;
GRANT EXECUTE ON FUNCTION
    parkdesk.take_next_appeal(),
    parkdesk.claim_appeal(bigint),
    parkdesk.schedule_hearing(bigint,timestamp with time zone,text),
    parkdesk.decide_appeal(bigint,text,bigint,text,numeric)
    TO parkdesk_adjudicator;
GRANT EXECUTE ON FUNCTION parkdesk.release_appeal(bigint)
    TO parkdesk_adjudicator, parkdesk_manager;
GRANT EXECUTE ON FUNCTION parkdesk.reopen_appeal(bigint,text) TO parkdesk_manager;
GRANT EXECUTE ON FUNCTION
    parkdesk.appeal_queue(),
    parkdesk.case_timeline(bigint)
    TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_manager;

-- A constraint that a function's write fails tells the caller "Failing row contains (…)"
-- (or, for a unique key, the key): the row as the function's owner sees it, so a column
-- or row the caller may not read (who sold a permit, a confidential incident) would be
-- shown by making the write fail on purpose (docs/SECURITY.md, threat 22). PostgreSQL
-- leaves that detail out wherever row-level security applies to the writer: so it applies
-- on every table, forced on the owner too, with a policy letting the owner through (and,
-- on a table with no policy of its own, every role: its grants decide, as before). The
-- partitions of plate_read are reached through their table.
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT c.relname,
                    EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid) AS own_policies
             FROM pg_class c
             WHERE c.relnamespace = 'parkdesk'::regnamespace AND c.relkind IN ('r', 'p')
               AND NOT c.relispartition
             ORDER BY c.relname
    LOOP
        IF t.own_policies THEN
            EXECUTE format('CREATE POLICY owner_every_row ON parkdesk.%I TO parkdesk_owner '
                           'USING (true) WITH CHECK (true)', t.relname);
        ELSE
            EXECUTE format('CREATE POLICY every_row ON parkdesk.%I USING (true) WITH CHECK (true)',
                           t.relname);
        END IF;
        EXECUTE format('ALTER TABLE parkdesk.%I ENABLE ROW LEVEL SECURITY', t.relname);
        EXECUTE format('ALTER TABLE parkdesk.%I FORCE ROW LEVEL SECURITY', t.relname);
    END LOOP;
END
$$;
