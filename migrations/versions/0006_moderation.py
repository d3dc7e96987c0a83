"""Moderation: flags, close/reopen votes, review tasks, the audit log, and post
columns for duplicates, merges, locks, pins, protection and hiding by flags

Revision ID: 0006_moderation
Revises: 0005_support
Create Date: 2026-12-01 19:00:00

Existing questions that are already closed keep their status and reason; they get
no `closed_at` (it was not recorded) and no duplicate link.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_moderation'
down_revision = '0005_support'
branch_labels = None
depends_on = None

POST_COLUMNS = (
    ('duplicate_of_id', sa.Integer()),
    ('merged_into_id', sa.Integer()),
    ('closed_at', sa.DateTime()),
    ('protected_at', sa.DateTime()),
    ('pinned_at', sa.DateTime()),
    ('pinned_tag', sa.String(length=35)),
    ('locked_at', sa.DateTime()),
    ('lock_reason', sa.String(length=300)),
    ('hidden_at', sa.DateTime()),
)


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        for name, type_ in POST_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
        batch_op.create_foreign_key('fk_posts_duplicate_of_id_posts', 'posts',
                                    ['duplicate_of_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key('fk_posts_merged_into_id_posts', 'posts',
                                    ['merged_into_id'], ['id'], ondelete='SET NULL')

    op.create_table(
        'flags',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('text', sa.String(length=500), nullable=False),
        sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('decision_note', sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_flags_post_id_posts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_flags_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['duplicate_of_id'], ['posts.id'],
                                name=op.f('fk_flags_duplicate_of_id_posts'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_flags_decided_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_flags')),
    )
    op.create_index(op.f('ix_flags_post_id'), 'flags', ['post_id'])
    op.create_index(op.f('ix_flags_user_id'), 'flags', ['user_id'])
    op.create_index('ix_flags_status_created_at', 'flags', ['status', 'created_at'])
    op.create_index('uq_flags_open_per_user', 'flags', ['post_id', 'user_id'], unique=True,
                    sqlite_where=sa.text("status = 'open'"),
                    postgresql_where=sa.text("status = 'open'"))

    op.create_table(
        'close_votes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=8), nullable=False),
        sa.Column('reason', sa.String(length=32), nullable=True),
        sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
        sa.Column('binding', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('spent_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['question_id'], ['posts.id'],
                                name=op.f('fk_close_votes_question_id_posts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_close_votes_user_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['duplicate_of_id'], ['posts.id'],
                                name=op.f('fk_close_votes_duplicate_of_id_posts'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_close_votes')),
    )
    op.create_index(op.f('ix_close_votes_question_id'), 'close_votes', ['question_id'])
    op.create_index('uq_close_votes_live', 'close_votes', ['question_id', 'user_id', 'action'],
                    unique=True, sqlite_where=sa.text('spent_at IS NULL'),
                    postgresql_where=sa.text('spent_at IS NULL'))

    op.create_table(
        'review_tasks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=True),
        sa.Column('body', sa.Text(), nullable=True),
        sa.Column('tags', sa.String(length=200), nullable=True),
        sa.Column('comment', sa.String(length=300), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(['post_id'], ['posts.id'],
                                name=op.f('fk_review_tasks_post_id_posts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'],
                                name=op.f('fk_review_tasks_author_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_review_tasks_decided_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_tasks')),
    )
    op.create_index(op.f('ix_review_tasks_post_id'), 'review_tasks', ['post_id'])
    op.create_index('ix_review_tasks_status_kind', 'review_tasks', ['status', 'kind'])

    op.create_table(
        'audit_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('target_type', sa.String(length=16), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('details', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'],
                                name=op.f('fk_audit_log_actor_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    )
    op.create_index(op.f('ix_audit_log_actor_id'), 'audit_log', ['actor_id'])
    op.create_index(op.f('ix_audit_log_action'), 'audit_log', ['action'])
    op.create_index('ix_audit_log_created_at', 'audit_log', ['created_at'])
    op.create_index('ix_audit_log_target', 'audit_log', ['target_type', 'target_id'])


def downgrade():
    op.drop_table('audit_log')
    op.drop_table('review_tasks')
    op.drop_table('close_votes')
    op.drop_table('flags')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_constraint('fk_posts_merged_into_id_posts', type_='foreignkey')
        batch_op.drop_constraint('fk_posts_duplicate_of_id_posts', type_='foreignkey')
        for name, _ in reversed(POST_COLUMNS):
            batch_op.drop_column(name)
