"""Products and versions as data; a question's version; the version a staff verification was checked against; weekly recurring-issue scores

Revision ID: 0015_products
Revises: 0014_insights
Create Date: 2026-12-07 09:30:00

(Reserved in the chain; its tables are added with the feature.)
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0015_products'
down_revision = '0014_insights'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
