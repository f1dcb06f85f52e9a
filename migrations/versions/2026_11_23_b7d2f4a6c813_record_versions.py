"""versions on every record people edit

Revision ID: b7d2f4a6c813
Revises: a3c1e5f7b912
Create Date: 2026-11-23 14:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7d2f4a6c813'
down_revision = 'a3c1e5f7b912'
branch_labels = None
depends_on = None

VERSIONED = ('cycles', 'objectives', 'units', 'incentives', 'review_schedules', 'summary_recipients', 'users')


def upgrade():
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
            batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
            batch_op.add_column(sa.Column('updated_by_name', sa.String(length=120), nullable=False, server_default=''))
    with op.batch_alter_table('metric_links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))


def downgrade():
    with op.batch_alter_table('metric_links', schema=None) as batch_op:
        batch_op.drop_column('version')
    for table in reversed(VERSIONED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('updated_by_name')
            batch_op.drop_column('updated_at')
            batch_op.drop_column('version')
