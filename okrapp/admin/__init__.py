"""The organisation as admins keep it: units and cycles, and the operations pages (job runs, the
mail outbox); database backups (CLI)."""
