"""posts.imported_score: an imported post's original score, kept apart from votes

Revision ID: 0004_imported_score
Revises: 0003_postgres_search
Create Date: 2026-12-01 17:30:00

A post's score is its imported score plus the sum of its votes. Before this, an
imported post's score was set directly and the first vote replaced it with the
sum of votes alone; existing imported posts keep their score as the base.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_imported_score'
down_revision = '0003_postgres_search'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('imported_score', sa.Integer(), nullable=False,
                                      server_default='0'))
    op.execute(
        "UPDATE posts SET imported_score = score - COALESCE("
        "(SELECT SUM(votes.value) FROM votes WHERE votes.post_id = posts.id), 0) "
        "WHERE source IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('imported_score')
