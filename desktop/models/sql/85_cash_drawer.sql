-- The cash drawer: shifts, their totals, and what a clerk may read of payments.
--
-- The current definition: edit here, never in a migration (docs/ARCHITECTURE.md).

CREATE OR REPLACE FUNCTION parkdesk.open_shift(p_float numeric) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
    v_open parkdesk.cash_shift;
BEGIN
    IF p_float IS NULL OR p_float < 0 OR p_float > 10000 OR scale(p_float) > 2 THEN
        PERFORM parkdesk.refuse('float', 'The float is the counted cash, from 0 to 10000.00.');
    END IF;
    SELECT * INTO v_open FROM parkdesk.cash_shift c
    WHERE c.clerk = session_user AND c.closed_at IS NULL;
    IF FOUND THEN
        PERFORM parkdesk.refuse('float', format('Your shift %s, opened %s, is still open.',
            v_open.id, to_char(v_open.opened_at AT TIME ZONE (SELECT s.time_zone
                FROM parkdesk.office_setting s WHERE s.id = 1), 'FMDD Mon YYYY HH24:MI')));
    END IF;
    INSERT INTO parkdesk.cash_shift (clerk, opened_at, opening_float)
    VALUES (session_user, now(), p_float) RETURNING id INTO v_id;
    RETURN v_id;
END
$$;

-- The blind count: the clerk counts by denomination before seeing what is expected. The
-- count is bounded first (real denominations, real counts, a drawer a person can lift),
-- before the shift is locked.
CREATE OR REPLACE FUNCTION parkdesk.close_shift(p_shift bigint, p_counts jsonb) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c parkdesk.cash_shift;
    v_key text;
    v_value jsonb;
    v_counted numeric := 0;
    v_expected numeric;
    v_total numeric := 0;
BEGIN
    PERFORM parkdesk.bound_json('counts', p_counts, 2000);
    -- Whose shift another clerk's number is, is not theirs to learn.
    IF NOT EXISTS (SELECT 1 FROM parkdesk.cash_shift own WHERE own.id = p_shift
                   AND own.clerk = session_user) THEN
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
    SELECT * INTO c FROM parkdesk.cash_shift WHERE id = p_shift FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'There is no shift %.', p_shift USING ERRCODE = 'no_data_found';
    END IF;
    IF c.clerk <> session_user THEN
        RAISE EXCEPTION 'Shift % belongs to %; only they can close it.', c.id, c.clerk
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF c.closed_at IS NOT NULL THEN
        PERFORM parkdesk.refuse('shift', format('Shift %s was already closed at %s.', c.id,
            to_char(c.closed_at AT TIME ZONE (SELECT s.time_zone FROM parkdesk.office_setting s
                                               WHERE s.id = 1), 'FMDD Mon YYYY HH24:MI')));
    END IF;
    IF p_counts IS NULL OR jsonb_typeof(p_counts) <> 'object' THEN
        PERFORM parkdesk.refuse('counts', 'Count the drawer by denomination.');
    END IF;
    FOR v_key, v_value IN SELECT * FROM jsonb_each(p_counts) LOOP
        IF v_key !~ '^[0-9]{1,4}(\.[0-9]{1,2})?$' OR v_key::numeric <= 0 THEN
            PERFORM parkdesk.refuse('counts', format('%s is not a denomination.', v_key));
        END IF;
        IF jsonb_typeof(v_value) <> 'number' OR v_value::text !~ '^[0-9]{1,6}$' THEN
            PERFORM parkdesk.refuse('counts', format('The count of %s must be a whole number.', v_key));
        END IF;
        v_counted := v_counted + v_key::numeric * v_value::text::int;
    END LOOP;
    SELECT c.opening_float
           + coalesce(sum(p.amount) FILTER (WHERE p.direction = 'in'), 0)
           - coalesce(sum(p.amount) FILTER (WHERE p.direction = 'out'), 0)
    INTO v_expected
    FROM parkdesk.payment p WHERE p.shift_id = c.id AND p.tender = 'cash';
    UPDATE parkdesk.cash_shift
    SET closed_at = now(), count_detail = p_counts, counted = v_counted, expected = v_expected,
        variance = v_counted - v_expected
    WHERE id = c.id;
END
$$;

-- A manager other than the clerk accepts a closed shift's variance, saying what explains it.
CREATE OR REPLACE FUNCTION parkdesk.sign_off_shift(p_shift bigint, p_note text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c parkdesk.cash_shift;
BEGIN
    PERFORM parkdesk.bound_text('note', p_note, 500);
    SELECT * INTO c FROM parkdesk.cash_shift WHERE id = p_shift FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'There is no shift %.', p_shift USING ERRCODE = 'no_data_found';
    END IF;
    IF c.closed_at IS NULL THEN
        PERFORM parkdesk.refuse('shift', format('Shift %s is still open.', c.id));
    END IF;
    IF c.variance = 0 THEN
        PERFORM parkdesk.refuse('shift', format('Shift %s balanced; no sign-off is needed.', c.id));
    END IF;
    IF c.signed_off_at IS NOT NULL THEN
        PERFORM parkdesk.refuse('shift', format('Shift %s was already signed off by %s.', c.id,
                                c.signed_off_by));
    END IF;
    IF c.clerk = session_user THEN
        RAISE EXCEPTION 'A manager other than the clerk signs off a variance.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF length(btrim(coalesce(p_note, ''))) < 3 THEN
        PERFORM parkdesk.refuse('note', 'Say what explains the variance.');
    END IF;
    UPDATE parkdesk.cash_shift SET signed_off_by = session_user, signed_off_at = now(),
        sign_off_note = btrim(p_note)
    WHERE id = c.id;
END
$$;

-- Payments and ledger lines as the desks read them: who took a payment or posted a line
-- shows only for one's own, or to a manager, and no drawer shift is named. A clerk cannot
-- total another clerk's drawer from them (docs/SECURITY.md says what is still inferable).
-- One's own cash taken in a shift still open is not marked as one's own either: summing
-- it would be the expected cash before the blind count.
-- The shift is looked up whoever took the payment: EXPLAIN (ANALYZE, BUFFERS) of a read
-- counts the pages this read, and a lookup made only for one's own payments marked them
-- (threat 32). Only one's own shift counts: asked of any shift, the answer said whether
-- another clerk's was closed yet.
CREATE OR REPLACE FUNCTION parkdesk.shown_taker(p_login text, p_shift bigint, p_tender text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    -- MATERIALIZED: a subquery pulled up into the CASE would run only where needed.
    WITH s AS MATERIALIZED (
        SELECT EXISTS (SELECT 1 FROM parkdesk.cash_shift c
                       WHERE c.id = p_shift AND c.clerk = session_user
                         AND c.closed_at < now()) AS counted)
    SELECT CASE
        WHEN pg_has_role(session_user, 'parkdesk_manager', 'USAGE') THEN p_login
        WHEN p_login <> session_user THEN NULL
        WHEN p_tender = 'cash' AND NOT s.counted THEN NULL
        ELSE p_login END
    FROM s
$$;

-- Who posted a ledger line that carries no payment (a sale, a renewal, a fee: the
-- payment is a line of its own), as a clerk may read it: never one's own while one's
-- drawer shift that was open when it was posted is still open. Joined to the payments of
-- the same permit, one's own sale lines would otherwise sum the cash in the drawer before
-- the blind count (docs/SECURITY.md, threat 26).
CREATE OR REPLACE FUNCTION parkdesk.shown_poster(p_login text, p_at timestamptz) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    -- Looked up whoever posted the line, as shown_taker does (threat 32).
    WITH s AS MATERIALIZED (
        SELECT EXISTS (SELECT 1 FROM parkdesk.cash_shift c
                       WHERE c.clerk = session_user AND c.opened_at <= p_at
                         AND (c.closed_at IS NULL OR c.closed_at >= now())) AS uncounted)
    SELECT CASE
        WHEN pg_has_role(session_user, 'parkdesk_manager', 'USAGE') THEN p_login
        WHEN p_login <> session_user THEN NULL
        WHEN s.uncounted THEN NULL
        ELSE p_login END
    FROM s
$$;

-- Totals by tender of the shifts the caller may see. While a shift is open its clerk
-- sees how many cash payments there were, never their sum: the count stays blind.
CREATE OR REPLACE FUNCTION parkdesk.shift_totals(p_shifts bigint[])
RETURNS TABLE (shift_id bigint, tender text, received numeric, paid_out numeric,
               payments bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_manager boolean := pg_has_role(session_user, 'parkdesk_manager', 'USAGE');
    v_shifts bigint[];
BEGIN
    IF cardinality(p_shifts) > 500 THEN
        PERFORM parkdesk.refuse('shifts', 'At most 500 shifts at a time.');
    END IF;
    -- The caller's shifts first, and only their payments read: EXPLAIN (ANALYZE, BUFFERS)
    -- of a call counts the pages the function read, and reading another clerk's payments
    -- to drop them counted them (threat 32).
    v_shifts := ARRAY(SELECT c.id FROM parkdesk.cash_shift c
                      WHERE c.id = ANY (p_shifts) AND (c.clerk = session_user OR v_manager));
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
    WHERE p.shift_id = ANY (v_shifts)
    GROUP BY p.shift_id, p.tender, c.closed_at;
END
$$;

-- The payments of one shift, for its report: once it is closed, or for a manager.
CREATE OR REPLACE FUNCTION parkdesk.shift_payments(p_shift bigint)
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
CREATE OR REPLACE FUNCTION parkdesk.payment_taker(p_payment bigint,
    OUT login text, OUT full_name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT p.received_by, coalesce(s.full_name, '')
    FROM parkdesk.payment p LEFT JOIN parkdesk.staff_member s ON s.login = p.received_by
    WHERE p.id = p_payment
      AND parkdesk.shown_taker(p.received_by, p.shift_id, p.tender) IS NOT NULL
$$;

CREATE OR REPLACE VIEW parkdesk.payment_line AS
SELECT p.id, p.receipt_number, p.received_at,
       parkdesk.shown_taker(p.received_by, p.shift_id, p.tender) AS received_by,
       p.direction, p.parker_id, p.permit_id, p.description, p.tender, p.amount,
       p.cash_tendered, p.change_given, p.card_brand, p.card_last4, p.processor_ref,
       p.cheque_number, p.account_kind, p.account_ref
FROM parkdesk.payment p;

CREATE OR REPLACE VIEW parkdesk.ledger_line AS
SELECT l.id, l.posted_at,
       CASE WHEN l.payment_id IS NULL THEN parkdesk.shown_poster(l.posted_by, l.posted_at)
            ELSE parkdesk.shown_taker(l.posted_by, p.shift_id, p.tender) END AS posted_by,
       l.kind, l.amount, l.parker_id, l.permit_id, l.payment_id, l.refund_id, l.memo,
       l.citation_id
FROM parkdesk.ledger_entry l
LEFT JOIN parkdesk.payment p ON p.id = l.payment_id;

-- Cash drawer shifts as the desks read them: a clerk's own (row-level security, repeated
-- here because a view reads as its owner), and what the drawer should have held only once
-- the closing is committed. Within the closing transaction now() equals closed_at, so a
-- close that is then rolled back never shows the expected cash.
CREATE OR REPLACE VIEW parkdesk.shift_line WITH (security_barrier) AS
SELECT c.id, c.clerk, c.opened_at, c.opening_float, c.closed_at, c.count_detail, c.counted,
       CASE WHEN m.manager OR c.closed_at < now() THEN c.expected END AS expected,
       CASE WHEN m.manager OR c.closed_at < now() THEN c.variance END AS variance,
       c.signed_off_by, c.signed_off_at, c.sign_off_note, c.version
FROM parkdesk.cash_shift c,
     LATERAL (SELECT pg_has_role(current_user, 'parkdesk_manager', 'USAGE') AS manager) m
WHERE c.clerk = current_user OR m.manager;
