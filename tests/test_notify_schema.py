"""The notifications' migration gives exactly the models' schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from nmrf.models.db import make_engine, schema_revisions, upgrade_schema


def test_migrating_an_empty_database_gives_exactly_the_models_schema(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'schema.db'}")
    upgrade_schema(engine)
    # The migration is applied: it is the head or one of its ancestors (heads get merged).
    from alembic.script import ScriptDirectory

    from nmrf.models.db import alembic_config

    script = ScriptDirectory.from_config(alembic_config(engine))
    applied = {r.revision for h in schema_revisions(engine) for r in script.walk_revisions("base", h)}
    assert "0003_notifications" in applied
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, SQLModel.metadata) == []
    for table in ("notification", "notification_delivery", "delivery_attempt", "notification_policy",
                  "escalation_chain", "acknowledgement", "cycle_sweep"):
        assert table in SQLModel.metadata.tables
