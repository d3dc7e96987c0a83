"""The support desk: private cases with messages, staff-only notes and files;
service-level alerts

Revision ID: 0013_support_cases
Revises: 0012_accounts
Create Date: 2026-12-07 09:40:00

Four new tables start empty; nothing existing changes.
"""
from alembic import op
import sqlalchemy as sa


revision = '0013_support_cases'
down_revision = '0012_accounts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'support_cases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=True),
        sa.Column('requester_id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=150), nullable=False),
        sa.Column('product', sa.String(length=100), nullable=True),
        sa.Column('tier', sa.String(length=2), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('opened_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('first_response_at', sa.DateTime(), nullable=True),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.Column('published_answer_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['question_id'], ['posts.id'],
                                name=op.f('fk_support_cases_question_id_posts'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['requester_id'], ['users.id'],
                                name=op.f('fk_support_cases_requester_id_users')),
        sa.ForeignKeyConstraint(['assignee_id'], ['users.id'],
                                name=op.f('fk_support_cases_assignee_id_users')),
        sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'],
                                name=op.f('fk_support_cases_opened_by_id_users')),
        sa.ForeignKeyConstraint(['published_answer_id'], ['posts.id'],
                                name=op.f('fk_support_cases_published_answer_id_posts'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_support_cases')),
    )
    op.create_index(op.f('ix_support_cases_question_id'), 'support_cases', ['question_id'])
    op.create_index(op.f('ix_support_cases_requester_id'), 'support_cases', ['requester_id'])
    op.create_index(op.f('ix_support_cases_assignee_id'), 'support_cases', ['assignee_id'])
    op.create_index('ix_support_cases_state_created_at', 'support_cases', ['state', 'created_at'])
    op.create_table(
        'case_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('body_html', sa.Text(), nullable=False),
        sa.Column('internal', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['support_cases.id'],
                                name=op.f('fk_case_messages_case_id_support_cases'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'],
                                name=op.f('fk_case_messages_author_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_messages')),
    )
    op.create_index('ix_case_messages_case_id_created_at', 'case_messages', ['case_id', 'created_at'])
    op.create_table(
        'case_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('uploader_id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['case_messages.id'],
                                name=op.f('fk_case_files_message_id_case_messages'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['uploader_id'], ['users.id'],
                                name=op.f('fk_case_files_uploader_id_users')),
        sa.ForeignKeyConstraint(['sha256'], ['blobs.sha256'],
                                name=op.f('fk_case_files_sha256_blobs')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_files')),
    )
    op.create_index(op.f('ix_case_files_message_id'), 'case_files', ['message_id'])
    op.create_index(op.f('ix_case_files_sha256'), 'case_files', ['sha256'])
    op.create_table(
        'sla_alerts',
        sa.Column('subject', sa.String(length=8), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('target', sa.String(length=16), nullable=False),
        sa.Column('sent_to_id', sa.Integer(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['sent_to_id'], ['users.id'],
                                name=op.f('fk_sla_alerts_sent_to_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('subject', 'subject_id', 'target', name=op.f('pk_sla_alerts')),
    )


def downgrade():
    op.drop_table('sla_alerts')
    op.drop_table('case_files')
    op.drop_table('case_messages')
    op.drop_table('support_cases')
