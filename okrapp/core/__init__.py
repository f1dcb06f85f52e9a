"""What every feature may use and that uses no feature: the database and versions, formatting,
the mail outbox, jobs and the scheduler, policy, and the web plumbing (forms, views, security)."""
