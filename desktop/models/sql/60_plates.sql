-- Plates: the plate check, look-alikes, and recorded plate corrections.
--
-- The current definition: edit here, never in a migration (docs/ARCHITECTURE.md).

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

-- The plate check (SPEC "Plate check", rule 16): one verdict for a plate at a place and
-- time, for every desk and for enforcement devices. It reads permits, vehicles,
-- exemptions and reads as the owner and returns no personal details, so the officer role
-- may run it without reading parkers. It is the hot path of the product (a read of every
-- LPR car calls it): its inputs are bounded before any work, and every verdict but
-- over_limit takes one query, planned once per session (a generic plan: a custom one
-- would be planned again at every call); dates are worded here rather than by helper
-- functions, which each cost a call.
--
-- Verdicts: valid and temporary (a permit covers the plate here), exempt (an exemption
-- does), over_limit (in a time-limited zone, the stay began more than the limit ago:
-- virtual chalking), then wrong_lot, expired or no_permit; and scofflaw, before any of
-- them, for a plate with the office's threshold of unpaid past-due citations (may_park
-- keeps what the permits said). The stay began at the earliest of the plate's reads in
-- the zone going back from p_at, with no gap between successive reads longer than the
-- limit, looking back at most 24 hours.
--
-- plate_verdict gives the verdict for a plate already normalised at a place already
-- found (p_lot and p_zone are NULL rows when none is given), with the vehicle the plate
-- is registered to: check_plate and record_plate_read call it; no role may.
CREATE OR REPLACE FUNCTION parkdesk.plate_verdict(
    p_jurisdiction text, p_plate text, p_lot parkdesk.lot, p_zone parkdesk.zone,
    p_at timestamptz,
    OUT verdict text, OUT permit_number text, OUT permit_kind text, OUT permit_type text,
    OUT lot_code text, OUT lot_name text, OUT valid_from timestamptz,
    OUT valid_until timestamptz, OUT reason text, OUT exemption text,
    OUT over_limit_since timestamptz, OUT stay_began timestamptz, OUT may_park boolean,
    OUT unpaid_citations int, OUT vehicle_id bigint, OUT watchlist_entry bigint,
    OUT instruction text, OUT permit_id bigint)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_tz text;
    v_until text;
    v_limit interval;
    v_start timestamptz;
    v_read timestamptz;
    r record;
    o record;
    c record;
BEGIN
    -- The office's zone and threshold, the plate's unpaid past-due citations
    -- (ix_citation_unpaid: a scofflaw is one at every check, whatever the permits say) and
    -- the vehicle; then its permit, when it has one: the one valid at p_at (in this lot
    -- first, term permits before temporary ones), else the one that ended last (in this
    -- lot, when one is given); then, when no permit covers the plate, an exemption. A
    -- plate read or checked the most often has no vehicle or no permit: it is spared the
    -- queries it does not need (each costs its set-up, however little it finds).
    SELECT os.time_zone AS zone, os.scofflaw_threshold AS threshold,
           (SELECT count(*)::int FROM parkdesk.citation ci
            WHERE ci.jurisdiction = p_jurisdiction AND ci.plate_normalized = p_plate
              AND ci.balance > 0 AND ci.voided_at IS NULL
              AND ci.due_on < (p_at AT TIME ZONE os.time_zone)::date) AS unpaid,
           (SELECT v.id FROM parkdesk.vehicle v
            WHERE v.jurisdiction = p_jurisdiction AND v.plate_normalized = p_plate) AS vehicle
    INTO o
    FROM parkdesk.office_setting os WHERE os.id = 1;
    IF o.vehicle IS NOT NULL THEN
        SELECT p.id, p.number, p.kind, t.name AS type_name, l.code, l.name AS lname,
               pv.validity, pv.validity @> p_at AS current, p.cancelled_at,
               upper(pv.validity) < upper(p.validity) AS transferred
        INTO c
        FROM parkdesk.permit_vehicle pv
        JOIN parkdesk.permit p ON p.id = pv.permit_id
        JOIN parkdesk.lot l ON l.id = pv.lot_id
        LEFT JOIN parkdesk.permit_type t ON t.id = p.permit_type_id
        WHERE pv.vehicle_id = o.vehicle
          AND (pv.validity @> p_at
               OR NOT isempty(pv.validity) AND upper(pv.validity) <= p_at
                  AND (p_lot.id IS NULL OR pv.lot_id = p_lot.id))
        ORDER BY pv.validity @> p_at DESC,
                 CASE WHEN pv.validity @> p_at THEN pv.lot_id = p_lot.id END DESC NULLS LAST,
                 CASE WHEN pv.validity @> p_at THEN p.kind = 'term' END DESC NULLS LAST,
                 upper(pv.validity) DESC
        LIMIT 1;
    END IF;
    v_tz := o.zone;
    vehicle_id := o.vehicle;
    unpaid_citations := o.unpaid;
    may_park := false;
    <<verdicts>>
    BEGIN
    -- What the permits say; the verdicts that let the car park return here.
    <<permits>>
    BEGIN
        IF o.vehicle IS NULL THEN
            verdict := 'no_permit';
            reason := format('No permit: %s (%s) is not registered and has no temporary permit.',
                             p_plate, p_jurisdiction);
            EXIT permits;
        END IF;
        IF c.number IS NULL THEN
            verdict := 'no_permit';
            reason := format('No permit: %s (%s) has no permit%s.', p_plate, p_jurisdiction,
                             CASE WHEN p_lot.id IS NULL THEN '' ELSE ' for ' || p_lot.name END);
            EXIT permits;
        END IF;
        permit_id := c.id;
        permit_number := c.number;
        permit_kind := c.kind;
        permit_type := coalesce(c.type_name, initcap(c.kind) || ' permit');
        lot_code := c.code;
        lot_name := c.lname;
        valid_from := lower(c.validity);
        valid_until := upper(c.validity);
        -- As describe_until words it: a permit ending at local midnight lasts to the end
        -- of the day before.
        v_until := CASE
            WHEN upper(c.validity) IS NULL THEN 'further notice'
            WHEN (upper(c.validity) AT TIME ZONE v_tz)::time = '00:00'
                THEN 'the end of ' || to_char((upper(c.validity) AT TIME ZONE v_tz)::date - 1,
                                              'FMDD Mon YYYY')
            ELSE to_char(upper(c.validity) AT TIME ZONE v_tz, 'FMDD Mon YYYY HH24:MI') END;
        IF NOT c.current THEN
            -- Nothing valid: the most recent that ended.
            verdict := 'expired';
            reason := format('%s: permit %s (%s) for %s %s.',
                CASE WHEN c.cancelled_at IS NOT NULL THEN 'Cancelled'
                     WHEN c.transferred THEN 'Transferred' ELSE 'Expired' END,
                c.number, permit_type, c.lname,
                CASE WHEN c.cancelled_at IS NOT NULL OR c.transferred
                     THEN 'ended ' || to_char(upper(c.validity) AT TIME ZONE v_tz,
                                              'FMDD Mon YYYY HH24:MI')
                     ELSE 'ended at ' || v_until END);
            EXIT permits;
        END IF;
        IF p_lot.id IS NOT NULL AND c.code <> p_lot.code THEN
            verdict := 'wrong_lot';
            reason := format('Wrong lot: permit %s (%s) is for %s, not %s.', c.number,
                             permit_type, c.lname, p_lot.name);
            EXIT permits;
        ELSIF c.kind = 'term' THEN
            verdict := 'valid';
            reason := format('Valid: permit %s (%s) for %s until %s.', c.number, permit_type,
                             c.lname, v_until);
        ELSE
            verdict := 'temporary';
            reason := format('Valid temporary permit: %s (%s) for %s until %s.', c.number,
                             permit_type, c.lname, v_until);
        END IF;
        -- A permit covers the plate here: no exemption or time limit matters.
        may_park := true;
        EXIT verdicts;
    END;

    -- An exemption ("do not ticket") for this plate, in this lot or every lot (any lot
    -- when none is given), in force at p_at: the one that lasts longest.
    SELECT e.reason, e.ends_at, el.name AS lname INTO r
    FROM parkdesk.exemption e LEFT JOIN parkdesk.lot el ON el.id = e.lot_id
    WHERE e.jurisdiction = p_jurisdiction AND e.plate_normalized = p_plate
      AND e.starts_at <= p_at AND (e.ends_at IS NULL OR e.ends_at > p_at)
      AND (p_lot.id IS NULL OR e.lot_id IS NULL OR e.lot_id = p_lot.id)
    ORDER BY e.ends_at DESC NULLS FIRST
    LIMIT 1;
    IF FOUND THEN
        verdict := 'exempt';
        exemption := r.reason;
        permit_id := NULL;
        permit_number := NULL;
        permit_kind := NULL;
        permit_type := NULL;
        lot_code := NULL;
        lot_name := NULL;
        valid_from := NULL;
        valid_until := NULL;
        reason := format('Do not ticket: %s (%s%s).', r.reason,
            CASE WHEN r.lname IS NULL THEN '' ELSE 'in ' || r.lname || ', ' END,
            CASE WHEN r.ends_at IS NULL THEN 'no end date'
                 WHEN (r.ends_at AT TIME ZONE v_tz)::time = '00:00'
                     THEN 'until ' || to_char((r.ends_at AT TIME ZONE v_tz)::date - 1,
                                              'FMDD Mon YYYY')
                 ELSE 'until ' || to_char(r.ends_at AT TIME ZONE v_tz,
                                          'FMDD Mon YYYY HH24:MI')
            END);
        may_park := true;
        EXIT verdicts;
    END IF;

    -- Virtual chalking, in a time-limited zone only: the plate's reads in the zone, newest
    -- first, back to a gap longer than the limit (the car left) or 24 hours
    -- (ix_plate_read_plate, the months of the last day only).
    IF p_zone.time_limit_minutes IS NOT NULL THEN
        v_limit := make_interval(mins => p_zone.time_limit_minutes);
        v_start := p_at;
        FOR v_read IN SELECT pr.read_at FROM parkdesk.plate_read pr
                      WHERE pr.jurisdiction = p_jurisdiction AND pr.plate_normalized = p_plate
                        AND pr.read_at <= p_at AND pr.read_at >= p_at - interval '24 hours'
                        AND pr.zone_id = p_zone.id
                      ORDER BY pr.read_at DESC LOOP
            EXIT WHEN v_start - v_read > v_limit;
            v_start := v_read;
        END LOOP;
        stay_began := v_start;
        IF p_at - v_start > v_limit THEN
            verdict := 'over_limit';
            over_limit_since := v_start + v_limit;
            reason := format('Over the %s limit in zone %s since %s (first read %s).',
                CASE WHEN p_zone.time_limit_minutes % 60 = 0
                     THEN (p_zone.time_limit_minutes / 60) || '-hour'
                     ELSE p_zone.time_limit_minutes || '-minute' END,
                p_zone.code,
                to_char(over_limit_since AT TIME ZONE v_tz,
                        CASE WHEN (over_limit_since AT TIME ZONE v_tz)::date
                                  = (p_at AT TIME ZONE v_tz)::date
                             THEN 'HH24:MI' ELSE 'FMDD Mon HH24:MI' END),
                to_char(v_start AT TIME ZONE v_tz,
                        CASE WHEN (v_start AT TIME ZONE v_tz)::date
                                  = (p_at AT TIME ZONE v_tz)::date
                             THEN 'HH24:MI' ELSE 'FMDD Mon HH24:MI' END));
        END IF;
    END IF;
    END;
    -- A scofflaw (SPEC rule 7; office_setting.scofflaw_threshold): the verdict says so at
    -- every check, before what the permits say; may_park still says whether a citation
    -- may be written (a scofflaw with a valid permit is booted, not cited).
    IF o.unpaid >= o.threshold THEN
        verdict := 'scofflaw';
        reason := format('Scofflaw: %s unpaid past-due citations; on the boot and tow list. %s',
                         o.unpaid, reason);
    END IF;
    -- A watchlist entry in force (88_watchlist.sql): its id, for the caller to raise the
    -- alert, and its instruction, the only part of it the officer is told (never the
    -- confidential reason). The verdict itself stays what the permits say.
    -- The entry in force the plate matches, the most urgent first: exact plates by their
    -- index, then the few partial ones (AB*12: AB, one or more characters, 12). An entry
    -- made after p_at counts too while it is in force: a read synced late, or checked for
    -- an earlier time, still tells dispatch where the car was seen. Written out here
    -- rather than called: this runs on every read.
    SELECT m.id, m.instruction INTO watchlist_entry, instruction
    FROM (SELECT e.id, e.instruction, e.priority, e.jurisdiction, e.starts_at, e.expires_at
          FROM parkdesk.watchlist_entry e
          WHERE NOT e.partial AND e.retired_at IS NULL AND e.plate_pattern = p_plate
          UNION ALL
          SELECT e.id, e.instruction, e.priority, e.jurisdiction, e.starts_at, e.expires_at
          FROM parkdesk.watchlist_entry e
          WHERE e.partial AND e.retired_at IS NULL AND p_plate LIKE e.plate_like) m
    WHERE (m.jurisdiction IS NULL OR m.jurisdiction = p_jurisdiction)
      AND m.starts_at <= greatest(p_at, now())
      AND (m.expires_at IS NULL OR m.expires_at > p_at)
    ORDER BY m.priority, m.id
    LIMIT 1;
END
$$;

-- The plate check as desks and devices call it. p_lot is a lot's code (B), or a lot and
-- one of its zones (B/B1); p_at is now when not given. A watchlisted plate checked now is
-- answered "watchlisted" with the entry's instruction, and raises an alert (so the
-- function writes: it is not STABLE).
CREATE OR REPLACE FUNCTION parkdesk.check_plate(
    p_jurisdiction text, p_plate text, p_lot text DEFAULT NULL, p_at timestamptz DEFAULT NULL)
RETURNS TABLE (verdict text, jurisdiction text, plate text, permit_number text,
               permit_kind text, permit_type text, lot_code text, lot_name text,
               valid_from timestamptz, valid_until timestamptz, reason text,
               zone_code text, exemption text, over_limit_since timestamptz,
               stay_began timestamptz, may_park boolean, unpaid_citations int,
               instruction text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_plate text;
    v_jurisdiction text;
    v_lot parkdesk.lot;
    v_zone parkdesk.zone;
    v_place text;
    v_zone_code text;
    v record;
BEGIN
    -- Bounded before any work: a device sends a plate, not a novel.
    IF octet_length(p_plate) > 40 OR octet_length(p_jurisdiction) > 10
       OR octet_length(p_lot) > 30 THEN
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
        -- A lot (B), or a lot and one of its zones (B/B1).
        v_place := upper(btrim(split_part(p_lot, '/', 1)));
        IF strpos(p_lot, '/') > 0 THEN
            v_zone_code := upper(btrim(substr(p_lot, strpos(p_lot, '/') + 1)));
        END IF;
        SELECT * INTO v_lot FROM parkdesk.lot l WHERE l.code = v_place;
        IF NOT FOUND THEN
            PERFORM parkdesk.refuse('lot', format('There is no lot %s.', v_place));
        END IF;
        IF v_zone_code IS NOT NULL THEN
            SELECT * INTO v_zone FROM parkdesk.zone z
            WHERE z.lot_id = v_lot.id AND z.code = v_zone_code;
            IF NOT FOUND THEN
                PERFORM parkdesk.refuse('lot', format(
                    '%s has no zone %s: send the lot''s code (%s), or the lot and one of its '
                    'zones (%s/ZONE).', v_lot.name, coalesce(nullif(v_zone_code, ''), '(none given)'),
                    v_lot.code, v_lot.code));
            END IF;
        END IF;
    END IF;
    v := parkdesk.plate_verdict(v_jurisdiction, v_plate, v_lot, v_zone, coalesce(p_at, now()));
    verdict := v.verdict;
    jurisdiction := v_jurisdiction;
    plate := v_plate;
    permit_number := v.permit_number;
    permit_kind := v.permit_kind;
    permit_type := v.permit_type;
    lot_code := v.lot_code;
    lot_name := v.lot_name;
    valid_from := v.valid_from;
    valid_until := v.valid_until;
    reason := v.reason;
    zone_code := v_zone.code;
    exemption := v.exemption;
    over_limit_since := v.over_limit_since;
    stay_began := v.stay_began;
    may_park := v.may_park;
    unpaid_citations := v.unpaid_citations;
    -- A watchlisted plate: the instruction leads, and every dispatcher is alerted. Only
    -- for a check of now: a check of another time (what was true at 03:00?) is no
    -- sighting, and answers what the permits said — told without an alert, the watchlist
    -- could be read plate by plate, unseen (docs/SECURITY.md, threat 21).
    IF v.watchlist_entry IS NOT NULL
       AND (p_at IS NULL OR p_at BETWEEN now() - interval '10 minutes'
                                     AND now() + interval '10 minutes') THEN
        verdict := 'watchlisted';
        instruction := v.instruction;
        reason := format('Watchlisted — see instruction: %s %s', v.instruction, v.reason);
        PERFORM parkdesk.raise_watchlist_alert(v.watchlist_entry, v_jurisdiction, v_plate,
            'check', coalesce(p_at, now()), v_lot.id, NULL, NULL, NULL);
    END IF;
    RETURN NEXT;
END
$$;

-- The plate and jurisdiction are a vehicle's identity (SPEC rule 1): once it has permits,
-- they change only through correct_plate, with a reason, in the vehicle's history.
CREATE OR REPLACE FUNCTION parkdesk.guard_plate_identity() RETURNS trigger
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

CREATE OR REPLACE FUNCTION parkdesk.correct_plate(
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

-- Who last saved a vehicle and when, for the counter's "changed by … at …" when two
-- desks edit one vehicle. The desks do not read a vehicle's stamps (threat 28): a plate
-- registered by a temporary permit's sale would name the seller. A vehicle saved since
-- it was registered names who saved it last; one never changed since names nobody (no
-- edit of it can have lost to another then).
CREATE OR REPLACE FUNCTION parkdesk.vehicle_last_change(
    p_vehicle bigint, OUT login text, OUT changed_at timestamptz, OUT office_zone text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN v.version > 1 THEN v.updated_by END, v.updated_at,
           (SELECT s.time_zone FROM parkdesk.office_setting s WHERE s.id = 1)
    FROM parkdesk.vehicle v
    WHERE v.id = p_vehicle
$$;

CREATE TRIGGER vehicle_plate_identity AFTER UPDATE OF jurisdiction, plate_raw, plate_status, parker_id ON parkdesk.vehicle FOR EACH ROW EXECUTE FUNCTION parkdesk.guard_plate_identity();
