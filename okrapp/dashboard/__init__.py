"""Home pages: the executive dashboard with the customer cross-section, a unit's page, a key
result's history."""
