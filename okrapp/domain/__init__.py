"""Pure domain rules: no Flask, no SQLAlchemy. Inputs are plain values or frozen dataclasses;
time is always an argument."""
