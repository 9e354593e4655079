"""the secretariat's contact address (profile: secretariat.contact), named in messages to people outside it;
the minister a deputy acts for (profile: acts_for)

Revision ID: 0011_contact_deputy
Revises: 0010_console
Create Date: 2026-12-01
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0011_contact_deputy'
down_revision: str | Sequence[str] | None = '0010_console'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('state') as batch:
        batch.add_column(sa.Column('secretariat_contact', sqlmodel.sql.sqltypes.AutoString(length=320),
                                   nullable=True))
    with op.batch_alter_table('person') as batch:
        batch.add_column(sa.Column('acts_for', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('person') as batch:
        batch.drop_column('acts_for')
    with op.batch_alter_table('state') as batch:
        batch.drop_column('secretariat_contact')
