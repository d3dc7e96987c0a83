"""Tag synonyms, thread vectors and stored related questions

Revision ID: 0009_finding
Revises: 0008_list_indexes
Create Date: 2026-12-07 03:20:00

Three new tables for finding threads (see forum/models/finding.py); nothing
existing changes. Vectors and related lists start empty: `flask search reindex`
(or the background embedder) fills them, and until then similar threads are
found by words alone.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_finding'
down_revision = '0008_list_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'tag_synonyms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=35), nullable=False),
        sa.Column('tag_id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_tag_synonyms_tag_id_tags'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_tag_synonyms_created_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tag_synonyms')),
        sa.UniqueConstraint('source', name=op.f('uq_tag_synonyms_source')),
    )
    op.create_index(op.f('ix_tag_synonyms_tag_id'), 'tag_synonyms', ['tag_id'])
    op.create_table(
        'thread_vectors',
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('model', sa.String(length=64), nullable=False),
        sa.Column('vector', sa.LargeBinary(), nullable=False),
        sa.Column('source_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['posts.id'],
                                name=op.f('fk_thread_vectors_question_id_posts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('question_id', name=op.f('pk_thread_vectors')),
    )
    op.create_index(op.f('ix_thread_vectors_updated_at'), 'thread_vectors', ['updated_at'])
    op.create_table(
        'related_lists',
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('ids', sa.String(length=200), nullable=False),
        sa.Column('computed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['posts.id'],
                                name=op.f('fk_related_lists_question_id_posts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('question_id', name=op.f('pk_related_lists')),
    )


def downgrade():
    op.drop_table('related_lists')
    op.drop_index(op.f('ix_thread_vectors_updated_at'), table_name='thread_vectors')
    op.drop_table('thread_vectors')
    op.drop_index(op.f('ix_tag_synonyms_tag_id'), table_name='tag_synonyms')
    op.drop_table('tag_synonyms')
