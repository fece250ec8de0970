"""The engine host: runs spells in their own process and speaks the Debug Adapter Protocol."""
