"""invitations and password resets: one-time account links kept as hashes, the account events'
audit trail, each person's language; a person invited but not yet joined has no password

account_links holds one row per invitation or reset link (kind 'invite' or 'reset'); only the
SHA-256 of the link's secret is stored. account_events records what happened to accounts (invited,
joined, role changed, reset requested and completed, deactivated, signed out everywhere, ...), with
who did it. users.locale is the person's language, NULL until chosen. users.password_hash may be NULL.

Downgrade: people who never chose a password get an unusable hash (they ask for a new account).

Revision ID: b1c4e7a90d21
Revises: 5d2a7c9e1f43
Create Date: 2026-12-07 12:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b1c4e7a90d21'
down_revision = '5d2a7c9e1f43'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'account_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("kind IN ('invite', 'reset')", name=op.f('ck_account_links_kind_known')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_links_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_account_links')),
        sa.UniqueConstraint('secret_hash', name=op.f('uq_account_links_secret_hash')),
    )
    with op.batch_alter_table('account_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_links_user_id'), ['user_id'], unique=False)

    op.create_table(
        'account_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('detail', sa.String(length=200), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_events_user_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_account_events_actor_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_account_events')),
    )
    with op.batch_alter_table('account_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_events_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        # NULL until the person (or the admin inviting them) chooses; then a language code of the
        # configured catalogues (OKRAPP_LANGUAGES), so a third language needs no migration
        batch_op.add_column(sa.Column('locale', sa.String(length=8), nullable=True))
        batch_op.alter_column('password_hash', existing_type=sa.String(length=255), nullable=True)


def downgrade():
    users = sa.table('users', sa.column('password_hash', sa.String))
    op.get_bind().execute(users.update().where(users.c.password_hash.is_(None)).values(password_hash='!'))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('password_hash', existing_type=sa.String(length=255), nullable=False)
        batch_op.drop_column('locale')

    with op.batch_alter_table('account_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_events_user_id'))
        batch_op.drop_index(batch_op.f('ix_account_events_at'))
    op.drop_table('account_events')

    with op.batch_alter_table('account_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_links_user_id'))
    op.drop_table('account_links')
