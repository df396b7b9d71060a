"""Hardware drivers: they talk to devices and know nothing of the studio."""
