"""Support features: official answers, attachments and their blobs, "me too", known issues

Revision ID: 0005_support
Revises: 0004_imported_score
Create Date: 2026-12-01 18:30:00

Adds columns to posts (staff verification on answers, the official answer and
the "me too" count on questions) and four tables. Existing rows get no official
answer, no files and a "me too" count of zero.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_support'
down_revision = '0004_imported_score'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('me_too_count', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('official_answer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('official_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('official_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('official_revision', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('official_stale', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_foreign_key('fk_posts_official_answer_id_posts', 'posts',
                                    ['official_answer_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key('fk_posts_official_by_id_users', 'users',
                                    ['official_by_id'], ['id'])

    op.create_table(
        'blobs',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('sha256', name=op.f('pk_blobs')),
    )
    op.create_table(
        'attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('uploader_id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('download_count', sa.Integer(), nullable=False),
        sa.Column('verified_by_id', sa.Integer(), nullable=True),
        sa.Column('verified_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('deleted_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['post_id'], ['posts.id'],
                                name=op.f('fk_attachments_post_id_posts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['uploader_id'], ['users.id'],
                                name=op.f('fk_attachments_uploader_id_users')),
        sa.ForeignKeyConstraint(['sha256'], ['blobs.sha256'],
                                name=op.f('fk_attachments_sha256_blobs')),
        sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'],
                                name=op.f('fk_attachments_verified_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    )
    op.create_index(op.f('ix_attachments_post_id'), 'attachments', ['post_id'])
    op.create_index(op.f('ix_attachments_sha256'), 'attachments', ['sha256'])
    op.create_index('ix_attachments_uploader_id_created_at', 'attachments',
                    ['uploader_id', 'created_at'])
    op.create_table(
        'me_toos',
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['posts.id'],
                                name=op.f('fk_me_toos_question_id_posts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_me_toos_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('question_id', 'user_id', name=op.f('pk_me_toos')),
    )
    op.create_index('ix_me_toos_question_id_created_at', 'me_toos', ['question_id', 'created_at'])
    op.create_table(
        'known_issues',
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('reference', sa.String(length=300), nullable=False),
        sa.Column('fixed_in', sa.String(length=50), nullable=True),
        sa.Column('marked_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['posts.id'],
                                name=op.f('fk_known_issues_question_id_posts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['marked_by_id'], ['users.id'],
                                name=op.f('fk_known_issues_marked_by_id_users')),
        sa.PrimaryKeyConstraint('question_id', name=op.f('pk_known_issues')),
    )
    op.create_index(op.f('ix_known_issues_state'), 'known_issues', ['state'])


def downgrade():
    op.drop_table('known_issues')
    op.drop_table('me_toos')
    op.drop_table('attachments')
    op.drop_table('blobs')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_constraint('fk_posts_official_by_id_users', type_='foreignkey')
        batch_op.drop_constraint('fk_posts_official_answer_id_posts', type_='foreignkey')
        for column in ('official_stale', 'official_revision', 'official_at', 'official_by_id',
                       'official_answer_id', 'me_too_count'):
            batch_op.drop_column(column)
