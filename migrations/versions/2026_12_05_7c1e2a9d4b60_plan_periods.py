"""plan periods: incentives belong to a dated period, so next year's plan is checked apart from this year's

Free-text periods become named periods: a year ("2026") is dated 1.1.–31.12. of that year; any other
name is kept undated for an admin to date. Nothing is lost: incentives.period keeps the text.

Revision ID: 7c1e2a9d4b60
Revises: e9b4c2d6a815
Create Date: 2026-12-05 23:50:00

"""
import re
from datetime import date

from alembic import op
import sqlalchemy as sa


revision = '7c1e2a9d4b60'
down_revision = 'e9b4c2d6a815'
branch_labels = None
depends_on = None


def upgrade():
    periods = op.create_table(
        'plan_periods',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=True),
        sa.Column('ends_on', sa.Date(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False, server_default='1'),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('updated_by_name', sa.String(length=120), nullable=False, server_default=''),
        sa.CheckConstraint('ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on',
                           name=op.f('ck_plan_periods_dates_in_order')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_periods')),
        sa.UniqueConstraint('name', name=op.f('uq_plan_periods_name')),
    )
    with op.batch_alter_table('incentives', schema=None) as batch_op:
        batch_op.add_column(sa.Column('period_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_incentives_period_id'), ['period_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_incentives_period_id_plan_periods'), 'plan_periods',
                                    ['period_id'], ['id'])

    bind = op.get_bind()
    incentives = sa.table('incentives', sa.column('id', sa.Integer), sa.column('period', sa.String),
                          sa.column('period_id', sa.Integer))
    names = sorted({(row[0] or '').strip() for row in bind.execute(sa.select(incentives.c.period))} - {''})
    for name in names:
        year = int(name) if re.fullmatch(r'\d{4}', name) and 2000 <= int(name) <= 2100 else None
        bind.execute(periods.insert().values(name=name, starts_on=date(year, 1, 1) if year else None,
                                             ends_on=date(year, 12, 31) if year else None))
    ids = dict(bind.execute(sa.select(periods.c.name, periods.c.id)).all())
    for row in bind.execute(sa.select(incentives.c.id, incentives.c.period)).all():
        name = (row.period or '').strip()
        if name:
            bind.execute(incentives.update().where(incentives.c.id == row.id).values(period_id=ids[name], period=name))


def downgrade():
    with op.batch_alter_table('incentives', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_incentives_period_id_plan_periods'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_incentives_period_id'))
        batch_op.drop_column('period_id')
    op.drop_table('plan_periods')
