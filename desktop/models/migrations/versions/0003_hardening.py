"""Hardening: what a staff login with psql could do that its desk does not allow.

No session may stall the others: the audit chain head is taken without waiting when
free, a writer that does wait ends sessions that have held what it needs for too long,
and every desk's live connection runs the same check. Notifications are sent once per
transaction, at commit, only while the queue has room, and carry nothing but a hint.
Every function a role can call bounds its inputs before working; money requests are
bound to one fingerprint per key; refunds go back to the tender they came from; a
clerk cannot total another clerk's drawer; no text column can hold a card number;
the audit trail is readable only where the audited table is; passwords reach the
server as SCRAM verifiers only; a permit holder stays eligible; plate corrections and
free temporary permits are recorded and limited.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUPS = ("clerk", "adjudicator", "dispatcher", "manager", "officer", "admin")
ALL_GROUPS = ", ".join(f"parkdesk_{g}" for g in GROUPS)
PEOPLE_DESKS = "parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher, parkdesk_manager"

#: Seconds a session may make another wait before it is ended (docs/SECURITY.md).
HOLD_LIMIT = 5

#: Connections one staff login may hold: a desk window uses at most eight.
CONNECTION_LIMIT = 20

ROLES_SQL = f"""
-- end_overdue_sessions must see how long other logins' transactions have lasted and
-- what they wait for; without this pg_stat_activity hides it from the owner.
GRANT pg_read_all_stats TO parkdesk_owner;
-- One login cannot take every connection slot of the server and lock the other desks out
-- (create_staff_login sets the same limit on new logins).
DO $$
DECLARE
    v_login text;
BEGIN
    FOR v_login IN SELECT s.login FROM parkdesk.staff_member s
                   JOIN pg_roles r ON r.rolname = s.login AND NOT r.rolsuper LOOP
        EXECUTE format('ALTER ROLE %I CONNECTION LIMIT {CONNECTION_LIMIT}', v_login);
    END LOOP;
    -- Nor fill the disk with temporary files (a setting only a superuser may change).
    EXECUTE format('ALTER DATABASE %I SET temp_file_limit = %L', current_database(), '2GB');
END
$$;
"""

# -- 1, 2: notifications and the audit chain head -------------------------------------------

SESSIONS_SQL = rf"""
-- Ends staff sessions that stall the others (SPEC rule 18): a session that another has
-- waited for more than {HOLD_LIMIT} s, or whose transaction (or, outside one, whose idle
-- spell: session-level advisory locks) is older than that while another waits for it;
-- and, while the notification queue is more than 1% full (it never is in normal use),
-- sessions that pin it (a transaction older than {HOLD_LIMIT} s, or blocked writing
-- notifications to a client that does not read them).
-- Only staff logins are ended: never a superuser, never the server's own processes.
-- Every desk's live connection calls this every two seconds, and a writer kept waiting
-- for the audit chain calls it itself, so the bound holds with no job server.
CREATE FUNCTION parkdesk.end_overdue_sessions() RETURNS int
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_now timestamptz := clock_timestamp();
    v_queue_full boolean := pg_notification_queue_usage() > 0.01;
    v_ended int := 0;
    r record;
BEGIN
    FOR r IN
        SELECT a.pid, a.usename, a.state, a.wait_event,
               v_now - coalesce(a.xact_start, a.state_change) AS held
        FROM pg_stat_activity a
        JOIN parkdesk.staff_member s ON s.login = a.usename
        JOIN pg_roles ro ON ro.rolname = a.usename
        WHERE a.datname = current_database()
          AND a.backend_type = 'client backend'
          AND a.pid <> pg_backend_pid()
          AND NOT ro.rolsuper
          -- Only the root of a wait chain: a session queued behind the holder (an honest
          -- writer) is never ended because someone queued behind it in turn.
          AND a.wait_event_type IS DISTINCT FROM 'Lock'
          AND (
              -- it holds what another session has waited for longer than the limit, or
              -- has held it longer than the limit itself (short statements in a row, or a
              -- session-level lock, do not make a holder look new)
              EXISTS (SELECT 1 FROM pg_stat_activity w
                      WHERE w.wait_event_type = 'Lock'
                        AND a.pid = ANY (pg_blocking_pids(w.pid))
                        AND (w.state_change < v_now - interval '{HOLD_LIMIT} seconds'
                             OR coalesce(a.xact_start, a.state_change)
                                < v_now - interval '{HOLD_LIMIT} seconds'))
              OR (v_queue_full AND (a.xact_start < v_now - interval '{HOLD_LIMIT} seconds'
                                    OR (a.state = 'idle' AND a.wait_event = 'ClientWrite')))
          )
    LOOP
        IF pg_terminate_backend(r.pid) THEN
            v_ended := v_ended + 1;
            RAISE LOG 'parkdesk: ended the session of % (pid %, %, % held) that stalled others',
                r.usename, r.pid, r.state, r.held;
        END IF;
    END LOOP;
    RETURN v_ended;
END
$$;

-- A writer kept waiting for the audit chain ends whoever holds it too long. Every table is
-- audited, so a transaction that has written anything holds the chain until it ends: a
-- staff session with a transaction id older than {HOLD_LIMIT} s is the holder (or a
-- session holding row locks as long, which end_overdue_sessions ends anyway).
CREATE FUNCTION parkdesk.end_chain_holders() RETURNS int
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_ended int := 0;
    r record;
BEGIN
    FOR r IN
        SELECT a.pid, a.usename, a.state
        FROM pg_stat_activity a
        JOIN parkdesk.staff_member s ON s.login = a.usename
        JOIN pg_roles ro ON ro.rolname = a.usename
        WHERE a.datname = current_database()
          AND a.backend_type = 'client backend'
          AND a.pid <> pg_backend_pid()
          AND NOT ro.rolsuper
          AND a.backend_xid IS NOT NULL
          AND a.wait_event_type IS DISTINCT FROM 'Lock'
          AND a.xact_start < clock_timestamp() - interval '{HOLD_LIMIT} seconds'
    LOOP
        IF pg_terminate_backend(r.pid) THEN
            v_ended := v_ended + 1;
            RAISE LOG 'parkdesk: ended the session of % (pid %, %) holding the audit chain',
                r.usename, r.pid, r.state;
        END IF;
    END LOOP;
    RETURN v_ended;
END
$$;

-- The slow way to the audit chain head, when another transaction holds it: wait a
-- second at a time, ending overdue holders in between, and give up with a message after
-- eight (a holder is ended after {HOLD_LIMIT} s, so an honest writer is never refused).
CREATE FUNCTION parkdesk.wait_for_audit_chain() RETURNS parkdesk.audit_chain
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET lock_timeout = '1s' AS $$
DECLARE
    v_head parkdesk.audit_chain;
    v_deadline timestamptz := clock_timestamp() + interval '8 seconds';
BEGIN
    LOOP
        BEGIN
            SELECT * INTO v_head FROM parkdesk.audit_chain WHERE id = 1 FOR UPDATE;
            RETURN v_head;
        EXCEPTION WHEN lock_not_available THEN
            PERFORM parkdesk.end_chain_holders();
            PERFORM parkdesk.end_overdue_sessions();
            IF clock_timestamp() > v_deadline THEN
                RAISE EXCEPTION 'Another desk is saving a change; try again in a moment.'
                    USING ERRCODE = 'PD006';
            END IF;
        END;
    END LOOP;
END
$$;

-- One trigger for every table: append to the hash-chained audit trail. The chain head
-- row is locked until commit, so concurrent writers queue instead of forking the chain.
-- SKIP LOCKED takes it at once when it is free or already ours; only a writer that must
-- wait goes the slow way. Nothing is announced here: see seal_audit_chain.
CREATE OR REPLACE FUNCTION parkdesk.record_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_old jsonb;
    v_new jsonb;
    v_key text;
    v_prev bytea;
    v_id bigint;
    v_at timestamptz := clock_timestamp();
    v_hash bytea;
    v_head parkdesk.audit_chain;
    v_last_id bigint;
    v_last_hash bytea;
BEGIN
    IF TG_OP <> 'INSERT' THEN v_old := to_jsonb(OLD); END IF;
    IF TG_OP <> 'DELETE' THEN v_new := to_jsonb(NEW); END IF;
    v_key := coalesce(v_new, v_old) ->> TG_ARGV[0];
    SELECT * INTO v_head FROM parkdesk.audit_chain WHERE id = 1 FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        v_head := parkdesk.wait_for_audit_chain();
    END IF;
    -- A new snapshot after the lock: every committed row, and this transaction's own.
    SELECT id, row_hash INTO v_last_id, v_last_hash
    FROM parkdesk.audit_log ORDER BY id DESC LIMIT 1;
    IF v_last_id > coalesce(v_head.last_id, 0) THEN
        v_prev := v_last_hash;       -- this transaction already wrote rows after the head
    ELSE
        v_prev := v_head.last_hash;  -- first row of this transaction (or rows went missing)
    END IF;
    v_id := nextval(pg_get_serial_sequence('parkdesk.audit_log', 'id'));
    v_hash := parkdesk.audit_digest(v_id, v_at, session_user, TG_TABLE_NAME, v_key, TG_OP,
                                    v_old, v_new, v_prev);
    INSERT INTO parkdesk.audit_log
        (id, at, login, table_name, row_key, operation, old_row, new_row, prev_hash, row_hash)
    OVERRIDING SYSTEM VALUE
    VALUES (v_id, v_at, session_user, TG_TABLE_NAME, v_key, TG_OP, v_old, v_new, v_prev, v_hash);
    RETURN NULL;
END
$$;

-- Deferred to commit: the newest audit row of the transaction becomes the chain head,
-- and one notification says that something changed. Any login may NOTIFY, so clients
-- take it as a hint and read what changed with their own rights (changes_since). The
-- hint is skipped while the queue is half full: a write never fails because someone
-- filled the queue (clients also poll every few seconds). The check runs microseconds
-- before the queue is written, with the chain head held.
CREATE OR REPLACE FUNCTION parkdesk.seal_audit_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NEW.id = (SELECT max(id) FROM parkdesk.audit_log) THEN
        UPDATE parkdesk.audit_chain SET last_id = NEW.id, last_hash = NEW.row_hash WHERE id = 1;
        IF pg_notification_queue_usage() < 0.5 THEN
            PERFORM pg_notify('parkdesk_changes', NEW.id::text);
        END IF;
    END IF;
    RETURN NULL;
END
$$;
"""

# -- 9: who may read what the audit trail says --------------------------------------------

AUDIT_SQL = r"""
-- The tables whose audit rows a role may read: those it may read whole. Tables with
-- row-level security are readable whole only by the roles that see every row. With
-- p_hints, the money tables also count when the role reads their masked views: the
-- hints of changes_since carry a key, never a row.
CREATE FUNCTION parkdesk.readable_tables(p_role name, p_hints boolean DEFAULT false)
RETURNS SETOF text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT c.relname::text
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'parkdesk' AND c.relkind IN ('r', 'p')
      AND CASE c.relname
          WHEN 'staff_member' THEN pg_has_role(p_role, 'parkdesk_admin', 'USAGE')
                                   OR pg_has_role(p_role, 'parkdesk_manager', 'USAGE')
          WHEN 'cash_shift' THEN pg_has_role(p_role, 'parkdesk_manager', 'USAGE')
          WHEN 'audit_log' THEN false
          WHEN 'audit_chain' THEN false
          ELSE has_table_privilege(p_role, c.oid, 'SELECT')
               OR (p_hints AND c.relname IN ('payment', 'ledger_entry')
                   AND has_table_privilege(p_role, CASE c.relname
                           WHEN 'payment' THEN 'parkdesk.payment_line'
                           ELSE 'parkdesk.ledger_line' END, 'SELECT'))
      END
$$;

ALTER TABLE parkdesk.audit_log ENABLE ROW LEVEL SECURITY;
-- Old and new values of a row are as private as the row: an administrator, who may not
-- read parkers, does not read them here either.
CREATE POLICY audit_log_readable ON parkdesk.audit_log FOR SELECT
    USING (table_name IN (SELECT parkdesk.readable_tables(current_user)));

-- What changed after a given audit row: table, operation and, where the caller may read
-- the row, its key. A change to a table the caller may not read comes without its key
-- (the plate check re-checks when permits change, without learning whose). Desks replay
-- these on every hint, and after a reconnect.
CREATE OR REPLACE FUNCTION parkdesk.changes_since(p_after bigint, p_limit int DEFAULT 5000)
RETURNS TABLE (id bigint, table_name text, operation text, row_key text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    WITH readable AS (SELECT parkdesk.readable_tables(session_user, true) AS t)
    SELECT a.id, a.table_name, left(a.operation, 1),
           CASE WHEN a.table_name IN (SELECT t FROM readable)
                     OR (a.table_name = 'staff_member' AND a.row_key = session_user)
                     OR (a.table_name = 'cash_shift'
                         AND EXISTS (SELECT 1 FROM parkdesk.cash_shift c
                                     WHERE c.id::text = a.row_key AND c.clerk = session_user))
                THEN a.row_key END
    FROM parkdesk.audit_log a
    WHERE a.id > p_after
    ORDER BY a.id
    LIMIT least(greatest(p_limit, 1), 50000)
$$;
"""

# -- 3: bounded inputs -------------------------------------------------------------------

BOUNDS_SQL = r"""
-- Refuses text longer than p_max characters before anything else looks at it: the byte
-- length is known without reading the text.
CREATE FUNCTION parkdesk.bound_text(p_field text, p_value text, p_max int) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF octet_length(p_value) > p_max * 4 OR length(p_value) > p_max THEN
        RAISE EXCEPTION 'At most % characters, please.', p_max
            USING ERRCODE = 'PD002', DETAIL = p_field;
    END IF;
END
$$;

CREATE FUNCTION parkdesk.bound_json(p_field text, p_value jsonb, p_max_bytes int) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- Its text, not its stored size: a repetitive value compresses to almost nothing.
    IF octet_length(p_value::text) > p_max_bytes THEN
        RAISE EXCEPTION 'That is far more than this field takes.'
            USING ERRCODE = 'PD002', DETAIL = p_field;
    END IF;
END
$$;

-- An amount in cents exactly, within bounds: 0.005 is refused, never rounded.
CREATE FUNCTION parkdesk.check_amount(
    p_field text, p_value numeric, p_min numeric, p_max numeric, p_what text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_value IS NULL OR p_value < p_min OR p_value > p_max THEN
        RAISE EXCEPTION '% is an amount from % to %.', p_what,
            to_char(p_min, 'FM999,999,990.00'), to_char(p_max, 'FM999,999,990.00')
            USING ERRCODE = 'PD002', DETAIL = p_field;
    END IF;
    IF p_value <> round(p_value, 2) THEN
        RAISE EXCEPTION '% has at most two decimals (cents).', p_what
            USING ERRCODE = 'PD002', DETAIL = p_field;
    END IF;
END
$$;

-- How many positions two plates of equal length differ in (look-alike search, SPEC rule 2).
-- Plates are at most ten characters: anything much longer differs everywhere, at no cost.
CREATE OR REPLACE FUNCTION parkdesk.plate_differences(a text, b text) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN octet_length(a) > 40 OR octet_length(b) > 40 THEN 99
                WHEN length(a) <> length(b) THEN greatest(length(a), length(b))
           ELSE (SELECT count(*)::int FROM generate_series(1, length(a)) AS i
                 WHERE substr(a, i, 1) <> substr(b, i, 1)) END
$$;

CREATE OR REPLACE FUNCTION parkdesk.plate_near_matches(p_jurisdiction text, p_plate text)
RETURNS TABLE (jurisdiction text, plate text, differences int)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_plate text;
    v_jurisdiction text;
BEGIN
    -- Bounded before any work (inline: a helper call would cost more than the check).
    IF octet_length(p_jurisdiction) > 10 THEN
        PERFORM parkdesk.refuse('jurisdiction', 'At most 10 characters, please.');
    ELSIF octet_length(p_plate) > 40 THEN
        PERFORM parkdesk.refuse('plate', 'At most 40 characters, please.');
    END IF;
    v_jurisdiction := upper(btrim(coalesce(p_jurisdiction, '')));
    v_plate := upper(regexp_replace(coalesce(p_plate, ''), '[[:space:].-]', '', 'g'));
    RETURN QUERY
    SELECT v.jurisdiction, v.plate_normalized,
           parkdesk.plate_differences(v.plate_normalized, v_plate)
    FROM parkdesk.vehicle v
    WHERE v.plate_skeleton = translate(v_plate, 'OQDILZSBG', '000112586')
      AND v.plate_normalized IS NOT NULL
      AND NOT (v.jurisdiction = v_jurisdiction AND v.plate_normalized = v_plate)
      AND (v.jurisdiction = v_jurisdiction
           AND parkdesk.plate_differences(v.plate_normalized, v_plate) <= 2
           OR v.plate_normalized = v_plate)
    ORDER BY 3, 1, 2
    LIMIT 10;
END
$$;
"""

CHECK_PLATE_SQL = r"""
-- The plate check (SPEC "Plate check"): one verdict for a plate at a place and time, for
-- every desk and for enforcement devices. It reads permits and vehicles as the owner and
-- returns no personal details, so the officer role may run it without reading parkers.
-- It is the hot path of the product: its inputs are bounded before any work, and the
-- common verdicts take one query (the office's zone, the vehicle and its current permit);
-- dates are worded here rather than by helper functions, which each cost a call.
CREATE OR REPLACE FUNCTION parkdesk.check_plate(
    p_jurisdiction text, p_plate text, p_lot text DEFAULT NULL, p_at timestamptz DEFAULT NULL)
RETURNS TABLE (verdict text, jurisdiction text, plate text, permit_number text,
               permit_kind text, permit_type text, lot_code text, lot_name text,
               valid_from timestamptz, valid_until timestamptz, reason text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_at timestamptz := coalesce(p_at, now());
    v_plate text;
    v_jurisdiction text;
    v_lot parkdesk.lot;
    v_until text;
    v_vehicle bigint;
    r record;
BEGIN
    -- Bounded before any work: a device sends a plate, not a novel.
    IF octet_length(p_plate) > 40 OR octet_length(p_jurisdiction) > 10
       OR octet_length(p_lot) > 20 THEN
        PERFORM parkdesk.refuse(CASE WHEN octet_length(p_plate) > 40 THEN 'plate'
                                     WHEN octet_length(p_jurisdiction) > 10 THEN 'jurisdiction'
                                     ELSE 'lot' END, 'That is far longer than a plate, jurisdiction or lot code.');
    END IF;
    v_plate := upper(regexp_replace(coalesce(p_plate, ''), '[[:space:].-]', '', 'g'));
    v_jurisdiction := upper(btrim(coalesce(p_jurisdiction, '')));
    IF v_plate !~ '^[A-Z0-9]{1,10}$' THEN
        PERFORM parkdesk.refuse('plate',
            'A plate is 1 to 10 letters and digits (spaces, dashes and dots are ignored).');
    END IF;
    IF v_jurisdiction !~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$' THEN
        PERFORM parkdesk.refuse('jurisdiction', 'Jurisdiction is a two-letter code such as ON or NY.');
    END IF;
    IF nullif(btrim(p_lot), '') IS NOT NULL THEN
        SELECT * INTO v_lot FROM parkdesk.lot l WHERE l.code = upper(btrim(p_lot));
        IF NOT FOUND THEN
            PERFORM parkdesk.refuse('lot', format('There is no lot %s.', upper(btrim(p_lot))));
        END IF;
    END IF;
    jurisdiction := v_jurisdiction;
    plate := v_plate;
    -- The office's zone, the vehicle and the permit valid now (in this lot first, term
    -- permits before temporary ones), in one query.
    SELECT (SELECT s.time_zone FROM parkdesk.office_setting s WHERE s.id = 1) AS zone,
           v.id AS vehicle_id, c.number, c.kind, c.type_name, c.code, c.lname, c.validity
    INTO r
    FROM (SELECT 1) AS one
    LEFT JOIN parkdesk.vehicle v
           ON v.jurisdiction = v_jurisdiction AND v.plate_normalized = v_plate
    LEFT JOIN LATERAL (
        SELECT p.number, p.kind, t.name AS type_name, l.code, l.name AS lname, pv.validity
        FROM parkdesk.permit_vehicle pv
        JOIN parkdesk.permit p ON p.id = pv.permit_id
        JOIN parkdesk.lot l ON l.id = pv.lot_id
        LEFT JOIN parkdesk.permit_type t ON t.id = p.permit_type_id
        WHERE pv.vehicle_id = v.id AND pv.validity @> v_at
        ORDER BY (pv.lot_id = v_lot.id) DESC NULLS LAST, (p.kind = 'term') DESC,
                 upper(pv.validity) DESC
        LIMIT 1) AS c ON true;
    IF r.vehicle_id IS NULL THEN
        verdict := 'no_permit';
        reason := format('No permit: %s (%s) is not registered and has no temporary permit.',
                         v_plate, v_jurisdiction);
        RETURN NEXT;
        RETURN;
    END IF;
    IF r.number IS NOT NULL THEN
        permit_number := r.number;
        permit_kind := r.kind;
        permit_type := coalesce(r.type_name, initcap(r.kind) || ' permit');
        lot_code := r.code;
        lot_name := r.lname;
        valid_from := lower(r.validity);
        valid_until := upper(r.validity);
        -- As describe_until words it: a permit ending at local midnight lasts to the end
        -- of the day before.
        v_until := CASE
            WHEN upper(r.validity) IS NULL THEN 'further notice'
            WHEN (upper(r.validity) AT TIME ZONE r.zone)::time = '00:00'
                THEN 'the end of ' || to_char((upper(r.validity) AT TIME ZONE r.zone)::date - 1,
                                              'FMDD Mon YYYY')
            ELSE to_char(upper(r.validity) AT TIME ZONE r.zone, 'FMDD Mon YYYY HH24:MI') END;
        IF v_lot.id IS NOT NULL AND r.code <> v_lot.code THEN
            verdict := 'wrong_lot';
            reason := format('Wrong lot: permit %s (%s) is for %s, not %s.', r.number,
                             permit_type, r.lname, v_lot.name);
        ELSIF r.kind = 'term' THEN
            verdict := 'valid';
            reason := format('Valid: permit %s (%s) for %s until %s.', r.number, permit_type,
                             r.lname, v_until);
        ELSE
            verdict := 'temporary';
            reason := format('Valid temporary permit: %s (%s) for %s until %s.', r.number,
                             permit_type, r.lname, v_until);
        END IF;
        RETURN NEXT;
        RETURN;
    END IF;
    -- Nothing valid: the most recent that ended, in this lot if one is given.
    v_vehicle := r.vehicle_id;
    SELECT p.number, p.kind, t.name AS type_name, l.code, l.name AS lname, pv.validity,
           p.cancelled_at, upper(pv.validity) < upper(p.validity) AS transferred
    INTO r
    FROM parkdesk.permit_vehicle pv
    JOIN parkdesk.permit p ON p.id = pv.permit_id
    JOIN parkdesk.lot l ON l.id = pv.lot_id
    LEFT JOIN parkdesk.permit_type t ON t.id = p.permit_type_id
    WHERE pv.vehicle_id = v_vehicle AND NOT isempty(pv.validity) AND upper(pv.validity) <= v_at
      AND (v_lot.id IS NULL OR pv.lot_id = v_lot.id)
    ORDER BY upper(pv.validity) DESC
    LIMIT 1;
    IF FOUND THEN
        verdict := 'expired';
        permit_number := r.number;
        permit_kind := r.kind;
        permit_type := coalesce(r.type_name, initcap(r.kind) || ' permit');
        lot_code := r.code;
        lot_name := r.lname;
        valid_from := lower(r.validity);
        valid_until := upper(r.validity);
        reason := format('%s: permit %s (%s) for %s %s.',
            CASE WHEN r.cancelled_at IS NOT NULL THEN 'Cancelled'
                 WHEN r.transferred THEN 'Transferred' ELSE 'Expired' END,
            r.number, permit_type, r.lname,
            CASE WHEN r.cancelled_at IS NOT NULL OR r.transferred
                 THEN 'ended ' || to_char(upper(r.validity) AT TIME ZONE (SELECT s.time_zone
                     FROM parkdesk.office_setting s WHERE s.id = 1), 'FMDD Mon YYYY HH24:MI')
                 ELSE 'ended at ' || parkdesk.describe_until(upper(r.validity)) END);
        RETURN NEXT;
        RETURN;
    END IF;
    verdict := 'no_permit';
    reason := format('No permit: %s (%s) has no permit%s.', v_plate, v_jurisdiction,
                     CASE WHEN v_lot.id IS NULL THEN '' ELSE ' for ' || v_lot.name END);
    RETURN NEXT;
END
$$;
"""

# -- 4: refunds go back the way they were paid ---------------------------------------------

CANCEL_SQL = r"""
CREATE FUNCTION parkdesk.cancel_permit_core(
    p_key uuid, p_permit bigint, p_reason text, p_tender jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    o parkdesk.permit;
    v_paid bigint := parkdesk.payment_for_key(p_key);
    v_today date := parkdesk.local_day(now());
    v_first date;
    v_last date;
    v_amount numeric;
    v_threshold numeric;
    v_original bigint;
    v_refund parkdesk.refund;
    v_pay parkdesk.payment;
    v_cut timestamptz;
    v_manager boolean := pg_has_role(session_user, 'parkdesk_manager', 'USAGE');
    v_other_tender text;
    v_reason text;
BEGIN
    IF v_paid IS NOT NULL THEN
        RETURN (SELECT r.id FROM parkdesk.refund r WHERE r.paid_payment_id = v_paid);
    END IF;
    SELECT * INTO o FROM parkdesk.permit WHERE id = p_permit FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'This permit no longer exists.' USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM parkdesk.lock_lot(o.lot_id);
    IF o.cancelled_at IS NOT NULL THEN
        PERFORM parkdesk.refuse('permit', format('Permit %s was already cancelled on %s.', o.number,
            to_char(parkdesk.local_day(o.cancelled_at), 'FMDD Mon YYYY')));
    END IF;
    IF upper(o.validity) <= now() THEN
        PERFORM parkdesk.refuse('permit', format('Permit %s has already ended.', o.number));
    END IF;
    IF length(btrim(coalesce(p_reason, ''))) < 3 THEN
        PERFORM parkdesk.refuse('reason', 'Say why the permit is cancelled.');
    END IF;
    v_first := parkdesk.local_day(lower(o.issued_validity));
    v_last := parkdesk.local_day(upper(o.issued_validity));
    IF v_today < v_first THEN
        v_amount := o.price;
    ELSE
        v_amount := round(o.price * greatest(v_last - (v_today + 1), 0)
                          / greatest(v_last - v_first, 1), 2);
    END IF;
    v_cut := greatest(now(), lower(o.validity));
    UPDATE parkdesk.permit
    SET validity = CASE WHEN lower(validity) >= v_cut THEN 'empty'::tstzrange
                        ELSE tstzrange(lower(validity), v_cut) END,
        cancelled_at = now(), cancel_reason = btrim(p_reason)
    WHERE id = o.id;
    UPDATE parkdesk.permit_vehicle
    SET validity = CASE WHEN lower(validity) >= v_cut THEN 'empty'::tstzrange
                        ELSE tstzrange(lower(validity), least(upper(validity), v_cut)) END
    WHERE permit_id = o.id AND upper(validity) > v_cut;
    PERFORM parkdesk.offer_spaces(o.lot_id);
    IF v_amount <= 0 THEN
        RETURN NULL;
    END IF;
    SELECT s.refund_approval_threshold INTO v_threshold FROM parkdesk.office_setting s
    WHERE s.id = 1;
    SELECT pay.id INTO v_original FROM parkdesk.payment pay
    WHERE pay.permit_id = o.id AND pay.direction = 'in' ORDER BY pay.id DESC LIMIT 1;
    -- A refund goes back the way it was paid; another tender needs a manager, whatever
    -- the amount (a card sale refunded in cash is money out of the drawer).
    -- (Above the threshold the desk sends no tender yet: "none" is chosen at payout.)
    IF coalesce(p_tender ->> 'kind', 'none') <> 'none' THEN
        v_other_tender := parkdesk.tender_refusal(v_original, p_tender);
    END IF;
    v_reason := CASE WHEN v_other_tender IS NOT NULL THEN 'tender'
                     WHEN v_amount > v_threshold THEN 'amount' END;
    INSERT INTO parkdesk.refund (permit_id, parker_id, original_payment_id, amount, status, reason,
                                 approval_reason, requested_tender, decided_by, decided_at)
    VALUES (o.id, o.parker_id, v_original, v_amount,
            CASE WHEN v_reason IS NOT NULL AND NOT v_manager THEN 'pending' ELSE 'approved' END,
            btrim(p_reason), v_reason,
            CASE WHEN v_reason = 'tender' THEN parkdesk.tender_signature(p_tender) END,
            CASE WHEN v_reason IS NOT NULL AND v_manager THEN session_user END,
            CASE WHEN v_reason IS NOT NULL AND v_manager THEN now() END)
    RETURNING * INTO v_refund;
    IF v_refund.status = 'pending' THEN
        RETURN v_refund.id;
    END IF;
    INSERT INTO parkdesk.ledger_entry (posted_at, posted_by, kind, amount, parker_id, permit_id,
                                       refund_id, memo)
    VALUES (now(), session_user, 'refund', -v_amount, o.parker_id, o.id, v_refund.id,
            left(format('Refund for cancelled %s', o.number), 200));
    v_pay := parkdesk.take_payment(p_key, 'out', o.parker_id, o.id, v_amount, p_tender,
        format('Refund for cancelled permit %s', o.number), v_refund.id);
    UPDATE parkdesk.refund SET status = 'paid', paid_payment_id = v_pay.id WHERE id = v_refund.id;
    RETURN v_refund.id;
END
$$;
"""

# -- 4, 6, 7: money requests ----------------------------------------------------------------

MONEY_SQL = r"""
-- A tender as a manager approves it: the kind and which card or account, never more.
CREATE FUNCTION parkdesk.tender_signature(p_tender jsonb) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE p_tender ->> 'kind'
        WHEN 'card' THEN 'card:' || lower(btrim(coalesce(p_tender ->> 'brand', ''))) || ':'
                         || coalesce(p_tender ->> 'last4', '')
        WHEN 'account' THEN 'account:' || coalesce(p_tender ->> 'account', '') || ':'
                            || upper(btrim(coalesce(p_tender ->> 'reference', '')))
        ELSE p_tender ->> 'kind' END
$$;

-- NULL when a refund in this tender goes back the way the original payment came (cash to
-- cash, the same card, the same account), else what the original was, for the message.
CREATE FUNCTION parkdesk.tender_refusal(p_original bigint, p_tender jsonb) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    o parkdesk.payment;
    v_kind text := p_tender ->> 'kind';
BEGIN
    SELECT * INTO o FROM parkdesk.payment WHERE id = p_original;
    IF NOT FOUND OR o.tender = 'none' THEN
        RETURN 'there is no payment on record to refund to';
    ELSIF o.tender = 'card' THEN
        IF v_kind = 'card' AND p_tender ->> 'last4' = o.card_last4
           AND lower(btrim(p_tender ->> 'brand')) = lower(o.card_brand) THEN
            RETURN NULL;
        END IF;
        RETURN format('it was paid by %s card ending %s', o.card_brand, o.card_last4);
    ELSIF o.tender = 'account' THEN
        IF v_kind = 'account' AND p_tender ->> 'account' = o.account_kind
           AND upper(p_tender ->> 'reference') = o.account_ref THEN
            RETURN NULL;
        END IF;
        RETURN format('it was charged to %s account %s', o.account_kind, o.account_ref);
    ELSIF v_kind = o.tender THEN
        RETURN NULL;
    END IF;
    RETURN format('it was paid by %s', o.tender);
END
$$;

-- A request key belongs to one request (SPEC rule 18). The same request again returns its
-- first result; a different request with the same key is refused and does nothing.
CREATE FUNCTION parkdesk.claim_request(
    p_key uuid, p_operation text, p_request jsonb, OUT done boolean, OUT result bigint)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k parkdesk.request_key;
BEGIN
    IF p_key IS NULL THEN
        PERFORM parkdesk.refuse('key', 'A payment needs its idempotency key.');
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended(p_key::text, 2026));
    SELECT * INTO k FROM parkdesk.request_key WHERE key = p_key;
    IF FOUND THEN
        IF k.operation <> p_operation OR k.login <> session_user
           OR k.fingerprint <> sha256(convert_to(p_operation || ':' || p_request::text, 'UTF8')) THEN
            RAISE EXCEPTION 'This request''s key was already used for a different request (%, %). '
                            'Nothing was done: start again.', replace(k.operation, '_', ' '),
                            to_char(k.made_at, 'YYYY-MM-DD HH24:MI')
                USING ERRCODE = 'PD007';
        END IF;
        done := true;
        result := k.result;
        RETURN;
    END IF;
    -- A payment made before keys were fingerprinted: its request cannot be compared.
    IF EXISTS (SELECT 1 FROM parkdesk.payment p WHERE p.idempotency_key = p_key) THEN
        RAISE EXCEPTION 'This request''s key was already used for a payment. Nothing was done: '
                        'start again.' USING ERRCODE = 'PD007';
    END IF;
    done := false;
END
$$;

-- A tender as compared between two requests: 40 and 40.00 in cash are the same request.
CREATE FUNCTION parkdesk.canonical_tender(p_tender jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN jsonb_typeof(p_tender) = 'object'
                     AND p_tender ->> 'tendered' ~ '^[0-9]{1,7}(\.[0-9]{1,2})?$'
                THEN jsonb_set(p_tender, '{tendered}',
                               to_jsonb(((p_tender ->> 'tendered')::numeric(12, 2))::text))
                ELSE p_tender END
$$;

CREATE FUNCTION parkdesk.remember_request(
    p_key uuid, p_operation text, p_request jsonb, p_result bigint) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO parkdesk.request_key (key, operation, fingerprint, result, login, made_at)
    VALUES (p_key, p_operation, sha256(convert_to(p_operation || ':' || p_request::text, 'UTF8')),
            p_result, session_user, now())
$$;

CREATE FUNCTION parkdesk.sell_permit(
    p_key uuid, p_parker bigint, p_type bigint, p_lot bigint, p_vehicles bigint[],
    p_start date, p_tender jsonb, p_offer bigint DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_request jsonb;
    c record;
    v_result bigint;
BEGIN
    IF cardinality(p_vehicles) > 10 THEN
        PERFORM parkdesk.refuse('vehicles', 'A permit covers at most 10 vehicles.');
    END IF;
    PERFORM parkdesk.bound_json('tender', p_tender, 1000);
    v_request := jsonb_build_array(p_parker, p_type, p_lot, p_vehicles, p_start,
                                   parkdesk.canonical_tender(p_tender), p_offer);
    c := parkdesk.claim_request(p_key, 'sell_permit', v_request);
    IF c.done THEN
        RETURN c.result;
    END IF;
    -- The vehicles stay the parker's while the sale goes on: an owner change waiting to
    -- commit is seen, and refused, rather than racing the sale.
    PERFORM 1 FROM parkdesk.vehicle v WHERE v.id = ANY (p_vehicles) ORDER BY v.id FOR SHARE;
    v_result := parkdesk.sell_permit_core(p_key, p_parker, p_type, p_lot, p_vehicles, p_start,
                                          p_tender, p_offer);
    PERFORM parkdesk.remember_request(p_key, 'sell_permit', v_request, v_result);
    RETURN v_result;
END
$$;

CREATE FUNCTION parkdesk.renew_permit(p_key uuid, p_permit bigint, p_tender jsonb)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_request jsonb;
    c record;
    v_result bigint;
BEGIN
    PERFORM parkdesk.bound_json('tender', p_tender, 1000);
    v_request := jsonb_build_array(p_permit, parkdesk.canonical_tender(p_tender));
    c := parkdesk.claim_request(p_key, 'renew_permit', v_request);
    IF c.done THEN
        RETURN c.result;
    END IF;
    v_result := parkdesk.renew_permit_core(p_key, p_permit, p_tender);
    PERFORM parkdesk.remember_request(p_key, 'renew_permit', v_request, v_result);
    RETURN v_result;
END
$$;

CREATE FUNCTION parkdesk.cancel_permit(
    p_key uuid, p_permit bigint, p_reason text, p_tender jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_request jsonb;
    c record;
    v_result bigint;
BEGIN
    PERFORM parkdesk.bound_text('reason', p_reason, 500);
    PERFORM parkdesk.bound_json('tender', p_tender, 1000);
    v_request := jsonb_build_array(p_permit, btrim(p_reason), parkdesk.canonical_tender(p_tender));
    c := parkdesk.claim_request(p_key, 'cancel_permit', v_request);
    IF c.done THEN
        RETURN c.result;
    END IF;
    v_result := parkdesk.cancel_permit_core(p_key, p_permit, p_reason, p_tender);
    PERFORM parkdesk.remember_request(p_key, 'cancel_permit', v_request, v_result);
    RETURN v_result;
END
$$;

CREATE FUNCTION parkdesk.pay_refund(p_key uuid, p_refund bigint, p_tender jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_request jsonb;
    c record;
    r parkdesk.refund;
    v_other text;
    v_result bigint;
BEGIN
    PERFORM parkdesk.bound_json('tender', p_tender, 1000);
    v_request := jsonb_build_array(p_refund, parkdesk.canonical_tender(p_tender));
    c := parkdesk.claim_request(p_key, 'pay_refund', v_request);
    IF c.done THEN
        RETURN c.result;
    END IF;
    SELECT * INTO r FROM parkdesk.refund WHERE id = p_refund FOR UPDATE;
    IF FOUND AND r.status = 'approved' THEN
        v_other := parkdesk.tender_refusal(r.original_payment_id, p_tender);
        IF v_other IS NOT NULL AND r.approval_reason IS DISTINCT FROM 'tender' THEN
            PERFORM parkdesk.refuse('tender', format(
                'This refund goes back the way it was paid: %s. Paying it another way needs '
                'a manager''s approval.', v_other));
        END IF;
        -- A manager approved one other tender, not any.
        IF v_other IS NOT NULL AND r.requested_tender IS NOT NULL
           AND parkdesk.tender_signature(p_tender) IS DISTINCT FROM r.requested_tender THEN
            PERFORM parkdesk.refuse('tender', format(
                'A manager approved paying this refund by %s, or the way it was paid (%s).',
                replace(r.requested_tender, ':', ' '), v_other));
        END IF;
    END IF;
    v_result := parkdesk.pay_refund_core(p_key, p_refund, p_tender);
    PERFORM parkdesk.remember_request(p_key, 'pay_refund', v_request, v_result);
    RETURN v_result;
END
$$;

-- Free temporary permits are limited per plate over a rolling window (office settings);
-- beyond it only a manager issues one.
CREATE FUNCTION parkdesk.issue_temporary_permit(
    p_key uuid, p_kind text, p_jurisdiction text, p_plate text, p_lot bigint,
    p_from timestamptz, p_until timestamptz, p_price numeric, p_free_reason text,
    p_tender jsonb, p_parker bigint DEFAULT NULL, p_note text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_request jsonb;
    c record;
    s parkdesk.office_setting;
    v_plate text;
    v_jurisdiction text;
    v_used numeric;
    v_asked numeric;
    v_result bigint;
BEGIN
    PERFORM parkdesk.bound_text('kind', p_kind, 20);
    PERFORM parkdesk.bound_text('jurisdiction', p_jurisdiction, 10);
    PERFORM parkdesk.bound_text('plate', p_plate, 20);
    PERFORM parkdesk.bound_text('free_reason', p_free_reason, 300);
    PERFORM parkdesk.bound_text('note', p_note, 500);
    PERFORM parkdesk.bound_json('tender', p_tender, 1000);
    PERFORM parkdesk.check_amount('price', p_price, 0, 10000, 'The price');
    v_request := jsonb_build_array(p_kind, p_jurisdiction, p_plate, p_lot, p_from, p_until,
                                   round(p_price, 2), btrim(p_free_reason),
                                   parkdesk.canonical_tender(p_tender), p_parker, btrim(p_note));
    c := parkdesk.claim_request(p_key, 'issue_temporary_permit', v_request);
    IF c.done THEN
        RETURN c.result;
    END IF;
    IF p_price = 0 AND p_from IS NOT NULL AND p_until > p_from
       AND NOT pg_has_role(session_user, 'parkdesk_manager', 'USAGE') THEN
        SELECT * INTO s FROM parkdesk.office_setting WHERE id = 1;
        v_plate := upper(regexp_replace(coalesce(p_plate, ''), '[[:space:].-]', '', 'g'));
        v_jurisdiction := upper(btrim(coalesce(p_jurisdiction, '')));
        -- One plate at a time, so two clerks cannot both give the last free days away: the
        -- vehicle's row (an advisory lock would be one any login could hold).
        PERFORM 1 FROM parkdesk.vehicle v WHERE v.plate_normalized = v_plate
        ORDER BY v.id FOR NO KEY UPDATE;
        -- Free days of the last window and any booked ahead: a chain of free permits adds
        -- up however it is cut.
        SELECT coalesce(sum(extract(epoch FROM upper(pv.validity) - greatest(lower(pv.validity),
                   least(p_from, now()) - make_interval(days => s.free_days_window))) / 86400), 0)
        INTO v_used
        FROM parkdesk.permit_vehicle pv
        JOIN parkdesk.permit p ON p.id = pv.permit_id
        JOIN parkdesk.vehicle v ON v.id = pv.vehicle_id
        -- The plate's whole history: a vehicle that carried it before a plate correction
        -- still counts (a correction is no way to start the count again).
        -- In any jurisdiction: a made-up region code is no new allowance.
        WHERE (v.plate_normalized = v_plate
               OR EXISTS (SELECT 1 FROM parkdesk.plate_correction pc WHERE pc.vehicle_id = v.id
                          AND (upper(regexp_replace(pc.old_plate_raw, '[[:space:].-]', '',
                                                    'g')) = v_plate
                               OR upper(regexp_replace(pc.new_plate_raw, '[[:space:].-]', '',
                                                       'g')) = v_plate)))
          AND p.kind <> 'term' AND p.price = 0 AND NOT isempty(pv.validity)
          AND upper(pv.validity) > least(p_from, now()) - make_interval(days => s.free_days_window);
        v_asked := extract(epoch FROM p_until - p_from) / 86400;
        IF v_used + v_asked > s.free_days_per_plate THEN
            PERFORM parkdesk.refuse('free_reason', format(
                '%s (%s) already has %s free day%s in the last %s days or booked ahead; the '
                'office allows %s. A manager can issue more.', v_plate, v_jurisdiction,
                trim(to_char(ceil(v_used), 'FM999990')),
                CASE WHEN ceil(v_used) = 1 THEN '' ELSE 's' END, s.free_days_window,
                s.free_days_per_plate));
        END IF;
    END IF;
    v_result := parkdesk.issue_temporary_permit_core(p_key, p_kind, p_jurisdiction, p_plate,
        p_lot, p_from, p_until, p_price, p_free_reason, p_tender, p_parker, p_note);
    PERFORM parkdesk.remember_request(p_key, 'issue_temporary_permit', v_request, v_result);
    RETURN v_result;
END
$$;

CREATE FUNCTION parkdesk.charge_fee(
    p_key uuid, p_parker bigint, p_amount numeric, p_memo text, p_tender jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_request jsonb;
    c record;
    v_result bigint;
BEGIN
    PERFORM parkdesk.bound_text('memo', p_memo, 200);
    PERFORM parkdesk.bound_json('tender', p_tender, 1000);
    PERFORM parkdesk.check_amount('amount', p_amount, 0.01, 10000, 'A fee');
    v_request := jsonb_build_array(p_parker, round(p_amount, 2), btrim(p_memo),
                                   parkdesk.canonical_tender(p_tender));
    c := parkdesk.claim_request(p_key, 'charge_fee', v_request);
    IF c.done THEN
        RETURN c.result;
    END IF;
    v_result := parkdesk.charge_fee_core(p_key, p_parker, p_amount, p_memo, p_tender);
    PERFORM parkdesk.remember_request(p_key, 'charge_fee', v_request, v_result);
    RETURN v_result;
END
$$;

CREATE FUNCTION parkdesk.post_adjustment(p_parker bigint, p_amount numeric, p_memo text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM parkdesk.bound_text('memo', p_memo, 200);
    PERFORM parkdesk.check_amount('amount', p_amount, -10000, 10000, 'An adjustment');
    RETURN parkdesk.post_adjustment_core(p_parker, p_amount, p_memo);
END
$$;

CREATE FUNCTION parkdesk.decide_refund(p_refund bigint, p_approve boolean, p_note text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM parkdesk.bound_text('note', p_note, 500);
    PERFORM parkdesk.decide_refund_core(p_refund, p_approve, p_note);
END
$$;

CREATE FUNCTION parkdesk.sign_off_shift(p_shift bigint, p_note text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM parkdesk.bound_text('note', p_note, 500);
    PERFORM parkdesk.sign_off_shift_core(p_shift, p_note);
END
$$;

-- The blind count, bounded: real denominations, real counts, a drawer a person can lift.
CREATE FUNCTION parkdesk.close_shift(p_shift bigint, p_counts jsonb) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_key text;
    v_value jsonb;
    v_total numeric := 0;
BEGIN
    PERFORM parkdesk.bound_json('counts', p_counts, 2000);
    -- Whose shift another clerk's number is, is not theirs to learn.
    IF NOT EXISTS (SELECT 1 FROM parkdesk.cash_shift c WHERE c.id = p_shift
                   AND c.clerk = session_user) THEN
        RAISE EXCEPTION 'Shift % is not one of yours.', p_shift
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF jsonb_typeof(p_counts) = 'object' THEN
        IF (SELECT count(*) FROM jsonb_object_keys(p_counts)) > 30 THEN
            PERFORM parkdesk.refuse('counts', 'A drawer has at most 30 denominations.');
        END IF;
        FOR v_key, v_value IN SELECT * FROM jsonb_each(p_counts) LOOP
            IF v_key ~ '^[0-9]{1,4}(\.[0-9]{1,2})?$' AND v_key::numeric > 1000 THEN
                PERFORM parkdesk.refuse('counts', format('%s is not a denomination.', v_key));
            END IF;
            IF jsonb_typeof(v_value) = 'number' AND v_value::text ~ '^[0-9]{1,6}$' THEN
                IF v_value::text::int > 10000 THEN
                    PERFORM parkdesk.refuse('counts', format(
                        'A count of %s pieces of %s is more than a drawer holds.', v_value, v_key));
                END IF;
                IF v_key ~ '^[0-9]{1,4}(\.[0-9]{1,2})?$' THEN
                    v_total := v_total + v_key::numeric * v_value::text::int;
                END IF;
            END IF;
        END LOOP;
        IF v_total > 1000000 THEN
            PERFORM parkdesk.refuse('counts', 'The count comes to more than 1,000,000.00; '
                                              'check the counts.');
        END IF;
    END IF;
    PERFORM parkdesk.close_shift_core(p_shift, p_counts);
END
$$;
"""

# -- 5: cash drawers are private, and the count is blind --------------------------------------

DRAWER_SQL = r"""
-- Payments and ledger lines as the desks read them: who took a payment or posted a line
-- shows only for one's own, or to a manager, and no drawer shift is named. A clerk cannot
-- total another clerk's drawer from them (docs/SECURITY.md says what is still inferable).
-- One's own cash taken in a shift still open is not marked as one's own either: summing
-- it would be the expected cash before the blind count.
CREATE FUNCTION parkdesk.shown_taker(p_login text, p_shift bigint, p_tender text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE
        WHEN pg_has_role(session_user, 'parkdesk_manager', 'USAGE') THEN p_login
        WHEN p_login <> session_user THEN NULL
        WHEN p_tender = 'cash' AND NOT EXISTS (
                 SELECT 1 FROM parkdesk.cash_shift c
                 WHERE c.id = p_shift AND c.closed_at < now()) THEN NULL
        ELSE p_login END
$$;

CREATE VIEW parkdesk.payment_line AS
SELECT p.id, p.receipt_number, p.received_at,
       parkdesk.shown_taker(p.received_by, p.shift_id, p.tender) AS received_by,
       p.direction, p.parker_id, p.permit_id, p.description, p.tender, p.amount,
       p.cash_tendered, p.change_given, p.card_brand, p.card_last4, p.processor_ref,
       p.cheque_number, p.account_kind, p.account_ref
FROM parkdesk.payment p;

CREATE VIEW parkdesk.ledger_line AS
SELECT l.id, l.posted_at,
       parkdesk.shown_taker(l.posted_by, p.shift_id, p.tender) AS posted_by,
       l.kind, l.amount, l.parker_id, l.permit_id, l.payment_id, l.refund_id, l.memo
FROM parkdesk.ledger_entry l
LEFT JOIN parkdesk.payment p ON p.id = l.payment_id;

-- Cash drawer shifts as the desks read them: a clerk's own (row-level security, repeated
-- here because a view reads as its owner), and what the drawer should have held only once
-- the closing is committed. Within the closing transaction now() equals closed_at, so a
-- close that is then rolled back never shows the expected cash.
CREATE VIEW parkdesk.shift_line WITH (security_barrier) AS
SELECT c.id, c.clerk, c.opened_at, c.opening_float, c.closed_at, c.count_detail, c.counted,
       CASE WHEN m.manager OR c.closed_at < now() THEN c.expected END AS expected,
       CASE WHEN m.manager OR c.closed_at < now() THEN c.variance END AS variance,
       c.signed_off_by, c.signed_off_at, c.sign_off_note, c.version
FROM parkdesk.cash_shift c,
     LATERAL (SELECT pg_has_role(current_user, 'parkdesk_manager', 'USAGE') AS manager) m
WHERE c.clerk = current_user OR m.manager;

-- Totals by tender of the shifts the caller may see. While a shift is open its clerk
-- sees how many cash payments there were, never their sum: the count stays blind.
CREATE FUNCTION parkdesk.shift_totals(p_shifts bigint[])
RETURNS TABLE (shift_id bigint, tender text, received numeric, paid_out numeric,
               payments bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_manager boolean := pg_has_role(session_user, 'parkdesk_manager', 'USAGE');
BEGIN
    IF cardinality(p_shifts) > 500 THEN
        PERFORM parkdesk.refuse('shifts', 'At most 500 shifts at a time.');
    END IF;
    -- "Closed" means closed in a committed transaction (closed_at < now()): a close that
    -- is rolled back afterwards must not have shown the cash.
    RETURN QUERY
    SELECT p.shift_id, p.tender,
           CASE WHEN NOT coalesce(c.closed_at < now(), false) AND p.tender = 'cash' AND NOT v_manager THEN NULL
                ELSE coalesce(sum(p.amount) FILTER (WHERE p.direction = 'in'), 0) END,
           CASE WHEN NOT coalesce(c.closed_at < now(), false) AND p.tender = 'cash' AND NOT v_manager THEN NULL
                ELSE coalesce(sum(p.amount) FILTER (WHERE p.direction = 'out'), 0) END,
           count(*)
    FROM parkdesk.payment p
    JOIN parkdesk.cash_shift c ON c.id = p.shift_id
    WHERE p.shift_id = ANY (p_shifts)
      AND (c.clerk = session_user OR v_manager)
    GROUP BY p.shift_id, p.tender, c.closed_at;
END
$$;

-- The payments of one shift, for its report: once it is closed, or for a manager.
CREATE FUNCTION parkdesk.shift_payments(p_shift bigint)
RETURNS TABLE (receipt_number text, received_at timestamptz, direction text, tender text,
               amount numeric, description text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c parkdesk.cash_shift;
    v_manager boolean := pg_has_role(session_user, 'parkdesk_manager', 'USAGE');
BEGIN
    SELECT * INTO c FROM parkdesk.cash_shift s WHERE s.id = p_shift;
    IF NOT FOUND OR NOT (c.clerk = session_user OR v_manager) THEN
        RAISE EXCEPTION 'There is no shift % among the shifts you can see.', p_shift
            USING ERRCODE = 'no_data_found';
    END IF;
    IF NOT coalesce(c.closed_at < now(), false) AND NOT v_manager THEN
        PERFORM parkdesk.refuse('shift', 'The shift''s payments are listed once it is counted and closed.');
    END IF;
    RETURN QUERY
    SELECT p.receipt_number, p.received_at, p.direction, p.tender, p.amount, p.description
    FROM parkdesk.payment p WHERE p.shift_id = p_shift ORDER BY p.received_at, p.id;
END
$$;

-- Who took a payment, for its receipt: as shown_taker decides (one's own, but not cash of a
-- shift still open; any to a manager).
CREATE FUNCTION parkdesk.payment_taker(p_payment bigint,
    OUT login text, OUT full_name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT p.received_by, coalesce(s.full_name, '')
    FROM parkdesk.payment p LEFT JOIN parkdesk.staff_member s ON s.login = p.received_by
    WHERE p.id = p_payment
      AND parkdesk.shown_taker(p.received_by, p.shift_id, p.tender) IS NOT NULL
$$;
"""

# -- 8: no card number in any text column ---------------------------------------------------

CARD_SQL = r"""
-- False when the text holds 13 to 19 digits (of any script, in groups with any separators
-- between them, or none) that pass the Luhn check: a card number (PCI DSS requirement 3).
-- One function for every free-text column; the schema test fails for a text column
-- without it.
CREATE FUNCTION parkdesk.card_number_free(p_text text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_text text;
    v_run text;
    v_groups text[];
    v_digits text;
    i int;
    j int;
    k int;
    d int;
    s int;
BEGIN
    IF octet_length(p_text) > 20000 THEN
        RAISE EXCEPTION 'That text is far too long.' USING ERRCODE = 'PD002', DETAIL = 'general';
    END IF;
    -- Digits of any script are digits, and combining marks hide none: fullwidth and
    -- mathematical digits fold under NFKC, every other decimal digit Unicode knows is
    -- mapped to 0-9, and combining marks are dropped (translate deletes what it has no
    -- counterpart for).
    v_text := translate(normalize(p_text, NFKC), '__DIGITS_AND_MARKS__', '__DIGIT_VALUES__');
    -- Quick way out: nowhere 13 digits with only separators between them.
    IF v_text !~ '[0-9]([^[:alnum:]]*[0-9]){12}' THEN
        RETURN true;
    END IF;
    -- Digits written in groups with any separators ("4111 1111 1111 1111", "4111 - 1111 -
    -- …", zero-width spaces): a card number is one or more whole groups of 13 to 19 digits
    -- in all. A number in the middle of a longer group is not looked for.
    FOR v_run IN SELECT m[1] FROM regexp_matches(
            v_text, '([0-9]+(?:[^[:alnum:]]+[0-9]+)*)', 'g') AS m LOOP
        v_groups := regexp_split_to_array(v_run, '[^0-9]+');
        FOR i IN 1..cardinality(v_groups) LOOP
            v_digits := '';
            FOR j IN i..cardinality(v_groups) LOOP
                v_digits := v_digits || v_groups[j];
                EXIT WHEN length(v_digits) > 19;
                CONTINUE WHEN length(v_digits) < 13;
                s := 0;
                FOR k IN 0..length(v_digits) - 1 LOOP
                    d := ascii(substr(v_digits, length(v_digits) - k, 1)) - 48;
                    IF k % 2 = 1 THEN
                        d := d * 2;
                        IF d > 9 THEN d := d - 9; END IF;
                    END IF;
                    s := s + d;
                END LOOP;
                IF s % 10 = 0 THEN
                    RETURN false;
                END IF;
            END LOOP;
        END LOOP;
    END LOOP;
    RETURN true;
END
$$;
"""


def _card_sql() -> str:
    """CARD_SQL with the digits of every script and the combining marks Unicode knows.

    Built when the migration runs, not when it is imported: walking the code points takes
    a moment, and every start of the program reads this module.
    """
    import unicodedata

    digits: list[str] = []
    values: list[str] = []
    marks: list[str] = []
    for code in range(0x80, 0x110000):
        char = chr(code)
        value = unicodedata.decimal(char, None)
        if value is not None:
            digits.append(char)
            values.append(str(value))
        elif unicodedata.category(char) in ("Mn", "Mc", "Me"):
            marks.append(char)
    return CARD_SQL.replace("__DIGITS_AND_MARKS__", "".join(digits + marks)).replace(
        "__DIGIT_VALUES__", "".join(values)
    )


#: table -> free-text columns that must never hold a card number.
CARD_FREE_COLUMNS: dict[str, tuple[str, ...]] = {
    "lot": ("name",),
    "zone": ("name",),
    "parker": (
        "first_name",
        "last_name",
        "campus_id",
        "email",
        "phone",
        "address",
        "notes",
        "deactivation_reason",
    ),
    "vehicle": ("make", "model", "colour", "deactivation_reason"),
    "staff_member": ("login", "full_name"),
    "office_setting": ("office_name", "receipt_footer", "time_zone"),
    "permit_type": ("name",),
    "permit": ("free_reason", "note", "cancel_reason"),
    "refund": ("reason", "decision_note"),
    "payment": ("description", "processor_ref", "account_ref", "card_brand"),
    "ledger_entry": ("memo",),
    "cash_shift": ("sign_off_note",),
    "plate_correction": ("reason",),
}

# -- 10: passwords reach the server as SCRAM verifiers only ----------------------------------

STAFF_SQL = r"""
-- The client computes the SCRAM-SHA-256 verifier (as psql's \password does): a failing
-- CREATE ROLE in the server log shows the verifier, never the password.
CREATE OR REPLACE FUNCTION parkdesk.create_staff_login(
    p_login text, p_full_name text, p_roles text[], p_password text
) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_role text;
BEGIN
    IF octet_length(p_login) > 40 OR octet_length(p_full_name) > 400
       OR cardinality(p_roles) > 6 OR octet_length(p_password) > 400 THEN
        RAISE EXCEPTION 'login, name, roles or verifier too long' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_password IS NULL
       OR p_password !~ '^SCRAM-SHA-256\$[0-9]{4,7}:[A-Za-z0-9+/=]{16,64}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$' THEN
        RAISE EXCEPTION 'a staff login takes the SCRAM-SHA-256 verifier of its password, never '
                        'the password itself' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF split_part(split_part(p_password, '$', 2), ':', 1)::int < 4096 THEN
        RAISE EXCEPTION 'the verifier needs at least 4096 iterations'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_login IS NULL OR p_login !~ '^[a-z][a-z0-9_]{1,39}$'
       OR p_login LIKE 'pg\_%' OR p_login LIKE 'parkdesk\_%' OR p_login = 'postgres' THEN
        RAISE EXCEPTION 'invalid login name "%"', p_login USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_roles IS NULL OR cardinality(p_roles) = 0 THEN
        RAISE EXCEPTION 'a login needs at least one role' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOREACH v_role IN ARRAY p_roles LOOP
        IF v_role IS NULL OR v_role NOT IN ('clerk', 'adjudicator', 'dispatcher', 'manager',
                                            'officer', 'admin') THEN
            RAISE EXCEPTION 'unknown role "%"', v_role USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_login) THEN
        RAISE EXCEPTION 'login "%" already exists', p_login USING ERRCODE = 'duplicate_object';
    END IF;
    IF NOT parkdesk.card_number_free(p_login) THEN
        RAISE EXCEPTION 'a login name may not hold a card number'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS '
                   'INHERIT CONNECTION LIMIT __CONNECTION_LIMIT__ PASSWORD %L', p_login, p_password);
    FOREACH v_role IN ARRAY p_roles LOOP
        EXECUTE format('GRANT %I TO %I', 'parkdesk_' || v_role, p_login);
    END LOOP;
    INSERT INTO parkdesk.staff_member (login, full_name) VALUES (p_login, coalesce(p_full_name, ''));
END
$$;

CREATE OR REPLACE FUNCTION parkdesk.disable_staff_login(p_login text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF octet_length(p_login) > 40 OR NOT EXISTS (SELECT 1 FROM parkdesk.staff_member
                                                 WHERE login = p_login) THEN
        RAISE EXCEPTION 'no staff login "%"', left(p_login, 40) USING ERRCODE = 'no_data_found';
    END IF;
    IF p_login = session_user THEN
        RAISE EXCEPTION 'you cannot disable your own login' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE format('ALTER ROLE %I NOLOGIN', p_login);
    UPDATE parkdesk.staff_member SET disabled_at = now()
    WHERE login = p_login AND disabled_at IS NULL;
    -- NOLOGIN only stops new connections: a dismissed person's open window would keep
    -- working until it reconnected. End those sessions now.
    PERFORM pg_terminate_backend(a.pid) FROM pg_stat_activity a
    WHERE a.usename = p_login AND a.pid <> pg_backend_pid();
END
$$;
""".replace("__CONNECTION_LIMIT__", str(CONNECTION_LIMIT))

# -- 12: a permit holder stays eligible ---------------------------------------------------

ELIGIBILITY_SQL = r"""
-- Checked at commit, on the final state: a parker's affiliation cannot be changed while
-- they hold a permit the new affiliation may not have, whatever order the statements of
-- the transaction came in.
CREATE FUNCTION parkdesk.check_holder_eligible() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p parkdesk.parker;
    v_permits text;
BEGIN
    SELECT * INTO p FROM parkdesk.parker WHERE id = NEW.id;
    SELECT string_agg(format('%s (%s, for %s)', pm.number, t.name,
                             array_to_string(t.affiliations, ', ')), '; ' ORDER BY pm.id)
    INTO v_permits
    FROM parkdesk.permit pm JOIN parkdesk.permit_type t ON t.id = pm.permit_type_id
    WHERE pm.parker_id = p.id AND pm.cancelled_at IS NULL AND upper(pm.validity) > now()
      AND NOT (p.affiliation = ANY (t.affiliations));
    IF v_permits IS NOT NULL THEN
        RAISE EXCEPTION '% % cannot become % while holding %. Cancel or let those permits end first.',
            p.first_name, p.last_name, p.affiliation, v_permits
            USING ERRCODE = 'PD002', DETAIL = 'affiliation';
    END IF;
    RETURN NULL;
END
$$;
"""

# -- 13: plate corrections are recorded ------------------------------------------------------

PLATE_SQL = r"""
-- The plate and jurisdiction are a vehicle's identity (SPEC rule 1): once it has permits,
-- they change only through correct_plate, with a reason, in the vehicle's history.
CREATE FUNCTION parkdesk.guard_plate_identity() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_permit text;
BEGIN
    -- A permit is the parker's: it does not follow its vehicle to another parker.
    IF NEW.parker_id IS DISTINCT FROM OLD.parker_id THEN
        SELECT p.number INTO v_permit
        FROM parkdesk.permit_vehicle pv JOIN parkdesk.permit p ON p.id = pv.permit_id
        WHERE pv.vehicle_id = OLD.id AND upper(pv.validity) > now()
          AND NOT isempty(pv.validity) AND p.cancelled_at IS NULL
        LIMIT 1;
        IF v_permit IS NOT NULL THEN
            RAISE EXCEPTION 'This vehicle carries permit %: cancel it, or transfer it to '
                            'another vehicle, before the vehicle changes owner.', v_permit
                USING ERRCODE = 'PD002', DETAIL = 'parker';
        END IF;
    END IF;
    IF (NEW.jurisdiction, NEW.plate_normalized, NEW.plate_status)
           IS DISTINCT FROM (OLD.jurisdiction, OLD.plate_normalized, OLD.plate_status)
       AND current_user <> 'parkdesk_owner'
       AND EXISTS (SELECT 1 FROM parkdesk.permit_vehicle pv WHERE pv.vehicle_id = OLD.id) THEN
        RAISE EXCEPTION 'This vehicle has permits: correct its plate with a reason '
                        '(Correct plate), so the change is recorded in its history.'
            USING ERRCODE = 'PD002', DETAIL = 'plate';
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION parkdesk.correct_plate(
    p_vehicle bigint, p_jurisdiction text, p_plate text, p_plate_status text, p_reason text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v parkdesk.vehicle;
    v_after parkdesk.vehicle;
    v_id bigint;
BEGIN
    PERFORM parkdesk.bound_text('jurisdiction', p_jurisdiction, 10);
    PERFORM parkdesk.bound_text('plate', p_plate, 20);
    PERFORM parkdesk.bound_text('plate_status', p_plate_status, 20);
    PERFORM parkdesk.bound_text('reason', p_reason, 500);
    IF length(btrim(coalesce(p_reason, ''))) < 5 THEN
        PERFORM parkdesk.refuse('reason', 'Say why the plate is corrected (at least 5 characters).');
    END IF;
    SELECT * INTO v FROM parkdesk.vehicle WHERE id = p_vehicle FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'This vehicle no longer exists.' USING ERRCODE = 'no_data_found';
    END IF;
    UPDATE parkdesk.vehicle
    SET jurisdiction = upper(btrim(coalesce(p_jurisdiction, ''))),
        plate_raw = CASE WHEN coalesce(p_plate_status, 'readable') = 'readable'
                         THEN btrim(coalesce(p_plate, '')) ELSE '' END,
        plate_status = coalesce(p_plate_status, 'readable')
    WHERE id = v.id
    RETURNING * INTO v_after;
    IF (v_after.jurisdiction, v_after.plate_normalized, v_after.plate_status)
           IS NOT DISTINCT FROM (v.jurisdiction, v.plate_normalized, v.plate_status) THEN
        PERFORM parkdesk.refuse('plate', 'That is the plate the vehicle already has.');
    END IF;
    INSERT INTO parkdesk.plate_correction (vehicle_id, old_jurisdiction, old_plate_raw,
        old_plate_status, new_jurisdiction, new_plate_raw, new_plate_status, reason,
        corrected_at, corrected_by)
    VALUES (v.id, v.jurisdiction, v.plate_raw, v.plate_status, v_after.jurisdiction,
            v_after.plate_raw, v_after.plate_status, btrim(p_reason), now(), session_user)
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;
"""

#: Functions that keep their body and gain a checking front door: (old signature, new name).
WRAPPED = {
    "sell_permit(uuid, bigint, bigint, bigint, bigint[], date, jsonb, bigint)": "sell_permit_core",
    "renew_permit(uuid, bigint, jsonb)": "renew_permit_core",
    "pay_refund(uuid, bigint, jsonb)": "pay_refund_core",
    "issue_temporary_permit(uuid, text, text, text, bigint, timestamptz, timestamptz, numeric, "
    "text, jsonb, bigint, text)": "issue_temporary_permit_core",
    "charge_fee(uuid, bigint, numeric, text, jsonb)": "charge_fee_core",
    "post_adjustment(bigint, numeric, text)": "post_adjustment_core",
    "decide_refund(bigint, boolean, text)": "decide_refund_core",
    "sign_off_shift(bigint, text)": "sign_off_shift_core",
    "close_shift(bigint, jsonb)": "close_shift_core",
}

GRANTS_SQL = rf"""
REVOKE SELECT ON parkdesk.payment, parkdesk.ledger_entry
    FROM parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher;
GRANT SELECT ON parkdesk.payment_line, parkdesk.ledger_line TO {PEOPLE_DESKS};
GRANT EXECUTE ON FUNCTION parkdesk.shown_taker(text, bigint, text) TO {PEOPLE_DESKS};
REVOKE SELECT ON parkdesk.cash_shift FROM parkdesk_clerk;
GRANT SELECT ON parkdesk.shift_line TO parkdesk_clerk, parkdesk_manager;
-- Who sold, renewed, refunded or offered what is the managers' to read: joined to the
-- payments it would total another clerk's cash.
REVOKE SELECT ON parkdesk.permit, parkdesk.permit_vehicle, parkdesk.refund,
                 parkdesk.waitlist_entry
    FROM parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher;
GRANT SELECT (id, number, kind, permit_type_id, parker_id, lot_id, issued_validity, validity,
              price, free_reason, note, renewed_from_id, cancelled_at, cancel_reason, version,
              created_at, updated_at)
    ON parkdesk.permit TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher;
GRANT SELECT (id, permit_id, vehicle_id, lot_id, validity, version, created_at, updated_at)
    ON parkdesk.permit_vehicle TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher;
GRANT SELECT (id, permit_id, parker_id, original_payment_id, amount, status, reason,
              decided_by, decided_at, decision_note, paid_payment_id, approval_reason,
              requested_tender, version, created_at, updated_at)
    ON parkdesk.refund TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher;
GRANT SELECT (id, permit_type_id, lot_id, parker_id, status, joined_at, offered_at,
              offer_expires_at, resolved_at, permit_id, version, created_at, updated_at)
    ON parkdesk.waitlist_entry TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher;
GRANT SELECT ON parkdesk.plate_correction TO {PEOPLE_DESKS};
GRANT UPDATE (free_days_per_plate, free_days_window) ON parkdesk.office_setting
    TO parkdesk_manager;

GRANT EXECUTE ON FUNCTION parkdesk.end_overdue_sessions(), parkdesk.card_number_free(text)
    TO {ALL_GROUPS};
GRANT EXECUTE ON FUNCTION parkdesk.readable_tables(name, boolean)
    TO parkdesk_manager, parkdesk_admin;
GRANT EXECUTE ON FUNCTION
    parkdesk.sell_permit(uuid, bigint, bigint, bigint, bigint[], date, jsonb, bigint),
    parkdesk.renew_permit(uuid, bigint, jsonb),
    parkdesk.cancel_permit(uuid, bigint, text, jsonb),
    parkdesk.pay_refund(uuid, bigint, jsonb),
    parkdesk.charge_fee(uuid, bigint, numeric, text, jsonb),
    parkdesk.close_shift(bigint, jsonb),
    parkdesk.correct_plate(bigint, text, text, text, text)
    TO parkdesk_clerk;
GRANT EXECUTE ON FUNCTION
    parkdesk.issue_temporary_permit(uuid, text, text, text, bigint, timestamptz, timestamptz,
                                    numeric, text, jsonb, bigint, text)
    TO parkdesk_clerk, parkdesk_manager;
GRANT EXECUTE ON FUNCTION
    parkdesk.shift_totals(bigint[]), parkdesk.shift_payments(bigint),
    parkdesk.payment_taker(bigint)
    TO parkdesk_clerk, parkdesk_manager;
GRANT EXECUTE ON FUNCTION
    parkdesk.decide_refund(bigint, boolean, text),
    parkdesk.post_adjustment(bigint, numeric, text),
    parkdesk.sign_off_shift(bigint, text)
    TO parkdesk_manager;
"""


def upgrade() -> None:
    op.execute(ROLES_SQL)
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.create_table(
        "request_key",
        sa.Column("key", sa.Uuid(), nullable=False),
        sa.Column("operation", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.LargeBinary(), nullable=False),
        sa.Column("result", sa.BigInteger(), nullable=True),
        sa.Column("login", sa.Text(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_request_key")),
        schema="parkdesk",
    )
    op.create_table(
        "plate_correction",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("vehicle_id", sa.BigInteger(), nullable=False),
        sa.Column("old_jurisdiction", sa.Text(), nullable=False),
        sa.Column("old_plate_raw", sa.Text(), nullable=False),
        sa.Column("old_plate_status", sa.Text(), nullable=False),
        sa.Column("new_jurisdiction", sa.Text(), nullable=False),
        sa.Column("new_plate_raw", sa.Text(), nullable=False),
        sa.Column("new_plate_status", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("corrected_by", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "length(reason) BETWEEN 5 AND 500", name=op.f("ck_plate_correction_reason_length")
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["parkdesk.vehicle.id"],
            name=op.f("fk_plate_correction_vehicle_id_vehicle"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plate_correction")),
        schema="parkdesk",
    )
    op.create_index(
        op.f("ix_plate_correction_vehicle_id"),
        "plate_correction",
        ["vehicle_id"],
        unique=False,
        schema="parkdesk",
    )
    op.add_column(
        "refund", sa.Column("approval_reason", sa.Text(), nullable=True), schema="parkdesk"
    )
    op.add_column(
        "refund", sa.Column("requested_tender", sa.Text(), nullable=True), schema="parkdesk"
    )
    op.create_check_constraint(
        op.f("ck_refund_requested_tender_known"),
        "refund",
        "requested_tender ~ '^(cash|cheque|card:[a-z &.-]{1,20}:[0-9]{4}"
        "|account:(payroll|student):[A-Z0-9-]{3,20})$'",
        schema="parkdesk",
    )
    op.create_check_constraint(
        op.f("ck_office_setting_time_zone_name"),
        "office_setting",
        "time_zone ~ '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$'",
        schema="parkdesk",
    )
    op.create_check_constraint(
        op.f("ck_refund_approval_reason_known"),
        "refund",
        "approval_reason IN ('amount', 'tender')",
        schema="parkdesk",
    )
    for column, default, check in (
        ("free_days_per_plate", "7", "free_days_per_plate BETWEEN 0 AND 366"),
        ("free_days_window", "90", "free_days_window BETWEEN 1 AND 730"),
    ):
        op.add_column(
            "office_setting",
            sa.Column(column, sa.Integer(), server_default=sa.text(default), nullable=False),
            schema="parkdesk",
        )
        op.create_check_constraint(
            op.f(f"ck_office_setting_{column}_range"), "office_setting", check, schema="parkdesk"
        )

    op.execute(SESSIONS_SQL)
    op.execute(AUDIT_SQL)
    op.execute(BOUNDS_SQL)
    op.execute(CHECK_PLATE_SQL)
    op.execute(_card_sql())
    for table, columns in CARD_FREE_COLUMNS.items():
        for column in columns:
            op.execute(
                f"ALTER TABLE parkdesk.{table} ADD CONSTRAINT ck_{table}_{column}_no_card_number "
                f"CHECK (parkdesk.card_number_free({column}))"
            )
    for signature, core in WRAPPED.items():
        op.execute(f"ALTER FUNCTION parkdesk.{signature} RENAME TO {core}")
        name = signature.split("(")[0]
        op.execute(
            f"REVOKE EXECUTE ON FUNCTION parkdesk.{core}{signature[len(name) :]} FROM {ALL_GROUPS}"
        )
    op.execute("DROP FUNCTION parkdesk.cancel_permit(uuid, bigint, text, jsonb)")
    op.execute(MONEY_SQL)
    op.execute(CANCEL_SQL)
    op.execute(DRAWER_SQL)
    op.execute(STAFF_SQL)
    op.execute(ELIGIBILITY_SQL)
    op.execute(PLATE_SQL)
    op.execute(
        "CREATE CONSTRAINT TRIGGER parker_holder_eligible AFTER UPDATE OF affiliation "
        "ON parkdesk.parker DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
        "WHEN (OLD.affiliation IS DISTINCT FROM NEW.affiliation) "
        "EXECUTE FUNCTION parkdesk.check_holder_eligible()"
    )
    op.execute(
        "CREATE TRIGGER vehicle_plate_identity AFTER UPDATE OF jurisdiction, plate_raw, "
        "plate_status, parker_id ON parkdesk.vehicle FOR EACH ROW "
        "EXECUTE FUNCTION parkdesk.guard_plate_identity()"
    )
    for table, key in (("request_key", "key"), ("plate_correction", "id")):
        op.execute(
            f"CREATE TRIGGER {table}_audit AFTER INSERT OR UPDATE OR DELETE ON parkdesk.{table} "
            f"FOR EACH ROW EXECUTE FUNCTION parkdesk.record_change('{key}')"
        )
    op.execute(GRANTS_SQL)
    op.execute("RESET ROLE")


def downgrade() -> None:
    raise RuntimeError("The hardening cannot be downgraded; restore a backup instead.")
