"""the console: sign-in links, requests and sessions, API tokens; the State's position with its source

Revision ID: 0010_console
Revises: 0009_pages
Create Date: 2026-12-01
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import nmrf.models.types

revision: str = '0010_console'
down_revision: str | Sequence[str] | None = '0009_pages'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString
T = nmrf.models.types.UTCDateTime


def upgrade() -> None:
    op.create_table('sign_in_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', T(), nullable=False),
    sa.Column('address', S(length=320), nullable=False),
    sa.Column('ip', S(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('refused', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('sign_in_request', schema=None) as b:
        b.create_index(b.f('ix_sign_in_request_at'), ['at'], unique=False)
        b.create_index(b.f('ix_sign_in_request_address'), ['address'], unique=False)
        b.create_index(b.f('ix_sign_in_request_ip'), ['ip'], unique=False)
    op.create_table('sign_in_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', S(length=64), nullable=False),
    sa.Column('browser_hash', S(length=64), nullable=False),
    sa.Column('created_at', T(), nullable=False),
    sa.Column('expires_at', T(), nullable=False),
    sa.Column('used_at', T(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['state_id'], ['state.id'], ),
    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('sign_in_link', schema=None) as b:
        b.create_index(b.f('ix_sign_in_link_person_id'), ['person_id'], unique=False)
        b.create_index(b.f('ix_sign_in_link_state_id'), ['state_id'], unique=False)
        b.create_index(b.f('ix_sign_in_link_token_hash'), ['token_hash'], unique=True)
    op.create_table('console_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', S(length=64), nullable=False),
    sa.Column('via', S(length=10), nullable=False),
    sa.Column('created_at', T(), nullable=False),
    sa.Column('expires_at', T(), nullable=False),
    sa.Column('ended_at', T(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['state_id'], ['state.id'], ),
    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('console_session', schema=None) as b:
        b.create_index(b.f('ix_console_session_person_id'), ['person_id'], unique=False)
        b.create_index(b.f('ix_console_session_state_id'), ['state_id'], unique=False)
        b.create_index(b.f('ix_console_session_token_hash'), ['token_hash'], unique=True)
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('name', S(length=120), nullable=False),
    sa.Column('scope', S(length=10), nullable=False),
    sa.Column('token_hash', S(length=64), nullable=False),
    sa.Column('created_at', T(), nullable=False),
    sa.Column('created_by', S(length=200), nullable=False),
    sa.Column('revoked_at', T(), nullable=True),
    sa.Column('revoked_by', S(length=200), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['state_id'], ['state.id'], ),
    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('api_token', schema=None) as b:
        b.create_index(b.f('ix_api_token_person_id'), ['person_id'], unique=False)
        b.create_index(b.f('ix_api_token_state_id'), ['state_id'], unique=False)
        b.create_index(b.f('ix_api_token_token_hash'), ['token_hash'], unique=True)
    with op.batch_alter_table('recommendation', schema=None) as b:
        b.alter_column('position', existing_type=S(length=12), type_=S(length=20), existing_nullable=False)
        b.add_column(sa.Column('position_source', S(length=500), nullable=False, server_default=''))
        b.add_column(sa.Column('position_by', S(length=200), nullable=True))
        b.add_column(sa.Column('position_at', T(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('recommendation', schema=None) as b:
        b.drop_column('position_at')
        b.drop_column('position_by')
        b.drop_column('position_source')
        b.alter_column('position', existing_type=S(length=20), type_=S(length=12), existing_nullable=False)
    for t in ('api_token', 'console_session', 'sign_in_link', 'sign_in_request'):
        op.drop_table(t)
