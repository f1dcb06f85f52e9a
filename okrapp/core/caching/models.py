"""The versions pages are cached under: one row per aggregate, its token renewed by every change."""
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from okrapp.core.extensions import db


class CacheVersion(db.Model):
    __tablename__ = "cache_versions"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
