-- Who changed what and when: row stamps, the hash-chained audit trail, live change feed.
--
-- The current definition: edit here, never in a migration (docs/ARCHITECTURE.md).

-- Who and when, from the server; clients cannot forge them. Version drives optimistic locking.
CREATE OR REPLACE FUNCTION parkdesk.stamp_row() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.version := 1;
        NEW.created_at := now();
        NEW.created_by := session_user;
    ELSE
        NEW.version := OLD.version + 1;
        NEW.created_at := OLD.created_at;
        NEW.created_by := OLD.created_by;
    END IF;
    NEW.updated_at := now();
    NEW.updated_by := session_user;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION parkdesk.audit_digest(
    p_id bigint, p_at timestamptz, p_login text, p_table text, p_key text, p_operation text,
    p_old jsonb, p_new jsonb, p_prev bytea
) RETURNS bytea
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT sha256(convert_to(concat_ws(E'',
        p_id::text,
        to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        p_login, p_table, p_key, p_operation,
        coalesce(p_old::text, ''), coalesce(p_new::text, ''),
        coalesce(encode(p_prev, 'hex'), '')), 'UTF8'))
$$;

-- Audit rows come from record_change only (a trigger inside a trigger): a direct
-- INSERT, even a superuser's, would otherwise be sealed into the chain at commit.
CREATE OR REPLACE FUNCTION parkdesk.forbid_audit_forgery() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'audit rows are written only by the audit trigger'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION parkdesk.forbid_audit_rewrite() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail cannot be changed (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE OR REPLACE FUNCTION parkdesk.verify_audit_chain(
    OUT rows_checked bigint, OUT broken_id bigint, OUT reason text
)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r parkdesk.audit_log;
    v_expected_prev bytea := NULL;
    v_last_id bigint := NULL;
    v_head parkdesk.audit_chain;
BEGIN
    -- A STABLE function sees one snapshot: the head and the trail agree unless tampered with.
    SELECT * INTO v_head FROM parkdesk.audit_chain WHERE id = 1;
    rows_checked := 0;
    FOR r IN SELECT * FROM parkdesk.audit_log ORDER BY id LOOP
        rows_checked := rows_checked + 1;
        IF r.prev_hash IS DISTINCT FROM v_expected_prev THEN
            broken_id := r.id;
            reason := 'its link to the previous row does not match '
                      '(a row before it was altered, removed or inserted)';
            RETURN;
        END IF;
        IF r.row_hash IS DISTINCT FROM parkdesk.audit_digest(r.id, r.at, r.login, r.table_name,
                r.row_key, r.operation, r.old_row, r.new_row, r.prev_hash) THEN
            broken_id := r.id;
            reason := 'its contents do not match its hash (the row was altered)';
            RETURN;
        END IF;
        IF v_head.last_id IS NULL OR r.id > v_head.last_id THEN
            broken_id := r.id;
            reason := format('it comes after the newest recorded change (%s), so it was added '
                             'without the audit trigger', coalesce(v_head.last_id::text, 'none'));
            RETURN;
        END IF;
        v_expected_prev := r.row_hash;
        v_last_id := r.id;
    END LOOP;
    IF v_head.last_hash IS DISTINCT FROM v_expected_prev THEN
        broken_id := v_head.last_id;
        reason := format('the newest rows are missing (the chain ends at %s, the trail at %s)',
                         v_head.last_id, coalesce(v_last_id::text, 'nothing'));
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION parkdesk.last_change_id() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(max(id), 0) FROM parkdesk.audit_log
$$;

-- One trigger for every table: append to the hash-chained audit trail. The chain head
-- row is locked until commit, so concurrent writers queue instead of forking the chain.
-- SKIP LOCKED takes it at once when it is free or already ours; only a writer that must
-- wait goes the slow way. Nothing is announced here: see seal_audit_chain.
-- The first argument names the key column; any after it name columns left out of the
-- audit row (evidence's bytes: kept once, in their table, with their SHA-256 in the audit
-- row). They are emptied before the row becomes JSON, so megabytes are never even
-- written out as hex.
CREATE OR REPLACE FUNCTION parkdesk.record_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_omit text[] := TG_ARGV[1:];
    v_blank jsonb;
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
    IF cardinality(v_omit) > 0 THEN
        SELECT jsonb_object_agg(c, NULL::text) INTO v_blank FROM unnest(v_omit) AS c;
        IF TG_OP <> 'INSERT' THEN
            v_old := to_jsonb(jsonb_populate_record(OLD, v_blank)) - v_omit;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            v_new := to_jsonb(jsonb_populate_record(NEW, v_blank)) - v_omit;
        END IF;
    ELSE
        IF TG_OP <> 'INSERT' THEN v_old := to_jsonb(OLD); END IF;
        IF TG_OP <> 'DELETE' THEN v_new := to_jsonb(NEW); END IF;
    END IF;
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

-- The tables whose audit rows a role may read: those it may read whole. Tables with
-- row-level security are readable whole only by the roles that see every row. With
-- p_hints, the money tables also count when the role reads their masked views: the
-- hints of changes_since carry a key, never a row.
CREATE OR REPLACE FUNCTION parkdesk.readable_tables(p_role name, p_hints boolean DEFAULT false)
RETURNS SETOF text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT c.relname::text
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'parkdesk' AND c.relkind IN ('r', 'p')
      AND CASE c.relname
          WHEN 'staff_member' THEN pg_has_role(p_role, 'parkdesk_admin', 'USAGE')
                                   OR pg_has_role(p_role, 'parkdesk_manager', 'USAGE')
          WHEN 'cash_shift' THEN pg_has_role(p_role, 'parkdesk_manager', 'USAGE')
          -- Confidential incidents, and what hangs on them, are read row by row.
          WHEN 'incident' THEN pg_has_role(p_role, 'parkdesk_manager', 'USAGE')
          WHEN 'incident_person' THEN pg_has_role(p_role, 'parkdesk_manager', 'USAGE')
          WHEN 'incident_vehicle' THEN pg_has_role(p_role, 'parkdesk_manager', 'USAGE')
          WHEN 'dispatch_entry' THEN pg_has_role(p_role, 'parkdesk_manager', 'USAGE')
          WHEN 'incident_task' THEN pg_has_role(p_role, 'parkdesk_manager', 'USAGE')
          WHEN 'incident_link' THEN pg_has_role(p_role, 'parkdesk_manager', 'USAGE')
          WHEN 'evidence' THEN pg_has_role(p_role, 'parkdesk_manager', 'USAGE')
          WHEN 'audit_log' THEN false
          WHEN 'audit_chain' THEN false
          ELSE has_table_privilege(p_role, c.oid, 'SELECT')
               OR (p_hints AND c.relname IN ('payment', 'ledger_entry')
                   AND has_table_privilege(p_role, CASE c.relname
                           WHEN 'payment' THEN 'parkdesk.payment_line'
                           ELSE 'parkdesk.ledger_line' END, 'SELECT'))
      END
$$;

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
                     OR (a.table_name = 'cash_shift' AND a.row_key ~ '^[0-9]{1,18}$'
                         AND EXISTS (SELECT 1 FROM parkdesk.cash_shift c
                                     WHERE c.id = a.row_key::bigint
                                       AND c.clerk = session_user))
                     OR (a.table_name = 'incident' AND a.row_key ~ '^[0-9]{1,18}$'
                         AND parkdesk.incident_visible(a.row_key::bigint))
                     OR (a.table_name = 'evidence' AND a.row_key ~ '^[0-9]{1,18}$'
                         AND EXISTS (SELECT 1 FROM parkdesk.evidence e
                                     WHERE e.id = a.row_key::bigint
                                       AND parkdesk.may_see_evidence(e.incident_id,
                                                                      e.appeal_id)))
                THEN a.row_key END
    FROM parkdesk.audit_log a
    WHERE a.id > p_after
    ORDER BY a.id
    LIMIT least(greatest(p_limit, 1), 50000)
$$;

CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON parkdesk.audit_log
    FOR EACH ROW EXECUTE FUNCTION parkdesk.forbid_audit_rewrite();

CREATE TRIGGER audit_log_no_direct_insert BEFORE INSERT ON parkdesk.audit_log
    FOR EACH ROW EXECUTE FUNCTION parkdesk.forbid_audit_forgery();

CREATE CONSTRAINT TRIGGER audit_log_seal AFTER INSERT ON parkdesk.audit_log
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION parkdesk.seal_audit_chain();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON parkdesk.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION parkdesk.forbid_audit_rewrite();

CREATE TRIGGER audit_chain_no_delete BEFORE DELETE OR TRUNCATE ON parkdesk.audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION parkdesk.forbid_audit_rewrite();

-- Every table people edit is stamped, and every table is audited under its key column
-- (table:key, or table:key:column for a column left out of its audit rows).
DO $$
DECLARE
    v_table text;
    v_pair text;
BEGIN
    FOREACH v_table IN ARRAY ARRAY['lot', 'zone', 'parker', 'vehicle', 'office_setting', 'permit_type', 'cash_shift', 'permit', 'permit_vehicle', 'waitlist_entry', 'refund', 'violation', 'fine_rule', 'device', 'citation', 'repeat_fine', 'escalation_stage'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON parkdesk.%I '
                       'FOR EACH ROW EXECUTE FUNCTION parkdesk.stamp_row()',
                       v_table || '_stamp', v_table);
    END LOOP;
    FOREACH v_pair IN ARRAY ARRAY['lot:id', 'zone:id', 'parker:id', 'vehicle:id', 'staff_member:login', 'office_setting:id', 'permit_type:id', 'permit_type_lot:permit_type_id', 'cash_shift:id', 'permit:id', 'permit_vehicle:id', 'waitlist_entry:id', 'payment:id', 'refund:id', 'ledger_entry:id', 'request_key:key', 'plate_correction:id', 'violation:id', 'fine_rule:id', 'device:id', 'citation_range:id', 'spoiled_number:id', 'citation:id', 'evidence:id:content', 'repeat_fine:id', 'escalation_stage:id', 'citation_stage:citation_id'] LOOP
        v_table := split_part(v_pair, ':', 1);
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON parkdesk.%I '
                       'FOR EACH ROW EXECUTE FUNCTION parkdesk.record_change(%s)',
                       v_table || '_audit', v_table,
                       (SELECT string_agg(quote_literal(a), ', ')
                        FROM unnest((string_to_array(v_pair, ':'))[2:]) AS a));
    END LOOP;
END
$$;

-- The device API's keys are audited, except those of plate reads: a read's key is in the
-- read itself, chained per device (67_reads.sql), and reads arrive by the hundred a minute,
-- so they never queue on the audit trail's chain head. A key is never changed or removed;
-- if one were, it would be audited whatever it was for.
CREATE TRIGGER device_request_audit AFTER INSERT ON parkdesk.device_request
    FOR EACH ROW WHEN (NEW.operation <> 'record_plate_read')
    EXECUTE FUNCTION parkdesk.record_change('id');

CREATE TRIGGER device_request_audit_change AFTER UPDATE OR DELETE ON parkdesk.device_request
    FOR EACH ROW EXECUTE FUNCTION parkdesk.record_change('id');
