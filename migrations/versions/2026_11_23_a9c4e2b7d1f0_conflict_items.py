"""conflict items instead of per-pair findings

One row per cause (an incentive criterion, or two key-result metrics) instead of one per pair of
goals; the pairs are recomputed on demand. Per-pair findings cannot be mapped onto items without
running the scan, so they are dropped and the scheduler's first refresh (or `okrapp conflicts
refresh`) creates the items; decisions keep their text but lose the link to a dropped finding.

Revision ID: a9c4e2b7d1f0
Revises: 0f286124064f
Create Date: 2026-11-23 14:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'a9c4e2b7d1f0'
down_revision = '0f286124064f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('conflict_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('metric_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.Integer(), nullable=True),
    sa.Column('other_metric_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('severity', sa.Float(), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('kinds', sa.String(length=60), nullable=False),
    sa.Column('pairs', sa.Integer(), nullable=False),
    sa.Column('tension_pairs', sa.Integer(), nullable=False),
    sa.Column('blocks', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('review_meeting_id', sa.Integer(), nullable=True),
    sa.Column('first_seen_at', sa.DateTime(), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('criterion', 'key_results')", name=op.f('ck_conflict_items_kind_known')),
    sa.CheckConstraint("level IN ('high', 'medium', 'low', 'tension')", name=op.f('ck_conflict_items_level_known')),
    sa.CheckConstraint("status IN ('open', 'acknowledged', 'in_review', 'accepted', 'resolved', 'resolved_by_change')", name=op.f('ck_conflict_items_status_known')),
    sa.ForeignKeyConstraint(['metric_id'], ['metrics.id'], name=op.f('fk_conflict_items_metric_id_metrics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['other_metric_id'], ['metrics.id'], name=op.f('fk_conflict_items_other_metric_id_metrics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_meeting_id'], ['review_meetings.id'], name=op.f('fk_conflict_items_review_meeting_id_review_meetings'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_items')),
    sa.UniqueConstraint('key', name=op.f('uq_conflict_items_key'))
    )
    with op.batch_alter_table('conflict_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflict_items_first_seen_at'), ['first_seen_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_conflict_items_level'), ['level'], unique=False)
        batch_op.create_index(batch_op.f('ix_conflict_items_metric_id'), ['metric_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conflict_items_review_meeting_id'), ['review_meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conflict_items_severity'), ['severity'], unique=False)
        batch_op.create_index(batch_op.f('ix_conflict_items_status'), ['status'], unique=False)

    op.create_table('conflict_item_classes',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('metric_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.Integer(), nullable=False),
    sa.Column('is_incentive', sa.Boolean(), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.CheckConstraint("role IN ('cause', 'harmed', 'party')", name=op.f('ck_conflict_item_classes_role_known')),
    sa.ForeignKeyConstraint(['item_id'], ['conflict_items.id'], name=op.f('fk_conflict_item_classes_item_id_conflict_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['metric_id'], ['metrics.id'], name=op.f('fk_conflict_item_classes_metric_id_metrics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'metric_id', 'direction', 'is_incentive', name=op.f('pk_conflict_item_classes'))
    )
    op.create_table('conflict_item_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_conflict_item_events_actor_id_users')),
    sa.ForeignKeyConstraint(['item_id'], ['conflict_items.id'], name=op.f('fk_conflict_item_events_item_id_conflict_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_item_events'))
    )
    with op.batch_alter_table('conflict_item_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflict_item_events_item_id'), ['item_id'], unique=False)

    state = op.create_table('conflict_scan_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requests', sa.Integer(), nullable=False),
    sa.Column('handled', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=True),
    sa.Column('scanned_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('seconds', sa.Float(), nullable=True),
    sa.Column('pairs', sa.Integer(), nullable=False),
    sa.Column('tension_pairs', sa.Integer(), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_scan_state'))
    )
    # a refresh is due at once: the items are built from the organisation by the first one
    op.bulk_insert(state, [{"id": 1, "requests": 1, "handled": 0, "pairs": 0,
                            "tension_pairs": 0, "items": 0}])

    op.create_table('metric_weeks',
    sa.Column('metric_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['metric_id'], ['metrics.id'], name=op.f('fk_metric_weeks_metric_id_metrics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('metric_id', 'week_start', name=op.f('pk_metric_weeks'))
    )
    # the weekly sums of the check-ins made so far; from now on each check-in adds to them
    if op.get_bind().dialect.name == "postgresql":
        week = "CAST(date_trunc('week', c.created_at) AS DATE)"
    else:
        week = "date(c.created_at, '-6 days', 'weekday 1')"
    op.execute(f"INSERT INTO metric_weeks (metric_id, week_start, total, count) "
               f"SELECT k.metric_id, {week}, SUM(c.value), COUNT(c.id) FROM check_ins c "
               f"JOIN key_results k ON k.id = c.key_result_id GROUP BY k.metric_id, {week}")

    with op.batch_alter_table('review_decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('item_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint('fk_review_decisions_finding_id_conflict_findings', type_='foreignkey')
        batch_op.drop_column('finding_id')
        batch_op.create_foreign_key(batch_op.f('fk_review_decisions_item_id_conflict_items'), 'conflict_items',
                                    ['item_id'], ['id'], ondelete='SET NULL')

    op.drop_table('finding_units')
    op.drop_table('finding_events')
    with op.batch_alter_table('conflict_findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conflict_findings_first_seen_at'))
        batch_op.drop_index(batch_op.f('ix_conflict_findings_severity'))
        batch_op.drop_index(batch_op.f('ix_conflict_findings_status'))
    op.drop_table('conflict_findings')


def downgrade():
    op.create_table('conflict_findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pair_key', sa.String(length=80), nullable=False),
    sa.Column('goal_a', sa.String(length=40), nullable=False),
    sa.Column('goal_b', sa.String(length=40), nullable=False),
    sa.Column('label_a', sa.String(length=300), nullable=False),
    sa.Column('label_b', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('severity', sa.Float(), nullable=False),
    sa.Column('harms', sa.Text(), nullable=False),
    sa.Column('paths', sa.Text(), nullable=False),
    sa.Column('path_signs', sa.Text(), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('direct', 'indirect', 'observed', 'tension')", name=op.f('ck_conflict_findings_kind_known')),
    sa.CheckConstraint("status IN ('open', 'acknowledged', 'in_review', 'accepted', 'resolved', 'resolved_by_change')", name=op.f('ck_conflict_findings_status_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_findings')),
    sa.UniqueConstraint('pair_key', name=op.f('uq_conflict_findings_pair_key'))
    )
    with op.batch_alter_table('conflict_findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflict_findings_first_seen_at'), ['first_seen_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_conflict_findings_severity'), ['severity'], unique=False)
        batch_op.create_index(batch_op.f('ix_conflict_findings_status'), ['status'], unique=False)
    op.create_table('finding_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_finding_events_actor_id_users')),
    sa.ForeignKeyConstraint(['finding_id'], ['conflict_findings.id'], name=op.f('fk_finding_events_finding_id_conflict_findings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finding_events'))
    )
    with op.batch_alter_table('finding_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finding_events_finding_id'), ['finding_id'], unique=False)
    op.create_table('finding_units',
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['finding_id'], ['conflict_findings.id'], name=op.f('fk_finding_units_finding_id_conflict_findings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_finding_units_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('finding_id', 'unit_id', name=op.f('pk_finding_units'))
    )
    with op.batch_alter_table('review_decisions', schema=None) as batch_op:
        batch_op.drop_constraint('fk_review_decisions_item_id_conflict_items', type_='foreignkey')
        batch_op.drop_column('item_id')
        batch_op.add_column(sa.Column('finding_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_review_decisions_finding_id_conflict_findings'), 'conflict_findings',
                                    ['finding_id'], ['id'])
    op.drop_table('conflict_scan_state')
    op.drop_table('metric_weeks')
    with op.batch_alter_table('conflict_item_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conflict_item_events_item_id'))
    op.drop_table('conflict_item_events')
    op.drop_table('conflict_item_classes')
    with op.batch_alter_table('conflict_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conflict_items_status'))
        batch_op.drop_index(batch_op.f('ix_conflict_items_severity'))
        batch_op.drop_index(batch_op.f('ix_conflict_items_review_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_conflict_items_metric_id'))
        batch_op.drop_index(batch_op.f('ix_conflict_items_level'))
        batch_op.drop_index(batch_op.f('ix_conflict_items_first_seen_at'))
    op.drop_table('conflict_items')
