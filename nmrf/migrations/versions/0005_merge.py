"""merge the feeds, notifications and recommendations branches into one head

Revision ID: 0005_merge
Revises: 0002_feeds, 0003_notifications, 0004_recommendations
Create Date: 2026-11-27
"""
from collections.abc import Sequence

revision: str = '0005_merge'
down_revision: str | Sequence[str] | None = ('0002_feeds', '0003_notifications', '0004_recommendations')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
