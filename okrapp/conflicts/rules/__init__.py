"""Pure conflict rules (no Flask, no database): detection as shared/conflict-scenarios/FORMAT.md
defines it, conflict items and their levels, and the scenario file format."""
