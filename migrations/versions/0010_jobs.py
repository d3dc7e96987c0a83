"""The job queue: work that runs after a commit, off the request path

Revision ID: 0010_jobs
Revises: 0009_finding
Create Date: 2026-12-07 06:40:00

One new table (see forum/models/jobs.py); nothing existing changes. Work that was
due before this upgrade (vectors, related lists, the search index) is re-derived
from the database by the worker's catch-up, so nothing needs moving in.
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_jobs'
down_revision = '0009_finding'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('run_at', sa.DateTime(), nullable=False),
        sa.Column('claimed_by', sa.String(length=80), nullable=True),
        sa.Column('claimed_until', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    )
    op.create_index('ix_jobs_state_run_at', 'jobs', ['state', 'run_at'])


def downgrade():
    op.drop_index('ix_jobs_state_run_at', table_name='jobs')
    op.drop_table('jobs')
