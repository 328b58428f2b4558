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
    -- The incident it is for: one the writer may read (a hidden one is refused as one that
    -- does not exist, before the foreign key could tell them apart, whatever the entry
    -- named before). A link to an incident the writer may not read stays as it was,
    -- silently: what they cannot read is not theirs to drop or move, and a refusal would
    -- tell them it is there.
    -- (watchlist_entry_incident_named refuses a hidden one named in an UPDATE first.)
    IF TG_OP = 'UPDATE' AND OLD.incident_id IS NOT NULL
       AND NOT parkdesk.incident_visible(OLD.incident_id) THEN
        NEW.incident_id := OLD.incident_id;
    ELSIF NEW.incident_id IS NOT NULL AND NOT parkdesk.incident_visible(NEW.incident_id)
          AND (TG_OP = 'INSERT' OR NEW.incident_id IS DISTINCT FROM OLD.incident_id) THEN
        RAISE EXCEPTION 'There is no such incident.' USING ERRCODE = 'PD002', DETAIL = 'incident';
    END IF;
    RETURN NEW;
END
$$;

-- An UPDATE that names the incident: one the writer may not read is refused, whatever the
-- entry named before (so the answer never tells which hidden incident that was).
CREATE OR REPLACE FUNCTION parkdesk.check_named_incident() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NEW.incident_id IS NOT NULL AND NOT parkdesk.incident_visible(NEW.incident_id) THEN
        RAISE EXCEPTION 'There is no such incident.' USING ERRCODE = 'PD002', DETAIL = 'incident';
    END IF;
    RETURN NEW;
END
$$;

-- An entry is retired, never removed, and a retired entry stays as it was.
CREATE OR REPLACE FUNCTION parkdesk.guard_watchlist_entry() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- A trespass notice's entry is the notice's: it changes and ends only with it.
    IF TG_OP = 'UPDATE' AND OLD.trespass_notice_id IS NOT NULL
       AND current_user <> 'parkdesk_owner' THEN
        RAISE EXCEPTION 'This entry belongs to trespass notice %: it ends with the notice '
                        '(revoke the notice to end it sooner).',
            (SELECT n.number FROM parkdesk.trespass_notice n WHERE n.id = OLD.trespass_notice_id)
            USING ERRCODE = 'PD002', DETAIL = 'entry';
    END IF;
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

-- The incidents entries were put on the list for, where the caller may read them
-- (dispatchers do not read watchlist_entry.incident_id itself).
CREATE OR REPLACE FUNCTION parkdesk.watchlist_entry_incidents()
RETURNS TABLE (entry_id bigint, incident_id bigint, incident_number text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT e.id, i.id, i.number
    FROM parkdesk.watchlist_entry e JOIN parkdesk.incident i ON i.id = e.incident_id
    WHERE e.incident_id IS NOT NULL AND parkdesk.incident_visible(i.id)
$$;

-- A hit of a watchlisted plate: every dispatcher is alerted (the alert's audit row is
-- announced at commit like every change; the hint carries no plate). Repeats of the plate
-- for the entry merge, whatever jurisdiction they name (made-up codes raise no flood):
-- into the alert still waiting for a dispatcher, or, within the office's merge window
-- after one was acknowledged, into that one (counted, not alerted again). A hit replaces
-- the alert's sighting (where, when, by whom, which read) only when it is newer: a late
-- sync or a back-dated check counts, and never moves dispatch to an older place.
CREATE OR REPLACE FUNCTION parkdesk.merge_watchlist_alert(
    p_entry bigint, p_jurisdiction text, p_plate text, p_source text, p_seen_at timestamptz,
    p_lot bigint, p_device bigint, p_read bigint, p_citation bigint) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM parkdesk.watchlist_alert a
                   WHERE a.entry_id = p_entry AND a.plate = p_plate
                     AND a.acknowledged_at IS NULL) THEN
        UPDATE parkdesk.watchlist_alert a
        SET last_at = now(), hits = a.hits + 1,
            source = CASE WHEN p_seen_at >= a.seen_at THEN p_source ELSE a.source END,
            lot_id = CASE WHEN p_seen_at >= a.seen_at THEN p_lot ELSE a.lot_id END,
            device_id = CASE WHEN p_seen_at >= a.seen_at THEN p_device ELSE a.device_id END,
            seen_by = CASE WHEN p_seen_at >= a.seen_at THEN session_user ELSE a.seen_by END,
            read_id = CASE WHEN p_seen_at >= a.seen_at THEN p_read ELSE a.read_id END,
            citation_id = CASE WHEN p_seen_at >= a.seen_at THEN p_citation
                               ELSE a.citation_id END,
            seen_at = greatest(a.seen_at, p_seen_at)
        WHERE a.id = (SELECT r.id FROM parkdesk.watchlist_alert r, parkdesk.office_setting s
                      WHERE s.id = 1 AND r.entry_id = p_entry AND r.plate = p_plate
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
    ON CONFLICT (entry_id, plate) WHERE acknowledged_at IS NULL
    DO UPDATE SET last_at = now(), hits = a.hits + 1,
        source = CASE WHEN EXCLUDED.seen_at >= a.seen_at THEN EXCLUDED.source ELSE a.source END,
        lot_id = CASE WHEN EXCLUDED.seen_at >= a.seen_at THEN EXCLUDED.lot_id ELSE a.lot_id END,
        device_id = CASE WHEN EXCLUDED.seen_at >= a.seen_at THEN EXCLUDED.device_id
                         ELSE a.device_id END,
        seen_by = CASE WHEN EXCLUDED.seen_at >= a.seen_at THEN EXCLUDED.seen_by
                       ELSE a.seen_by END,
        read_id = CASE WHEN EXCLUDED.seen_at >= a.seen_at THEN EXCLUDED.read_id
                       ELSE a.read_id END,
        citation_id = CASE WHEN EXCLUDED.seen_at >= a.seen_at THEN EXCLUDED.citation_id
                           ELSE a.citation_id END,
        seen_at = greatest(a.seen_at, EXCLUDED.seen_at)
    RETURNING a.id INTO v_id;
    RETURN v_id;
END
$$;

-- The staff sessions whose transaction holds what an alert of this entry and plate waits
-- for (the entry, locked by its foreign key; the alert, or one being written) and is
-- older than 5 s: the rows' lockers (xmax) and the transactions that have written to the
-- alerts or locked the entries, whether idle or themselves waiting for another lock. They
-- are ended; nobody else is: a desk that merely wrote something recently is not.
CREATE OR REPLACE FUNCTION parkdesk.end_watchlist_holders(p_entry bigint, p_plate text)
RETURNS int
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_ended int := 0;
    r record;
BEGIN
    PERFORM pg_stat_clear_snapshot();  -- as it is now, not as at the transaction's start
    FOR r IN
        SELECT a.pid, a.usename, a.state
        FROM parkdesk.staff_sessions(true) a
        WHERE a.xact_start < clock_timestamp() - interval '5 seconds'
          AND a.backend_xid IS NOT NULL
          AND (a.backend_xid IN (
                   SELECT e.xmax FROM parkdesk.watchlist_entry e
                   WHERE e.id = p_entry AND e.xmax <> '0'::xid
                   UNION ALL
                   SELECT w.xmax FROM parkdesk.watchlist_alert w
                   WHERE w.entry_id = p_entry AND w.plate = p_plate AND w.xmax <> '0'::xid)
               -- an alert not yet committed (its row is not to be seen), or a lock on the
               -- entries: whoever has written or locked them in that transaction
               OR a.pid IN (SELECT l.pid FROM pg_locks l
                            WHERE l.locktype = 'relation' AND l.granted
                              AND l.mode <> 'AccessShareLock'
                              AND l.relation IN ('parkdesk.watchlist_alert'::regclass,
                                                 'parkdesk.watchlist_entry'::regclass)))
    LOOP
        v_ended := v_ended + parkdesk.end_session(r.pid, r.usename,
            format('(%s) holding a watchlist alert', r.state));
    END LOOP;
    RETURN v_ended;
END
$$;

-- The alert is written within a second's wait for its rows at a time: a session that
-- holds them (a dispatcher's transaction left open after an acknowledgement, a lock taken
-- on the entry) is ended once its transaction is 5 s old (end_watchlist_holders), so a
-- device's read or citation is never kept waiting more than 8 s by anyone's desk.
CREATE OR REPLACE FUNCTION parkdesk.raise_watchlist_alert(
    p_entry bigint, p_jurisdiction text, p_plate text, p_source text, p_seen_at timestamptz,
    p_lot bigint, p_device bigint, p_read bigint, p_citation bigint) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET lock_timeout = '1s' AS $$
DECLARE
    v_deadline timestamptz := clock_timestamp() + interval '8 seconds';
BEGIN
    -- The alert is the caller's transaction's, and a caller who rolls it back (or a
    -- savepoint round the call) takes it back after reading the answer. This line of the
    -- server's log is written at once and stays, whatever the caller does next: every
    -- time a watchlist entry is told, and to whom (docs/SECURITY.md, threat 33).
    RAISE LOG 'parkdesk: watchlist entry % told to % (%) for plate % %', p_entry,
        session_user, p_source, p_jurisdiction, p_plate;
    LOOP
        BEGIN
            RETURN parkdesk.merge_watchlist_alert(p_entry, p_jurisdiction, p_plate, p_source,
                least(p_seen_at, now()), p_lot, p_device, p_read, p_citation);
        EXCEPTION WHEN lock_not_available THEN
            PERFORM parkdesk.end_watchlist_holders(p_entry, p_plate);
            PERFORM parkdesk.end_overdue_sessions();
            IF clock_timestamp() > v_deadline THEN
                RAISE EXCEPTION 'Another desk is holding the watchlist; try again in a moment.'
                    USING ERRCODE = 'PD006';
            END IF;
        END;
    END LOOP;
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
    IF e.trespass_notice_id IS NOT NULL THEN
        PERFORM parkdesk.refuse('entry', format(
            'This entry ends with trespass notice %s: revoke the notice, saying why, to end it.',
            (SELECT n.number FROM parkdesk.trespass_notice n WHERE n.id = e.trespass_notice_id)));
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
CREATE TRIGGER watchlist_entry_incident_named BEFORE UPDATE OF incident_id
    ON parkdesk.watchlist_entry
    FOR EACH ROW EXECUTE FUNCTION parkdesk.check_named_incident();
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

-- Trespass notices (SPEC "Security"): a notice to a person for a place, from now to its
-- expiry, and the person's vehicles on the watchlist for exactly as long: the parker's
-- vehicles on file and any plates given ("ON ABC123"). Issued and revoked by dispatchers
-- and managers; a revoked notice's entries are retired with it.
CREATE OR REPLACE FUNCTION parkdesk.issue_trespass_notice(
    p_parker bigint, p_person_name text, p_person_description text, p_lot text, p_place text,
    p_reason text, p_expires_at timestamptz, p_plates text[] DEFAULT '{}',
    p_incident bigint DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_name text := btrim(coalesce(p_person_name, ''));
    v_lot parkdesk.lot;
    v_place text := btrim(coalesce(p_place, ''));
    v_id bigint;
    v_number text;
    v_tz text;
    v_plate text;
    v_jurisdiction text;
    v_item text;
    v_vehicles text[][] := '{}';
BEGIN
    PERFORM parkdesk.bound_text('person_name', p_person_name, 200);
    PERFORM parkdesk.bound_text('person_description', p_person_description, 500);
    PERFORM parkdesk.bound_text('lot', p_lot, 12);
    PERFORM parkdesk.bound_text('place', p_place, 200);
    PERFORM parkdesk.bound_text('reason', p_reason, 500);
    IF cardinality(p_plates) > 10 THEN
        PERFORM parkdesk.refuse('plates', 'A notice names at most 10 vehicles.');
    END IF;
    SELECT s.time_zone INTO v_tz FROM parkdesk.office_setting s WHERE s.id = 1;
    IF p_parker IS NOT NULL THEN
        SELECT CASE WHEN v_name = '' THEN p.first_name || ' ' || p.last_name ELSE v_name END
        INTO v_name FROM parkdesk.parker p WHERE p.id = p_parker;
        IF NOT FOUND THEN
            PERFORM parkdesk.refuse('parker', 'There is no such parker.');
        END IF;
    END IF;
    IF length(v_name) < 2 THEN
        PERFORM parkdesk.refuse('person_name', 'Give the name of the person the notice is for.');
    END IF;
    IF nullif(btrim(coalesce(p_lot, '')), '') IS NOT NULL THEN
        SELECT * INTO v_lot FROM parkdesk.lot l WHERE l.code = upper(btrim(p_lot));
        IF NOT FOUND THEN
            PERFORM parkdesk.refuse('lot', format('There is no lot %s.', upper(btrim(p_lot))));
        END IF;
        IF v_place = '' THEN
            v_place := v_lot.name;
        END IF;
    END IF;
    IF length(v_place) < 2 THEN
        PERFORM parkdesk.refuse('place', 'Say where the person may not be: a lot, or a place.');
    END IF;
    IF length(btrim(coalesce(p_reason, ''))) < 3 THEN
        PERFORM parkdesk.refuse('reason', 'Say why the notice is issued.');
    END IF;
    IF p_expires_at IS NULL OR p_expires_at <= now() THEN
        PERFORM parkdesk.refuse('expires_at', 'Choose when the notice ends: a time still to come.');
    ELSIF p_expires_at > now() + interval '5 years' THEN
        PERFORM parkdesk.refuse('expires_at', 'A notice lasts at most five years.');
    END IF;
    IF p_incident IS NOT NULL AND NOT parkdesk.incident_visible(p_incident) THEN
        PERFORM parkdesk.refuse('incident', 'There is no such incident.');
    END IF;
    -- The vehicles: given as "ON ABC123"; then the parker's own.
    FOREACH v_item IN ARRAY coalesce(p_plates, '{}') LOOP
        PERFORM parkdesk.bound_text('plates', v_item, 30);
        CONTINUE WHEN btrim(v_item) = '';
        v_jurisdiction := upper(split_part(btrim(v_item), ' ', 1));
        v_plate := upper(regexp_replace(substr(btrim(v_item), length(split_part(btrim(v_item), ' ', 1)) + 1),
                                        '[[:space:].-]', '', 'g'));
        IF v_jurisdiction !~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$' OR v_plate !~ '^[A-Z0-9]{2,10}$' THEN
            PERFORM parkdesk.refuse('plates', format(
                '%s is not a vehicle: write the jurisdiction and the plate, as in ON ABC123.',
                btrim(v_item)));
        END IF;
        v_vehicles := v_vehicles || ARRAY[[v_jurisdiction, v_plate]];
    END LOOP;
    IF p_parker IS NOT NULL THEN
        SELECT v_vehicles || coalesce(array_agg(ARRAY[v.jurisdiction, v.plate_normalized]), '{}')
        INTO v_vehicles
        FROM parkdesk.vehicle v
        WHERE v.parker_id = p_parker AND v.active AND v.plate_normalized IS NOT NULL
          AND length(v.plate_normalized) >= 2;
    END IF;
    v_id := nextval(pg_get_serial_sequence('parkdesk.trespass_notice', 'id'));
    v_number := 'T' || to_char(now() AT TIME ZONE v_tz, 'YYYY') || '-' || lpad(v_id::text, 5, '0');
    INSERT INTO parkdesk.trespass_notice (id, number, parker_id, person_name,
        person_description, lot_id, place, reason, issued_at, issued_by, expires_at,
        incident_id)
    OVERRIDING SYSTEM VALUE
    VALUES (v_id, v_number, p_parker, v_name, btrim(coalesce(p_person_description, '')),
            v_lot.id, v_place, btrim(p_reason), now(), session_user, p_expires_at, p_incident);
    FOR i IN 1 .. coalesce(array_length(v_vehicles, 1), 0) LOOP
        INSERT INTO parkdesk.watchlist_entry (jurisdiction, plate_pattern, category, priority,
            reason, instruction, starts_at, expires_at, trespass_notice_id, incident_id)
        SELECT v_vehicles[i][1], v_vehicles[i][2], 'Trespass', 2,
               left(format('Trespass notice %s: %s', v_number, btrim(p_reason)), 500),
               left(format('Trespass notice %s in force until %s for %s: call dispatch.',
                           v_number, to_char(p_expires_at AT TIME ZONE v_tz, 'FMDD Mon YYYY'),
                           v_place), 300),
               now(), p_expires_at, v_id, p_incident
        WHERE NOT EXISTS (SELECT 1 FROM parkdesk.watchlist_entry e
                          WHERE e.trespass_notice_id = v_id
                            AND e.jurisdiction = v_vehicles[i][1]
                            AND e.plate_pattern = v_vehicles[i][2]);
    END LOOP;
    RETURN v_id;
END
$$;

-- A dispatcher or a manager revokes a notice before its end, saying why: its watchlist
-- entries are retired with it.
CREATE OR REPLACE FUNCTION parkdesk.revoke_trespass_notice(p_notice bigint, p_reason text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n parkdesk.trespass_notice;
BEGIN
    PERFORM parkdesk.bound_text('reason', p_reason, 300);
    IF length(btrim(coalesce(p_reason, ''))) < 3 THEN
        PERFORM parkdesk.refuse('reason', 'Say why the notice is revoked.');
    END IF;
    SELECT * INTO n FROM parkdesk.trespass_notice t WHERE t.id = p_notice FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM parkdesk.refuse('notice', 'There is no such notice.');
    ELSIF n.revoked_at IS NOT NULL THEN
        PERFORM parkdesk.refuse('notice', format('Notice %s was revoked by %s already.',
                                                  n.number, n.revoked_by));
    ELSIF n.expires_at <= now() THEN
        PERFORM parkdesk.refuse('notice', format('Notice %s has ended.', n.number));
    END IF;
    UPDATE parkdesk.trespass_notice
    SET revoked_at = now(), revoked_by = session_user, revoke_reason = btrim(p_reason)
    WHERE id = n.id;
    UPDATE parkdesk.watchlist_entry
    SET retired_at = now(), retired_by = session_user,
        retire_reason = left('Trespass notice ' || n.number || ' revoked: ' || btrim(p_reason), 300)
    WHERE trespass_notice_id = n.id AND retired_at IS NULL;
END
$$;

-- A notice is changed only by revoke_trespass_notice, and never removed.
CREATE OR REPLACE FUNCTION parkdesk.guard_trespass_notice() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_user = 'parkdesk_owner' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'trespass notices are kept as issued (% refused): revoke one instead',
        TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER trespass_notice_kept BEFORE UPDATE OR DELETE ON parkdesk.trespass_notice
    FOR EACH ROW EXECUTE FUNCTION parkdesk.guard_trespass_notice();
CREATE TRIGGER trespass_notice_no_truncate BEFORE TRUNCATE ON parkdesk.trespass_notice
    FOR EACH STATEMENT EXECUTE FUNCTION parkdesk.guard_trespass_notice();
CREATE TRIGGER trespass_notice_audit AFTER INSERT OR UPDATE OR DELETE ON parkdesk.trespass_notice
    FOR EACH ROW EXECUTE FUNCTION parkdesk.record_change('id');
