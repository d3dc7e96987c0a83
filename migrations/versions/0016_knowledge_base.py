"""Knowledge-base articles: drafts, review, published, revisions, source threads

Revision ID: 0016_knowledge_base
Revises: 0015_products
Create Date: 2026-12-07 09:30:00

(Reserved in the chain; its tables are added with the feature.)
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0016_knowledge_base'
down_revision = '0015_products'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
