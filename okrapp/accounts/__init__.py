"""Accounts: signing in and out, one's own password, API tokens and calendar link, and admins' pages
for people."""
