-- The watchlist (hotlist, BOLO) and its live alerts (SPEC "Security", rule 16).
--
-- Dispatchers and managers keep entries directly (column grants, 90_privileges.sql);
-- these triggers normalise and guard them. plate_verdict (60_plates.sql) finds the entry
-- a plate matches (AB*12: AB, one or more characters, 12); check_plate, record_plate_read and issue_citation raise the alert.
--
-- The current definition: edit here, never in a migration (docs/ARCHITECTURE.md).

-- An entry's plate is stored as a hotlist writes it: upper case, no spaces, dashes or
-- dots, a * for any one or more characters. Any jurisdiction is NULL ("", "*" and "ANY"
-- say so too). The table's checks then refuse what is not a plate pattern.
CREATE OR REPLACE FUNCTION parkdesk.normalize_watchlist_entry() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- Runs as the dispatcher (no SECURITY DEFINER): refusals are raised here, in words.
    IF octet_length(NEW.plate_pattern) > 40 OR octet_length(NEW.jurisdiction) > 10 THEN
        RAISE EXCEPTION 'That is far longer than a plate or jurisdiction.'
            USING ERRCODE = 'PD002', DETAIL = CASE WHEN octet_length(NEW.jurisdiction) > 10
                                                   THEN 'jurisdiction' ELSE 'plate' END;
    END IF;
    NEW.plate_pattern := upper(regexp_replace(NEW.plate_pattern, '[[:space:].-]', '', 'g'));
    NEW.jurisdiction := nullif(nullif(nullif(upper(btrim(NEW.jurisdiction)), ''), '*'), 'ANY');
    NEW.category := btrim(NEW.category);
    NEW.reason := btrim(NEW.reason);
    NEW.instruction := btrim(NEW.instruction);
    IF NEW.plate_pattern !~ '^[A-Z0-9*]{2,12}$' OR strpos(NEW.plate_pattern, '**') > 0
       OR length(replace(NEW.plate_pattern, '*', '')) < 2
       OR length(NEW.plate_pattern) - length(replace(NEW.plate_pattern, '*', '')) > 2 THEN
        RAISE EXCEPTION 'A plate is 2 to 12 letters and digits; * stands for any characters '
                        '(at most two of them, with at least two letters or digits), as in '
                        'AB*12.' USING ERRCODE = 'PD002', DETAIL = 'plate';
    END IF;
    RETURN NEW;
END
$$;

-- An entry is retired, never removed, and a retired entry stays as it was.
CREATE OR REPLACE FUNCTION parkdesk.guard_watchlist_entry() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.retired_at IS NULL THEN
        IF NEW.retired_at IS NOT NULL AND current_user <> 'parkdesk_owner' THEN
            RAISE EXCEPTION 'Retire an entry with its reason (Retire).'
                USING ERRCODE = 'PD002', DETAIL = 'entry';
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'This entry was retired: add a new one instead.'
            USING ERRCODE = 'PD002', DETAIL = 'entry';
    END IF;
    RAISE EXCEPTION 'watchlist entries are never removed (% refused): retire one instead',
        TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

-- A hit of a watchlisted plate: every dispatcher is alerted (the alert's audit row is
-- announced at commit like every change; the hint carries no plate). Repeats merge: into
-- the alert still waiting for a dispatcher, or, within the office's merge window after
-- one was acknowledged, into that one (counted, not alerted again).
CREATE OR REPLACE FUNCTION parkdesk.raise_watchlist_alert(
    p_entry bigint, p_jurisdiction text, p_plate text, p_source text, p_seen_at timestamptz,
    p_lot bigint, p_device bigint, p_read bigint, p_citation bigint) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM parkdesk.watchlist_alert a
                   WHERE a.entry_id = p_entry AND a.jurisdiction = p_jurisdiction
                     AND a.plate = p_plate AND a.acknowledged_at IS NULL) THEN
        UPDATE parkdesk.watchlist_alert a
        SET last_at = now(), hits = a.hits + 1, source = p_source, seen_at = p_seen_at,
            lot_id = p_lot, device_id = p_device, seen_by = session_user, read_id = p_read,
            citation_id = p_citation
        WHERE a.id = (SELECT r.id FROM parkdesk.watchlist_alert r, parkdesk.office_setting s
                      WHERE s.id = 1 AND r.entry_id = p_entry
                        AND r.jurisdiction = p_jurisdiction AND r.plate = p_plate
                        AND r.last_at > now() - make_interval(mins => s.watchlist_merge_minutes)
                      ORDER BY r.last_at DESC LIMIT 1)
        RETURNING a.id INTO v_id;
        IF v_id IS NOT NULL THEN
            RETURN v_id;
        END IF;
    END IF;
    INSERT INTO parkdesk.watchlist_alert AS a (
        entry_id, jurisdiction, plate, first_at, last_at, hits, source, seen_at, lot_id,
        device_id, seen_by, read_id, citation_id)
    VALUES (p_entry, p_jurisdiction, p_plate, now(), now(), 1, p_source, p_seen_at, p_lot,
            p_device, session_user, p_read, p_citation)
    ON CONFLICT (entry_id, jurisdiction, plate) WHERE acknowledged_at IS NULL
    DO UPDATE SET last_at = now(), hits = a.hits + 1, source = EXCLUDED.source,
                  seen_at = EXCLUDED.seen_at, lot_id = EXCLUDED.lot_id,
                  device_id = EXCLUDED.device_id, seen_by = EXCLUDED.seen_by,
                  read_id = EXCLUDED.read_id, citation_id = EXCLUDED.citation_id
    RETURNING a.id INTO v_id;
    RETURN v_id;
END
$$;

-- A dispatcher acknowledges an alert: once, whoever presses first; the other is told who
-- did, and when.
CREATE OR REPLACE FUNCTION parkdesk.acknowledge_alert(p_alert bigint, p_note text DEFAULT NULL)
RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a parkdesk.watchlist_alert;
BEGIN
    PERFORM parkdesk.bound_text('note', p_note, 300);
    UPDATE parkdesk.watchlist_alert w
    SET acknowledged_at = now(), acknowledged_by = session_user,
        acknowledge_note = nullif(btrim(coalesce(p_note, '')), '')
    WHERE w.id = p_alert AND w.acknowledged_at IS NULL
    RETURNING * INTO a;
    IF FOUND THEN
        RETURN a.acknowledged_at;
    END IF;
    SELECT * INTO a FROM parkdesk.watchlist_alert w WHERE w.id = p_alert;
    IF NOT FOUND THEN
        PERFORM parkdesk.refuse('alert', 'There is no such alert.');
    END IF;
    PERFORM parkdesk.refuse('alert', format('%s acknowledged this alert at %s.',
        CASE WHEN a.acknowledged_by = session_user THEN 'You' ELSE a.acknowledged_by END,
        to_char(a.acknowledged_at AT TIME ZONE (SELECT s.time_zone FROM parkdesk.office_setting s
                                                WHERE s.id = 1), 'HH24:MI:SS')));
    RETURN NULL;
END
$$;

-- A dispatcher or a manager retires an entry, saying why; it no longer alerts.
CREATE OR REPLACE FUNCTION parkdesk.retire_watchlist_entry(p_entry bigint, p_reason text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    e parkdesk.watchlist_entry;
BEGIN
    PERFORM parkdesk.bound_text('reason', p_reason, 300);
    IF length(btrim(coalesce(p_reason, ''))) < 3 THEN
        PERFORM parkdesk.refuse('reason', 'Say why the entry is retired.');
    END IF;
    SELECT * INTO e FROM parkdesk.watchlist_entry w WHERE w.id = p_entry FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM parkdesk.refuse('entry', 'There is no such entry.');
    END IF;
    IF e.retired_at IS NOT NULL THEN
        PERFORM parkdesk.refuse('entry', format('This entry was retired by %s already.',
                                                 e.retired_by));
    END IF;
    UPDATE parkdesk.watchlist_entry
    SET retired_at = now(), retired_by = session_user, retire_reason = btrim(p_reason)
    WHERE id = e.id;
END
$$;

-- Alerts are written by the functions above, never by a desk, and kept.
CREATE OR REPLACE FUNCTION parkdesk.guard_watchlist_alert() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'watchlist alerts are never removed (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER watchlist_entry_normalize BEFORE INSERT OR UPDATE ON parkdesk.watchlist_entry
    FOR EACH ROW EXECUTE FUNCTION parkdesk.normalize_watchlist_entry();
CREATE TRIGGER watchlist_entry_kept BEFORE UPDATE OR DELETE ON parkdesk.watchlist_entry
    FOR EACH ROW EXECUTE FUNCTION parkdesk.guard_watchlist_entry();
CREATE TRIGGER watchlist_entry_no_truncate BEFORE TRUNCATE ON parkdesk.watchlist_entry
    FOR EACH STATEMENT EXECUTE FUNCTION parkdesk.guard_watchlist_entry();
CREATE TRIGGER watchlist_entry_stamp BEFORE INSERT OR UPDATE ON parkdesk.watchlist_entry
    FOR EACH ROW EXECUTE FUNCTION parkdesk.stamp_row();
CREATE TRIGGER watchlist_entry_audit AFTER INSERT OR UPDATE OR DELETE ON parkdesk.watchlist_entry
    FOR EACH ROW EXECUTE FUNCTION parkdesk.record_change('id');
CREATE TRIGGER watchlist_alert_audit AFTER INSERT OR UPDATE OR DELETE ON parkdesk.watchlist_alert
    FOR EACH ROW EXECUTE FUNCTION parkdesk.record_change('id');
CREATE TRIGGER watchlist_alert_kept BEFORE DELETE ON parkdesk.watchlist_alert
    FOR EACH ROW EXECUTE FUNCTION parkdesk.guard_watchlist_alert();
CREATE TRIGGER watchlist_alert_no_truncate BEFORE TRUNCATE ON parkdesk.watchlist_alert
    FOR EACH STATEMENT EXECUTE FUNCTION parkdesk.guard_watchlist_alert();
