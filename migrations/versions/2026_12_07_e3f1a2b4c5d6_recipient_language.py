"""recipient language: the language a board recipient who is not a user reads the summaries in

summary_recipients.locale is a language code of the configured catalogues (OKRAPP_LANGUAGES), set by
the admin who adds the address; NULL: the organisation's language (OKRAPP_DEFAULT_LOCALE). A
recipient who is a user reads in the user's language, so the column stays NULL on their rows.

Revision ID: e3f1a2b4c5d6
Revises: b1c4e7a90d21
Create Date: 2026-12-07 15:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e3f1a2b4c5d6'
down_revision = 'b1c4e7a90d21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('summary_recipients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('summary_recipients', schema=None) as batch_op:
        batch_op.drop_column('locale')
