-- Appeals of citations (SPEC rules 8, 13 and 17): filing (a clerk for a parker, within the
-- office's window, or late with a manager), the adjudicators' queue with claims that
-- expire, hearings, decisions posted to the ledger, withdrawals, a manager's reopening,
-- and the case timeline of a citation.
--
-- The current definition: edit here, never in a migration (docs/ARCHITECTURE.md).
--
-- Every write is a function: no role writes appeal, appeal_step or appeal_reason's rows
-- directly but a manager, who keeps the list of reasons. The citation's row is locked
-- first by each function that moves its money or its appeal (as payments and escalation
-- lock it), then the appeal's: one order, no deadlock.

-- The last local day a citation may be appealed without a manager: its day of issue plus
-- its violation's window, or the office's.
CREATE OR REPLACE FUNCTION parkdesk.appeal_window_closes(p_citation parkdesk.citation)
RETURNS date
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT parkdesk.local_day(p_citation.issued_at)
           + coalesce(v.appeal_window_days, os.appeal_window_days)
    FROM parkdesk.violation v, parkdesk.office_setting os
    WHERE v.id = p_citation.violation_id AND os.id = 1
$$;

-- One step of an appeal's history, by the calling login, now.
CREATE OR REPLACE FUNCTION parkdesk.appeal_step_taken(p_appeal bigint, p_step text,
                                                      p_note text DEFAULT '')
RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO parkdesk.appeal_step (appeal_id, at, by, step, note)
    VALUES (p_appeal, now(), session_user, p_step, coalesce(p_note, ''))
$$;

-- An appeal, locked, for a function that changes it; refused when there is none.
CREATE OR REPLACE FUNCTION parkdesk.locked_appeal(p_appeal bigint, OUT a parkdesk.appeal,
                                                  OUT c parkdesk.citation)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_citation bigint;
BEGIN
    SELECT ap.citation_id INTO v_citation FROM parkdesk.appeal ap WHERE ap.id = p_appeal;
    IF NOT FOUND THEN
        PERFORM parkdesk.refuse('appeal', 'There is no such appeal.');
    END IF;
    SELECT * INTO c FROM parkdesk.citation ci WHERE ci.id = v_citation FOR UPDATE;
    SELECT * INTO a FROM parkdesk.appeal ap WHERE ap.id = p_appeal FOR UPDATE;
END
$$;

-- Refused unless the calling adjudicator holds the appeal's claim, still in force.
CREATE OR REPLACE FUNCTION parkdesk.require_claim(p_appeal parkdesk.appeal) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k parkdesk.appeal_claim;
BEGIN
    IF p_appeal.status <> 'open' THEN
        PERFORM parkdesk.refuse('appeal', format('Appeal %s is %s: nothing more is done on it.',
                                                 p_appeal.number, p_appeal.status));
    END IF;
    SELECT * INTO k FROM parkdesk.appeal_claim c WHERE c.appeal_id = p_appeal.id;
    IF k.claimed_by IS DISTINCT FROM session_user::text OR k.claimed_until <= now() THEN
        PERFORM parkdesk.refuse('appeal', CASE
            WHEN k.claimed_by IS NOT NULL AND k.claimed_until > now()
                THEN format('Appeal %s is being worked on by %s.', p_appeal.number,
                            k.claimed_by)
            ELSE format('Take appeal %s from the queue first.', p_appeal.number) END);
    END IF;
END
$$;

-- An appeal leaves the queue (decided, withdrawn, sent to a hearing): nobody holds it.
CREATE OR REPLACE FUNCTION parkdesk.drop_claims(p_appeal bigint) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    DELETE FROM parkdesk.appeal_claim c WHERE c.appeal_id = p_appeal
$$;

-- A clerk files an appeal for a parker (in person, by phone, by mail), or the office's
-- portal does (online). The key makes a retry record it once. Refused for a void or
-- warning citation, a violation that is not appealable, a citation with an open appeal or
-- a decided one (a manager reopens it), and after the window unless a manager files it
-- with a reason for accepting it late. Escalation stops while it is open.
CREATE OR REPLACE FUNCTION parkdesk.file_appeal(
    p_key uuid, p_citation bigint, p_channel text, p_appellant text, p_contact text,
    p_statement text, p_late_reason text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_request jsonb;
    k record;
    c parkdesk.citation;
    v parkdesk.violation;
    v_tz text;
    v_closes date;
    v_late boolean;
    v_other parkdesk.appeal;
    v_id bigint;
BEGIN
    PERFORM parkdesk.bound_text('channel', p_channel, 20);
    PERFORM parkdesk.bound_text('appellant', p_appellant, 200);
    PERFORM parkdesk.bound_text('contact', p_contact, 200);
    PERFORM parkdesk.bound_text('statement', p_statement, 4000);
    PERFORM parkdesk.bound_text('late_reason', p_late_reason, 300);
    IF coalesce(p_channel, '') NOT IN ('in_person', 'phone', 'mail', 'online') THEN
        PERFORM parkdesk.refuse('channel', 'Say how the appeal came in: in person, by phone, '
                                           'by mail or online.');
    END IF;
    IF length(btrim(coalesce(p_appellant, ''))) < 2 THEN
        PERFORM parkdesk.refuse('appellant', 'Give the name of the person appealing.');
    END IF;
    IF length(btrim(coalesce(p_statement, ''))) < 3 THEN
        PERFORM parkdesk.refuse('statement', 'Write down why the citation is appealed.');
    END IF;
    IF p_late_reason IS NOT NULL AND length(btrim(p_late_reason)) < 3 THEN
        PERFORM parkdesk.refuse('late_reason', 'Say why the late appeal is accepted.');
    END IF;
    v_request := jsonb_build_array(p_citation, p_channel, btrim(p_appellant),
                                   btrim(coalesce(p_contact, '')), btrim(p_statement),
                                   btrim(p_late_reason));
    k := parkdesk.claim_request(p_key, 'file_appeal', v_request);
    IF k.done THEN
        RETURN k.result;
    END IF;
    SELECT s.time_zone INTO v_tz FROM parkdesk.office_setting s WHERE s.id = 1;
    SELECT * INTO c FROM parkdesk.citation ci WHERE ci.id = p_citation FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM parkdesk.refuse('citation', 'There is no such citation.');
    END IF;
    SELECT * INTO v FROM parkdesk.violation vi WHERE vi.id = c.violation_id;
    IF c.voided_at IS NOT NULL THEN
        PERFORM parkdesk.refuse('citation', format(
            'Citation %s was voided on %s: there is nothing to appeal.', c.number,
            to_char(c.voided_at AT TIME ZONE v_tz, 'FMDD Mon YYYY')));
    ELSIF c.fine = 0 THEN
        PERFORM parkdesk.refuse('citation', format(
            'Citation %s is a warning: there is no fine to appeal.', c.number));
    ELSIF NOT v.appealable THEN
        PERFORM parkdesk.refuse('citation', format(
            'Citations for %s (%s) are not appealable.', v.code, v.description));
    END IF;
    SELECT * INTO v_other FROM parkdesk.appeal ap
    WHERE ap.citation_id = c.id AND ap.status IN ('open', 'decided')
    ORDER BY ap.status = 'open' DESC, ap.id DESC LIMIT 1;
    IF FOUND THEN
        PERFORM parkdesk.refuse('citation', CASE v_other.status
            WHEN 'open' THEN format('Citation %s already has an open appeal, %s, filed on %s.',
                                    c.number, v_other.number,
                                    to_char(v_other.filed_at AT TIME ZONE v_tz, 'FMDD Mon YYYY'))
            ELSE format('Citation %s was decided on appeal %s (%s) on %s; only a manager can '
                        'reopen it.', c.number, v_other.number, v_other.decision,
                        to_char(v_other.decided_at AT TIME ZONE v_tz, 'FMDD Mon YYYY')) END);
    END IF;
    v_closes := parkdesk.appeal_window_closes(c);
    v_late := parkdesk.local_day(now()) > v_closes;
    IF v_late AND p_late_reason IS NULL THEN
        PERFORM parkdesk.refuse('late_reason', format(
            'The appeal window for citation %s closed on %s. A manager can accept a late '
            'appeal, with a reason.', c.number, to_char(v_closes, 'FMDD Mon YYYY')));
    ELSIF v_late AND NOT pg_has_role(session_user, 'parkdesk_manager', 'USAGE') THEN
        PERFORM parkdesk.refuse('late_reason', format(
            'The appeal window for citation %s closed on %s: only a manager accepts a late '
            'appeal.', c.number, to_char(v_closes, 'FMDD Mon YYYY')));
    ELSIF NOT v_late AND p_late_reason IS NOT NULL THEN
        PERFORM parkdesk.refuse('late_reason', format(
            'Citation %s may still be appealed until %s: the appeal is not late.', c.number,
            to_char(v_closes, 'FMDD Mon YYYY')));
    END IF;
    v_id := nextval(pg_get_serial_sequence('parkdesk.appeal', 'id'));
    INSERT INTO parkdesk.appeal (id, number, citation_id, filed_at, filed_by, channel,
                                 appellant, contact, statement, late_reason, late_accepted_by)
    VALUES (v_id, 'A' || to_char(now() AT TIME ZONE v_tz, 'YYYY') || '-' || lpad(v_id::text, 5, '0'),
            c.id, now(), session_user, p_channel, btrim(p_appellant),
            btrim(coalesce(p_contact, '')), btrim(p_statement), btrim(p_late_reason),
            CASE WHEN p_late_reason IS NOT NULL THEN session_user END);
    PERFORM parkdesk.appeal_step_taken(v_id, 'filed', CASE p_channel
        WHEN 'in_person' THEN 'In person' WHEN 'phone' THEN 'By phone'
        WHEN 'mail' THEN 'By mail' ELSE 'Online' END);
    IF v_late THEN
        PERFORM parkdesk.appeal_step_taken(v_id, 'late_accepted', btrim(p_late_reason));
    END IF;
    PERFORM parkdesk.remember_request(p_key, 'file_appeal', v_request, v_id);
    RETURN v_id;
END
$$;

-- A claim is a lease, not a record: one lost in a crash of the server puts the appeal
-- back in the queue, as an expired lease does, and the desk claims it again. So a
-- transaction that claims, renews or gives back a claim and has written nothing else
-- commits without waiting for the disk (synchronous_commit off, for this transaction
-- only): twenty adjudicators pressing "take next" at once do not queue on the journal's
-- flush. A transaction that wrote before keeps its durable commit.
CREATE OR REPLACE FUNCTION parkdesk.claim_commits_lazily() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pg_current_xact_id_if_assigned() IS NULL THEN
        PERFORM set_config('synchronous_commit', 'off', true);
    END IF;
END
$$;

-- The adjudicator's claim on an appeal, for the office's lease (SPEC: two adjudicators
-- never work the same appeal). A claim is work in hand, not a change of the appeal: it is
-- a row of appeal_claim, one per adjudicator (its key), one per appeal (unique), written
-- here and nowhere else, and not audited, so "take next" never rewrites the appeal or
-- queues on the audit trail's chain behind the other desks' saves. One appeal is in hand
-- at a time: claiming one moves the caller's row to it, so any other goes back to the
-- queue and nobody can hoard it; two windows of one login claiming at once end with the
-- one that commits last. The caller has locked the appeal and found no claim in force on
-- it; another's lapsed claim on it is dropped (one in force would break the unique key:
-- two adjudicators never hold one appeal, whatever the callers did).
CREATE OR REPLACE FUNCTION parkdesk.hold_claim(p_appeal parkdesk.appeal) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM parkdesk.appeal_claim c
    WHERE c.appeal_id = p_appeal.id AND c.claimed_by <> session_user::text
      AND c.claimed_until <= now();
    INSERT INTO parkdesk.appeal_claim AS c (claimed_by, appeal_id, claimed_until)
    VALUES (session_user, p_appeal.id,
            now() + make_interval(mins => (SELECT s.appeal_lease_minutes
                                           FROM parkdesk.office_setting s WHERE s.id = 1)))
    ON CONFLICT (claimed_by) DO UPDATE
    SET appeal_id = EXCLUDED.appeal_id, claimed_until = EXCLUDED.claimed_until;
    RETURN p_appeal.id;
END
$$;

-- "Take next": the caller's appeal in hand if it has one (its claim renewed), else the
-- oldest waiting one nobody holds (reviews by filing, hearings whose time has come by
-- their time), claimed for the office's lease. Rows another adjudicator is claiming at
-- this moment are skipped, never waited for. NULL when the queue is empty.
CREATE OR REPLACE FUNCTION parkdesk.take_next_appeal() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a parkdesk.appeal;
BEGIN
    PERFORM parkdesk.claim_commits_lazily();
    SELECT ap.* INTO a FROM parkdesk.appeal_claim c JOIN parkdesk.appeal ap ON ap.id = c.appeal_id
    WHERE c.claimed_by = session_user::text AND c.claimed_until > now() AND ap.status = 'open'
    FOR UPDATE OF ap SKIP LOCKED;
    IF FOUND THEN
        RETURN parkdesk.hold_claim(a);
    END IF;
    LOOP
        SELECT * INTO a FROM parkdesk.appeal ap
        WHERE ap.status = 'open'
          AND NOT EXISTS (SELECT 1 FROM parkdesk.appeal_claim c
                          WHERE c.appeal_id = ap.id AND c.claimed_until > now())
          AND (ap.level = 'review' OR ap.hearing_at <= now())
        ORDER BY coalesce(ap.hearing_at, ap.filed_at), ap.id
        LIMIT 1
        FOR UPDATE SKIP LOCKED;
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;
        -- The claim is not in the appeal's row, so a claim committed after this statement
        -- began does not make the lock look again: a fresh look, before taking it. (The
        -- next round's snapshot sees that claim, and passes over the appeal.)
        EXIT WHEN NOT EXISTS (SELECT 1 FROM parkdesk.appeal_claim c
                              WHERE c.appeal_id = a.id AND c.claimed_until > now());
    END LOOP;
    RETURN parkdesk.hold_claim(a);
END
$$;

-- An adjudicator opens one appeal from the queue: claimed if nobody else holds it.
CREATE OR REPLACE FUNCTION parkdesk.claim_appeal(p_appeal bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a parkdesk.appeal;
    k parkdesk.appeal_claim;
BEGIN
    PERFORM parkdesk.claim_commits_lazily();
    SELECT * INTO a FROM parkdesk.appeal ap WHERE ap.id = p_appeal FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM parkdesk.refuse('appeal', 'There is no such appeal.');
    END IF;
    IF a.status <> 'open' THEN
        PERFORM parkdesk.refuse('appeal', format('Appeal %s is %s.', a.number, a.status));
    END IF;
    SELECT * INTO k FROM parkdesk.appeal_claim c WHERE c.appeal_id = a.id;
    IF k.claimed_until > now() AND k.claimed_by <> session_user::text THEN
        PERFORM parkdesk.refuse('appeal', format('Appeal %s is being worked on by %s.',
                                                 a.number, k.claimed_by));
    END IF;
    RETURN parkdesk.hold_claim(a);
END
$$;

-- The adjudicator gives an appeal back to the queue (a manager may free anyone's).
CREATE OR REPLACE FUNCTION parkdesk.release_appeal(p_appeal bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a parkdesk.appeal;
    k parkdesk.appeal_claim;
BEGIN
    PERFORM parkdesk.claim_commits_lazily();
    SELECT * INTO a FROM parkdesk.appeal ap WHERE ap.id = p_appeal FOR UPDATE;
    SELECT * INTO k FROM parkdesk.appeal_claim c WHERE c.appeal_id = p_appeal;
    IF a.id IS NULL OR k.claimed_by IS NULL THEN
        RETURN;
    END IF;
    IF k.claimed_by <> session_user::text
       AND NOT pg_has_role(session_user, 'parkdesk_manager', 'USAGE') THEN
        PERFORM parkdesk.refuse('appeal', format('Appeal %s is %s''s to give back.', a.number,
                                                 k.claimed_by));
    END IF;
    PERFORM parkdesk.drop_claims(a.id);
END
$$;

-- The adjudicator sends a review to a hearing, at a time and place; the appeal goes back
-- to the queue until then. Where the office holds hearings only for paid citations, one
-- with money owed is refused.
CREATE OR REPLACE FUNCTION parkdesk.schedule_hearing(
    p_appeal bigint, p_at timestamptz, p_place text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k record;
    a parkdesk.appeal;
    c parkdesk.citation;
    v_tz text;
BEGIN
    PERFORM parkdesk.bound_text('place', p_place, 200);
    k := parkdesk.locked_appeal(p_appeal);
    a := k.a;
    c := k.c;
    PERFORM parkdesk.require_claim(a);
    SELECT s.time_zone INTO v_tz FROM parkdesk.office_setting s WHERE s.id = 1;
    IF p_at IS NULL OR p_at < now() OR p_at > now() + interval '1 year' THEN
        PERFORM parkdesk.refuse('at', 'A hearing is set for a time in the coming year.');
    END IF;
    IF length(btrim(coalesce(p_place, ''))) < 2 THEN
        PERFORM parkdesk.refuse('place', 'Say where the hearing is held.');
    END IF;
    IF (SELECT s.hearing_requires_payment FROM parkdesk.office_setting s WHERE s.id = 1)
       AND c.balance > 0 THEN
        PERFORM parkdesk.refuse('appeal', format(
            'The office holds a hearing once the citation is paid: %s is owed on %s.',
            c.balance, c.number));
    END IF;
    UPDATE parkdesk.appeal
    SET level = 'hearing', hearing_at = p_at, hearing_place = btrim(p_place)
    WHERE id = a.id;
    PERFORM parkdesk.drop_claims(a.id);
    PERFORM parkdesk.appeal_step_taken(a.id, 'hearing_set', format('%s, %s',
        to_char(p_at AT TIME ZONE v_tz, 'FMDD Mon YYYY HH24:MI'), btrim(p_place)));
END
$$;

-- Days the citation spent under this appeal, which its escalation does not count: those
-- counted before a manager reopened it, and those since it was last opened (filed, or
-- reopened). The weeks a decided appeal lay closed are not among them: a reopening pauses
-- escalation again, it does not take back the days the citation stood decided.
CREATE OR REPLACE FUNCTION parkdesk.days_under_appeal(p_appeal parkdesk.appeal) RETURNS int
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT p_appeal.paused_days + greatest(parkdesk.local_day(now()) - parkdesk.local_day(
        coalesce((SELECT max(st.at) FROM parkdesk.appeal_step st
                  WHERE st.appeal_id = p_appeal.id AND st.step = 'reopened'),
                 p_appeal.filed_at)), 0)
$$;

-- The adjudicator holding an appeal decides it (SPEC rule 8), with a reason from the
-- managers' list for that decision and a note: uphold (the citation stands; escalation
-- resumes where it stopped), reduce (the citation's charges become p_amount) or dismiss
-- (they become 0). What a decision takes off is an adjustment in the ledger, never an
-- edit of the citation; what was already paid beyond the decided amount is owed back to
-- the parker (refund_due). A decided citation is locked: only a manager reopens it.
CREATE OR REPLACE FUNCTION parkdesk.decide_appeal(
    p_appeal bigint, p_decision text, p_reason bigint, p_note text,
    p_amount numeric DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k record;
    a parkdesk.appeal;
    c parkdesk.citation;
    r parkdesk.appeal_reason;
    v_charges numeric(12, 2);
    v_paid numeric(12, 2);
    v_target numeric(12, 2);
    v_off numeric(12, 2) := 0;
    v_refund numeric(12, 2) := 0;
BEGIN
    -- The note goes into the decision's step after its decision and reason (up to 230
    -- characters), and a step's note holds 2000: a longer note is refused here, in words,
    -- not by the step's check after the work was done.
    PERFORM parkdesk.bound_text('note', p_note, 1700);
    IF coalesce(p_decision, '') NOT IN ('uphold', 'reduce', 'dismiss') THEN
        PERFORM parkdesk.refuse('decision', 'Decide: uphold, reduce or dismiss.');
    END IF;
    k := parkdesk.locked_appeal(p_appeal);
    a := k.a;
    c := k.c;
    PERFORM parkdesk.require_claim(a);
    -- A hearing is decided once it has been held: the parker was promised one.
    IF a.level = 'hearing' AND a.hearing_at > now() THEN
        PERFORM parkdesk.refuse('appeal', format(
            'Appeal %s is to be heard on %s: decide it at or after the hearing (or set it '
            'for another time).', a.number,
            to_char(a.hearing_at AT TIME ZONE (SELECT s.time_zone FROM parkdesk.office_setting s
                                              WHERE s.id = 1), 'FMDD Mon YYYY HH24:MI')));
    END IF;
    SELECT * INTO r FROM parkdesk.appeal_reason ar WHERE ar.id = p_reason;
    IF NOT FOUND OR NOT r.active OR r.decision <> p_decision THEN
        PERFORM parkdesk.refuse('reason', format('Choose one of the reasons for %s.',
            CASE p_decision WHEN 'uphold' THEN 'upholding' WHEN 'reduce' THEN 'reducing'
                            ELSE 'dismissing' END));
    END IF;
    -- Charges: everything posted to the citation but the money that moved; paid: the
    -- payments less what was already paid back (a refund of an earlier decision).
    SELECT coalesce(sum(l.amount) FILTER (WHERE l.kind NOT IN ('payment', 'payout')), 0),
           coalesce(-sum(l.amount) FILTER (WHERE l.kind IN ('payment', 'payout')), 0)
    INTO v_charges, v_paid
    FROM parkdesk.ledger_entry l WHERE l.citation_id = c.id;
    IF p_decision = 'reduce' THEN
        IF p_amount IS NULL OR p_amount <= 0 OR p_amount <> round(p_amount, 2) THEN
            PERFORM parkdesk.refuse('amount', 'Reduce to an amount above zero, in cents at most.');
        END IF;
        IF p_amount >= v_charges THEN
            PERFORM parkdesk.refuse('amount', format(
                'Citation %s''s charges are %s: reduce them to less than that.', c.number,
                v_charges));
        END IF;
        v_target := p_amount;
    ELSIF p_decision = 'dismiss' THEN
        v_target := 0;
    ELSE
        IF p_amount IS NOT NULL THEN
            PERFORM parkdesk.refuse('amount', 'An upheld citation keeps its charges.');
        END IF;
        v_target := v_charges;
    END IF;
    -- The balance cannot go below nothing owed: what was paid beyond the target is owed
    -- back, and only the balance is taken off.
    v_off := least(v_charges - v_target, c.balance);
    v_refund := greatest(v_paid - v_target, 0);
    IF v_off > 0 THEN
        PERFORM parkdesk.post_line('adjustment', -v_off, NULL, NULL,
            format('Appeal %s %s, citation %s: %s', a.number,
                   CASE p_decision WHEN 'reduce' THEN 'reduced' ELSE 'dismissed' END,
                   c.number, r.text),
            p_citation => c.id);
    END IF;
    UPDATE parkdesk.appeal
    SET status = 'decided', decision = p_decision, reason_id = r.id,
        decision_note = btrim(coalesce(p_note, '')),
        reduced_to = CASE WHEN p_decision = 'reduce' THEN p_amount END,
        taken_off = v_off, refund_due = v_refund, paused_days = parkdesk.days_under_appeal(a),
        decided_at = now(), decided_by = session_user
    WHERE id = a.id;
    PERFORM parkdesk.drop_claims(a.id);
    -- What was paid beyond the decision goes back the way it was paid: a refund, paid
    -- out at the counter (pay_refund, which posts it to the citation's ledger), approved
    -- by this decision up to the office's limit and by a manager above it.
    IF v_refund > 0 THEN
        PERFORM parkdesk.refund_of_appeal(a, c, v_refund, p_decision);
    END IF;
    PERFORM parkdesk.appeal_step_taken(a.id, 'decided', format('%s: %s%s',
        CASE p_decision WHEN 'uphold' THEN 'Upheld'
                        WHEN 'reduce' THEN 'Reduced to ' || p_amount ELSE 'Dismissed' END,
        r.text,
        CASE WHEN btrim(coalesce(p_note, '')) = '' THEN '' ELSE ' — ' || btrim(p_note) END));
END
$$;

-- The refund an appeal's decision owes: to the parker of the cited vehicle (if any), back
-- to the citation's last payment; approved by the decision up to the office's approval
-- limit, waiting for a manager above it.
CREATE OR REPLACE FUNCTION parkdesk.refund_of_appeal(
    a parkdesk.appeal, c parkdesk.citation, p_amount numeric, p_decision text) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_limit numeric(12, 2);
    v_id bigint;
BEGIN
    SELECT s.refund_approval_threshold INTO v_limit FROM parkdesk.office_setting s
    WHERE s.id = 1;
    INSERT INTO parkdesk.refund (citation_id, appeal_id, parker_id, original_payment_id,
                                 amount, status, reason, decided_by, decided_at,
                                 approval_reason)
    SELECT c.id, a.id, (SELECT ve.parker_id FROM parkdesk.vehicle ve WHERE ve.id = c.vehicle_id),
           (SELECT l.payment_id FROM parkdesk.ledger_entry l
            WHERE l.citation_id = c.id AND l.kind = 'payment'
            ORDER BY l.id DESC LIMIT 1),
           p_amount, CASE WHEN p_amount > v_limit THEN 'pending' ELSE 'approved' END,
           format('Appeal %s %s, citation %s: paid beyond the decided amount', a.number,
                  CASE p_decision WHEN 'reduce' THEN 'reduced' ELSE 'dismissed' END, c.number),
           CASE WHEN p_amount <= v_limit THEN session_user END,
           CASE WHEN p_amount <= v_limit THEN now() END,
           CASE WHEN p_amount > v_limit THEN 'amount' END
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;

-- A clerk records that the parker withdrew the appeal; escalation resumes where it
-- stopped.
CREATE OR REPLACE FUNCTION parkdesk.withdraw_appeal(p_appeal bigint, p_note text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k record;
    a parkdesk.appeal;
    c parkdesk.citation;
BEGIN
    PERFORM parkdesk.bound_text('note', p_note, 300);
    IF length(btrim(coalesce(p_note, ''))) < 3 THEN
        PERFORM parkdesk.refuse('note', 'Say how the parker withdrew the appeal.');
    END IF;
    k := parkdesk.locked_appeal(p_appeal);
    a := k.a;
    c := k.c;
    IF a.status <> 'open' THEN
        PERFORM parkdesk.refuse('appeal', format('Appeal %s is %s.', a.number, a.status));
    END IF;
    UPDATE parkdesk.appeal
    SET status = 'withdrawn', paused_days = parkdesk.days_under_appeal(a)
    WHERE id = a.id;
    PERFORM parkdesk.drop_claims(a.id);
    PERFORM parkdesk.appeal_step_taken(a.id, 'withdrawn', btrim(p_note));
END
$$;

-- A manager reopens a decided appeal, saying why: what the decision took off is put back
-- (an adjustment), and so is what its refund already paid back; a refund not paid yet is
-- withdrawn. Nothing is owed back any more, and the appeal waits in the queue again at
-- its level. The days it was already under appeal stay counted (paused_days), and
-- days_under_appeal adds those from the reopening on.
CREATE OR REPLACE FUNCTION parkdesk.reopen_appeal(p_appeal bigint, p_reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k record;
    a parkdesk.appeal;
    c parkdesk.citation;
    v_paid_back numeric(12, 2);
BEGIN
    PERFORM parkdesk.bound_text('reason', p_reason, 300);
    IF length(btrim(coalesce(p_reason, ''))) < 3 THEN
        PERFORM parkdesk.refuse('reason', 'Say why the appeal is reopened.');
    END IF;
    k := parkdesk.locked_appeal(p_appeal);
    a := k.a;
    c := k.c;
    IF a.status <> 'decided' THEN
        PERFORM parkdesk.refuse('appeal', format('Appeal %s is %s: only a decided appeal is '
                                                 'reopened.', a.number, a.status));
    END IF;
    IF c.voided_at IS NOT NULL THEN
        PERFORM parkdesk.refuse('appeal', format('Citation %s was voided since.', c.number));
    END IF;
    UPDATE parkdesk.refund r
    SET status = 'rejected', decided_by = session_user, decided_at = now(),
        decision_note = left(format('Appeal %s reopened: %s', a.number, btrim(p_reason)), 500)
    WHERE r.appeal_id = a.id AND r.status IN ('pending', 'approved');
    SELECT coalesce(sum(r.amount), 0) INTO v_paid_back FROM parkdesk.refund r
    WHERE r.appeal_id = a.id AND r.status = 'paid' AND r.created_at >= a.decided_at;
    IF a.taken_off + v_paid_back > 0 THEN
        PERFORM parkdesk.post_line('adjustment', a.taken_off + v_paid_back, NULL, NULL,
            format('Appeal %s reopened, citation %s: decision undone', a.number, c.number),
            p_citation => c.id);
    END IF;
    UPDATE parkdesk.appeal
    SET status = 'open', decision = NULL, reason_id = NULL, decision_note = NULL,
        reduced_to = NULL, taken_off = 0, refund_due = 0, decided_at = NULL, decided_by = NULL
    WHERE id = a.id;
    PERFORM parkdesk.appeal_step_taken(a.id, 'reopened', btrim(p_reason));
END
$$;

-- The queue at a glance, per level: appeals waiting, the oldest one's filing, those held
-- by an adjudicator now, and those whose answer is due within seven days (the office's
-- response days from filing).
CREATE OR REPLACE FUNCTION parkdesk.appeal_queue()
RETURNS TABLE (level text, waiting int, held int, oldest_filed_at timestamptz,
               answer_due_soon int, next_hearing_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT l.level, count(a.id)::int, count(k.appeal_id) FILTER (WHERE k.claimed_until > now())::int,
           min(a.filed_at),
           count(a.id) FILTER (
               WHERE parkdesk.local_day(a.filed_at) + os.appeal_response_days
                     <= parkdesk.local_day(now()) + 7)::int,
           min(a.hearing_at) FILTER (WHERE a.hearing_at >= now())
    FROM (VALUES ('review', 1), ('hearing', 2)) AS l (level, ord)
    CROSS JOIN parkdesk.office_setting os
    LEFT JOIN parkdesk.appeal a ON a.level = l.level AND a.status = 'open'
    LEFT JOIN parkdesk.appeal_claim k ON k.appeal_id = a.id
    WHERE os.id = 1
    GROUP BY l.level, l.ord
    ORDER BY l.ord
$$;

-- An appeal's history is never rewritten.
CREATE OR REPLACE FUNCTION parkdesk.guard_appeal_step() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'an appeal''s history is never changed or removed (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

-- A reason once given for a decision keeps its words and its decision: the decision letter
-- of every appeal decided with it reads them. A manager retires it (active = false) and
-- adds another instead.
CREATE OR REPLACE FUNCTION parkdesk.guard_appeal_reason() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM parkdesk.appeal ap WHERE ap.reason_id = OLD.id) THEN
        RAISE EXCEPTION 'Appeals were decided with this reason: retire it and add another '
                        'instead of changing it.' USING ERRCODE = 'PD002', DETAIL = 'text';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER appeal_reason_given BEFORE UPDATE ON parkdesk.appeal_reason
    FOR EACH ROW WHEN (OLD.decision IS DISTINCT FROM NEW.decision
                       OR OLD.text IS DISTINCT FROM NEW.text)
    EXECUTE FUNCTION parkdesk.guard_appeal_reason();
CREATE TRIGGER appeal_reason_stamp BEFORE INSERT OR UPDATE ON parkdesk.appeal_reason
    FOR EACH ROW EXECUTE FUNCTION parkdesk.stamp_row();
CREATE TRIGGER appeal_reason_audit AFTER INSERT OR UPDATE OR DELETE ON parkdesk.appeal_reason
    FOR EACH ROW EXECUTE FUNCTION parkdesk.record_change('id');
CREATE TRIGGER appeal_stamp BEFORE INSERT OR UPDATE ON parkdesk.appeal
    FOR EACH ROW EXECUTE FUNCTION parkdesk.stamp_row();
-- Every change (a claim is not one: it lives in appeal_claim, a lease, unaudited).
CREATE TRIGGER appeal_audit AFTER INSERT OR UPDATE OR DELETE ON parkdesk.appeal
    FOR EACH ROW EXECUTE FUNCTION parkdesk.record_change('id');
CREATE TRIGGER appeal_step_audit AFTER INSERT OR UPDATE OR DELETE ON parkdesk.appeal_step
    FOR EACH ROW EXECUTE FUNCTION parkdesk.record_change('id');
CREATE TRIGGER appeal_step_fixed BEFORE UPDATE OR DELETE ON parkdesk.appeal_step
    FOR EACH ROW EXECUTE FUNCTION parkdesk.guard_appeal_step();
CREATE TRIGGER appeal_step_no_truncate BEFORE TRUNCATE ON parkdesk.appeal_step
    FOR EACH STATEMENT EXECUTE FUNCTION parkdesk.guard_appeal_step();

-- A document kept in the evidence store from a desk (a parker's receipt for an appeal, an
-- incident's photo): bounded before any work; at most 20 MB; hashed by the database, a
-- declared SHA-256 that differs refused; only JPEG, PNG or PDF, as its first bytes show,
-- and what the desk said it is; described in words. Its type, as kept.
CREATE OR REPLACE FUNCTION parkdesk.checked_document(
    p_content bytea, p_sha256 text, p_media_type text, p_description text, p_file_name text)
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_detected text;
BEGIN
    PERFORM parkdesk.bound_text('sha256', p_sha256, 64);
    PERFORM parkdesk.bound_text('media_type', p_media_type, 40);
    PERFORM parkdesk.bound_text('description', p_description, 200);
    PERFORM parkdesk.bound_text('file_name', p_file_name, 200);
    IF octet_length(p_content) > 20971520 THEN
        PERFORM parkdesk.refuse('content', format(
            'This file is %s MB; a document is at most 20 MB. Scan it at a lower resolution '
            'or split it.', round(octet_length(p_content) / 1048576.0, 1)));
    END IF;
    IF coalesce(octet_length(p_content), 0) = 0 THEN
        PERFORM parkdesk.refuse('content', 'The file is empty: choose the document again.');
    END IF;
    IF length(btrim(coalesce(p_description, ''))) < 3 THEN
        PERFORM parkdesk.refuse('description',
            'Say what the document is, e.g. "Receipt for permit P-2026-00412".');
    END IF;
    IF lower(btrim(coalesce(p_sha256, ''))) <> encode(pg_catalog.sha256(p_content), 'hex') THEN
        PERFORM parkdesk.refuse('sha256', format(
            'The file received has SHA-256 %s, not the one computed when it was chosen: it '
            'was changed or cut short on its way. Nothing was kept; attach it again.',
            encode(pg_catalog.sha256(p_content), 'hex')));
    END IF;
    v_detected := parkdesk.evidence_media_type(p_content);
    IF v_detected IS NULL THEN
        PERFORM parkdesk.refuse('content',
            'Only JPEG and PNG photos and PDF documents can be attached: scan or save the '
            'document as one of them.');
    END IF;
    IF v_detected <> lower(btrim(coalesce(p_media_type, ''))) THEN
        PERFORM parkdesk.refuse('media_type', format(
            'This file is %s, not %s.',
            CASE v_detected WHEN 'image/jpeg' THEN 'a JPEG photo'
                            WHEN 'image/png' THEN 'a PNG image'
                            ELSE 'a PDF document' END, p_media_type));
    END IF;
    RETURN v_detected;
END
$$;

-- A document the parker brings to support an appeal (a receipt, a photo of the permit on
-- the dashboard, a letter), attached by the counter or the adjudicator while the appeal is
-- open. It joins the evidence store under the same rules as an officer's photo
-- (checked_document); nothing there is ever changed or removed. The same file twice on
-- one appeal is refused (a retried upload attaches it once). The appeal's history records
-- who added what.
CREATE OR REPLACE FUNCTION parkdesk.attach_appeal_document(
    p_appeal bigint, p_content bytea, p_sha256 text, p_media_type text, p_description text,
    p_file_name text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k record;
    a parkdesk.appeal;
    v_hash text;
    v_detected text;
    v_description text := btrim(coalesce(p_description, ''));
    v_id bigint;
BEGIN
    v_detected := parkdesk.checked_document(p_content, p_sha256, p_media_type, p_description,
                                             p_file_name);
    v_hash := encode(pg_catalog.sha256(p_content), 'hex');
    k := parkdesk.locked_appeal(p_appeal);
    a := k.a;
    IF a.status <> 'open' THEN
        PERFORM parkdesk.refuse('appeal', format(
            'Appeal %s is %s: documents are added while it is open (a manager reopens a '
            'decided appeal).', a.number, a.status));
    END IF;
    IF EXISTS (SELECT 1 FROM parkdesk.evidence e
               WHERE e.appeal_id = a.id AND e.sha256 = v_hash) THEN
        PERFORM parkdesk.refuse('content', format(
            'This file is already attached to appeal %s.', a.number));
    END IF;
    IF (SELECT count(*) FROM parkdesk.evidence e WHERE e.appeal_id = a.id) >= 20 THEN
        PERFORM parkdesk.refuse('content', format(
            'Appeal %s has 20 documents already: put further pages into one PDF.', a.number));
    END IF;
    INSERT INTO parkdesk.evidence (appeal_id, content, sha256, media_type, captured_at,
                                   recorded_by, recorded_at, description, file_name)
    VALUES (a.id, p_content, v_hash, v_detected, now(), session_user, now(), v_description,
            nullif(btrim(coalesce(p_file_name, '')), ''))
    RETURNING id INTO v_id;
    PERFORM parkdesk.appeal_step_taken(a.id, 'document_added', format('%s (%s, %s kB)',
        v_description, CASE v_detected WHEN 'application/pdf' THEN 'PDF'
                                       WHEN 'image/png' THEN 'PNG' ELSE 'JPEG' END,
        round(octet_length(p_content) / 1024.0)));
    RETURN v_id;
END
$$;

-- The case timeline of a citation (SPEC rule 13): in time order, every permit of the
-- vehicle and of its parker (bands from when they were valid to when they ended, with
-- their purchase and cancellation), exemptions of the plate, the plate's reads on the
-- citation's local day, the citation, its photos, the parker's documents, its money (fine, late fees, discounts,
-- payments, void, adjustments), the parker's payments from 30 days before to 90 after,
-- and every step of its appeals; then what a reader looks for first, in words: the permit
-- change or payment nearest the citation ("Permit P-2026-00412 was bought 3 minutes after
-- the citation."). minutes is each row's distance from the citation; amount is the
-- money of a line of the citation's ledger, of a payment, or the citation's fine.
--
-- It runs with the caller's own rights (SECURITY INVOKER): it shows nothing a clerk,
-- adjudicator or manager could not read table by table, and a login that may not read
-- what it joins is refused, not shown less.
CREATE OR REPLACE FUNCTION parkdesk.case_timeline(p_citation bigint)
RETURNS TABLE (at timestamptz, until timestamptz, kind text, title text, detail text,
               minutes int, ref bigint, amount numeric)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH c AS (
        SELECT ci.*, vi.code AS violation_code, vi.description AS violation,
               l.name AS lot_name, z.code AS zone_code, d.code AS device_code,
               os.time_zone AS tz,
               coalesce(ci.vehicle_id, (SELECT ve.id FROM parkdesk.vehicle ve
                                        WHERE ve.jurisdiction = ci.jurisdiction
                                          AND ve.plate_normalized = ci.plate_normalized))
                   AS the_vehicle
        FROM parkdesk.citation ci
        JOIN parkdesk.violation vi ON vi.id = ci.violation_id
        JOIN parkdesk.lot l ON l.id = ci.lot_id
        LEFT JOIN parkdesk.zone z ON z.id = ci.zone_id
        JOIN parkdesk.device d ON d.id = ci.device_id
        CROSS JOIN parkdesk.office_setting os
        WHERE ci.id = p_citation AND os.id = 1
    ), owner AS (
        SELECT ve.parker_id FROM c JOIN parkdesk.vehicle ve ON ve.id = c.the_vehicle
    ), permits AS (
        SELECT p.id, p.number, p.kind, p.created_at, p.cancelled_at, p.cancel_reason,
               pv.validity, pv.vehicle_id, ve.plate_normalized, ve.jurisdiction,
               coalesce(t.name, initcap(p.kind) || ' permit') AS type_name,
               pl.name AS lot_name, pv.vehicle_id = c.the_vehicle AS this_vehicle
        FROM c, parkdesk.permit_vehicle pv
        JOIN parkdesk.permit p ON p.id = pv.permit_id
        JOIN parkdesk.vehicle ve ON ve.id = pv.vehicle_id
        JOIN parkdesk.lot pl ON pl.id = pv.lot_id
        LEFT JOIN parkdesk.permit_type t ON t.id = p.permit_type_id
        WHERE NOT isempty(pv.validity)
          AND pv.id IN (SELECT v1.id FROM parkdesk.permit_vehicle v1
                        WHERE v1.vehicle_id = c.the_vehicle
                        UNION
                        SELECT v2.id FROM parkdesk.permit_vehicle v2
                        JOIN parkdesk.permit pe ON pe.id = v2.permit_id
                        JOIN owner ON pe.parker_id = owner.parker_id)
    ), events AS (
        -- Permits: valid bands, purchases and cancellations.
        SELECT lower(pm.validity) AS at, upper(pm.validity) AS until, 'permit' AS kind,
               format('Permit %s (%s) for %s', pm.number, pm.type_name, pm.lot_name) AS title,
               CASE WHEN pm.this_vehicle THEN format('Valid for this vehicle, %s (%s)',
                                                     pm.plate_normalized, pm.jurisdiction)
                    ELSE format('The parker''s permit, for %s (%s)', pm.plate_normalized,
                                pm.jurisdiction) END AS detail,
               pm.id AS ref,
               CASE WHEN pm.this_vehicle
                    THEN format('Permit %s became valid', pm.number) END AS phrase,
               NULL::numeric AS amount
        FROM permits pm
        UNION ALL
        SELECT DISTINCT ON (pm.id) pm.created_at, NULL, 'permit_bought',
               format('Permit %s bought', pm.number),
               format('%s for %s', pm.type_name, pm.lot_name), pm.id,
               format('Permit %s was bought', pm.number), NULL
        FROM permits pm
        UNION ALL
        SELECT DISTINCT ON (pm.id) pm.cancelled_at, NULL, 'permit_cancelled',
               format('Permit %s cancelled', pm.number), coalesce(pm.cancel_reason, ''), pm.id,
               format('Permit %s was cancelled', pm.number), NULL
        FROM permits pm WHERE pm.cancelled_at IS NOT NULL
        UNION ALL
        -- Exemptions of the plate.
        SELECT e.starts_at, e.ends_at, 'exemption', format('Do not ticket: %s', e.reason),
               coalesce('In ' || el.name, 'In every lot'), e.id, NULL, NULL
        FROM c JOIN parkdesk.exemption e
          ON e.jurisdiction = c.jurisdiction AND e.plate_normalized = c.plate_normalized
        LEFT JOIN parkdesk.lot el ON el.id = e.lot_id
        UNION ALL
        -- The plate's reads on the citation's local day.
        SELECT pr.read_at, NULL, 'read',
               format('Read in %s%s: %s', rl.name, coalesce(' zone ' || rz.code, ''),
                      replace(pr.verdict, '_', ' ')),
               format('Device %s, officer %s. %s', rd.code, pr.officer, pr.reason), pr.id, NULL,
               NULL
        FROM c JOIN parkdesk.plate_read pr
          ON pr.jurisdiction = c.jurisdiction AND pr.plate_normalized = c.plate_normalized
         AND pr.read_at >= parkdesk.local_midnight(parkdesk.local_day(c.issued_at))
         AND pr.read_at < parkdesk.local_midnight(parkdesk.local_day(c.issued_at) + 1)
        JOIN parkdesk.lot rl ON rl.id = pr.lot_id
        LEFT JOIN parkdesk.zone rz ON rz.id = pr.zone_id
        JOIN parkdesk.device rd ON rd.id = pr.device_id
        UNION ALL
        -- The citation, its photos and its void.
        SELECT c.issued_at, NULL, 'citation',
               format('Citation %s: %s %s', c.number, c.violation_code, c.violation),
               format('%s%s, officer %s, device %s.%s', c.lot_name,
                      coalesce(' zone ' || c.zone_code, ''), c.officer, c.device_code,
                      coalesce(' Note: ' || nullif(c.note, ''), '')), c.id, NULL, c.fine
        FROM c
        UNION ALL
        SELECT ev.captured_at, NULL, 'photo',
               format('Photo (%s, %s kB)', ev.media_type, round(ev.size_bytes / 1024.0)),
               format('SHA-256 %s', ev.sha256), ev.id, NULL, NULL
        FROM c CROSS JOIN LATERAL parkdesk.case_evidence(c.id) ev
        WHERE ev.appeal_id IS NULL
        UNION ALL
        -- The parker's documents on its appeals.
        SELECT dv.recorded_at, NULL, 'document',
               format('Document: %s (%s, %s kB)', dv.description,
                      CASE dv.media_type WHEN 'application/pdf' THEN 'PDF'
                                         WHEN 'image/png' THEN 'PNG' ELSE 'JPEG' END,
                      round(dv.size_bytes / 1024.0)),
               format('Added to appeal %s by %s. SHA-256 %s', dv.appeal_number,
                      dv.recorded_by, dv.sha256), dv.id, NULL, NULL
        FROM c CROSS JOIN LATERAL parkdesk.case_evidence(c.id) dv
        WHERE dv.appeal_id IS NOT NULL
        UNION ALL
        SELECT c.voided_at, NULL, 'void', format('Citation %s voided', c.number),
               format('By %s: %s', c.voided_by, c.void_reason), c.id, NULL, NULL
        FROM c WHERE c.voided_at IS NOT NULL
        UNION ALL
        -- Its money, row by row.
        SELECT ll.posted_at, NULL, 'ledger', initcap(replace(ll.kind, '_', ' ')),
               ll.memo, ll.id, NULL, ll.amount
        FROM c JOIN parkdesk.ledger_line ll ON ll.citation_id = c.id
        UNION ALL
        -- The parker's payments around it.
        SELECT py.received_at, NULL, 'payment',
               format('Payment %s (%s)', py.receipt_number, py.tender),
               py.description, py.id,
               format('Payment %s (%s) was taken', py.receipt_number, py.tender), py.amount
        FROM c, owner JOIN parkdesk.payment_line py ON py.parker_id = owner.parker_id
        WHERE py.received_at >= c.issued_at - interval '30 days'
          AND py.received_at <= c.issued_at + interval '90 days'
        UNION ALL
        -- Its appeals, step by step.
        SELECT st.at, NULL, 'appeal',
               format('Appeal %s %s', ap.number, replace(st.step, '_', ' ')),
               concat_ws(' ', 'By ' || st.by || '.', nullif(st.note, '')), ap.id, NULL, NULL
        FROM c JOIN parkdesk.appeal ap ON ap.citation_id = c.id
        JOIN parkdesk.appeal_step st ON st.appeal_id = ap.id
        WHERE st.step <> 'document_added'  -- the document's own line says it
    ), nearest AS (
        -- The permit change or payment nearest the citation.
        SELECT e.at, e.phrase, e.kind, e.ref,
               round(extract(epoch FROM e.at - c.issued_at) / 60)::int AS m
        FROM events e, c
        WHERE e.phrase IS NOT NULL AND e.at IS NOT NULL
        ORDER BY abs(extract(epoch FROM e.at - c.issued_at)), e.at
        LIMIT 1
    ), timeline AS (
        SELECT e.at, e.until, e.kind, e.title, e.detail,
               round(extract(epoch FROM e.at - c.issued_at) / 60)::int AS minutes, e.ref,
               e.amount
        FROM events e, c
        WHERE e.at IS NOT NULL
        UNION ALL
        SELECT n.at, NULL, 'finding',
               format('%s %s the citation.', n.phrase,
                      CASE WHEN n.m = 0 THEN 'in the same minute as'
                           ELSE concat_ws(' ',
                               CASE WHEN abs(n.m) < 120
                                        THEN abs(n.m) || CASE WHEN abs(n.m) = 1 THEN ' minute'
                                                              ELSE ' minutes' END
                                    WHEN abs(n.m) < 2880 THEN (abs(n.m) / 60) || ' hours'
                                    ELSE (abs(n.m) / 1440) || ' days' END,
                               CASE WHEN n.m < 0 THEN 'before' ELSE 'after' END) END),
               CASE WHEN EXISTS (SELECT 1 FROM permits pm, c
                                 WHERE pm.this_vehicle AND pm.validity @> c.issued_at)
                    THEN 'A permit of this vehicle was valid when it was cited.'
                    ELSE 'No permit of this vehicle was valid when it was cited.' END,
               n.m, n.ref, NULL
        FROM nearest n
    )
    SELECT t.at, t.until, t.kind, t.title, t.detail, t.minutes, t.ref, t.amount
    FROM timeline t
    ORDER BY t.kind <> 'finding', t.at, t.kind
$$;
