"""`python -m bot` runs the `newsdesk` command."""

import sys

from bot.cli import main

sys.exit(main())
