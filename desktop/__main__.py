"""Allows ``python -m desktop`` as a synonym for the ``parkdesk`` command."""

from desktop.cli import main

raise SystemExit(main())
