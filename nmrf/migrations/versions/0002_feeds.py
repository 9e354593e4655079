"""calendar feeds: subscription links, what each link last served, meetings

Revision ID: 0002_feeds
Revises: 0001_core
Create Date: 2026-11-27 03:58:51.790987
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import nmrf.models.types

revision: str = '0002_feeds'
down_revision: str | Sequence[str] | None = '0001_core'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('starts_at', nmrf.models.types.UTCDateTime(), nullable=False),
    sa.Column('ends_at', nmrf.models.types.UTCDateTime(), nullable=False),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('attendee_roles', sa.JSON(), nullable=False),
    sa.Column('institutions', sa.JSON(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_at', nmrf.models.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', nmrf.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], ),
    sa.ForeignKeyConstraint(['state_id'], ['state.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('state_id', 'key')
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_state_id'), ['state_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_updated_at'), ['updated_at'], unique=False)

    op.create_table('feed_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state_id', sa.Integer(), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('institution_id', sa.Integer(), nullable=True),
    sa.Column('cycle_id', sa.Integer(), nullable=True),
    sa.Column('holder_id', sa.Integer(), nullable=True),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', nmrf.models.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('updated_at', nmrf.models.types.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', nmrf.models.types.UTCDateTime(), nullable=True),
    sa.Column('revoked_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('revoked_reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], ),
    sa.ForeignKeyConstraint(['holder_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['state_id'], ['state.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('feed_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feed_link_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feed_link_holder_id'), ['holder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feed_link_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feed_link_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feed_link_state_id'), ['state_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feed_link_token_hash'), ['token_hash'], unique=True)

    op.create_table('feed_state',
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('etag', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('last_modified', nmrf.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['feed_link.id'], ),
    sa.PrimaryKeyConstraint('link_id')
    )


def downgrade() -> None:
    op.drop_table('feed_state')
    with op.batch_alter_table('feed_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feed_link_token_hash'))
        batch_op.drop_index(batch_op.f('ix_feed_link_state_id'))
        batch_op.drop_index(batch_op.f('ix_feed_link_person_id'))
        batch_op.drop_index(batch_op.f('ix_feed_link_institution_id'))
        batch_op.drop_index(batch_op.f('ix_feed_link_holder_id'))
        batch_op.drop_index(batch_op.f('ix_feed_link_cycle_id'))

    op.drop_table('feed_link')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_updated_at'))
        batch_op.drop_index(batch_op.f('ix_meeting_state_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_starts_at'))
        batch_op.drop_index(batch_op.f('ix_meeting_cycle_id'))

    op.drop_table('meeting')
