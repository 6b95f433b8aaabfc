"""``python -m costmodel`` runs the ``dsqlcost`` command line."""

from __future__ import annotations

import sys

from costmodel.cli import main

sys.exit(main())
