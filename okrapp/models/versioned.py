"""The columns every record people edit carries, so a stale save can be refused (services/versioning.py)."""
from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column


class Versioned:
    """version: raised by one on every save, compared with the one the form was loaded with.
    updated_by_name: the name as it was at the save, for the "changed by … meanwhile" message."""

    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at = mapped_column(DateTime, nullable=True)
    updated_by_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
