"""conflict items keep the facts of their summary, so pages word it at display time

Revision ID: e9b4c2d6a815
Revises: d5e8a1c3f740
Create Date: 2026-11-23 17:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e9b4c2d6a815'
down_revision = 'd5e8a1c3f740'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('conflict_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('facts', sa.Text(), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('conflict_items', schema=None) as batch_op:
        batch_op.drop_column('facts')
