"""Escalation to a bug tracker and follow-through: tracker links on known issues,
webhook deliveries, "did it fix it" checks, answer reminders

Revision ID: 0011_escalation
Revises: 0010_jobs
Create Date: 2026-12-07 07:00:00

Known issues gain three nullable columns (the linked bug); existing ones keep their
free-text reference. Three new tables start empty.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_escalation'
down_revision = '0010_jobs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('known_issues') as batch:
        batch.add_column(sa.Column('tracker_kind', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('tracker_url', sa.String(length=300), nullable=True))
        batch.add_column(sa.Column('tracker_id', sa.String(length=120), nullable=True))
        batch.create_index('ix_known_issues_tracker', ['tracker_kind', 'tracker_id'])
    op.create_table(
        'tracker_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=True),
        sa.Column('direction', sa.String(length=3), nullable=False),
        sa.Column('event', sa.String(length=40), nullable=False),
        sa.Column('delivery_key', sa.String(length=80), nullable=False),
        sa.Column('url', sa.String(length=300), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('response_status', sa.Integer(), nullable=True),
        sa.Column('response_body', sa.Text(), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['posts.id'],
                                name=op.f('fk_tracker_deliveries_question_id_posts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tracker_deliveries')),
        sa.UniqueConstraint('delivery_key', name=op.f('uq_tracker_deliveries_delivery_key')),
    )
    op.create_index(op.f('ix_tracker_deliveries_question_id'), 'tracker_deliveries', ['question_id'])
    op.create_index(op.f('ix_tracker_deliveries_created_at'), 'tracker_deliveries', ['created_at'])
    op.create_table(
        'fix_checks',
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('fixed_in', sa.String(length=50), nullable=False),
        sa.Column('answer', sa.String(length=3), nullable=True),
        sa.Column('reason', sa.String(length=300), nullable=False),
        sa.Column('asked_at', sa.DateTime(), nullable=False),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['question_id'], ['posts.id'],
                                name=op.f('fk_fix_checks_question_id_posts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_fix_checks_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('question_id', 'user_id', name=op.f('pk_fix_checks')),
    )
    op.create_index(op.f('ix_fix_checks_user_id'), 'fix_checks', ['user_id'])
    op.create_table(
        'answer_reminders',
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['posts.id'],
                                name=op.f('fk_answer_reminders_question_id_posts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('question_id', name=op.f('pk_answer_reminders')),
    )


def downgrade():
    op.drop_table('answer_reminders')
    op.drop_index(op.f('ix_fix_checks_user_id'), table_name='fix_checks')
    op.drop_table('fix_checks')
    op.drop_index(op.f('ix_tracker_deliveries_created_at'), table_name='tracker_deliveries')
    op.drop_index(op.f('ix_tracker_deliveries_question_id'), table_name='tracker_deliveries')
    op.drop_table('tracker_deliveries')
    with op.batch_alter_table('known_issues') as batch:
        batch.drop_index('ix_known_issues_tracker')
        batch.drop_column('tracker_id')
        batch.drop_column('tracker_url')
        batch.drop_column('tracker_kind')
