"""Insights: the search log, "did this solve it" answers, ask sessions (deflection)

Revision ID: 0014_insights
Revises: 0013_support_cases
Create Date: 2026-12-07 09:30:00

(Reserved in the chain; its tables are added with the feature.)
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0014_insights'
down_revision = '0013_support_cases'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
