"""personal page links: one secret link per person to the page where they act

Revision ID: 0006_page_links
Revises: 0005_merge
Create Date: 2026-12-01
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import nmrf.models.types

revision: str = '0006_page_links'
down_revision: str | Sequence[str] | None = '0005_merge'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('page_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', nmrf.models.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('updated_at', nmrf.models.types.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', nmrf.models.types.UTCDateTime(), nullable=True),
    sa.Column('revoked_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('revoked_reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['state_id'], ['state.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('page_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_link_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_page_link_state_id'), ['state_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_page_link_token_hash'), ['token_hash'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('page_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_link_token_hash'))
        batch_op.drop_index(batch_op.f('ix_page_link_state_id'))
        batch_op.drop_index(batch_op.f('ix_page_link_person_id'))
    op.drop_table('page_link')
