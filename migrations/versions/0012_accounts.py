"""Accounts: email verification, uploaded avatars, account deletion, session epochs

Revision ID: 0012_accounts
Revises: 0011_escalation
Create Date: 2026-12-07 09:20:00

Users gain four columns. Every existing account (demo users included) counts as
verified, from the time it was created; new sign-ups start unverified. The
session epoch starts at 0, so sessions from before the upgrade stay valid.
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_accounts'
down_revision = '0011_escalation'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('email_verified_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('avatar_sha256', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0',
                                   nullable=False))
    op.execute("UPDATE users SET email_verified_at = created_at")


def downgrade():
    with op.batch_alter_table('users') as batch:
        batch.drop_column('session_epoch')
        batch.drop_column('deleted_at')
        batch.drop_column('avatar_sha256')
        batch.drop_column('email_verified_at')
