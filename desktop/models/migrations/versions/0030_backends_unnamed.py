"""Which login runs which server process is the owner's to read, not every login's
(docs/SECURITY.md, threat 30), by the administrator: the statistics views and their
functions belong to the server, so the SQL files, which run as the owner, cannot.

A committed change is announced by the process that made it, and LISTEN hands every
listener that process's id; with ``pg_stat_activity`` open to every login, the id named
the clerk who took each payment, though the payment itself does not name its taker to
the other clerks. The watchdogs, which run as the owner, keep reading them.
"""

from alembic import op

revision = "0030"
down_revision = "0029"

_BACKENDS = """
DO $$
DECLARE
    f regprocedure;
BEGIN
    REVOKE SELECT ON pg_catalog.pg_stat_activity FROM PUBLIC;
    GRANT SELECT ON pg_catalog.pg_stat_activity TO parkdesk_owner;
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             WHERE p.pronamespace = 'pg_catalog'::regnamespace
               AND (p.proname = 'pg_stat_get_activity'
                    OR p.proname LIKE 'pg\\_stat\\_get\\_backend\\_%')
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
    op.execute(_BACKENDS)


def downgrade() -> None:
    raise RuntimeError("The server functions' grants cannot be downgraded; restore a backup.")
