"""SQLAlchemy models, migrations and the SQL that lives in the database.

Importing this package registers every table on :data:`Base.metadata`, which is
what Alembic compares against the migrations (``alembic check``).
"""

from desktop.models.appeals import Appeal, AppealReason, AppealStep
from desktop.models.audit import AuditEntry
from desktop.models.base import SCHEMA, Base
from desktop.models.campus import Lot, Zone
from desktop.models.enforcement import (
    Citation,
    CitationRange,
    Device,
    DeviceRequest,
    FineRule,
    SpoiledNumber,
    Violation,
)
from desktop.models.evidence import Evidence
from desktop.models.incidents import (
    DispatchEntry,
    Incident,
    IncidentCategory,
    IncidentLink,
    IncidentPerson,
    IncidentRole,
    IncidentTask,
    IncidentVehicle,
)
from desktop.models.parker import Parker, PlateCorrection, Vehicle
from desktop.models.permits import (
    CashShift,
    LedgerEntry,
    OfficeSetting,
    Payment,
    Permit,
    PermitType,
    PermitTypeLot,
    PermitVehicle,
    Refund,
    RequestKey,
    WaitlistEntry,
)
from desktop.models.reads import PlateRead, PlateReadChain, PlateReadPhoto
from desktop.models.staff import StaffMember
from desktop.models.verdicts import Exemption, PermitFlag
from desktop.models.watchlist import TrespassNotice, WatchlistAlert, WatchlistEntry

__all__ = [
    "SCHEMA",
    "Appeal",
    "AppealReason",
    "AppealStep",
    "AuditEntry",
    "Base",
    "CashShift",
    "Citation",
    "CitationRange",
    "Device",
    "DeviceRequest",
    "DispatchEntry",
    "Evidence",
    "Exemption",
    "FineRule",
    "Incident",
    "IncidentCategory",
    "IncidentLink",
    "IncidentPerson",
    "IncidentRole",
    "IncidentTask",
    "IncidentVehicle",
    "LedgerEntry",
    "Lot",
    "OfficeSetting",
    "Parker",
    "Payment",
    "Permit",
    "PermitFlag",
    "PermitType",
    "PermitTypeLot",
    "PermitVehicle",
    "PlateCorrection",
    "PlateRead",
    "PlateReadChain",
    "PlateReadPhoto",
    "Refund",
    "RequestKey",
    "SpoiledNumber",
    "StaffMember",
    "TrespassNotice",
    "Vehicle",
    "Violation",
    "WaitlistEntry",
    "WatchlistAlert",
    "WatchlistEntry",
    "Zone",
]
