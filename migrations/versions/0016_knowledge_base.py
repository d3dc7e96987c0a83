"""Knowledge-base articles: drafts, review, published, revisions, source threads

Revision ID: 0016_knowledge_base
Revises: 0015_products
Create Date: 2026-12-07 09:30:00

Three new tables start empty; nothing existing changes.
"""
import sqlalchemy as sa
from alembic import op

revision = '0016_knowledge_base'
down_revision = '0015_products'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'kb_articles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('slug', sa.String(length=200), nullable=False),
        sa.Column('product', sa.String(length=100), nullable=True),
        sa.Column('problem', sa.Text(), nullable=False),
        sa.Column('problem_html', sa.Text(), nullable=False),
        sa.Column('solution', sa.Text(), nullable=False),
        sa.Column('solution_html', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('edited_by_id', sa.Integer(), nullable=False),
        sa.Column('submitted_by_id', sa.Integer(), nullable=True),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('submitted_at', sa.DateTime(), nullable=True),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.Column('revision_count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'],
                                name=op.f('fk_kb_articles_author_id_users')),
        sa.ForeignKeyConstraint(['edited_by_id'], ['users.id'],
                                name=op.f('fk_kb_articles_edited_by_id_users')),
        sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'],
                                name=op.f('fk_kb_articles_submitted_by_id_users')),
        sa.ForeignKeyConstraint(['published_by_id'], ['users.id'],
                                name=op.f('fk_kb_articles_published_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_articles')),
    )
    op.create_index(op.f('ix_kb_articles_author_id'), 'kb_articles', ['author_id'])
    op.create_index(op.f('ix_kb_articles_product'), 'kb_articles', ['product'])
    op.create_index('ix_kb_articles_state_published_at', 'kb_articles',
                    ['state', 'published_at'])
    op.create_table(
        'kb_revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('product', sa.String(length=100), nullable=True),
        sa.Column('problem', sa.Text(), nullable=False),
        sa.Column('solution', sa.Text(), nullable=False),
        sa.Column('comment', sa.String(length=300), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'],
                                name=op.f('fk_kb_revisions_article_id_kb_articles'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'],
                                name=op.f('fk_kb_revisions_author_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_revisions')),
        sa.UniqueConstraint('article_id', 'number', name=op.f('uq_kb_revisions_article_id_number')),
    )
    op.create_index(op.f('ix_kb_revisions_article_id'), 'kb_revisions', ['article_id'])
    op.create_table(
        'kb_sources',
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('answer_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'],
                                name=op.f('fk_kb_sources_article_id_kb_articles'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['question_id'], ['posts.id'],
                                name=op.f('fk_kb_sources_question_id_posts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['answer_id'], ['posts.id'],
                                name=op.f('fk_kb_sources_answer_id_posts'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('article_id', 'question_id', name=op.f('pk_kb_sources')),
    )
    op.create_index(op.f('ix_kb_sources_question_id'), 'kb_sources', ['question_id'])


def downgrade():
    op.drop_index(op.f('ix_kb_sources_question_id'), table_name='kb_sources')
    op.drop_table('kb_sources')
    op.drop_index(op.f('ix_kb_revisions_article_id'), table_name='kb_revisions')
    op.drop_table('kb_revisions')
    op.drop_index('ix_kb_articles_state_published_at', table_name='kb_articles')
    op.drop_index(op.f('ix_kb_articles_product'), table_name='kb_articles')
    op.drop_index(op.f('ix_kb_articles_author_id'), table_name='kb_articles')
    op.drop_table('kb_articles')
