"""Insights: the search log, "did this solve it" answers, ask sessions (deflection)

Revision ID: 0014_insights
Revises: 0013_support_cases
Create Date: 2026-12-07 09:30:00

Three new tables start empty; nothing existing changes.
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_insights'
down_revision = '0013_support_cases'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('query', sa.String(length=200), nullable=False),
        sa.Column('result_count', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=8), nullable=False),
        sa.Column('signed_in', sa.Boolean(), nullable=False),
        sa.Column('product', sa.String(length=100), nullable=True),
        sa.Column('opened_question_id', sa.Integer(), nullable=True),
        sa.Column('opened_rank', sa.Integer(), nullable=True),
        sa.Column('opened_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['opened_question_id'], ['posts.id'],
                                name=op.f('fk_search_log_opened_question_id_posts'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_log')),
    )
    op.create_index('ix_search_log_created_at', 'search_log', ['created_at'])
    op.create_table(
        'thread_feedback',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=True),
        sa.Column('article_id', sa.Integer(), nullable=True),
        sa.Column('visitor', sa.String(length=64), nullable=False),
        sa.Column('helpful', sa.Boolean(), nullable=False),
        sa.Column('reason', sa.String(length=300), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['posts.id'],
                                name=op.f('fk_thread_feedback_question_id_posts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_thread_feedback')),
        sa.UniqueConstraint('question_id', 'visitor',
                            name=op.f('uq_thread_feedback_question_id_visitor')),
        sa.UniqueConstraint('article_id', 'visitor',
                            name=op.f('uq_thread_feedback_article_id_visitor')),
    )
    op.create_index(op.f('ix_thread_feedback_article_id'), 'thread_feedback', ['article_id'])
    op.create_index('ix_thread_feedback_created_at', 'thread_feedback', ['created_at'])
    op.create_table(
        'ask_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('similar_shown_at', sa.DateTime(), nullable=True),
        sa.Column('opened_at', sa.DateTime(), nullable=True),
        sa.Column('opened_question_id', sa.Integer(), nullable=True),
        sa.Column('posted_at', sa.DateTime(), nullable=True),
        sa.Column('posted_question_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['opened_question_id'], ['posts.id'],
                                name=op.f('fk_ask_sessions_opened_question_id_posts'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['posted_question_id'], ['posts.id'],
                                name=op.f('fk_ask_sessions_posted_question_id_posts'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ask_sessions')),
        sa.UniqueConstraint('token', name=op.f('uq_ask_sessions_token')),
    )
    op.create_index('ix_ask_sessions_created_at', 'ask_sessions', ['created_at'])


def downgrade():
    op.drop_table('ask_sessions')
    op.drop_table('thread_feedback')
    op.drop_table('search_log')
