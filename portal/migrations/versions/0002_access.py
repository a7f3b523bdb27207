"""relationships and break-glass grants

Revision ID: 0002_access
Revises: 0001_accounts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_access"
down_revision = "0001_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "break_glass_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("child_chi", sa.String(length=10), nullable=False),
        sa.Column("reason_code", sa.String(length=32), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("review_outcome", sa.String(length=32), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["reviewed_by"], ["users.id"], name=op.f("fk_break_glass_grants_reviewed_by_users")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_break_glass_grants_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_break_glass_grants")),
    )
    with op.batch_alter_table("break_glass_grants", schema=None) as batch_op:
        batch_op.create_index("ix_break_glass_grants_user_id_child_chi", ["user_id", "child_chi"], unique=False)

    op.create_table(
        "relationships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_chi", sa.String(length=10), nullable=False),
        sa.Column("holder_type", sa.String(length=8), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("basis", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(holder_type = 'user' AND user_id IS NOT NULL AND organisation_id IS NULL) OR "
            "(holder_type = 'team' AND organisation_id IS NOT NULL AND user_id IS NULL)",
            name=op.f("ck_relationships_one_holder"),
        ),
        sa.CheckConstraint(
            "basis != 'cp_enquiry' OR ends_at IS NOT NULL", name=op.f("ck_relationships_cp_enquiry_has_end")
        ),
        sa.CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name=op.f("ck_relationships_ends_after_start")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_relationships_created_by_users")),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_relationships_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_relationships_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relationships")),
    )
    with op.batch_alter_table("relationships", schema=None) as batch_op:
        batch_op.create_index("ix_relationships_child_chi_starts_at", ["child_chi", "starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_relationships_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_relationships_user_id"), ["user_id"], unique=False)




def downgrade() -> None:

    with op.batch_alter_table("relationships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relationships_user_id"))
        batch_op.drop_index(batch_op.f("ix_relationships_organisation_id"))
        batch_op.drop_index("ix_relationships_child_chi_starts_at")

    op.drop_table("relationships")
    with op.batch_alter_table("break_glass_grants", schema=None) as batch_op:
        batch_op.drop_index("ix_break_glass_grants_user_id_child_chi")

    op.drop_table("break_glass_grants")

