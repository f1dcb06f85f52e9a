"""data in and out: check-in corrections and sources, metric values, API tokens, calendar feeds

Revision ID: c4d9e13a7b21
Revises: c3b1e0d4a7f2
Create Date: 2026-11-23 13:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c4d9e13a7b21'
down_revision = 'c3b1e0d4a7f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('corrects_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('superseded_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('source', sa.String(length=80), server_default='', nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_check_ins_corrects_id'), ['corrects_id'])
        batch_op.create_foreign_key(batch_op.f('fk_check_ins_corrects_id_check_ins'), 'check_ins', ['corrects_id'],
                                    ['id'], ondelete='SET NULL')
    with op.batch_alter_table('key_results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('value_source', sa.String(length=80), nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_calendar_token'), ['calendar_token'])
    op.create_table('metric_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('metric_id', sa.Integer(), nullable=False),
    sa.Column('observed_at', sa.DateTime(), nullable=False),
    sa.Column('source', sa.String(length=80), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('pushed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['metric_id'], ['metrics.id'], name=op.f('fk_metric_values_metric_id_metrics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pushed_by_id'], ['users.id'], name=op.f('fk_metric_values_pushed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_metric_values')),
    sa.UniqueConstraint('metric_id', 'observed_at', 'source', name='uq_metric_values_point')
    )
    op.create_index('ix_metric_values_metric_observed', 'metric_values', ['metric_id', 'observed_at'], unique=False)
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    op.create_index(op.f('ix_api_tokens_user_id'), 'api_tokens', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_api_tokens_user_id'), table_name='api_tokens')
    op.drop_table('api_tokens')
    op.drop_index('ix_metric_values_metric_observed', table_name='metric_values')
    op.drop_table('metric_values')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_calendar_token'), type_='unique')
        batch_op.drop_column('calendar_token')
    with op.batch_alter_table('key_results', schema=None) as batch_op:
        batch_op.drop_column('value_source')
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_check_ins_corrects_id_check_ins'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_check_ins_corrects_id'), type_='unique')
        batch_op.drop_column('source')
        batch_op.drop_column('superseded_at')
        batch_op.drop_column('corrects_id')
        batch_op.drop_column('recorded_at')
