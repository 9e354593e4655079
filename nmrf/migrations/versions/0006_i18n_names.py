"""names per language (State, secretariat, institutions), an institution's working language, a person's title

Revision ID: 0006_i18n_names
Revises: 0005_merge
Create Date: 2026-12-01
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006_i18n_names'
down_revision: str | Sequence[str] | None = '0005_merge'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # {"name": {"fr": ..., "en": ...}, "secretariat": {...}}: what the profile gives per language.
    with op.batch_alter_table('state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('names', sa.JSON(), nullable=False, server_default='{}'))
    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.add_column(sa.Column('names', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('language', sa.String(length=20), nullable=True))
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('titles', sa.JSON(), nullable=False, server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('titles')
        batch_op.drop_column('title')
    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.drop_column('language')
        batch_op.drop_column('names')
    with op.batch_alter_table('state', schema=None) as batch_op:
        batch_op.drop_column('names')
