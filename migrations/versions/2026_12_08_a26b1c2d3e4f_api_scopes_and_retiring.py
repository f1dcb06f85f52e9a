"""api scopes and retiring: token scopes and expiry; objectives and key results retired through the API

api_tokens.scopes lists what a token may do (read, check-ins, metrics, manage); tokens made before
scopes existed read and wrote check-ins and metric values, so they get those three; managing objectives,
key results and incentives came after them and needs a new token. api_tokens.expires_at
is chosen when a token is made (NULL: until revoked, as before). objectives.retired_at and
key_results.retired_at mark records retired through the API: kept with their history, no longer listed
or counted.

Revision ID: a26b1c2d3e4f
Revises: e3f1a2b4c5d6
Create Date: 2026-12-08 04:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a26b1c2d3e4f'
down_revision = 'e3f1a2b4c5d6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scopes', sa.String(length=80), nullable=False,
                                      server_default='read check-ins metrics'))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('scopes', existing_type=sa.String(length=80), existing_nullable=False,
                              server_default='read')
    with op.batch_alter_table('objectives', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('key_results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('key_results', schema=None) as batch_op:
        batch_op.drop_column('retired_at')
    with op.batch_alter_table('objectives', schema=None) as batch_op:
        batch_op.drop_column('retired_at')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
        batch_op.drop_column('scopes')
