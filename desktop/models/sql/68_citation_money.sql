-- The money side of citations (SPEC rules 7 and 17): the fine at issue (with the
-- repeat-offence schedule), the balance, the early-payment discount, escalation stages,
-- payments at the counter, voids and the scofflaw list.
--
-- The current definition: edit here, never in a migration (docs/ARCHITECTURE.md).
--
-- A citation's ledger rows carry citation_id and no parker (a citation is paid by plate):
-- fine and late_fee positive; discount, payment and void negative. citation.balance is
-- their sum, kept by keep_citation_balance as each row is posted; nothing else changes it.

-- The fine of a citation issued now (SPEC rules 7 and 17): 0 for a warning; else, when the
-- violation has a repeat window and a schedule, the line of the Nth offence (N = 1 + the
-- plate's citations of this code, not voided, issued within the window before this one),
-- the last line at or below N applying beyond the schedule; else the fine schedule (the
-- zone's line, else the lot's, else the violation's own). NULL when no fine is set.
CREATE OR REPLACE FUNCTION parkdesk.citation_fine(
    p_violation parkdesk.violation, p_lot bigint, p_zone bigint, p_jurisdiction text,
    p_plate text, p_issued_at timestamptz) RETURNS numeric
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_offence int;
    v_fine numeric(12, 2);
BEGIN
    IF p_violation.warning_only THEN
        RETURN 0;
    END IF;
    IF p_violation.repeat_window_days IS NOT NULL
       AND EXISTS (SELECT 1 FROM parkdesk.repeat_fine r WHERE r.violation_id = p_violation.id) THEN
        SELECT 1 + count(*) INTO v_offence FROM parkdesk.citation c
        WHERE c.jurisdiction = p_jurisdiction AND c.plate_normalized = p_plate
          AND c.violation_id = p_violation.id AND c.voided_at IS NULL
          AND c.issued_at < p_issued_at
          AND c.issued_at >= p_issued_at - make_interval(days => p_violation.repeat_window_days);
        SELECT r.amount INTO v_fine FROM parkdesk.repeat_fine r
        WHERE r.violation_id = p_violation.id AND r.offence <= v_offence
        ORDER BY r.offence DESC LIMIT 1;
        IF FOUND THEN
            RETURN v_fine;
        END IF;
    END IF;
    SELECT f.amount INTO v_fine FROM parkdesk.fine_rule f
    WHERE f.violation_id = p_violation.id
      AND (f.lot_id IS NULL OR f.lot_id = p_lot)
      AND (f.zone_id IS NULL OR f.zone_id = p_zone)
    ORDER BY f.zone_id IS NULL, f.lot_id IS NULL
    LIMIT 1;
    RETURN v_fine;
END
$$;

-- A citation's balance is the sum of its ledger rows: each row posted moves it. The
-- ledger is append-only, so the two never part; guard_citation refuses a balance change
-- from anywhere but here.
CREATE OR REPLACE FUNCTION parkdesk.keep_citation_balance() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE parkdesk.citation SET balance = balance + NEW.amount WHERE id = NEW.citation_id;
    RETURN NULL;
END
$$;

-- Who last changed a citation, as the desks read it (updated_by, updated_at), is who
-- changed what the citation says or where it stands: a void, a referral to collections.
-- A balance moved by its ledger rows keeps the stamp it had: the payment that moved it
-- was taken by a clerk whom the other clerks may not see (docs/SECURITY.md, threat 28),
-- and the ledger and the audit trail, each read by whoever may, keep who and when. Runs
-- after stamp_row (triggers of one kind run in name order).
CREATE OR REPLACE FUNCTION parkdesk.keep_citation_stamp() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NEW.balance IS DISTINCT FROM OLD.balance
       AND (NEW.voided_at, NEW.voided_by, NEW.void_reason, NEW.collections_at)
           IS NOT DISTINCT FROM (OLD.voided_at, OLD.voided_by, OLD.void_reason,
                                 OLD.collections_at) THEN
        NEW.updated_by := OLD.updated_by;
        NEW.updated_at := OLD.updated_at;
    END IF;
    RETURN NEW;
END
$$;

-- Where a citation stands at a moment: void; warning (no fine); paid (nothing owed);
-- collections (sent by an escalation stage); past_due (owed after its due day, in the
-- office's time zone); open.
CREATE OR REPLACE FUNCTION parkdesk.citation_status(
    p_citation parkdesk.citation, p_at timestamptz DEFAULT now()) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE
        WHEN p_citation.voided_at IS NOT NULL THEN 'void'
        WHEN p_citation.fine = 0 THEN 'warning'
        WHEN p_citation.balance = 0 THEN 'paid'
        WHEN p_citation.collections_at IS NOT NULL THEN 'collections'
        WHEN parkdesk.local_day(p_at) > p_citation.due_on THEN 'past_due'
        ELSE 'open'
    END
$$;

-- The early-payment discount a citation paid in full at p_at gets: the office's percent of
-- its fine, rounded to the cent (half up), while its local day of issue plus discount_days
-- has not passed, and before any late fee, payment or referral to collections.
CREATE OR REPLACE FUNCTION parkdesk.citation_discount(
    p_citation parkdesk.citation, p_at timestamptz) RETURNS numeric
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s parkdesk.office_setting;
BEGIN
    SELECT * INTO s FROM parkdesk.office_setting os WHERE os.id = 1;
    IF s.discount_days IS NULL OR p_citation.voided_at IS NOT NULL OR p_citation.fine = 0
       OR p_citation.balance <= 0 OR p_citation.collections_at IS NOT NULL
       OR parkdesk.local_day(p_at) > parkdesk.local_day(p_citation.issued_at) + s.discount_days
       OR EXISTS (SELECT 1 FROM parkdesk.ledger_entry l
                  WHERE l.citation_id = p_citation.id
                    AND l.kind IN ('late_fee', 'discount', 'payment')) THEN
        RETURN 0;
    END IF;
    -- numeric round() takes halves away from zero: half up, for an amount above zero.
    RETURN round(p_citation.fine * s.discount_percent / 100, 2);
END
$$;

-- What must be paid on a citation at p_at to settle it: its balance less any early-payment
-- discount; 0 for a void, paid or warning citation; NULL for no such citation.
CREATE OR REPLACE FUNCTION parkdesk.citation_amount_due(
    p_citation bigint, p_at timestamptz DEFAULT now()) RETURNS numeric
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c parkdesk.citation;
BEGIN
    SELECT * INTO c FROM parkdesk.citation ci WHERE ci.id = p_citation;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF c.voided_at IS NOT NULL OR c.balance <= 0 THEN
        RETURN 0;
    END IF;
    RETURN c.balance - parkdesk.citation_discount(c, p_at);
END
$$;

-- The clock job (parkdesk jobs run; a manager may run it too): for each active stage and
-- each citation neither void nor paid whose local day of issue plus the stage's days has
-- come by p_at's local day, the stage once: its late fee (when above 0) and its referral to
-- collections. The citation's row is locked first (as a payment locks it), and the stage
-- looked up again under the lock: two runs at once post each stage once, and a citation
-- being paid is escalated after the payment, which leaves nothing to escalate. p_at may be
-- in the past (a missed run catches up), never ahead of the clock. Returns the stages
-- posted. A citation under an open appeal is not escalated; once the appeal is decided or
-- withdrawn, the days it was open are not counted (SPEC rule 17: it resumes where it
-- stopped).
CREATE OR REPLACE FUNCTION parkdesk.escalate_citations(p_at timestamptz DEFAULT now())
RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_today date;
    r record;
    c parkdesk.citation;
    v_entry bigint;
    v_count int := 0;
BEGIN
    IF p_at IS NULL OR p_at > now() + interval '1 minute' THEN
        PERFORM parkdesk.refuse('at', 'Citations are escalated as of now or a moment past, '
                                      'never ahead of the clock.');
    END IF;
    v_today := parkdesk.local_day(p_at);
    FOR r IN
        SELECT ci.id AS citation_id, st.id AS stage_id, st.amount, st.sends_to_collections,
               st.description
        FROM parkdesk.escalation_stage st
        JOIN parkdesk.citation ci
          ON ci.balance > 0 AND ci.voided_at IS NULL
         AND ci.issued_at < parkdesk.local_midnight(v_today - st.after_days + 1)
        LEFT JOIN LATERAL (
            SELECT bool_or(ap.status = 'open') AS open, coalesce(sum(ap.paused_days), 0) AS days
            FROM parkdesk.appeal ap WHERE ap.citation_id = ci.id) AS appealed ON true
        WHERE st.active
          AND NOT coalesce(appealed.open, false)
          AND ci.issued_at < parkdesk.local_midnight(v_today - st.after_days
                                                     - appealed.days::int + 1)
          AND NOT EXISTS (SELECT 1 FROM parkdesk.citation_stage cs
                          WHERE cs.citation_id = ci.id AND cs.stage_id = st.id)
        ORDER BY ci.id, st.after_days
    LOOP
        SELECT * INTO c FROM parkdesk.citation ci WHERE ci.id = r.citation_id FOR UPDATE;
        IF c.voided_at IS NOT NULL OR c.balance <= 0
           OR EXISTS (SELECT 1 FROM parkdesk.citation_stage cs
                      WHERE cs.citation_id = c.id AND cs.stage_id = r.stage_id)
           OR EXISTS (SELECT 1 FROM parkdesk.appeal ap
                      WHERE ap.citation_id = c.id AND ap.status = 'open') THEN
            CONTINUE;
        END IF;
        v_entry := NULL;
        IF r.amount > 0 THEN
            v_entry := parkdesk.post_line('late_fee', r.amount, NULL, NULL,
                format('Late fee, citation %s: %s', c.number, r.description),
                p_citation => c.id);
        END IF;
        INSERT INTO parkdesk.citation_stage (citation_id, stage_id, posted_at, ledger_entry_id)
        VALUES (c.id, r.stage_id, now(), v_entry);
        IF r.sends_to_collections AND c.collections_at IS NULL THEN
            UPDATE parkdesk.citation SET collections_at = now() WHERE id = c.id;
        END IF;
        v_count := v_count + 1;
    END LOOP;
    RETURN v_count;
END
$$;

-- A clerk (or a manager) takes one payment for one or more citations, by plate: the payer
-- need not be a registered parker. The key makes a retry record it once (claim_request);
-- the citations are locked in id order (as escalation locks them), each must be owed
-- (not void, not a warning, not paid); each gets its early-payment discount when due, then
-- a payment row for what it owed, all under one payment for the total.
CREATE OR REPLACE FUNCTION parkdesk.pay_citations(
    p_key uuid, p_citations bigint[], p_tender jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_ids bigint[];
    v_request jsonb;
    k record;
    c parkdesk.citation;
    v_missing bigint;
    v_due numeric(12, 2);
    v_discount numeric(12, 2);
    v_total numeric(12, 2) := 0;
    v_dues numeric[] := '{}';
    v_numbers text[] := '{}';
    v_locked parkdesk.citation[] := '{}';
    v_pay parkdesk.payment;
    v_tz text;
    i int;
BEGIN
    PERFORM parkdesk.bound_json('tender', p_tender, 1000);
    IF coalesce(cardinality(p_citations), 0) NOT BETWEEN 1 AND 50 THEN
        PERFORM parkdesk.refuse('citations', 'Pay 1 to 50 citations at a time.');
    END IF;
    IF array_position(p_citations, NULL) IS NOT NULL THEN
        PERFORM parkdesk.refuse('citations', 'Choose the citations to pay.');
    END IF;
    v_ids := ARRAY(SELECT DISTINCT u FROM unnest(p_citations) u ORDER BY u);
    v_request := jsonb_build_array(to_jsonb(v_ids), parkdesk.canonical_tender(p_tender));
    k := parkdesk.claim_request(p_key, 'pay_citations', v_request);
    IF k.done THEN
        RETURN k.result;
    END IF;
    SELECT s.time_zone INTO v_tz FROM parkdesk.office_setting s WHERE s.id = 1;
    SELECT u INTO v_missing FROM unnest(v_ids) u
    WHERE NOT EXISTS (SELECT 1 FROM parkdesk.citation ci WHERE ci.id = u) ORDER BY u LIMIT 1;
    IF v_missing IS NOT NULL THEN
        PERFORM parkdesk.refuse('citations', format('There is no citation %s.', v_missing));
    END IF;
    FOR c IN SELECT * FROM parkdesk.citation ci WHERE ci.id = ANY (v_ids) ORDER BY ci.id
             FOR UPDATE LOOP
        IF c.voided_at IS NOT NULL THEN
            PERFORM parkdesk.refuse('citations', format(
                'Citation %s was voided on %s: nothing is owed on it. Nothing was paid.',
                c.number, to_char(c.voided_at AT TIME ZONE v_tz, 'FMDD Mon YYYY')));
        ELSIF c.fine = 0 THEN
            PERFORM parkdesk.refuse('citations', format(
                'Citation %s is a warning: nothing is owed on it. Nothing was paid.', c.number));
        ELSIF c.balance <= 0 THEN
            PERFORM parkdesk.refuse('citations', format(
                'Citation %s is already paid. Nothing was paid.', c.number));
        END IF;
        v_locked := v_locked || c;
    END LOOP;
    FOR i IN 1 .. cardinality(v_locked) LOOP
        c := v_locked[i];
        v_discount := parkdesk.citation_discount(c, now());
        IF v_discount > 0 THEN
            PERFORM parkdesk.post_line('discount', -v_discount, NULL, NULL,
                format('Early-payment discount, citation %s', c.number), p_citation => c.id);
        END IF;
        v_due := c.balance - v_discount;
        v_dues := v_dues || v_due;
        v_numbers := v_numbers || c.number;
        v_total := v_total + v_due;
    END LOOP;
    v_pay := parkdesk.take_payment(p_key, 'in', NULL, NULL, v_total, p_tender,
        format('%s %s', CASE WHEN cardinality(v_numbers) = 1 THEN 'Citation' ELSE 'Citations' END,
               array_to_string(v_numbers, ', ')),
        p_ledger => false);
    FOR i IN 1 .. cardinality(v_locked) LOOP
        PERFORM parkdesk.post_line('payment', -v_dues[i], NULL, NULL,
            format('Payment %s %s, citation %s', v_pay.receipt_number, v_pay.tender, v_numbers[i]),
            p_payment => v_pay.id, p_citation => v_locked[i].id);
    END LOOP;
    PERFORM parkdesk.remember_request(p_key, 'pay_citations', v_request, v_pay.id);
    RETURN v_pay.id;
END
$$;

-- An adjudicator or a manager voids a citation, saying why (SPEC rule 8): what is owed on
-- it is reversed by a void row, and it escalates no more. A citation paid is not voided
-- (its money would have to be refunded first); a void is never undone.
CREATE OR REPLACE FUNCTION parkdesk.void_citation(p_citation bigint, p_reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c parkdesk.citation;
    v_tz text;
    v_paid timestamptz;
    v_appeal parkdesk.appeal;
BEGIN
    PERFORM parkdesk.bound_text('reason', p_reason, 300);
    IF length(btrim(coalesce(p_reason, ''))) < 3 THEN
        PERFORM parkdesk.refuse('reason', 'Say why the citation is voided (3 to 300 characters).');
    END IF;
    SELECT s.time_zone INTO v_tz FROM parkdesk.office_setting s WHERE s.id = 1;
    SELECT * INTO c FROM parkdesk.citation ci WHERE ci.id = p_citation FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM parkdesk.refuse('citation', 'There is no such citation.');
    END IF;
    IF c.voided_at IS NOT NULL THEN
        PERFORM parkdesk.refuse('citation', format(
            'Citation %s was already voided on %s by %s.', c.number,
            to_char(c.voided_at AT TIME ZONE v_tz, 'FMDD Mon YYYY HH24:MI'), c.voided_by));
    END IF;
    SELECT min(l.posted_at) INTO v_paid FROM parkdesk.ledger_entry l
    WHERE l.citation_id = c.id AND l.kind = 'payment';
    IF v_paid IS NOT NULL THEN
        PERFORM parkdesk.refuse('citation', format(
            'Citation %s was paid on %s: a paid citation is not voided.', c.number,
            to_char(v_paid AT TIME ZONE v_tz, 'FMDD Mon YYYY')));
    END IF;
    -- An appeal decides a citation it is open on; a decided one is locked (SPEC rule 8).
    SELECT * INTO v_appeal FROM parkdesk.appeal ap
    WHERE ap.citation_id = c.id AND ap.status IN ('open', 'decided')
    ORDER BY ap.status = 'open' DESC, ap.id DESC LIMIT 1;
    IF FOUND THEN
        PERFORM parkdesk.refuse('citation', CASE v_appeal.status
            WHEN 'open' THEN format('Citation %s is under appeal %s: decide the appeal instead.',
                                    c.number, v_appeal.number)
            ELSE format('Citation %s was decided on appeal %s: only a manager can reopen it.',
                        c.number, v_appeal.number) END);
    END IF;
    IF c.balance > 0 THEN
        PERFORM parkdesk.post_line('void', -c.balance, NULL, NULL,
            format('Void, citation %s: %s', c.number, btrim(p_reason)), p_citation => c.id);
    END IF;
    UPDATE parkdesk.citation
    SET voided_at = now(), voided_by = session_user, void_reason = btrim(p_reason)
    WHERE id = c.id;
END
$$;

-- How many of a plate's citations are owed and past due at p_at (SPEC rule 16's scofflaw):
-- the plate check asks at every scan, so it reads the partial index of unpaid citations.
CREATE OR REPLACE FUNCTION parkdesk.unpaid_past_due(
    p_jurisdiction text, p_plate text, p_at timestamptz DEFAULT now()) RETURNS int
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_today date;
    v_count int;
BEGIN
    PERFORM parkdesk.bound_text('jurisdiction', p_jurisdiction, 10);
    PERFORM parkdesk.bound_text('plate', p_plate, 20);
    v_today := parkdesk.local_day(coalesce(p_at, now()));
    SELECT count(*) INTO v_count FROM parkdesk.citation c
    WHERE c.jurisdiction = upper(btrim(coalesce(p_jurisdiction, '')))
      AND c.plate_normalized = upper(regexp_replace(coalesce(p_plate, ''), '[[:space:].-]', '', 'g'))
      AND c.balance > 0 AND c.voided_at IS NULL AND c.due_on < v_today;
    RETURN v_count;
END
$$;

-- The boot and tow list: plates with at least the office's scofflaw threshold of unpaid
-- past-due citations, what they owe, their oldest due day and the lot of their latest
-- citation. No personal details: the field reads it too.
CREATE OR REPLACE FUNCTION parkdesk.scofflaws(p_at timestamptz DEFAULT now())
RETURNS TABLE (jurisdiction text, plate text, unpaid int, owed numeric, oldest_due date,
               last_lot text, last_cited_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_today date := parkdesk.local_day(coalesce(p_at, now()));
    v_threshold int;
BEGIN
    SELECT s.scofflaw_threshold INTO v_threshold FROM parkdesk.office_setting s WHERE s.id = 1;
    RETURN QUERY
    WITH owed AS (
        SELECT c.jurisdiction AS j, c.plate_normalized AS p, count(*)::int AS n,
               sum(c.balance) AS total, min(c.due_on) AS oldest
        FROM parkdesk.citation c
        WHERE c.balance > 0 AND c.voided_at IS NULL AND c.due_on < v_today
        GROUP BY c.jurisdiction, c.plate_normalized
        HAVING count(*) >= v_threshold)
    SELECT o.j, o.p, o.n, o.total, o.oldest, latest.code, latest.issued_at
    FROM owed o
    LEFT JOIN LATERAL (
        SELECT l.code, c.issued_at FROM parkdesk.citation c
        JOIN parkdesk.lot l ON l.id = c.lot_id
        WHERE c.jurisdiction = o.j AND c.plate_normalized = o.p
        ORDER BY c.issued_at DESC LIMIT 1) latest ON true
    ORDER BY o.n DESC, o.total DESC, o.j, o.p;
END
$$;

CREATE TRIGGER ledger_entry_citation_balance AFTER INSERT ON parkdesk.ledger_entry
    FOR EACH ROW WHEN (NEW.citation_id IS NOT NULL)
    EXECUTE FUNCTION parkdesk.keep_citation_balance();

CREATE TRIGGER citation_stamp_money BEFORE UPDATE ON parkdesk.citation
    FOR EACH ROW EXECUTE FUNCTION parkdesk.keep_citation_stamp();
