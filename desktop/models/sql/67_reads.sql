-- Plate reads: what officers' devices read (LPR), with the verdict given at the time,
-- insert-only, partitioned by month and chained per device (SPEC rules 14, 16 and 18;
-- docs/DEVICE_API.md, record_plate_read; docs/SECURITY.md, "Plate reads").
--
-- The current definition: edit here, never in a migration (docs/ARCHITECTURE.md).

-- The hash of a read: its fields and the hash of the same device's previous read. Times
-- are written in UTC and numbers at their column's scale, so the hash does not depend on
-- the session that computes it. The zone and what the verdict said beyond the permit
-- (over the limit since, the exemption) came later: they are hashed only when one is set,
-- so every read stored before them keeps its hash. No search_path of its own: it names
-- only pg_catalog's functions, is called only by functions that pin theirs, and so is
-- inlined into them (a SQL function with settings is a call of its own, every time).
CREATE OR REPLACE FUNCTION parkdesk.read_digest(r parkdesk.plate_read) RETURNS bytea
LANGUAGE sql STABLE AS $$
    SELECT sha256(convert_to(concat_ws(E'\x1f',
        r.id::text, r.device_id::text, r.device_seq::text, r.officer, r.jurisdiction,
        r.plate_raw, coalesce(r.vehicle_id::text, ''), r.lot_id::text,
        to_char(r.read_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        to_char(r.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        coalesce(r.latitude::text, ''), coalesce(r.longitude::text, ''),
        coalesce(r.confidence::text, ''), r.verdict, r.reason, coalesce(r.permit_number, ''),
        coalesce(to_char(r.valid_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), ''),
        coalesce(r.photo_sha256, ''), coalesce(encode(r.prev_hash, 'hex'), ''))
        || CASE WHEN r.zone_id IS NULL AND r.over_limit_since IS NULL AND r.exemption IS NULL
                THEN ''
                ELSE concat_ws(E'\x1f', '', 'zone', coalesce(r.zone_id::text, ''),
                    coalesce(to_char(r.over_limit_since AT TIME ZONE 'UTC',
                                     'YYYY-MM-DD"T"HH24:MI:SS.US'), ''),
                    coalesce(r.exemption, '')) END, 'UTF8'))
$$;

-- The device API's plate read (docs/DEVICE_API.md). The calling login is the officer.
-- (p_device, p_device_seq) is the call's idempotency key, shared with the device's other
-- calls: the same call again returns the first read's answer and records nothing; another
-- request under that key is refused (PD007). The verdict is check_plate's at the read
-- time, at the lot or the lot's zone the device names (B or B/B1); a time-limited zone's
-- verdict may be over_limit, and an exempt plate's is exempt. A read of a vehicle whose
-- valid permit covers several vehicles, when another of them was read in the same lot
-- within the office's window, raises a permit flag (SPEC rule 5; one open flag per permit
-- and lot per window) and says so. The read is chained to the device's previous one under the device's row, which
-- claim_device_call holds until commit: reads never wait for the audit trail's chain.
-- Every refusal is PD002 with the field in DETAIL.
CREATE OR REPLACE FUNCTION parkdesk.record_plate_read(
    p_device text, p_device_seq bigint, p_jurisdiction text, p_plate text, p_lot text,
    p_read_at timestamptz, p_latitude numeric DEFAULT NULL, p_longitude numeric DEFAULT NULL,
    p_confidence numeric DEFAULT NULL, p_photo bytea DEFAULT NULL,
    p_photo_sha256 text DEFAULT NULL)
RETURNS TABLE (read_id bigint, verdict text, reason text, permit_number text,
               valid_until timestamptz, over_limit_since timestamptz, exemption text,
               shared_permit boolean, instruction text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_device parkdesk.device;
    v_fingerprint bytea;
    k record;
    v_plate text;
    v_jurisdiction text;
    v_lot_code text;
    v_lot parkdesk.lot;
    v_zone parkdesk.zone;
    v_place record;
    v_window interval;
    v_tz text;
    v_permit bigint;
    v_other_id bigint;
    v_other_at timestamptz;
    v_other_vehicle bigint;
    v_hash text;
    v_declared_hash text;
    v_detected text;
    v_check record;
    r parkdesk.plate_read;
BEGIN
    -- Bounded before any work: codes are short, a number is a few digits, the photo at
    -- most 20 MB (its length is known without reading it). One test for every read (each
    -- statement here costs its set-up again in every read's transaction); a read that
    -- fails it is told which field is wrong by the checks inside.
    IF octet_length(p_device) > 20 OR octet_length(p_jurisdiction) > 10
       OR octet_length(p_plate) > 20 OR octet_length(p_lot) > 30
       OR octet_length(p_photo_sha256) > 64 OR octet_length(p_photo) > 20971520
       OR NOT p_latitude BETWEEN -90 AND 90 OR NOT p_longitude BETWEEN -180 AND 180
       OR NOT p_confidence BETWEEN 0 AND 1 THEN
        PERFORM parkdesk.bound_text('device', p_device, 20);
        PERFORM parkdesk.bound_text('jurisdiction', p_jurisdiction, 10);
        PERFORM parkdesk.bound_text('plate', p_plate, 20);
        PERFORM parkdesk.bound_text('lot', p_lot, 30);
        PERFORM parkdesk.bound_text('photo_sha256', p_photo_sha256, 64);
        IF octet_length(p_photo) > 20971520 THEN
            PERFORM parkdesk.refuse('photo', format(
                'This photo is %s MB; a read''s photo is at most 20 MB. Send a smaller one.',
                round(octet_length(p_photo) / 1048576.0, 1)));
        END IF;
        IF NOT p_latitude BETWEEN -90 AND 90 THEN
            PERFORM parkdesk.refuse('latitude', 'A latitude is between -90 and 90 degrees.');
        END IF;
        IF NOT p_longitude BETWEEN -180 AND 180 THEN
            PERFORM parkdesk.refuse('longitude', 'A longitude is between -180 and 180 degrees.');
        END IF;
        IF NOT p_confidence BETWEEN 0 AND 1 THEN
            PERFORM parkdesk.refuse('confidence',
                'The reader''s confidence is a number from 0 to 1 (0.97, not 97).');
        END IF;
    END IF;
    -- Hashed before the device's row is taken: the device's other calls do not wait.
    IF p_photo IS NOT NULL THEN
        v_hash := encode(pg_catalog.sha256(p_photo), 'hex');
    END IF;
    -- The request as compared between two calls: normalised as it will be stored, the
    -- photo by its hash, numbers at their stored scale, the time as an instant.
    v_plate := upper(regexp_replace(coalesce(p_plate, ''), '[[:space:].-]', '', 'g'));
    v_jurisdiction := upper(btrim(coalesce(p_jurisdiction, '')));
    v_lot_code := upper(btrim(coalesce(p_lot, '')));
    v_declared_hash := lower(btrim(p_photo_sha256));
    v_fingerprint := pg_catalog.sha256(convert_to('record_plate_read:' || jsonb_build_array(
        v_jurisdiction, v_plate, v_lot_code, extract(epoch FROM p_read_at),
        round(p_latitude, 6)::text, round(p_longitude, 6)::text, round(p_confidence, 3)::text,
        v_hash, v_declared_hash)::text, 'UTF8'));
    -- One call of a device at a time, each call once (claim_device_call). The device's
    -- row, held until commit, is also what orders its read chain.
    k := parkdesk.claim_device_call(p_device, p_device_seq, 'record_plate_read', v_fingerprint);
    v_device := k.device;
    IF k.done THEN
        RETURN QUERY SELECT pr.id, pr.verdict, pr.reason, pr.permit_number, pr.valid_until,
                            pr.over_limit_since, pr.exemption,
                            strpos(pr.reason, ' Shared permit: ') > 0, NULL::text
                     FROM parkdesk.plate_read pr
                     WHERE pr.id = k.result AND pr.device_id = v_device.id;
        RETURN;
    END IF;
    IF NOT v_device.active THEN
        PERFORM parkdesk.refuse('device', format('Device %s is retired: it records no reads.',
                                                  v_device.code));
    END IF;

    -- What was read, where and when.
    PERFORM parkdesk.check_plate_identity(v_jurisdiction, v_plate);
    v_place := parkdesk.find_place(v_lot_code);
    v_lot := v_place.lot;
    v_zone := v_place.zone;
    IF (p_latitude IS NULL) <> (p_longitude IS NULL) OR p_read_at IS NULL
       OR p_read_at > now() + interval '10 minutes'
       OR p_read_at < now() - interval '30 days' THEN
        IF (p_latitude IS NULL) <> (p_longitude IS NULL) THEN
            PERFORM parkdesk.refuse(
                CASE WHEN p_latitude IS NULL THEN 'latitude' ELSE 'longitude' END,
                'Send both the latitude and the longitude, or neither.');
        ELSIF p_read_at IS NULL THEN
            PERFORM parkdesk.refuse('read_at', 'Say when the plate was read.');
        ELSIF p_read_at > now() + interval '10 minutes' THEN
            PERFORM parkdesk.refuse('read_at',
                'The device''s clock is ahead of the server''s: set its time and send again.');
        ELSE
            PERFORM parkdesk.refuse('read_at',
                'A read more than 30 days old is not synced: the device kept it too long.');
        END IF;
    END IF;

    -- The photo, checked as evidence is: the hash recomputed, the type by content.
    IF p_photo IS NULL THEN
        IF v_declared_hash IS NOT NULL THEN
            PERFORM parkdesk.refuse('photo', 'A photo''s SHA-256 came without the photo.');
        END IF;
    ELSE
        IF octet_length(p_photo) = 0 THEN
            PERFORM parkdesk.refuse('photo',
                'The photo is empty: it was not saved on the device. Send the read without it.');
        END IF;
        IF coalesce(v_declared_hash, '') !~ '^[0-9a-f]{64}$' THEN
            PERFORM parkdesk.refuse('photo_sha256',
                'Send the photo''s SHA-256 as 64 hexadecimal digits, computed on the device.');
        END IF;
        IF v_declared_hash <> v_hash THEN
            PERFORM parkdesk.refuse('photo_sha256', format(
                'The photo received has SHA-256 %s, not the %s the device computed: it was '
                'changed or cut short on its way. Nothing was kept; send it again.', v_hash,
                v_declared_hash));
        END IF;
        v_detected := parkdesk.evidence_media_type(p_photo);
        IF v_detected IS NULL OR v_detected NOT IN ('image/jpeg', 'image/png') THEN
            PERFORM parkdesk.refuse('photo', format(
                'A read''s photo is a JPEG or PNG image; this file''s first bytes are those of %s.',
                CASE
                    WHEN v_detected = 'application/pdf' THEN 'a PDF document'
                    WHEN substr(p_photo, 1, 4) = decode('504b0304', 'hex')
                        THEN 'a ZIP archive (or an office document)'
                    WHEN substr(p_photo, 1, 4) = decode('47494638', 'hex') THEN 'a GIF image'
                    WHEN substr(p_photo, 5, 4) = decode('66747970', 'hex')
                        THEN 'a HEIC photo or a video (set the camera to JPEG)'
                    ELSE 'no kind of image we take'
                END));
        END IF;
    END IF;

    -- The verdict, as the plate check gives it at the read time, with the vehicle the
    -- plate is registered to. Nothing is locked: a read records what was answered, and a
    -- sale a moment later is the next read's.
    v_check := parkdesk.plate_verdict(v_jurisdiction, v_plate, v_lot, v_zone, p_read_at);

    -- The read as it will be stored, in one statement rather than one per field. The
    -- device's previous read with it: the device's row is ours until commit, so no other
    -- read of this device comes between the head we read and the one we write.
    SELECT nextval(pg_get_serial_sequence('parkdesk.plate_read', 'id')), v_device.id,
           p_device_seq, session_user, v_jurisdiction, btrim(p_plate), v_check.vehicle_id,
           v_lot.id, p_read_at, now(), round(p_latitude, 6), round(p_longitude, 6),
           round(p_confidence, 3), v_check.verdict, v_check.reason, v_check.permit_number,
           v_check.valid_until, v_hash, v_zone.id, v_check.over_limit_since,
           v_check.exemption,
           (SELECT c.last_hash FROM parkdesk.plate_read_chain c
            WHERE c.device_id = v_device.id)
    INTO r.id, r.device_id, r.device_seq, r.officer, r.jurisdiction, r.plate_raw,
         r.vehicle_id, r.lot_id, r.read_at, r.recorded_at, r.latitude, r.longitude,
         r.confidence, r.verdict, r.reason, r.permit_number, r.valid_until, r.photo_sha256,
         r.zone_id, r.over_limit_since, r.exemption, r.prev_hash;
    -- One vehicle of a permit on site at a time (SPEC rule 5): another vehicle of this
    -- valid term permit read in this lot within the office's window before this read.
    IF v_check.may_park AND v_check.permit_kind = 'term' AND r.vehicle_id IS NOT NULL THEN
        SELECT make_interval(mins => s.shared_permit_window_minutes), s.time_zone
        INTO v_window, v_tz
        FROM parkdesk.office_setting s WHERE s.id = 1;
        IF v_window > interval '0' THEN
            v_permit := v_check.permit_id;
            SELECT o.id, o.read_at, pv.vehicle_id INTO v_other_id, v_other_at, v_other_vehicle
            FROM parkdesk.permit_vehicle pv
            JOIN parkdesk.vehicle v ON v.id = pv.vehicle_id
            CROSS JOIN LATERAL (
                SELECT pr.id, pr.read_at FROM parkdesk.plate_read pr
                WHERE pr.jurisdiction = v.jurisdiction AND pr.plate_normalized = v.plate_normalized
                  AND pr.read_at >= p_read_at - v_window AND pr.read_at <= p_read_at
                  AND pr.lot_id = v_lot.id
                ORDER BY pr.read_at DESC LIMIT 1) AS o
            WHERE pv.permit_id = v_permit AND pv.vehicle_id <> r.vehicle_id
              AND pv.validity @> p_read_at
            ORDER BY o.read_at DESC
            LIMIT 1;
            IF v_other_id IS NOT NULL THEN
                r.reason := r.reason || format(' Shared permit: another of its vehicles was '
                    'read in this lot at %s; the office is told.',
                    to_char(v_other_at AT TIME ZONE v_tz, 'HH24:MI'));
            END IF;
        END IF;
    END IF;
    r.row_hash := parkdesk.read_digest(r);

    INSERT INTO parkdesk.plate_read (id, device_id, device_seq, officer, jurisdiction,
        plate_raw, vehicle_id, lot_id, read_at, recorded_at, latitude, longitude, confidence,
        verdict, reason, permit_number, valid_until, photo_sha256, prev_hash, row_hash,
        zone_id, over_limit_since, exemption)
    VALUES (r.id, r.device_id, r.device_seq, r.officer, r.jurisdiction, r.plate_raw,
        r.vehicle_id, r.lot_id, r.read_at, r.recorded_at, r.latitude, r.longitude,
        r.confidence, r.verdict, r.reason, r.permit_number, r.valid_until, r.photo_sha256,
        r.prev_hash, r.row_hash, r.zone_id, r.over_limit_since, r.exemption);
    IF p_photo IS NOT NULL THEN
        INSERT INTO parkdesk.plate_read_photo (read_id, read_at, content, sha256, media_type)
        VALUES (r.id, r.read_at, p_photo, v_hash, v_detected);
    END IF;
    INSERT INTO parkdesk.plate_read_chain AS c (device_id, last_read_id, last_hash)
    VALUES (v_device.id, r.id, r.row_hash)
    ON CONFLICT (device_id) DO UPDATE SET last_read_id = excluded.last_read_id,
                                          last_hash = excluded.last_hash;
    IF v_other_id IS NOT NULL THEN
        -- Taken as a sale or a cancellation takes it, so two reads at once raise one flag.
        PERFORM 1 FROM parkdesk.permit p WHERE p.id = v_permit FOR NO KEY UPDATE;
        IF NOT EXISTS (SELECT 1 FROM parkdesk.permit_flag f
                       WHERE f.permit_id = v_permit AND f.lot_id = v_lot.id
                         AND f.cleared_at IS NULL
                         AND f.second_read_at BETWEEN p_read_at - v_window
                                                  AND p_read_at + v_window) THEN
            INSERT INTO parkdesk.permit_flag (permit_id, lot_id, first_read_id, first_read_at,
                first_vehicle_id, second_read_id, second_read_at, second_vehicle_id, flagged_at)
            VALUES (v_permit, v_lot.id, v_other_id, v_other_at, v_other_vehicle, r.id,
                    r.read_at, r.vehicle_id, now());
        END IF;
    END IF;
    -- As remember_device_call, written out: this is the hot path.
    INSERT INTO parkdesk.device_request (device_id, device_seq, operation, fingerprint, result,
                                         login, made_at)
    VALUES (v_device.id, p_device_seq, 'record_plate_read', v_fingerprint, r.id, session_user,
            now());
    SELECT r.id, r.verdict, r.reason, r.permit_number, r.valid_until, r.over_limit_since,
           r.exemption, v_other_id IS NOT NULL
    INTO read_id, verdict, reason, permit_number, valid_until, over_limit_since, exemption,
         shared_permit;
    -- A watchlisted plate: the device is told the instruction (the read keeps what the
    -- permits said), and every dispatcher is alerted.
    IF v_check.watchlist_entry IS NOT NULL THEN
        verdict := 'watchlisted';
        instruction := v_check.instruction;
        reason := format('Watchlisted — see instruction: %s %s', v_check.instruction, r.reason);
        PERFORM parkdesk.raise_watchlist_alert(v_check.watchlist_entry, v_jurisdiction,
            v_plate, 'read', p_read_at, v_lot.id, v_device.id, r.id, NULL);
    END IF;
    RETURN NEXT;
END
$$;

-- Each device's read chain, checked link by link in the order the reads were recorded:
-- the first broken read of each device, with why, or no row at all when every chain
-- holds. A chain's newest link is kept apart (plate_read_chain), so newest reads removed
-- are found too; so is a read's photo whose hash is not the one the chain holds.
CREATE OR REPLACE FUNCTION parkdesk.verify_read_chains()
RETURNS TABLE (device text, read_id bigint, reason text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    d record;
    r parkdesk.plate_read;
    v_expected bytea;
    v_last bigint;
    v_photo text;
    v_broken boolean;
BEGIN
    FOR d IN SELECT dv.id, dv.code, c.last_read_id, c.last_hash
             FROM parkdesk.device dv LEFT JOIN parkdesk.plate_read_chain c ON c.device_id = dv.id
             ORDER BY dv.code LOOP
        v_expected := NULL;
        v_last := NULL;
        v_broken := false;
        FOR r IN SELECT * FROM parkdesk.plate_read pr WHERE pr.device_id = d.id ORDER BY pr.id LOOP
            IF r.prev_hash IS DISTINCT FROM v_expected THEN
                device := d.code;
                read_id := r.id;
                reason := 'its link to the device''s previous read does not match '
                          '(a read before it was altered, removed or inserted)';
            ELSIF r.row_hash IS DISTINCT FROM parkdesk.read_digest(r) THEN
                device := d.code;
                read_id := r.id;
                reason := 'its contents do not match its hash (the read was altered)';
            ELSIF r.photo_sha256 IS NOT NULL THEN
                SELECT p.sha256 INTO v_photo FROM parkdesk.plate_read_photo p
                WHERE p.read_id = r.id;
                IF v_photo IS DISTINCT FROM r.photo_sha256 THEN
                    device := d.code;
                    read_id := r.id;
                    reason := 'its photo is missing or not the one it was read with';
                END IF;
            END IF;
            IF read_id IS NOT NULL THEN
                RETURN NEXT;
                read_id := NULL;
                v_broken := true;
                EXIT;
            END IF;
            v_expected := r.row_hash;
            v_last := r.id;
        END LOOP;
        IF NOT v_broken AND d.last_hash IS DISTINCT FROM v_expected THEN
            device := d.code;
            read_id := coalesce(d.last_read_id, v_last);
            reason := format('the device''s newest reads are missing or were added without '
                             'record_plate_read (the chain ends at read %s, the reads at %s)',
                             coalesce(d.last_read_id::text, 'none'),
                             coalesce(v_last::text, 'none'));
            RETURN NEXT;
            read_id := NULL;
        END IF;
    END LOOP;
END
$$;

-- Reads and their photos are kept as the device sent them: never changed or removed,
-- not even by the owner's own functions.
CREATE OR REPLACE FUNCTION parkdesk.guard_plate_read() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'plate reads are never changed or removed (% refused): a read is kept '
                    'as the device sent it', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

-- A partition of plate_read gets what the table has and a partition does not inherit:
-- the refusal of TRUNCATE (row triggers are cloned, statement ones are not), and the
-- owner's own limits (it owns each partition, a table of its own). Run by this file, 90_privileges.sql and ensure_read_partitions.
CREATE OR REPLACE FUNCTION parkdesk.guard_read_partition(p_partition regclass) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = p_partition
                   AND t.tgname = 'plate_read_no_truncate') THEN
        EXECUTE format('CREATE TRIGGER plate_read_no_truncate BEFORE TRUNCATE ON %s '
                       'FOR EACH STATEMENT EXECUTE FUNCTION parkdesk.guard_plate_read()',
                       p_partition);
    END IF;
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER ON %s FROM parkdesk_owner',
                   p_partition);
    -- As on the table: the key only, for the foreign-key checks of the photos, which lock
    -- a read FOR KEY SHARE in its partition; guard_plate_read refuses every UPDATE.
    EXECUTE format('GRANT UPDATE (id) ON %s TO parkdesk_owner', p_partition);
END
$$;

-- The next months of plate_read, so a read never lands in the DEFAULT partition for want
-- of its month (parkdesk jobs run). A month already there is left alone; a month whose
-- reads are already in the DEFAULT partition (a device's clock a year ahead) cannot be
-- made without moving them, and is skipped with why, as is one whose table is busy for
-- more than a few seconds: the next run tries again. One row per month made or skipped.
CREATE OR REPLACE FUNCTION parkdesk.ensure_read_partitions(p_months int DEFAULT 12)
RETURNS TABLE (month date, created boolean, note text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET lock_timeout = '5s' AS $$
DECLARE
    m date;
    v_name text;
    v_from timestamptz;
    v_to timestamptz;
BEGIN
    IF p_months IS NULL OR p_months NOT BETWEEN 1 AND 60 THEN
        PERFORM parkdesk.refuse('months', 'Keep 1 to 60 months of plate reads ahead.');
    END IF;
    FOR m IN SELECT generate_series(date_trunc('month', now() AT TIME ZONE 'UTC')::date,
                                    (date_trunc('month', now() AT TIME ZONE 'UTC')
                                     + make_interval(months => p_months - 1))::date,
                                    interval '1 month')::date LOOP
        v_name := 'plate_read_' || to_char(m, 'YYYY_MM');
        CONTINUE WHEN to_regclass('parkdesk.' || v_name) IS NOT NULL;
        v_from := m::timestamp AT TIME ZONE 'UTC';
        v_to := (m + interval '1 month')::timestamp AT TIME ZONE 'UTC';
        month := m;
        IF EXISTS (SELECT 1 FROM parkdesk.plate_read_default pd
                   WHERE pd.read_at >= v_from AND pd.read_at < v_to) THEN
            created := false;
            note := 'reads of this month are in the DEFAULT partition already';
            RETURN NEXT;
            CONTINUE;
        END IF;
        BEGIN
            EXECUTE format('CREATE TABLE parkdesk.%I PARTITION OF parkdesk.plate_read '
                           'FOR VALUES FROM (%L) TO (%L)', v_name, v_from, v_to);
            PERFORM parkdesk.guard_read_partition(format('parkdesk.%I', v_name)::regclass);
            created := true;
            note := NULL;
        EXCEPTION
            WHEN check_violation THEN  -- a read of the month reached DEFAULT meanwhile
                created := false;
                note := 'reads of this month are in the DEFAULT partition already';
            WHEN lock_not_available THEN
                created := false;
                note := 'the reads were busy for more than 5 seconds; the next run tries again';
        END;
        RETURN NEXT;
    END LOOP;
END
$$;

CREATE TRIGGER plate_read_fixed BEFORE UPDATE OR DELETE ON parkdesk.plate_read
    FOR EACH ROW EXECUTE FUNCTION parkdesk.guard_plate_read();

CREATE TRIGGER plate_read_no_truncate BEFORE TRUNCATE ON parkdesk.plate_read
    FOR EACH STATEMENT EXECUTE FUNCTION parkdesk.guard_plate_read();

CREATE TRIGGER plate_read_photo_fixed BEFORE UPDATE OR DELETE ON parkdesk.plate_read_photo
    FOR EACH ROW EXECUTE FUNCTION parkdesk.guard_plate_read();

CREATE TRIGGER plate_read_photo_no_truncate BEFORE TRUNCATE ON parkdesk.plate_read_photo
    FOR EACH STATEMENT EXECUTE FUNCTION parkdesk.guard_plate_read();

-- A plate's latest reads (the last 90 days, newest first, at most 50), for the plate check
-- and the vehicle record: when, where, which device and officer, and the verdict given.
-- No personal details, so every desk that checks plates may ask, the officer's included.
CREATE OR REPLACE FUNCTION parkdesk.recent_reads(
    p_jurisdiction text, p_plate text, p_limit int DEFAULT 10)
RETURNS TABLE (read_id bigint, read_at timestamptz, lot_code text, lot_name text,
               zone_code text, device text, officer text, verdict text, has_photo boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM parkdesk.bound_text('jurisdiction', p_jurisdiction, 10);
    PERFORM parkdesk.bound_text('plate', p_plate, 40);
    RETURN QUERY
    SELECT pr.id, pr.read_at, l.code, l.name, z.code, d.code, pr.officer, pr.verdict,
           pr.photo_sha256 IS NOT NULL
    FROM parkdesk.plate_read pr
    JOIN parkdesk.lot l ON l.id = pr.lot_id
    JOIN parkdesk.device d ON d.id = pr.device_id
    LEFT JOIN parkdesk.zone z ON z.id = pr.zone_id
    WHERE pr.jurisdiction = upper(btrim(coalesce(p_jurisdiction, '')))
      AND pr.plate_normalized = upper(regexp_replace(coalesce(p_plate, ''), '[[:space:].-]', '', 'g'))
      AND pr.read_at > now() - interval '90 days'
    ORDER BY pr.read_at DESC
    LIMIT least(greatest(coalesce(p_limit, 10), 1), 50);
END
$$;
