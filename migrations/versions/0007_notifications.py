"""Notifications, follows, watched tags, the mail outbox, badges; user settings

Revision ID: 0007_notifications
Revises: 0006_moderation
Create Date: 2026-12-01 19:30:00

Existing users get email notifications "immediate", no website, no badges; the
askers and answerers of existing threads follow them, as new ones would.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_notifications'
down_revision = '0006_moderation'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('website', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('email_notifications', sa.String(length=16), nullable=False,
                                      server_default='immediate'))
        batch_op.add_column(sa.Column('digest_sent_at', sa.DateTime(), nullable=True))

    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('post_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.String(length=300), nullable=False),
        sa.Column('url', sa.String(length=300), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.Column('emailed_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'],
                                name=op.f('fk_notifications_actor_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['post_id'], ['posts.id'],
                                name=op.f('fk_notifications_post_id_posts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    )
    op.create_index('ix_notifications_user_id_read_at', 'notifications', ['user_id', 'read_at'])
    op.create_index(op.f('ix_notifications_created_at'), 'notifications', ['created_at'])

    op.create_table(
        'follows',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_follows_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['question_id'], ['posts.id'],
                                name=op.f('fk_follows_question_id_posts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'question_id', name=op.f('pk_follows')),
    )
    op.create_index(op.f('ix_follows_question_id'), 'follows', ['question_id'])

    op.create_table(
        'tag_watches',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('tag_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_tag_watches_user_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_tag_watches_tag_id_tags'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'tag_id', name=op.f('pk_tag_watches')),
    )
    op.create_index(op.f('ix_tag_watches_tag_id'), 'tag_watches', ['tag_id'])

    op.create_table(
        'outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('to_addr', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbox_user_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    )
    op.create_index('ix_outbox_sent_at_created_at', 'outbox', ['sent_at', 'created_at'])

    op.create_table(
        'user_badges',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('badge', sa.String(length=40), nullable=False),
        sa.Column('post_key', sa.Integer(), nullable=False),
        sa.Column('awarded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_user_badges_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_badges')),
        sa.UniqueConstraint('user_id', 'badge', 'post_key',
                            name=op.f('uq_user_badges_user_id_badge_post_key')),
    )
    op.create_index(op.f('ix_user_badges_user_id'), 'user_badges', ['user_id'])
    op.create_index(op.f('ix_user_badges_badge'), 'user_badges', ['badge'])

    # Askers and answerers of existing threads follow them.
    op.execute(
        "INSERT INTO follows (user_id, question_id, created_at) "
        "SELECT DISTINCT author_id, COALESCE(question_id, id), MIN(created_at) FROM posts "
        "WHERE deleted_at IS NULL GROUP BY author_id, COALESCE(question_id, id)"
    )


def downgrade():
    op.drop_table('user_badges')
    op.drop_table('outbox')
    op.drop_table('tag_watches')
    op.drop_table('follows')
    op.drop_table('notifications')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('digest_sent_at')
        batch_op.drop_column('email_notifications')
        batch_op.drop_column('website')
