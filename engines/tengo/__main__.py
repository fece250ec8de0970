"""``python -m engines.tengo FILE``."""

from .cli import main

raise SystemExit(main())
