"""summary notes: an executive's covering note for a period's board summary

Revision ID: c3b1e0d4a7f2
Revises: 6a8da93b3d17
Create Date: 2026-11-23 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3b1e0d4a7f2'
down_revision = '6a8da93b3d17'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('summary_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=40), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_summary_notes_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_summary_notes')),
    sa.UniqueConstraint('period', name=op.f('uq_summary_notes_period'))
    )


def downgrade():
    op.drop_table('summary_notes')
