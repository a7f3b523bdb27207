"""The "Start a meeting" form: attendees are chosen from the list, and anything else is an error on the form."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from portal.data.users import SignedInUser
from portal.meetings.forms import MeetingInput, validate_meeting

COLLEAGUE = SignedInUser(id=3, username="health.visitor", display_name="Hana Visitor", role="practitioner",
                         role_label="Health visitor", agency="health", organisation="NHS", team="Health visiting",
                         organisation_id=2)


def _form(*attendees: str) -> MultiDict[str, str]:
    return MultiDict([("meeting_type", "tac"), ("purpose", "girfec_wellbeing"),
                      *(("attendee", value) for value in attendees)])


def test_a_colleague_from_the_list_attends() -> None:
    attendees, errors = validate_meeting(MeetingInput.from_form(_form("3")), [COLLEAGUE])
    assert errors == {}
    assert [(a.role, a.user_id) for a in attendees] == [("Health visitor", 3)]


# What a hand-made form could send: Unicode digits ("²" broke int(), "٣" read as colleague 3), numbers past
# Python's 4,300-digit limit for int(), signs, spaces, decimals.
NOT_FROM_THE_LIST = st.one_of(
    st.sampled_from(["²", "٣", "9" * 4400, "-3", " 3", "3.0", "+3", "", "03x"]),
    st.text(max_size=30).filter(lambda text: text != "3"),
)


@given(value=NOT_FROM_THE_LIST)
def test_an_attendee_not_offered_by_the_form_is_an_error_on_the_form(value: str) -> None:
    attendees, errors = validate_meeting(MeetingInput.from_form(_form(value)), [COLLEAGUE])
    assert errors["attendee"] == "Select attendees from the list"
    assert attendees == []
