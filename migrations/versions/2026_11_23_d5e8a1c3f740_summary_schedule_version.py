"""a version on the summary schedule, so two admins' saves cannot overwrite each other

Revision ID: d5e8a1c3f740
Revises: b7d2f4a6c813
Create Date: 2026-11-23 17:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd5e8a1c3f740'
down_revision = 'b7d2f4a6c813'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('summary_schedules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('updated_by_name', sa.String(length=120), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('summary_schedules', schema=None) as batch_op:
        batch_op.drop_column('updated_by_name')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('version')
