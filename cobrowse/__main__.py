"""``python -m cobrowse`` runs the command line."""

import sys

from cobrowse.cli import main

# Guarded: page worker processes are spawned, and a spawned child imports the
# parent's main module (as __mp_main__) — it must not start a relay of its own.
if __name__ == "__main__":
    sys.exit(main())
