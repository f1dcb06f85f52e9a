"""Work outside requests: jobs leased once per period, and the scheduler process that runs them and
delivers the outbox."""
