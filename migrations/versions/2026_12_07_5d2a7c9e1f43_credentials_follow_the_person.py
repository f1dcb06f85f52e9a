"""credentials follow the person: server-side sessions, the calendar link kept as a hash

user_sessions holds one row per login (its key hashed); users.session_token, the one token all of
a user's sessions shared, goes: everyone logs in once more after the upgrade. The calendar feed's
secret is replaced by its SHA-256 (calendar_token_hash), computed here, so existing feed links keep
working; the feed's last use is kept from now on.

Downgrade: the hashes cannot be turned back into links, so calendar links end (people make new
ones); every user gets a new session token (everyone logs in again).

Revision ID: 5d2a7c9e1f43
Revises: 3b8f0d2c6a17
Create Date: 2026-12-07 09:00:00

"""
import hashlib
import secrets

from alembic import op
import sqlalchemy as sa


revision = '5d2a7c9e1f43'
down_revision = '3b8f0d2c6a17'
branch_labels = None
depends_on = None


def _digest(token):
    return hashlib.sha256(token.encode('utf-8', 'surrogatepass')).hexdigest()


def upgrade():
    op.create_table(
        'user_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('user_agent', sa.String(length=200), nullable=False),
        sa.Column('remote_addr', sa.String(length=64), nullable=True),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.Column('end_reason', sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
        sa.UniqueConstraint('key_hash', name=op.f('uq_user_sessions_key_hash')),
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_token_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('calendar_created_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('calendar_last_used_at', sa.DateTime(), nullable=True))

    bind = op.get_bind()
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('calendar_token', sa.String),
                     sa.column('calendar_token_hash', sa.String))
    for row in bind.execute(sa.select(users.c.id, users.c.calendar_token)
                            .where(users.c.calendar_token.is_not(None))).all():
        bind.execute(users.update().where(users.c.id == row.id)
                     .values(calendar_token_hash=_digest(row.calendar_token), calendar_token=None))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_calendar_token'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_users_session_token'), type_='unique')
        batch_op.drop_column('calendar_token')
        batch_op.drop_column('session_token')
        batch_op.create_unique_constraint(batch_op.f('uq_users_calendar_token_hash'), ['calendar_token_hash'])


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('calendar_token', sa.String(length=64), nullable=True))

    bind = op.get_bind()
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    for (user_id,) in bind.execute(sa.select(users.c.id)).all():
        bind.execute(users.update().where(users.c.id == user_id).values(session_token=secrets.token_urlsafe(32)))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_calendar_token_hash'), type_='unique')
        batch_op.drop_column('calendar_last_used_at')
        batch_op.drop_column('calendar_created_at')
        batch_op.drop_column('calendar_token_hash')
        batch_op.alter_column('session_token', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_users_session_token'), ['session_token'])
        batch_op.create_unique_constraint(batch_op.f('uq_users_calendar_token'), ['calendar_token'])

    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
    op.drop_table('user_sessions')
