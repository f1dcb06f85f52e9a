"""Files people download and open elsewhere: spreadsheets (CSV, .xlsx) and calendars (.ics)."""
