"""recommendations as real exports give them: unmapped themes, inferred SDGs apart, unknown bodies flagged;
the State profile's own spellings; what the State publishes

Revision ID: 0008_recommendation_sources
Revises: 0007_plan
Create Date: 2026-12-01

Existing rows: their stored SDGs were the source's widened by those of the
themes; the source's own cannot be told apart afterwards, so they stay in
`sdgs` until the file is imported again (the import then splits them).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008_recommendation_sources'
down_revision: str | Sequence[str] | None = '0007_plan'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inferred_sdgs', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('unmapped_themes', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('body_known', sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table('state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recommendation_aliases', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('publication', sa.JSON(), nullable=False, server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('state', schema=None) as batch_op:
        batch_op.drop_column('publication')
        batch_op.drop_column('recommendation_aliases')
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.drop_column('body_known')
        batch_op.drop_column('unmapped_themes')
        batch_op.drop_column('inferred_sdgs')
