"""personal page links (one secret link per person to the page where they act); documents handed in

Revision ID: 0009_pages
Revises: 0008_recommendation_sources
Create Date: 2026-12-01
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import nmrf.models.types

revision: str = '0009_pages'
down_revision: str | Sequence[str] | None = '0008_recommendation_sources'
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

    op.create_table('input_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=True),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('on_behalf_of', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('via', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('at', nmrf.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], ),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], ),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestone.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('input_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_input_document_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_input_document_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_input_document_milestone_id'), ['milestone_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_input_document_sha256'), ['sha256'], unique=False)
    op.create_table('document_content',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['input_document.id'], ),
    sa.PrimaryKeyConstraint('document_id')
    )


def downgrade() -> None:
    op.drop_table('document_content')
    with op.batch_alter_table('input_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_input_document_sha256'))
        batch_op.drop_index(batch_op.f('ix_input_document_milestone_id'))
        batch_op.drop_index(batch_op.f('ix_input_document_institution_id'))
        batch_op.drop_index(batch_op.f('ix_input_document_cycle_id'))
    op.drop_table('input_document')
    with op.batch_alter_table('page_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_link_token_hash'))
        batch_op.drop_index(batch_op.f('ix_page_link_state_id'))
        batch_op.drop_index(batch_op.f('ix_page_link_person_id'))
    op.drop_table('page_link')
