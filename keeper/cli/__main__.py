"""`python -m keeper.cli` runs the command line."""

import sys

from keeper.cli import main

sys.exit(main())
