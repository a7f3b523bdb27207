"""What a meeting keeps: metadata, roles and organisations, item ids; the selection expires with the meeting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import inspect

from portal.data import meetings as store

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
BOX = timedelta(minutes=15)


def new_meeting(app: Flask) -> store.MeetingInfo:
    from tests.integration.access.conftest import user_named

    chair = user_named("lead.professional").id
    return store.create_meeting(chair, "tac", True, False, "encrypted-reference",
                                [store.Attendee("Health visitor", "NHS Glenmorven", None)], NOW, BOX)


def test_a_meeting_keeps_ids_and_roles_and_its_selection_ends_with_it(app: Flask) -> None:
    keeps_ids_and_roles(app)


@pytest.mark.postgres
def test_the_meeting_tables_migrate_and_work_on_postgres(tmp_path: Path) -> None:
    from tests.conftest import build_app, dispose_engines, make_settings
    from tests.support.postgres import fresh_database

    with fresh_database("meetings_test") as url:
        try:
            keeps_ids_and_roles(build_app(make_settings(tmp_path, DATABASE_URL=url)))
        finally:
            dispose_engines()


def keeps_ids_and_roles(app: Flask) -> None:
    with app.app_context():
        meeting = new_meeting(app)
        chair = meeting.chair_user_id
        store.save_selection(meeting.public_id, chair, {("police", "CR-1"), ("health", "cond-1")}, NOW)
        store.start_meeting(meeting.public_id, chair, NOW, BOX)
        store.record_shown(meeting.id, [("police", "CR-1"), ("police", "CR-1")], NOW)
        store.add_reveal(meeting.public_id, chair, ("police", "CR-9"), "consent", NOW)
        live = store.find_meeting(meeting.public_id, chair)
        assert live.selection == {("police", "CR-1"), ("health", "cond-1")}
        assert live.shown == (("police", "CR-1"),)
        assert live.revealed == {("police", "CR-9")}
        ended = store.end_meeting(meeting.public_id, chair, NOW + timedelta(minutes=5))
        assert ended.status == "ended" and ended.selection is None
        assert ended.shown == (("police", "CR-1"),) and ended.attendees[0].organisation == "NHS Glenmorven"
        with pytest.raises(store.MeetingError):
            store.add_reveal(meeting.public_id, chair, ("police", "CR-2"), "consent", NOW)


def test_the_time_box_is_extended_but_never_past_four_hours(app: Flask) -> None:
    with app.app_context():
        meeting = new_meeting(app)
        chair = meeting.chair_user_id
        store.start_meeting(meeting.public_id, chair, NOW, BOX)
        later = store.extend_meeting(meeting.public_id, chair, NOW + timedelta(minutes=12), BOX)
        assert later.expires_at == NOW + timedelta(minutes=27)
        with pytest.raises(store.MeetingError, match="timed out"):
            store.extend_meeting(meeting.public_id, chair, NOW + timedelta(minutes=28), BOX)


def test_someone_else_cannot_find_the_meeting(app: Flask) -> None:
    with app.app_context():
        meeting = new_meeting(app)
        assert store.find_meeting(meeting.public_id, meeting.chair_user_id + 1) is None


def test_no_column_can_hold_record_content(app: Flask) -> None:
    from portal.extensions import db

    with app.app_context():
        columns = {c["name"] for table in ("meetings", "meeting_attendees", "meeting_items")
                   for c in inspect(db.engine).get_columns(table)}
    assert not columns & {"title", "summary", "content", "text", "name", "chi", "event_date"}
