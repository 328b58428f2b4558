-- Enforcement: citation numbers and their check digits, spoiled numbers, and the device
-- API's issue_citation (docs/DEVICE_API.md).
--
-- The current definition: edit here, never in a migration (docs/ARCHITECTURE.md).

-- The check digit of a citation number's sequence digits, by the office's scheme
-- (office_setting.check_digit_scheme; SPEC rule 15):
--   luhn   the Luhn mod 10 digit (7992739871 -> 3);
--   mod11  weights 2, 3, 4, 5, 6, 7 repeating from the rightmost digit; the check digit is
--          the weighted sum's remainder mod 11 itself, and a remainder of 10, which one digit
--          cannot hold, is written 0. (The convention chosen: some offices write 11 minus the
--          remainder instead, or skip such numbers; ours never skips a number of a range.)
--   mod7   the number's remainder mod 7.
-- Leading zeros change none of them, so a sequence padded to its range's width checks the
-- same as the bare sequence.
CREATE OR REPLACE FUNCTION parkdesk.check_digit(p_digits text, p_scheme text) RETURNS int
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_sum int := 0;
    v_len int;
    d int;
    i int;
BEGIN
    IF octet_length(p_scheme) > 10 THEN
        RAISE EXCEPTION 'The check-digit scheme is luhn, mod11 or mod7.'
            USING ERRCODE = 'PD002', DETAIL = 'scheme';
    END IF;
    IF octet_length(p_digits) > 18 OR coalesce(p_digits, '') !~ '^[0-9]{1,18}$' THEN
        RAISE EXCEPTION 'A check digit is computed over 1 to 18 digits.'
            USING ERRCODE = 'PD002', DETAIL = 'digits';
    END IF;
    v_len := length(p_digits);
    IF p_scheme = 'luhn' THEN
        FOR i IN 0..v_len - 1 LOOP
            d := ascii(substr(p_digits, v_len - i, 1)) - 48;
            -- The check digit will stand to the right: the rightmost digit here is doubled.
            IF i % 2 = 0 THEN
                d := d * 2;
                IF d > 9 THEN d := d - 9; END IF;
            END IF;
            v_sum := v_sum + d;
        END LOOP;
        RETURN (10 - v_sum % 10) % 10;
    ELSIF p_scheme = 'mod11' THEN
        FOR i IN 0..v_len - 1 LOOP
            v_sum := v_sum + (ascii(substr(p_digits, v_len - i, 1)) - 48) * (2 + i % 6);
        END LOOP;
        RETURN (v_sum % 11) % 10;
    ELSIF p_scheme = 'mod7' THEN
        RETURN (p_digits::bigint % 7)::int;
    END IF;
    RAISE EXCEPTION 'The check-digit scheme is luhn, mod11 or mod7.'
        USING ERRCODE = 'PD002', DETAIL = 'scheme';
END
$$;

-- A manager marks unused numbers of a range as spoiled, with why (a torn book, a device
-- lost with numbers on it), so every number of every range is either issued or accounted
-- for. A number already issued is never spoiled; spoiling one twice changes nothing.
-- Returns how many numbers were newly spoiled.
CREATE OR REPLACE FUNCTION parkdesk.spoil_numbers(
    p_range bigint, p_first bigint, p_last bigint, p_reason text) RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r parkdesk.citation_range;
    v_used text;
    v_count int;
BEGIN
    PERFORM parkdesk.bound_text('reason', p_reason, 300);
    IF length(btrim(coalesce(p_reason, ''))) < 3 THEN
        PERFORM parkdesk.refuse('reason', 'Say why these numbers are spoiled.');
    END IF;
    -- Locked as issue_citation locks it, so a number is spoiled or issued, never both.
    SELECT * INTO r FROM parkdesk.citation_range cr WHERE cr.id = p_range FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        PERFORM parkdesk.refuse('range', 'There is no such number range.');
    END IF;
    IF p_first IS NULL OR p_last IS NULL OR p_first > p_last
       OR p_first < r.first_seq OR p_last > r.last_seq THEN
        PERFORM parkdesk.refuse('first', format(
            'This range holds the sequence numbers %s to %s; give the first and last to spoil.',
            r.first_seq, r.last_seq));
    END IF;
    IF p_last - p_first >= 1000 THEN
        PERFORM parkdesk.refuse('last', 'Spoil at most 1,000 numbers at a time.');
    END IF;
    SELECT c.number INTO v_used FROM parkdesk.citation c
    WHERE c.range_id = r.id AND c.seq BETWEEN p_first AND p_last
    ORDER BY c.seq LIMIT 1;
    IF v_used IS NOT NULL THEN
        PERFORM parkdesk.refuse('first', format(
            '%s was issued as a citation: an issued number is never spoiled. Nothing was '
            'spoiled.', v_used));
    END IF;
    INSERT INTO parkdesk.spoiled_number (range_id, seq, reason)
    SELECT r.id, g, btrim(p_reason) FROM generate_series(p_first, p_last) AS g
    ON CONFLICT ON CONSTRAINT uq_spoiled_number_range_id_seq DO NOTHING;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;

-- A plate as the device API stores it: a jurisdiction code and 1 to 10 letters and digits
-- (both already normalised), or the refusal a device shows. Run inside the device API.
CREATE OR REPLACE FUNCTION parkdesk.check_plate_identity(p_jurisdiction text, p_plate text)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_jurisdiction !~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$' THEN
        PERFORM parkdesk.refuse('jurisdiction', 'Jurisdiction is a two-letter code such as ON or NY.');
    END IF;
    IF p_plate !~ '^[A-Z0-9]{1,10}$' THEN
        PERFORM parkdesk.refuse('plate',
            'A plate is 1 to 10 letters and digits (spaces, dashes and dots are ignored).');
    END IF;
END
$$;

-- One call of a device at a time, and each call once (SPEC rule 14): the device's row is
-- taken (only a manager could otherwise lock it; an advisory lock on a guessable key
-- would be one any login could hold), then the call is looked up. The same request again
-- under its (device, call number) key, by the same login, is done: its first result is
-- returned. Another request under that key is refused (PD007). Run inside the device
-- API's functions; granted to no desk.
CREATE OR REPLACE FUNCTION parkdesk.claim_device_call(
    p_device text, p_device_seq bigint, p_operation text, p_fingerprint bytea,
    OUT device parkdesk.device, OUT done boolean, OUT result bigint)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k parkdesk.device_request;
BEGIN
    IF p_device_seq IS NULL OR p_device_seq < 0 THEN
        PERFORM parkdesk.refuse('device_seq',
            'Each call carries the device''s own call number (0 or more).');
    ELSIF p_device_seq >= 1000000000000 THEN
        -- 13 digits or more could be taken for a card number, and is kept for good.
        PERFORM parkdesk.refuse('device_seq',
            'A device''s call number has at most 12 digits: number the calls from 0 or 1.');
    END IF;
    SELECT * INTO device FROM parkdesk.device d
    WHERE d.code = upper(btrim(coalesce(p_device, ''))) FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        PERFORM parkdesk.refuse('device', format('There is no device %s.',
                                                  upper(btrim(coalesce(p_device, '')))));
    END IF;
    SELECT * INTO k FROM parkdesk.device_request r
    WHERE r.device_id = device.id AND r.device_seq = p_device_seq;
    done := FOUND;
    IF done AND (k.operation <> p_operation OR k.login <> session_user
                 OR k.fingerprint <> p_fingerprint) THEN
        RAISE EXCEPTION 'Call % of device % was already used for a different request '
                        '(% by %, %). Nothing was done: send this one under a new call '
                        'number.', p_device_seq, device.code,
                        replace(k.operation, '_', ' '), k.login,
                        to_char(k.made_at, 'YYYY-MM-DD HH24:MI')
            USING ERRCODE = 'PD007', DETAIL = 'device_seq';
    END IF;
    result := k.result;
END
$$;

-- The first result of a device's call, for the same call again (claim_device_call).
CREATE OR REPLACE FUNCTION parkdesk.remember_device_call(
    p_device bigint, p_device_seq bigint, p_operation text, p_fingerprint bytea,
    p_result bigint) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO parkdesk.device_request (device_id, device_seq, operation, fingerprint, result,
                                         login, made_at)
    VALUES (p_device, p_device_seq, p_operation, p_fingerprint, p_result, session_user, now())
$$;

-- The device API's citation (SPEC rules 4, 6, 7, 14; docs/DEVICE_API.md). The calling
-- login is the officer. (p_device, p_device_seq) is the call's idempotency key: the same
-- call again returns the first result and records nothing; another request under that
-- key is refused (PD007). The number must be the device's own, check, and be neither
-- issued nor spoiled; the plate is re-checked against live permits in this transaction,
-- and a plate that may park is not cited. Every refusal is PD002 with the field in DETAIL.
CREATE OR REPLACE FUNCTION parkdesk.issue_citation(
    p_device text, p_device_seq bigint, p_number text, p_jurisdiction text, p_plate text,
    p_violation text, p_lot text, p_issued_at timestamptz, p_note text DEFAULT NULL,
    p_make text DEFAULT NULL, p_colour text DEFAULT NULL)
RETURNS TABLE (citation_id bigint, number text, fine numeric, due_on date)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_device parkdesk.device;
    v_fingerprint bytea;
    k record;
    s parkdesk.office_setting;
    v_number text;
    v_prefix text;
    v_digits text;
    v_range parkdesk.citation_range;
    v_seq bigint;
    v_other text;
    v_spoiled parkdesk.spoiled_number;
    v_used parkdesk.citation;
    v_plate text;
    v_jurisdiction text;
    v_violation parkdesk.violation;
    v_lot parkdesk.lot;
    v_zone parkdesk.zone;
    v_place record;
    v_vehicle bigint;
    v_check record;
    v_fine numeric(12, 2);
    c parkdesk.citation;
BEGIN
    -- Bounded before any work: a device sends codes and a short note, not a novel.
    PERFORM parkdesk.bound_text('device', p_device, 20);
    PERFORM parkdesk.bound_text('number', p_number, 20);
    PERFORM parkdesk.bound_text('jurisdiction', p_jurisdiction, 10);
    PERFORM parkdesk.bound_text('plate', p_plate, 20);
    PERFORM parkdesk.bound_text('violation', p_violation, 10);
    PERFORM parkdesk.bound_text('lot', p_lot, 30);
    PERFORM parkdesk.bound_text('note', p_note, 500);
    PERFORM parkdesk.bound_text('make', p_make, 40);
    PERFORM parkdesk.bound_text('colour', p_colour, 30);
    -- The request as compared between two calls: normalised as it will be stored, the
    -- time as an instant (not as the session's time zone writes it).
    v_number := upper(btrim(coalesce(p_number, '')));
    v_plate := upper(regexp_replace(coalesce(p_plate, ''), '[[:space:].-]', '', 'g'));
    v_jurisdiction := upper(btrim(coalesce(p_jurisdiction, '')));
    v_fingerprint := sha256(convert_to('issue_citation:' || jsonb_build_array(
        v_number, v_jurisdiction, v_plate, upper(btrim(coalesce(p_violation, ''))),
        upper(btrim(coalesce(p_lot, ''))), extract(epoch FROM p_issued_at),
        nullif(btrim(p_note), ''), nullif(btrim(p_make), ''), nullif(btrim(p_colour), ''))::text,
        'UTF8'));
    k := parkdesk.claim_device_call(p_device, p_device_seq, 'issue_citation', v_fingerprint);
    v_device := k.device;
    IF k.done THEN
        RETURN QUERY SELECT c2.id, c2.number, c2.fine, c2.due_on
                     FROM parkdesk.citation c2 WHERE c2.id = k.result;
        RETURN;
    END IF;
    IF NOT v_device.active THEN
        PERFORM parkdesk.refuse('device', format('Device %s is retired: it issues no citations.',
                                                  v_device.code));
    END IF;
    SELECT * INTO s FROM parkdesk.office_setting os WHERE os.id = 1;

    -- The number: one of this device's ranges, the right check digit, neither issued nor
    -- spoiled (SPEC rules 6 and 15).
    IF v_number !~ '^[A-Z]{1,4}[0-9]{5,10}$' THEN
        PERFORM parkdesk.refuse('number',
            'A citation number is its range''s prefix letters, then the sequence digits and '
            'the check digit.');
    END IF;
    v_prefix := substring(v_number FROM '^[A-Z]+');
    v_digits := substring(v_number FROM '[0-9]+$');
    -- Ranges of one prefix never overlap, so at most one range holds the sequence.
    SELECT * INTO v_range FROM parkdesk.citation_range cr
    WHERE cr.prefix = v_prefix AND cr.width = length(v_digits) - 1
      AND substr(v_digits, 1, cr.width)::bigint BETWEEN cr.first_seq AND cr.last_seq;
    IF NOT FOUND THEN
        PERFORM parkdesk.refuse('number', format(
            '%s is not in any of device %s''s number ranges.', v_number, v_device.code));
    END IF;
    IF v_range.device_id <> v_device.id THEN
        SELECT d.code INTO v_other FROM parkdesk.device d WHERE d.id = v_range.device_id;
        PERFORM parkdesk.refuse('number', format(
            '%s belongs to device %s''s range, not to device %s''s.', v_number, v_other,
            v_device.code));
    END IF;
    v_seq := substr(v_digits, 1, v_range.width)::bigint;
    IF right(v_digits, 1)::int <> parkdesk.check_digit(substr(v_digits, 1, v_range.width),
                                                        s.check_digit_scheme) THEN
        PERFORM parkdesk.refuse('number', format(
            '%s does not carry its check digit (%s scheme): it was mistyped or misread.',
            v_number, s.check_digit_scheme));
    END IF;
    -- Locked as spoil_numbers locks it: a number is spoiled or issued, never both.
    PERFORM 1 FROM parkdesk.citation_range cr WHERE cr.id = v_range.id FOR NO KEY UPDATE;
    SELECT * INTO v_spoiled FROM parkdesk.spoiled_number sn
    WHERE sn.range_id = v_range.id AND sn.seq = v_seq;
    IF FOUND THEN
        PERFORM parkdesk.refuse('number', format(
            '%s was spoiled on %s (%s): it is never issued. Use the next number.', v_number,
            to_char(v_spoiled.created_at AT TIME ZONE s.time_zone, 'FMDD Mon YYYY'),
            v_spoiled.reason));
    END IF;
    SELECT * INTO v_used FROM parkdesk.citation c2
    WHERE c2.range_id = v_range.id AND c2.seq = v_seq;
    IF FOUND THEN
        PERFORM parkdesk.refuse('number', format(
            '%s was already issued on %s (call %s of device %s). Use the next number.',
            v_number, to_char(v_used.issued_at AT TIME ZONE s.time_zone, 'FMDD Mon YYYY HH24:MI'),
            v_used.device_seq, (SELECT d.code FROM parkdesk.device d WHERE d.id = v_used.device_id)));
    END IF;

    -- What is cited, where and when.
    PERFORM parkdesk.check_plate_identity(v_jurisdiction, v_plate);
    SELECT * INTO v_violation FROM parkdesk.violation vi
    WHERE vi.code = upper(btrim(coalesce(p_violation, '')));
    IF NOT FOUND THEN
        PERFORM parkdesk.refuse('violation', format('There is no violation code %s.',
                                                     upper(btrim(coalesce(p_violation, '')))));
    END IF;
    IF NOT v_violation.active THEN
        PERFORM parkdesk.refuse('violation', format('Violation %s is no longer cited.',
                                                     v_violation.code));
    END IF;
    -- The lot (B), or the lot and one of its zones (B/B1).
    v_place := parkdesk.find_place(p_lot);
    v_lot := v_place.lot;
    v_zone := v_place.zone;
    IF p_issued_at IS NULL THEN
        PERFORM parkdesk.refuse('issued_at', 'Say when the citation was issued.');
    ELSIF p_issued_at > now() + interval '10 minutes' THEN
        PERFORM parkdesk.refuse('issued_at',
            'The device''s clock is ahead of the server''s: set its time and send again.');
    ELSIF p_issued_at < now() - interval '30 days' THEN
        PERFORM parkdesk.refuse('issued_at',
            'A citation issued more than 30 days ago is entered at the office, not synced.');
    END IF;

    -- Re-checked at the moment of issue, in this transaction (SPEC rule 4). What a sale of
    -- this plate would lock is locked first, so the outcome is "sold, citation refused" or
    -- "cited, then sold", never a citation of a plate already covered:
    --   a registered vehicle: its row FOR UPDATE (a sale locks it FOR SHARE, a permit's
    --   vehicle row takes KEY SHARE on it): one waits for the other;
    --   no vehicle yet: the lot's row, as a temporary permit locks it before it registers
    --   the plate; once we hold it, any sale for this lot that registered it has committed.
    SELECT v.id INTO v_vehicle FROM parkdesk.vehicle v
    WHERE v.jurisdiction = v_jurisdiction AND v.plate_normalized = v_plate FOR UPDATE;
    IF v_vehicle IS NULL THEN
        PERFORM parkdesk.lock_lot(v_lot.id);
        SELECT v.id INTO v_vehicle FROM parkdesk.vehicle v
        WHERE v.jurisdiction = v_jurisdiction AND v.plate_normalized = v_plate;
    END IF;
    v_check := parkdesk.plate_verdict(v_jurisdiction, v_plate, v_lot, v_zone, p_issued_at);
    IF v_check.may_park THEN
        PERFORM parkdesk.refuse('plate', format(
            'Not cited: %s (%s) %s. %s Number %s was not used.', v_plate, v_jurisdiction,
            CASE WHEN v_check.exemption IS NOT NULL THEN 'is exempt from tickets'
                 ELSE 'may park here' END, v_check.reason, v_number));
    END IF;

    -- The fine, snapshotted (SPEC rules 7 and 17): 0 for a warning; the repeat-offence
    -- schedule's line for this plate's Nth offence within the violation's window; else the
    -- zone's line, else the lot's, else the violation's own (citation_fine, 68_citation_money.sql).
    v_fine := parkdesk.citation_fine(v_violation, v_lot.id, v_zone.id, v_jurisdiction, v_plate,
                                     p_issued_at);
    IF v_fine IS NULL THEN
        PERFORM parkdesk.refuse('violation', format(
            'No fine is set for this violation (%s) in %s: a manager sets it in the fine '
            'schedule.', v_violation.code, v_lot.name));
    END IF;

    INSERT INTO parkdesk.citation (number, range_id, seq, device_id, officer, device_seq,
        jurisdiction, plate_raw, vehicle_id, violation_id, lot_id, zone_id, issued_at,
        recorded_at, fine, due_on, note, make, colour)
    VALUES (v_number, v_range.id, v_seq, v_device.id, session_user, p_device_seq,
        v_jurisdiction, btrim(p_plate), v_vehicle, v_violation.id, v_lot.id, v_zone.id,
        p_issued_at, now(), v_fine, parkdesk.local_day(p_issued_at) + s.citation_due_days,
        nullif(btrim(p_note), ''), nullif(btrim(p_make), ''), nullif(btrim(p_colour), ''))
    RETURNING * INTO c;
    -- What the citation owes goes to the ledger with it; a warning owes nothing.
    IF c.fine > 0 THEN
        PERFORM parkdesk.post_line('fine', c.fine, NULL, NULL,
            format('Fine, citation %s (%s)', c.number, v_violation.code), p_citation => c.id);
    END IF;
    -- A watchlisted plate cited: every dispatcher is alerted.
    IF v_check.watchlist_entry IS NOT NULL THEN
        PERFORM parkdesk.raise_watchlist_alert(v_check.watchlist_entry, v_jurisdiction,
            v_plate, 'citation', p_issued_at, v_lot.id, v_device.id, NULL, c.id);
    END IF;
    PERFORM parkdesk.remember_device_call(v_device.id, p_device_seq, 'issue_citation',
                                          v_fingerprint, c.id);
    citation_id := c.id;
    number := c.number;
    fine := c.fine;
    due_on := c.due_on;
    RETURN NEXT;
END
$$;

-- A citation is never removed (voids keep it, with a reason), and what it said when it
-- was issued is never rewritten, not even by the owner's own functions. What changes is its
-- money: the balance, moved only by its ledger rows (keep_citation_balance, a trigger on the
-- ledger, so one level deeper than any statement); the void, set once; the referral to
-- collections, set once. A new citation starts owing nothing, not voided.
CREATE OR REPLACE FUNCTION parkdesk.guard_citation() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.balance <> 0 OR NEW.voided_at IS NOT NULL OR NEW.collections_at IS NOT NULL THEN
            RAISE EXCEPTION 'a citation is issued owing nothing and not voided: its fine is '
                            'posted to the ledger' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION 'citations are never removed (% refused); a citation is voided with '
                        'a reason', TG_OP USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (NEW.id, NEW.number, NEW.range_id, NEW.seq, NEW.device_id, NEW.officer, NEW.device_seq,
        NEW.jurisdiction, NEW.plate_raw, NEW.vehicle_id, NEW.violation_id, NEW.lot_id,
        NEW.zone_id, NEW.issued_at, NEW.recorded_at, NEW.fine, NEW.due_on, NEW.note, NEW.make,
        NEW.colour)
       IS DISTINCT FROM
       (OLD.id, OLD.number, OLD.range_id, OLD.seq, OLD.device_id, OLD.officer, OLD.device_seq,
        OLD.jurisdiction, OLD.plate_raw, OLD.vehicle_id, OLD.violation_id, OLD.lot_id,
        OLD.zone_id, OLD.issued_at, OLD.recorded_at, OLD.fine, OLD.due_on, OLD.note, OLD.make,
        OLD.colour) THEN
        RAISE EXCEPTION 'what a citation said when it was issued is never changed'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.balance IS DISTINCT FROM OLD.balance AND pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'a citation''s balance moves only with its ledger rows'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.voided_at IS NOT NULL AND (NEW.voided_at, NEW.voided_by, NEW.void_reason)
           IS DISTINCT FROM (OLD.voided_at, OLD.voided_by, OLD.void_reason) THEN
        RAISE EXCEPTION 'a void is never undone or rewritten'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.collections_at IS NOT NULL AND NEW.collections_at IS DISTINCT FROM OLD.collections_at THEN
        RAISE EXCEPTION 'a referral to collections is never undone or rewritten'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER citation_fixed BEFORE INSERT OR UPDATE OR DELETE ON parkdesk.citation
    FOR EACH ROW EXECUTE FUNCTION parkdesk.guard_citation();

CREATE TRIGGER citation_no_truncate BEFORE TRUNCATE ON parkdesk.citation
    FOR EACH STATEMENT EXECUTE FUNCTION parkdesk.guard_citation();
