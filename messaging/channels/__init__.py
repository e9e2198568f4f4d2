"""The channels messages leave by: one client each, with its emulator under sandbox/."""
