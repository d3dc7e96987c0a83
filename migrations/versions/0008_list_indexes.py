"""Indexes for every list order, a thread's linked duplicates, accepted answers

Revision ID: 0008_list_indexes
Revises: 0007_notifications
Create Date: 2026-12-01 22:45:00

The "votes" list orders by score then age and "unanswered" filters on the answer
count then orders by age: each had an index on its first column only, so the
database sorted every tied row (all unanswered questions, all questions of score
0) on each page. The linked-duplicates box of every question page looked up
`duplicate_of_id` with a scan of the whole posts table, and the badge rules run
after every vote ("Teacher", "Problem Solver") joined answers to the questions
that accepted them on `accepted_answer_id`, also unindexed. The wider indexes start
with the columns of the ones they replace.
"""
from alembic import op


revision = '0008_list_indexes'
down_revision = '0007_notifications'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index('ix_posts_type_score_created_at', ['type', 'score', 'created_at'])
        batch_op.create_index('ix_posts_type_answer_count_created_at',
                              ['type', 'answer_count', 'created_at'])
        batch_op.create_index('ix_posts_duplicate_of_id', ['duplicate_of_id'])
        batch_op.create_index('ix_posts_accepted_answer_id', ['accepted_answer_id'])
        batch_op.drop_index('ix_posts_type_score')
        batch_op.drop_index('ix_posts_type_answer_count')


def downgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index('ix_posts_type_answer_count', ['type', 'answer_count'])
        batch_op.create_index('ix_posts_type_score', ['type', 'score'])
        batch_op.drop_index('ix_posts_accepted_answer_id')
        batch_op.drop_index('ix_posts_duplicate_of_id')
        batch_op.drop_index('ix_posts_type_answer_count_created_at')
        batch_op.drop_index('ix_posts_type_score_created_at')
