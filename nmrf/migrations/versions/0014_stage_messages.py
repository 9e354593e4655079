"""the messages a stage sends when it opens (the information request with each institution's workbook, the
draft to the NHRI and to the ministers), their attached files, and which milestones have had theirs

Revision ID: 0014_stage_messages
Revises: 0013_sign_in
Create Date: 2026-12-01
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import nmrf.models.types

revision: str = '0014_stage_messages'
down_revision: str | Sequence[str] | None = '0013_sign_in'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('message_file',
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', nmrf.models.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sha256')
    )
    op.create_table('stage_notice',
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('at', nmrf.models.types.UTCDateTime(), nullable=False),
    sa.Column('messages', sa.Integer(), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('media_type', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], ),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestone.id'], ),
    sa.PrimaryKeyConstraint('milestone_id')
    )
    with op.batch_alter_table('stage_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stage_notice_cycle_id'), ['cycle_id'], unique=False)

    op.create_table('notification_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('media_type', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], ),
    sa.ForeignKeyConstraint(['sha256'], ['message_file.sha256'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('notification_id', 'file_name')
    )
    with op.batch_alter_table('notification_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_attachment_notification_id'), ['notification_id'], unique=False)

    # Stages that opened before this version sent no such message: they are marked as told, so that
    # upgrading a running NMRF does not send requests and drafts long after their stage opened.
    op.execute(sa.text(
        "INSERT INTO stage_notice (milestone_id, cycle_id, kind, at, messages, note) "
        "SELECT m.id, m.cycle_id, CASE WHEN m.stage = 'inputs' THEN 'request' "
        "WHEN m.stage = 'nhri_comment' THEN 'comment' ELSE 'signoff' END, m.updated_at, 0, "
        "'opened before nmrf sent the stage messages' FROM milestone m "
        "WHERE m.status <> 'planned' AND m.completion = 'person' AND ("
        "(m.stage = 'inputs' AND m.institution_id IS NOT NULL AND EXISTS ("
        "SELECT 1 FROM milestone r WHERE r.cycle_id = m.cycle_id AND r.template_key = 'info_request')) "
        "OR m.stage = 'nhri_comment' OR m.template_key = 'signoff')"))


def downgrade() -> None:
    with op.batch_alter_table('notification_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_attachment_notification_id'))

    op.drop_table('notification_attachment')
    with op.batch_alter_table('stage_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stage_notice_cycle_id'))

    op.drop_table('stage_notice')
    op.drop_table('message_file')
