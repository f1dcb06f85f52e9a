"""The organisation as admins keep it: units, cycles and plan periods, and the operations pages (job runs, the
mail outbox); database backups (CLI)."""
