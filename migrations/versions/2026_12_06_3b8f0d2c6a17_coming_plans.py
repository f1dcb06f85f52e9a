"""coming plans: a unit's incentives for a future period form a plan decided in a review; the metric
catalogue pairs speed, volume and cost metrics with their counterweights; conflict items can belong to a
coming period

Incentives stored so far belong to no plan and stay in force as they are.

Revision ID: 3b8f0d2c6a17
Revises: 7c1e2a9d4b60
Create Date: 2026-12-06 00:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '3b8f0d2c6a17'
down_revision = '7c1e2a9d4b60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'bonus_plans',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('review_meeting_id', sa.Integer(), nullable=True),
        sa.Column('decision_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('applied_at', sa.DateTime(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False, server_default='1'),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('updated_by_name', sa.String(length=120), nullable=False, server_default=''),
        sa.CheckConstraint("status IN ('draft', 'in_review', 'approved', 'in_effect', 'rejected')",
                           name=op.f('ck_bonus_plans_status_known')),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_bonus_plans_unit_id_units')),
        sa.ForeignKeyConstraint(['period_id'], ['plan_periods.id'], name=op.f('fk_bonus_plans_period_id_plan_periods')),
        sa.ForeignKeyConstraint(['review_meeting_id'], ['review_meetings.id'],
                                name=op.f('fk_bonus_plans_review_meeting_id_review_meetings'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decision_id'], ['review_decisions.id'],
                                name=op.f('fk_bonus_plans_decision_id_review_decisions'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bonus_plans')),
        sa.UniqueConstraint('unit_id', 'period_id', name='uq_bonus_plans_unit_period'),
    )
    with op.batch_alter_table('bonus_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bonus_plans_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bonus_plans_period_id'), ['period_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bonus_plans_status'), ['status'], unique=False)

    op.create_table(
        'metric_pairs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('metric_id', sa.Integer(), nullable=False),
        sa.Column('counter_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('metric_id <> counter_id', name=op.f('ck_metric_pairs_not_self')),
        sa.ForeignKeyConstraint(['metric_id'], ['metrics.id'], name=op.f('fk_metric_pairs_metric_id_metrics'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['counter_id'], ['metrics.id'], name=op.f('fk_metric_pairs_counter_id_metrics'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_metric_pairs_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_metric_pairs')),
        sa.UniqueConstraint('metric_id', 'counter_id', name='uq_metric_pairs_pair'),
    )
    with op.batch_alter_table('metric_pairs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_metric_pairs_metric_id'), ['metric_id'], unique=False)

    with op.batch_alter_table('incentives', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_incentives_plan_id'), ['plan_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_incentives_plan_id_bonus_plans'), 'bonus_plans', ['plan_id'], ['id'])

    with op.batch_alter_table('conflict_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('horizon_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_conflict_items_horizon_id'), ['horizon_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_conflict_items_horizon_id_plan_periods'), 'plan_periods',
                                    ['horizon_id'], ['id'], ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('conflict_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_conflict_items_horizon_id_plan_periods'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_conflict_items_horizon_id'))
        batch_op.drop_column('horizon_id')
    with op.batch_alter_table('incentives', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_incentives_plan_id_bonus_plans'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_incentives_plan_id'))
        batch_op.drop_column('plan_id')
    op.drop_table('metric_pairs')
    op.drop_table('bonus_plans')
