"""Board summaries: the figures of a period, scheduled mail to board members with acknowledgement,
the archive, preview and notes."""
