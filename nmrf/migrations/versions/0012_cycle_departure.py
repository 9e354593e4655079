"""a person taken off a running cycle: no reminder, escalation or feed entry of it, whatever roles they hold

Revision ID: 0012_cycle_departure
Revises: 0011_contact_deputy
Create Date: 2026-12-01
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import nmrf.models.types

revision: str = '0012_cycle_departure'
down_revision: str | Sequence[str] | None = '0011_contact_deputy'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('cycle_departure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('at', nmrf.models.types.UTCDateTime(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('cycle_id', 'person_id'))
    with op.batch_alter_table('cycle_departure', schema=None) as b:
        b.create_index(b.f('ix_cycle_departure_cycle_id'), ['cycle_id'], unique=False)
        b.create_index(b.f('ix_cycle_departure_person_id'), ['person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cycle_departure', schema=None) as b:
        b.drop_index(b.f('ix_cycle_departure_person_id'))
        b.drop_index(b.f('ix_cycle_departure_cycle_id'))
    op.drop_table('cycle_departure')
