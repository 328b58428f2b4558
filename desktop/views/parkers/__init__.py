"""The parkers desk: find, create and edit parkers and their vehicles.

Public to other desks: :class:`ParkerResultsModel`, the parker search list the permit desk
uses to pick a holder. Nothing else here may be imported from another desk.
"""

from desktop.views.parkers.model import ParkerResultsModel

__all__ = ["ParkerResultsModel"]
