"""Running and debugging spells: one engine host subprocess per run, driven over DAP."""
