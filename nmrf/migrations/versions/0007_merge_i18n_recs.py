"""merge the i18n names and the recommendation sources branches into one head

Revision ID: 0007_merge_i18n_recs (alembic_version holds 32 characters)
Revises: 0006_i18n_names, 0006_recommendation_sources
Create Date: 2026-12-01
"""
from collections.abc import Sequence

revision: str = '0007_merge_i18n_recs'
down_revision: str | Sequence[str] | None = ('0006_i18n_names', '0006_recommendation_sources')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
