"""``python -m pdecomp`` runs the command line."""

import sys

from pdecomp.cli import main

sys.exit(main())
