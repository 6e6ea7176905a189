"""Migration 0016 (``ix_mat_class_facts_class``) and what it serves: a refresh drops the
``mat_class`` rows no student's facts refer to any more, and only those. On both backends."""

from __future__ import annotations

from sqlalchemy import Engine, func, insert, literal, select

from caseload.domain.settings import Thresholds
from caseload.store import facts as mat
from caseload.store.tables import METADATA

T = METADATA.tables


def test_a_refresh_drops_exactly_the_classes_no_facts_refer_to(sample_engine: Engine) -> None:
    mk = T["mat_class"]
    with sample_engine.begin() as conn:
        kept = set(conn.execute(select(mk.c.class_id)).scalars())
        assert kept
        some = min(kept)
        conn.execute(insert(mk).from_select(  # a class head whose students' facts are gone
            [c.name for c in mk.columns],
            select(*(literal("cls-gone").label(c.name) if c.name == "class_id" else c
                     for c in mk.columns)).where(mk.c.class_id == some),
        ))
    mat.refresh(sample_engine, Thresholds())  # the facts are fresh: nothing recomputed
    with sample_engine.connect() as conn:
        assert set(conn.execute(select(mk.c.class_id)).scalars()) == kept
        referred = conn.execute(
            select(func.count(T["mat_class_facts"].c.class_id.distinct()))
        ).scalar_one()
    assert referred == len(kept)


def test_migration_0016_indexes_class_facts_by_class_both_ways(db_url: str) -> None:
    from caseload.store.engine import make_engine, migrate
    from tests.migrations import declared_diffs, downgrade, index_names

    engine = make_engine(db_url)
    try:
        migrate(engine)
        assert declared_diffs(engine, "mat_class_facts") == []
        assert "ix_mat_class_facts_class" in index_names(engine, "mat_class_facts")
        downgrade(engine, "0015")
        assert "ix_mat_class_facts_class" not in index_names(engine, "mat_class_facts")
    finally:
        engine.dispose()
