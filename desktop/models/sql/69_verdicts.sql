-- What the officer's verdict knows beyond permits (SPEC rules 5 and 16): a lot's zones in
-- the device API, exemptions ("do not ticket") and flags on a permit whose vehicles were
-- read on site together. check_plate (60_plates.sql) gives the verdicts; record_plate_read
-- (67_reads.sql) raises the flags.
--
-- The current definition: edit here, never in a migration (docs/ARCHITECTURE.md).

-- A place as a device names it: a lot's code (B), or a lot and one of its zones (B/B1),
-- or the refusal a device shows (PD002, lot). Run inside the device API.
CREATE OR REPLACE FUNCTION parkdesk.find_place(
    p_place text, OUT lot parkdesk.lot, OUT zone parkdesk.zone)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_lot_code text := upper(btrim(split_part(coalesce(p_place, ''), '/', 1)));
    v_zone_code text;
BEGIN
    IF strpos(p_place, '/') > 0 THEN
        v_zone_code := upper(btrim(substr(p_place, strpos(p_place, '/') + 1)));
    END IF;
    SELECT * INTO lot FROM parkdesk.lot l WHERE l.code = v_lot_code;
    IF NOT FOUND THEN
        PERFORM parkdesk.refuse('lot', format('There is no lot %s.', v_lot_code));
    END IF;
    IF v_zone_code IS NOT NULL THEN
        SELECT * INTO zone FROM parkdesk.zone z WHERE z.lot_id = lot.id AND z.code = v_zone_code;
        IF NOT FOUND THEN
            PERFORM parkdesk.refuse('lot', format(
                '%s has no zone %s: send the lot''s code (%s), or the lot and one of its '
                'zones (%s/ZONE).', lot.name, coalesce(nullif(v_zone_code, ''), '(none given)'),
                lot.code, lot.code));
        END IF;
    END IF;
END
$$;

-- An exemption's plate is stored normalised (SPEC rule 1), whatever the manager typed;
-- the jurisdiction upper-cased. The table's checks then refuse what is not a plate.
CREATE OR REPLACE FUNCTION parkdesk.normalize_exemption() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF octet_length(NEW.plate_normalized) > 40 OR octet_length(NEW.jurisdiction) > 10 THEN
        PERFORM parkdesk.refuse(CASE WHEN octet_length(NEW.jurisdiction) > 10
                                     THEN 'jurisdiction' ELSE 'plate' END,
                                'That is far longer than a plate or jurisdiction.');
    END IF;
    NEW.plate_normalized := upper(regexp_replace(NEW.plate_normalized, '[[:space:].-]', '', 'g'));
    NEW.jurisdiction := upper(btrim(NEW.jurisdiction));
    NEW.reason := btrim(NEW.reason);
    RETURN NEW;
END
$$;

-- An exemption is never removed, not even by the owner's own functions: it ends, by its
-- end time, and its history stays.
CREATE OR REPLACE FUNCTION parkdesk.guard_exemption() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'exemptions are never removed (% refused): end one by setting when it '
                    'ends', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

-- A flag is never removed, and what it records is never changed: it is cleared once,
-- with who and why (clear_permit_flag).
CREATE OR REPLACE FUNCTION parkdesk.guard_permit_flag() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION 'permit flags are never removed (% refused); a flag is cleared with '
                        'a note', TG_OP USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.cleared_at IS NOT NULL
       OR (NEW.id, NEW.permit_id, NEW.lot_id, NEW.first_read_id, NEW.first_read_at,
           NEW.first_vehicle_id, NEW.second_read_id, NEW.second_read_at, NEW.second_vehicle_id,
           NEW.flagged_at)
          IS DISTINCT FROM
          (OLD.id, OLD.permit_id, OLD.lot_id, OLD.first_read_id, OLD.first_read_at,
           OLD.first_vehicle_id, OLD.second_read_id, OLD.second_read_at, OLD.second_vehicle_id,
           OLD.flagged_at) THEN
        RAISE EXCEPTION 'a permit flag records what was read; it is only cleared, once'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

-- A clerk or manager who looked into a flag clears it, saying what they found (at least
-- 3 characters). A flag already cleared is refused, naming who cleared it.
CREATE OR REPLACE FUNCTION parkdesk.clear_permit_flag(p_flag bigint, p_note text)
RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    f parkdesk.permit_flag;
BEGIN
    PERFORM parkdesk.bound_text('note', p_note, 500);
    IF length(btrim(coalesce(p_note, ''))) < 3 THEN
        PERFORM parkdesk.refuse('note', 'Say what you found (at least 3 characters).');
    END IF;
    SELECT * INTO f FROM parkdesk.permit_flag pf WHERE pf.id = p_flag FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        PERFORM parkdesk.refuse('flag', 'There is no such permit flag.');
    END IF;
    IF f.cleared_at IS NOT NULL THEN
        PERFORM parkdesk.refuse('flag', format('This flag was cleared by %s on %s.',
            f.cleared_by, to_char(f.cleared_at AT TIME ZONE (SELECT s.time_zone
                FROM parkdesk.office_setting s WHERE s.id = 1), 'FMDD Mon YYYY HH24:MI')));
    END IF;
    UPDATE parkdesk.permit_flag pf
    SET cleared_at = now(), cleared_by = session_user, clear_note = btrim(p_note)
    WHERE pf.id = f.id;
    RETURN now();
END
$$;

CREATE TRIGGER exemption_normalize BEFORE INSERT OR UPDATE ON parkdesk.exemption
    FOR EACH ROW EXECUTE FUNCTION parkdesk.normalize_exemption();

CREATE TRIGGER exemption_stamp BEFORE INSERT OR UPDATE ON parkdesk.exemption
    FOR EACH ROW EXECUTE FUNCTION parkdesk.stamp_row();

CREATE TRIGGER exemption_audit AFTER INSERT OR UPDATE OR DELETE ON parkdesk.exemption
    FOR EACH ROW EXECUTE FUNCTION parkdesk.record_change('id');

CREATE TRIGGER exemption_kept BEFORE DELETE ON parkdesk.exemption
    FOR EACH ROW EXECUTE FUNCTION parkdesk.guard_exemption();

CREATE TRIGGER exemption_no_truncate BEFORE TRUNCATE ON parkdesk.exemption
    FOR EACH STATEMENT EXECUTE FUNCTION parkdesk.guard_exemption();

CREATE TRIGGER permit_flag_audit AFTER INSERT OR UPDATE OR DELETE ON parkdesk.permit_flag
    FOR EACH ROW EXECUTE FUNCTION parkdesk.record_change('id');

CREATE TRIGGER permit_flag_fixed BEFORE UPDATE OR DELETE ON parkdesk.permit_flag
    FOR EACH ROW EXECUTE FUNCTION parkdesk.guard_permit_flag();

CREATE TRIGGER permit_flag_no_truncate BEFORE TRUNCATE ON parkdesk.permit_flag
    FOR EACH STATEMENT EXECUTE FUNCTION parkdesk.guard_permit_flag();
