"""The staff desk: staff logins and the roles they hold (administrators)."""
