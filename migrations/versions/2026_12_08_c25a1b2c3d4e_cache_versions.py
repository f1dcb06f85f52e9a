"""cache versions: a token per aggregate that cached pages are keyed by

One row per aggregate (okrs, conflicts, reviews, board, incentives, people); its token is renewed in
the same transaction as any change to the aggregate's tables (okrapp/core/caching/hooks.py).

Revision ID: c25a1b2c3d4e
Revises: f26c1d2e3f4a
Create Date: 2026-12-08 04:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c25a1b2c3d4e'
down_revision = 'f26c1d2e3f4a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cache_versions',
                    sa.Column('name', sa.String(length=32), nullable=False),
                    sa.Column('token', sa.String(length=32), nullable=False),
                    sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_versions')))


def downgrade():
    op.drop_table('cache_versions')
