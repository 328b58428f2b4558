"""The parkers desk: find, create and edit parkers and their vehicles.

Public to other desks: :class:`ParkerSearch`, the type-ahead parker search the permit desk
uses to pick a holder. Nothing else here may be imported from another desk.
"""

from desktop.views.parkers.search import ParkerSearch

__all__ = ["ParkerSearch"]
