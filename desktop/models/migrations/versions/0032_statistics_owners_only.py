"""The server's activity statistics are the owner's to read, not every login's
(docs/SECURITY.md, threat 31), by the administrator: they belong to the server, so the
SQL files, which run as the owner, cannot.

PostgreSQL counts, for every table and index, the rows each statement fetched — inside
the owner's functions too, rows they then kept from the caller included — and any login
may read the counts, its own transaction's (``pg_stat_xact_user_tables``) or the
server's (``pg_stat_user_tables``). Read before and after a call, they answered what the
functions refuse: how many payments another clerk's drawer shift holds, live; whether a
plate is on the watchlist, with no alert; which files are a confidential incident's.
Every ``pg_stat_get_*`` function and ``pg_stat_have_stats`` is taken from PUBLIC in this
database, and with them every statistics view (a view's functions are checked as its
reader); the owner keeps them, for the watchdogs.
"""

from alembic import op

revision = "0032"
down_revision = "0031"

_STATISTICS = """
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             WHERE p.pronamespace = 'pg_catalog'::regnamespace
               AND (p.proname LIKE 'pg\\_stat\\_get\\_%' OR p.proname = 'pg_stat_have_stats')
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO parkdesk_owner', f);
    END LOOP;
END
$$
"""


def upgrade() -> None:
    # As the administrator: an earlier migration of the same run may have left the owner's
    # role set for the rest of the transaction.
    op.execute("RESET ROLE")
    op.execute(_STATISTICS)


def downgrade() -> None:
    raise RuntimeError("The server functions' grants cannot be downgraded; restore a backup.")
