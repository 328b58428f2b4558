-- Evidence: the photos and documents an officer's device attaches to its citations, each
-- with its SHA-256 (SPEC rules 12 and 14; docs/DEVICE_API.md, attach_evidence).
--
-- The current definition: edit here, never in a migration (docs/ARCHITECTURE.md).

-- What a file is, by its first bytes: JPEG (FF D8 FF), PNG (89 50 4E 47 0D 0A 1A 0A) or
-- PDF (%PDF-); NULL for anything else. Whatever name or type a device gives a file, this
-- is what it is kept as.
CREATE OR REPLACE FUNCTION parkdesk.evidence_media_type(p_content bytea) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE
        WHEN substr(p_content, 1, 3) = decode('ffd8ff', 'hex') THEN 'image/jpeg'
        WHEN substr(p_content, 1, 8) = decode('89504e470d0a1a0a', 'hex') THEN 'image/png'
        WHEN substr(p_content, 1, 5) = decode('255044462d', 'hex') THEN 'application/pdf'
    END
$$;

-- The device API's evidence (docs/DEVICE_API.md). The calling login is the officer.
-- (p_device, p_device_seq) is the call's idempotency key, shared with issue_citation: the
-- same call again returns the first result and records nothing; another request under
-- that key is refused (PD007). The request is compared by the SHA-256 of the bytes, never
-- the bytes. The database computes the hash itself and keeps the type the first bytes
-- show; a declared hash or type that disagrees is refused. The citation must be one this
-- device issued under this login. Every refusal is PD002 with the field in DETAIL.
CREATE OR REPLACE FUNCTION parkdesk.attach_evidence(
    p_device text, p_device_seq bigint, p_citation_number text, p_content bytea,
    p_sha256 text, p_media_type text, p_captured_at timestamptz)
RETURNS TABLE (evidence_id bigint, sha256 text, media_type text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_device parkdesk.device;
    v_fingerprint bytea;
    k record;
    v_number text;
    v_hash text;
    v_declared_hash text;
    v_declared_type text;
    v_detected text;
    v_citation bigint;
    e parkdesk.evidence;
BEGIN
    -- Bounded before any work: the bytes by their length (known without reading them),
    -- the texts as codes and a hash are.
    PERFORM parkdesk.bound_text('device', p_device, 20);
    PERFORM parkdesk.bound_text('citation_number', p_citation_number, 20);
    PERFORM parkdesk.bound_text('sha256', p_sha256, 64);
    PERFORM parkdesk.bound_text('media_type', p_media_type, 40);
    IF octet_length(p_content) > 20971520 THEN
        PERFORM parkdesk.refuse('content', format(
            'This file is %s MB; evidence is at most 20 MB. Send a smaller photo or split the '
            'document.', round(octet_length(p_content) / 1048576.0, 1)));
    END IF;
    IF coalesce(octet_length(p_content), 0) = 0 THEN
        PERFORM parkdesk.refuse('content',
            'The file is empty: the photo was not saved on the device. Take it again.');
    END IF;
    -- Hashed before the device's row is taken: the other calls of the device do not
    -- wait for it.
    v_hash := encode(pg_catalog.sha256(p_content), 'hex');
    -- The request as compared between two calls: normalised, the bytes by their hash, the
    -- time as an instant.
    v_number := upper(btrim(coalesce(p_citation_number, '')));
    v_declared_hash := lower(btrim(coalesce(p_sha256, '')));
    v_declared_type := lower(btrim(coalesce(p_media_type, '')));
    v_fingerprint := pg_catalog.sha256(convert_to('attach_evidence:' || jsonb_build_array(
        v_number, v_hash, v_declared_hash, v_declared_type,
        extract(epoch FROM p_captured_at))::text, 'UTF8'));
    -- One call of a device at a time, each call once (claim_device_call).
    k := parkdesk.claim_device_call(p_device, p_device_seq, 'attach_evidence', v_fingerprint);
    v_device := k.device;
    IF k.done THEN
        RETURN QUERY SELECT e2.id, e2.sha256, e2.media_type
                     FROM parkdesk.evidence e2 WHERE e2.id = k.result;
        RETURN;
    END IF;
    IF NOT v_device.active THEN
        PERFORM parkdesk.refuse('device', format('Device %s is retired: it attaches no photos.',
                                                  v_device.code));
    END IF;

    -- The bytes are what the device hashed: a file changed or cut short on the way is
    -- refused, not kept under a hash it does not have.
    IF v_declared_hash !~ '^[0-9a-f]{64}$' THEN
        PERFORM parkdesk.refuse('sha256',
            'Send the file''s SHA-256 as 64 hexadecimal digits, computed on the device.');
    END IF;
    IF v_declared_hash <> v_hash THEN
        PERFORM parkdesk.refuse('sha256', format(
            'The file received has SHA-256 %s, not the %s the device computed: it was changed '
            'or cut short on its way. Nothing was kept; send it again.', v_hash,
            v_declared_hash));
    END IF;

    -- The type is what the first bytes say, and must be what the device says it is.
    IF v_declared_type NOT IN ('image/jpeg', 'image/png', 'application/pdf') THEN
        PERFORM parkdesk.refuse('media_type',
            'Evidence is a JPEG or PNG photo or a PDF document: declare it as image/jpeg, '
            'image/png or application/pdf.');
    END IF;
    v_detected := parkdesk.evidence_media_type(p_content);
    IF v_detected IS NULL THEN
        PERFORM parkdesk.refuse('content', format(
            'This file is not %s: its first bytes are those of %s. Only JPEG and PNG photos '
            'and PDF documents are kept as evidence.',
            CASE v_declared_type WHEN 'image/jpeg' THEN 'a JPEG photo'
                                 WHEN 'image/png' THEN 'a PNG image'
                                 ELSE 'a PDF document' END,
            CASE
                WHEN substr(p_content, 1, 4) = decode('504b0304', 'hex')
                    THEN 'a ZIP archive (or an office document)'
                WHEN substr(p_content, 1, 4) = decode('47494638', 'hex') THEN 'a GIF image'
                WHEN substr(p_content, 5, 4) = decode('66747970', 'hex')
                    THEN 'a HEIC photo or a video (set the camera to JPEG)'
                WHEN substr(p_content, 1, 4) = decode('52494646', 'hex')
                    THEN 'a WebP image or a sound or video file'
                ELSE 'no kind of file we take'
            END));
    END IF;
    IF v_detected <> v_declared_type THEN
        PERFORM parkdesk.refuse('media_type', format(
            'This file is %s, not %s: declare it as %s.',
            CASE v_detected WHEN 'image/jpeg' THEN 'a JPEG photo'
                            WHEN 'image/png' THEN 'a PNG image'
                            ELSE 'a PDF document' END,
            v_declared_type, v_detected));
    END IF;

    IF p_captured_at IS NULL THEN
        PERFORM parkdesk.refuse('captured_at', 'Say when the photo was taken.');
    ELSIF p_captured_at > now() + interval '10 minutes' THEN
        PERFORM parkdesk.refuse('captured_at',
            'The device''s clock is ahead of the server''s: set its time and send again.');
    END IF;

    -- Only to a citation this device issued, under this login: the device code is no
    -- secret (any officer may read the devices), the login is. One answer for a number
    -- never issued and one issued elsewhere, so nothing is learnt about others' citations.
    SELECT c.id INTO v_citation FROM parkdesk.citation c
    WHERE c.number = v_number AND c.device_id = v_device.id AND c.officer = session_user;
    IF NOT FOUND THEN
        PERFORM parkdesk.refuse('citation_number', format(
            'Device %s issued no citation %s under your login: photos go to the citations '
            'the device and its officer issued.', v_device.code, v_number));
    END IF;

    INSERT INTO parkdesk.evidence (citation_id, content, sha256, media_type, captured_at,
                                   recorded_by, device_id, device_seq, recorded_at)
    VALUES (v_citation, p_content, v_hash, v_detected, p_captured_at, session_user,
            v_device.id, p_device_seq, now())
    RETURNING * INTO e;
    PERFORM parkdesk.remember_device_call(v_device.id, p_device_seq, 'attach_evidence',
                                          v_fingerprint, e.id);
    evidence_id := e.id;
    sha256 := e.sha256;
    media_type := e.media_type;
    RETURN NEXT;
END
$$;

-- Evidence is chain-of-custody data: its bytes, hash and times are never changed, and no
-- row is removed, not even by the owner's own functions.
CREATE OR REPLACE FUNCTION parkdesk.guard_evidence() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'evidence is never changed or removed (% refused): a photo is kept as the '
                    'device sent it', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER evidence_fixed BEFORE UPDATE OR DELETE ON parkdesk.evidence
    FOR EACH ROW EXECUTE FUNCTION parkdesk.guard_evidence();

CREATE TRIGGER evidence_no_truncate BEFORE TRUNCATE ON parkdesk.evidence
    FOR EACH STATEMENT EXECUTE FUNCTION parkdesk.guard_evidence();

-- Evidence as the desks read it: managers read the table, everyone else through the two
-- functions below. Under a row policy, EXPLAIN ANALYZE of a scan counts the rows the
-- policy hides ("Rows Removed by Filter"): a clerk counted a confidential incident's
-- photos, and saw when each was added (docs/SECURITY.md, threat 29); the plan of a
-- function's own statements is not shown to its caller. Who may see a file is
-- may_see_evidence's to say (29_incident_access.sql).

-- A citation's photos and the parkers' papers on its appeals, without their bytes, as
-- the caller may see them: for the citation's page, its case timeline and its hearing
-- packet (read a file's bytes with evidence_file).
CREATE OR REPLACE FUNCTION parkdesk.case_evidence(p_citation bigint)
RETURNS TABLE (id bigint, appeal_id bigint, appeal_number text, media_type text,
               size_bytes bigint, sha256 text, captured_at timestamptz,
               recorded_at timestamptz, recorded_by text, device text, description text,
               file_name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT e.id, NULL::bigint, NULL::text, e.media_type, e.size_bytes, e.sha256,
           e.captured_at, e.recorded_at, e.recorded_by, d.code, e.description, e.file_name
    FROM parkdesk.evidence e LEFT JOIN parkdesk.device d ON d.id = e.device_id
    WHERE e.citation_id = p_citation AND e.incident_id IS NULL
      AND parkdesk.may_see_evidence(NULL, NULL)
    UNION ALL
    SELECT e.id, a.id, a.number, e.media_type, e.size_bytes, e.sha256, e.captured_at,
           e.recorded_at, e.recorded_by, d.code, e.description, e.file_name
    FROM parkdesk.appeal a
    JOIN parkdesk.evidence e ON e.appeal_id = a.id
    LEFT JOIN parkdesk.device d ON d.id = e.device_id
    WHERE a.citation_id = p_citation AND e.incident_id IS NULL
      AND parkdesk.may_see_evidence(NULL, a.id)
$$;

-- One file's bytes and what is known of it (citation photo, appeal paper or incident
-- photo), when the caller may see it; no row otherwise, as for a file that is not there.
CREATE OR REPLACE FUNCTION parkdesk.evidence_file(p_evidence bigint)
RETURNS TABLE (id bigint, media_type text, size_bytes bigint, sha256 text,
               captured_at timestamptz, recorded_at timestamptz, recorded_by text,
               device text, description text, content bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT e.id, e.media_type, e.size_bytes, e.sha256, e.captured_at, e.recorded_at,
           e.recorded_by, d.code, e.description, e.content
    FROM parkdesk.evidence e LEFT JOIN parkdesk.device d ON d.id = e.device_id
    WHERE e.id = p_evidence AND parkdesk.may_see_evidence(e.incident_id, e.appeal_id)
$$;
