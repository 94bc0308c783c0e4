"""``python -m cobrowse`` runs the command line."""

import sys

from cobrowse.cli import main

sys.exit(main())
