"""SQLAlchemy models, migrations and the SQL that lives in the database.

Importing this package registers every table on :data:`Base.metadata`, which is
what Alembic compares against the migrations (``alembic check``).
"""

from desktop.models.audit import AuditEntry
from desktop.models.base import SCHEMA, Base
from desktop.models.campus import Lot, Zone
from desktop.models.parker import Parker, Vehicle
from desktop.models.staff import StaffMember

__all__ = ["SCHEMA", "AuditEntry", "Base", "Lot", "Parker", "StaffMember", "Vehicle", "Zone"]
