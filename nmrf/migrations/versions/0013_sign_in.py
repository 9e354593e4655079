"""sign-in to the console with the State's identity provider (profile: console.openid_connect)

Revision ID: 0013_sign_in
Revises: 0012_cycle_departure
Create Date: 2026-12-01
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013_sign_in'
down_revision: str | Sequence[str] | None = '0012_cycle_departure'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('state') as batch:
        batch.add_column(sa.Column('sign_in', sa.JSON(), nullable=False, server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('state') as batch:
        batch.drop_column('sign_in')
