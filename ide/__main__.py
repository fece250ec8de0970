"""`python -m ide [PATH]`: the studio."""

import sys

from ide.app import main

sys.exit(main())
