"""Priority reviews: schedules, meetings planned ahead with invitations and reminders, agendas,
re-ranking, decisions that act, and minutes."""
