"""Connections: URLs, engines for staff logins and the administrator, error translation.

Every staff member connects with their own PostgreSQL login; the database decides
what they may do. This module turns psycopg/SQLAlchemy failures into
:class:`~desktop.services.errors.KnownError` messages a person can act on.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as saexc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from desktop.services.errors import (
    ConnectionProblem,
    KnownError,
    LotFull,
    NotFound,
    PermissionDenied,
    ShiftNeeded,
    ValidationError,
    WaitlistOnly,
)

log = logging.getLogger(__name__)

APPLICATION_NAME = "ParkDesk"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", ""}


@dataclass(frozen=True)
class ConnectionSettings:
    """Where and as whom to connect. The password is never written to disk."""

    host: str
    port: int
    database: str
    login: str
    password: str = ""
    sslmode: str = ""  # empty: verify-full for remote servers, prefer on this machine
    sslrootcert: str = ""

    @property
    def is_local(self) -> bool:
        return self.host in LOCAL_HOSTS or self.host.startswith("/")

    def effective_sslmode(self) -> str:
        if self.sslmode:
            return self.sslmode
        return "prefer" if self.is_local else "verify-full"

    def conninfo(self) -> dict[str, Any]:
        """Keyword arguments for :func:`psycopg.connect`."""
        params: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "dbname": self.database,
            "user": self.login,
            "password": self.password,
            "application_name": APPLICATION_NAME,
            "connect_timeout": 5,
            "sslmode": self.effective_sslmode(),
        }
        if self.sslrootcert:
            params["sslrootcert"] = self.sslrootcert
        return params

    def sqlalchemy_url(self) -> URL:
        query: dict[str, str] = {
            "sslmode": self.effective_sslmode(),
            "application_name": APPLICATION_NAME,
            "connect_timeout": "5",
        }
        if self.sslrootcert:
            query["sslrootcert"] = self.sslrootcert
        return URL.create(
            "postgresql+psycopg",
            username=self.login,
            password=self.password or None,
            host=self.host,
            port=self.port,
            database=self.database,
            query=query,
        )

    def describe(self) -> str:
        return f"{self.login}@{self.host}:{self.port}/{self.database}"

    def with_password(self, password: str) -> ConnectionSettings:
        return replace(self, password=password)


# -- checking where to connect, before anything tries to -------------------------------

#: A DNS name has at most 253 characters (RFC 1035), each label 1 to 63.
MAX_HOST_NAME = 253
#: libpq puts "/.s.PGSQL.<port>" after a socket folder, in a 108-byte sun_path.
MAX_SOCKET_FOLDER = 107 - len("/.s.PGSQL.65535")
_SHOWN_CHARS = 60


def _shown(text: str) -> str:
    """A value quoted for a one-line message, cut short if someone pasted a novel."""
    return repr(text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…")


def check_port(port: object) -> int:
    """A TCP port number from 1 to 65535, or a :class:`ConnectionProblem` saying so."""
    text = str(port).strip()
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ConnectionProblem(
            f"The port must be a number from 1 to 65535, not {_shown(str(port))}.", "port"
        )
    return int(text)


def check_host(host: str) -> str:
    """A server name, an IP address or a socket folder (libpq allows a comma list of them).

    Raises :class:`ConnectionProblem` for what no server could have as a name, so a
    typo or a pasted paragraph gets a message instead of an error deep in the resolver.
    """
    for part in host.split(","):
        name = part.strip()
        if not name:  # libpq's default: the local socket
            continue
        if name.startswith("/"):
            if len(name.encode()) > MAX_SOCKET_FOLDER:
                raise ConnectionProblem(
                    f"The socket folder {_shown(name)} is too long "
                    f"(at most {MAX_SOCKET_FOLDER} bytes).",
                    "host",
                )
            continue
        with contextlib.suppress(ValueError):
            ipaddress.ip_address(name)
            continue
        try:
            encoded = name.encode("idna")
        except UnicodeError:
            encoded = b""
        if not encoded or len(encoded) > MAX_HOST_NAME:
            raise ConnectionProblem(
                f"{_shown(name)} is not a server name: a name has at most {MAX_HOST_NAME} "
                "characters, in parts of 1 to 63 separated by dots.",
                "host",
            )
    return host


def _query_values(sa_url: URL, key: str) -> list[str]:
    value = sa_url.query.get(key)
    values = [value] if isinstance(value, str) else list(value or ())
    return [part for v in values for part in v.split(",") if part]


def parse_admin_url(url: str) -> URL:
    """The administrator URL (``postgresql://...``), checked: the one place bad URLs stop.

    Raises :class:`ConnectionProblem` with a one-line message; the password of the URL is
    never repeated in it.
    """
    try:
        sa_url = make_url(url)
    except saexc.ArgumentError as exc:
        raise ConnectionProblem(f"Not a database URL: {_shown(url)}") from exc
    except ValueError as exc:  # SQLAlchemy's int() of the port
        raise ConnectionProblem(
            "Not a database URL: the port after the server name must be a number from 1 to 65535."
        ) from exc
    if not sa_url.drivername.startswith("postgresql"):
        raise ConnectionProblem(
            f"Not a PostgreSQL URL: {_shown(sa_url.render_as_string(hide_password=True))}"
        )
    if sa_url.host is not None:
        check_host(sa_url.host)
    for host in _query_values(sa_url, "host"):
        check_host(host)
    if sa_url.port is not None:
        check_port(sa_url.port)
    for port in _query_values(sa_url, "port"):
        check_port(port)
    return sa_url


def admin_libpq_url(url: str) -> str:
    """The administrator URL checked as :func:`admin_engine` does, for :func:`psycopg.connect`."""
    sa_url = parse_admin_url(url).set(drivername="postgresql")
    return sa_url.render_as_string(hide_password=False)


def admin_engine(url: str) -> Engine:
    """An engine for an administrator URL (``postgresql://...``) given on the command line."""
    sa_url = parse_admin_url(url).set(drivername="postgresql+psycopg")
    return create_engine(sa_url, pool_pre_ping=True, connect_args={"connect_timeout": 5})


def staff_engine(
    settings: ConnectionSettings, pool_size: int = 4, *, fresh: bool = False
) -> Engine:
    """A pool for one person's login, or with ``fresh`` a new connection for every use,
    closed after it; raises :class:`ConnectionProblem` for an impossible server name or
    port before anything connects."""
    check_host(settings.host)
    check_port(settings.port)
    engine = (
        create_engine(settings.sqlalchemy_url(), poolclass=NullPool)
        if fresh
        else create_engine(
            settings.sqlalchemy_url(),
            pool_size=pool_size,
            max_overflow=2,
            pool_pre_ping=True,
            pool_recycle=1800,
        )
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: psycopg.Connection[Any], _record: object) -> None:
        # Named objects resolve inside the ParkDesk schema, whatever the server default is.
        with dbapi_conn.cursor() as cur:
            cur.execute("SET search_path = parkdesk, pg_catalog")
        dbapi_conn.commit()

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)


@contextlib.contextmanager
def translate_errors() -> Iterator[None]:
    """Turn database failures into messages a person can act on."""
    try:
        yield
    except KnownError:
        raise
    except saexc.DBAPIError as exc:
        raise translate(exc.orig if exc.orig is not None else exc) from exc
    except psycopg.Error as exc:
        raise translate(exc) from exc


_CONSTRAINT_MESSAGES: dict[str, tuple[str, str]] = {
    "uq_vehicle_jurisdiction_plate_normalized": (
        "plate",
        "A vehicle with this plate and jurisdiction is already registered.",
    ),
    "uq_parker_campus_id": ("campus_id", "Another parker already has this campus ID."),
    "ck_parker_email_format": ("email", "Enter an email address like name@example.edu."),
    "ck_parker_campus_id_format": (
        "campus_id",
        "A campus ID is 3 to 20 letters, digits or dashes.",
    ),
    "ck_vehicle_plate_valid": (
        "plate",
        "A plate is 1 to 10 letters and digits (spaces, dashes and dots are ignored).",
    ),
    "ck_vehicle_jurisdiction_format": (
        "jurisdiction",
        "Jurisdiction is a two-letter code such as ON or NY.",
    ),
    "ex_permit_vehicle_no_overlap": (
        "vehicles",
        "This vehicle already has a permit for this lot in that period.",
    ),
    "uq_payment_idempotency_key": (
        "key",
        "This payment was already recorded.",
    ),
    "uq_permit_type_code": ("code", "Another permit type already has this code."),
    "ck_permit_type_code_format": (
        "code",
        "A code is 1 to 12 capital letters, digits or dashes.",
    ),
    "ck_permit_type_validity_complete": (
        "validity",
        "A fixed term needs its first and last day; N days needs 1 to 730 days.",
    ),
    "ck_permit_type_affiliations_known": ("affiliations", "Choose at least one affiliation."),
    "ck_permit_type_price_range": ("price", "The price is an amount from 0 to 100,000."),
    "ck_office_setting_threshold_not_negative": (
        "refund_approval_threshold",
        "The refund approval threshold cannot be negative.",
    ),
    "uq_lot_code": ("code", "Another lot already has this code."),
    "uq_zone_lot_id_code": ("zones", "This lot already has a zone with this code."),
    "ck_lot_capacity_not_negative": ("capacity", "Capacity cannot be negative."),
    "ck_permit_type_name_length": ("name", "A name is 1 to 100 characters."),
    "ck_permit_type_per_parker_limit_range": ("per_parker_limit", "The limit is 1 to 10."),
    "ck_permit_type_max_vehicles_range": ("max_vehicles", "A permit covers 1 to 5 vehicles."),
    "ck_permit_type_offer_hours_range": ("offer_hours", "An offer lasts 1 to 720 hours."),
    "ck_office_setting_currency_code": ("currency", "A currency is a three-letter code."),
    "uq_cash_shift_one_open_per_clerk": ("float", "You already have an open cash drawer shift."),
    "uq_waitlist_entry_one_active": ("permit_type", "This parker is already on this waitlist."),
    "uq_violation_code": ("code", "Another violation already has this code."),
    "ck_violation_code_format": ("code", "A code is 1 to 10 capital letters, digits or dashes."),
    "uq_fine_rule_violation_id_lot_id_zone_id": (
        "lot_id",
        "The schedule already has a fine for this violation here.",
    ),
    "uq_repeat_fine_violation_id_offence": ("offence", "This offence already has a line."),
    "uq_escalation_stage_after_days": ("after_days", "Another stage comes after as many days."),
    "uq_device_code": ("code", "Another device already has this code."),
    "ck_device_code_format": (
        "code",
        "A device code is 2 to 20 capital letters, digits or dashes.",
    ),
    "ex_citation_range_no_overlap": (
        "first_seq",
        "These numbers overlap another range of the same prefix.",
    ),
    "ck_office_setting_discount_whole": (
        "discount_percent",
        "Give the discount's days and percentage, or neither.",
    ),
    "ck_zone_time_limit_minutes_range": (
        "time_limit_minutes",
        "A time limit is 5 to 1,440 minutes, or blank for none.",
    ),
    "ck_exemption_ends_after_start": ("ends", "An exemption ends after it starts."),
    "uq_incident_category_name": (
        "name",
        "There is already a category of this name here (capitals aside).",
    ),
    "uq_incident_role_name": ("name", "There is already a role of this name (capitals aside)."),
}


#: Every free-text column refuses a card number (PCI DSS requirement 3) with a check named
#: ``ck_<table>_<column>_no_card_number``.
_CARD_SUFFIX = "_no_card_number"
_CARD_MESSAGE = (
    "This looks like a card number, and card numbers are never stored. Remove it "
    "(for a card payment, keep only the brand, the last 4 digits and the terminal's reference)."
)


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "?", "!")) else ".")


def _parkdesk_refusal(exc: BaseException) -> KnownError | None:
    """ParkDesk's own functions raise SQLSTATE class PD with a message for a person.

    PD001 lot full (DETAIL: lot id), PD002 a field is wrong (DETAIL: field name),
    PD003 a cash drawer shift is needed, PD005 sold through a waitlist only.
    """
    state = getattr(exc, "sqlstate", None) or ""
    if not state.startswith("PD"):
        return None
    diag = getattr(exc, "diag", None)
    message = _sentence(getattr(diag, "message_primary", None) or str(exc))
    detail = getattr(diag, "message_detail", None) or ""
    if state == "PD001":
        return LotFull(message, int(detail) if detail.isdigit() else None)
    if state == "PD002":
        return ValidationError.single(detail or "general", message)
    if state == "PD003":
        return ShiftNeeded(message)
    if state == "PD005":
        return WaitlistOnly(message)
    return KnownError(message)


def translate(exc: BaseException) -> KnownError:
    """Map one psycopg error to a :class:`KnownError`."""
    refusal = _parkdesk_refusal(exc)
    if refusal is not None:
        return refusal
    if isinstance(exc, pgerrors.InsufficientPrivilege):
        primary = getattr(getattr(exc, "diag", None), "message_primary", None) or ""
        if primary and not primary.startswith(("permission denied", "new row violates")):
            # Refused on purpose by a ParkDesk function, which says why.
            return PermissionDenied(_sentence(primary))
        return PermissionDenied(
            "Your login is not allowed to do this. Ask a manager if you think it should be."
        )
    if isinstance(exc, pgerrors.IntegrityError | pgerrors.CheckViolation):
        diag = getattr(exc, "diag", None)
        name = getattr(diag, "constraint_name", None) or ""
        if name in _CONSTRAINT_MESSAGES:
            field_name, message = _CONSTRAINT_MESSAGES[name]
            return ValidationError.single(field_name, message)
        if name.endswith(_CARD_SUFFIX):
            table = getattr(diag, "table_name", None) or ""
            field_name = name.removesuffix(_CARD_SUFFIX).removeprefix(f"ck_{table}_")
            return ValidationError.single(field_name, _CARD_MESSAGE)
        primary = getattr(diag, "message_primary", None) or str(exc)
        return KnownError(f"The database refused the change: {primary}")
    if isinstance(
        exc,
        pgerrors.RaiseException
        | pgerrors.DuplicateObject
        | pgerrors.InvalidParameterValue
        | pgerrors.SerializationFailure,
    ):
        # Raised on purpose by ParkDesk's own functions: the message is for a person.
        diag = getattr(exc, "diag", None)
        primary = getattr(diag, "message_primary", None) or str(exc)
        return KnownError(
            primary[:1].upper() + primary[1:] + ("" if primary.endswith(".") else ".")
        )
    if isinstance(exc, pgerrors.NoDataFound):
        diag = getattr(exc, "diag", None)
        return NotFound(getattr(diag, "message_primary", None) or str(exc))
    if isinstance(exc, psycopg.OperationalError):
        return connection_failure(exc)
    if isinstance(exc, psycopg.Error):
        log.error("database error", exc_info=exc)
    raise exc


def connection_failure(exc: BaseException) -> ConnectionProblem:
    """What a failed connection means for the person, and which setting to fix."""
    text = str(exc)
    lowered = text.lower()
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return ConnectionProblem("The login or password is not correct.", "password")
    if "connection refused" in lowered or "could not connect" in lowered:
        return ConnectionProblem(
            "The database server is not reachable. Check the server name and port, or the network.",
            "host",
        )
    if "timeout" in lowered:
        return ConnectionProblem("The database server did not answer in time.", "host")
    if "does not exist" in lowered and "database" in lowered:
        return ConnectionProblem("That database does not exist on the server.", "database")
    if "not permitted to log in" in lowered:
        return ConnectionProblem("This login is disabled. Ask your administrator.", "login")
    if "permission denied for database" in lowered:
        return ConnectionProblem("This login may not use this database.", "login")
    if "certificate" in lowered or "ssl" in lowered:
        return ConnectionProblem(
            f"The secure connection could not be verified: {_first_line(text)}", "sslrootcert"
        )
    return ConnectionProblem(f"Could not connect: {_first_line(text)}")


def _first_line(text: str) -> str:
    for raw in text.splitlines():
        line = raw.strip()
        if line:
            return line.removeprefix("connection failed: ")
    return "no details"
