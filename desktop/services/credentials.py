"""Where to connect and the remembered password: plain connection profiles and the OS keyring.

Passwords only ever go to the operating system's keyring (service "ParkDesk",
key ``login@host:port/db``); the views remember the rest of a profile in the
Qt settings. Keyring failures never stop anyone logging in: they only mean the
password is not remembered.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.services.database import ConnectionSettings

log = logging.getLogger(__name__)

KEYRING_SERVICE = "ParkDesk"
DEFAULT_PORT = 5432
DEFAULT_DATABASE = "parkdesk"
NO_KEYRING = (
    "This computer has no password store (keyring), so ParkDesk cannot remember the password."
)


@dataclass(frozen=True)
class ConnectionProfile:
    """A server and login to offer in the login dialog; never holds a password."""

    host: str = ""
    port: int = DEFAULT_PORT
    database: str = DEFAULT_DATABASE
    login: str = ""
    sslrootcert: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.host.strip())

    def keyring_key(self) -> str:
        return f"{self.login}@{self.host}:{self.port}/{self.database}"

    def settings(self, password: str) -> ConnectionSettings:
        from desktop.services.database import ConnectionSettings

        return ConnectionSettings(password=password, **asdict(self))

    def to_dict(self) -> dict[str, str]:
        """Plain strings for a settings store."""
        return {key: str(value) for key, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ConnectionProfile:
        """Read back :meth:`to_dict`; anything missing or garbled falls back to the default."""
        try:
            port = int(str(values.get("port") or DEFAULT_PORT))
        except ValueError:
            port = DEFAULT_PORT
        if not 1 <= port <= 65535:
            port = DEFAULT_PORT
        return cls(
            host=str(values.get("host") or ""),
            port=port,
            database=str(values.get("database") or DEFAULT_DATABASE),
            login=str(values.get("login") or ""),
            sslrootcert=str(values.get("sslrootcert") or ""),
        )


def keyring_problem() -> str | None:
    """Why passwords cannot be remembered on this computer, or None when they can."""
    try:
        import keyring
        from keyring.backends import fail, null

        backend = keyring.get_keyring()
    except Exception:
        log.warning("no usable keyring", exc_info=True)
        return NO_KEYRING
    if isinstance(backend, fail.Keyring | null.Keyring):
        return NO_KEYRING
    chained = getattr(backend, "backends", None)
    if chained is not None and not chained:
        return NO_KEYRING
    return None


def stored_password(profile: ConnectionProfile) -> str | None:
    """The remembered password for this login and server, or None (also on keyring errors)."""
    if not profile.login or not profile.host:
        return None
    try:
        import keyring

        password = keyring.get_password(KEYRING_SERVICE, profile.keyring_key())
    except Exception:
        log.warning("could not read the keyring", exc_info=True)
        return None
    return password or None


def remember_password(profile: ConnectionProfile, password: str) -> bool:
    """Store the password in the keyring; False (and logged) when the keyring refuses."""
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, profile.keyring_key(), password)
    except Exception:
        log.warning("could not store the password in the keyring", exc_info=True)
        return False
    return True


def forget_password(profile: ConnectionProfile) -> None:
    """Remove a remembered password, if there is one."""
    try:
        import keyring
        from keyring.errors import PasswordDeleteError

        try:
            keyring.delete_password(KEYRING_SERVICE, profile.keyring_key())
        except PasswordDeleteError:
            return
    except Exception:
        log.warning("could not remove the password from the keyring", exc_info=True)
