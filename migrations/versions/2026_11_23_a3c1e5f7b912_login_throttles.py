"""login throttles replace the per-user lockout

Revision ID: a3c1e5f7b912
Revises: c4d9e13a7b21
Create Date: 2026-11-23 13:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a3c1e5f7b912'
down_revision = 'c4d9e13a7b21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_throttles',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('blocked_until', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttles'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))
    op.drop_table('login_throttles')
