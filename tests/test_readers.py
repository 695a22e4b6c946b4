"""Value readers: numbers, dates, people, options, ADF text, trajectories, and what they reject."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from mappings.model import Direction, Person, TrajectoryPoint
from mappings.readers import (
    DEFAULT_READERS,
    READERS,
    ReadError,
    adf_text,
    bool_reader,
    read_date,
    read_datetime,
    read_direction,
    read_int,
    read_keys,
    read_number,
    read_paragraph,
    read_rating,
    read_select,
    read_text,
    read_trajectory,
    read_users,
    reader_for,
)

ADF = {
    "type": "doc",
    "version": 1,
    "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": "See and treat "}]},
        {
            "type": "bulletList",
            "content": [
                {
                    "type": "listItem",
                    "content": [
                        {
                            "type": "paragraph",
                            "content": [
                                {"type": "text", "text": "triage nurses"},
                                {"type": "hardBreak"},
                                {"type": "mention", "attrs": {"text": "@Claire Donovan"}},
                            ],
                        }
                    ],
                }
            ],
        },
        {"type": "paragraph", "content": []},
    ],
}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1200, 1200.0),
        (74.4, 74.4),
        ("1,200", 1200.0),
        ("2,000,000", 2_000_000.0),
        ("45%", 45.0),
        ("81 %", 81.0),
        ("12.5 days", 12.5),
        ("2 million", 2_000_000.0),
        ("1.5 billion rupees", 1_500_000_000.0),
        ("$1,200", 1200.0),
        ("-$1,200", -1200.0),
        ("1 200", 1200.0),
        ("-3.5", -3.5),
        (".5", 0.5),
        ("1e6", 1_000_000.0),
        ({"value": "3"}, 3.0),
        ("", None),
        ("   ", None),
    ],
)
def test_numbers(raw: object, expected: float | None) -> None:
    assert read_number(raw) == expected


@pytest.mark.parametrize("raw", ["n/a", "TBC", "nan", "inf", "1.200,5", "1,20", True, [1], "12%%"])
def test_not_numbers(raw: object) -> None:
    with pytest.raises(ReadError):
        read_number(raw)


@pytest.mark.parametrize(
    "raw",
    [
        float("nan"),  # JSON parsers (Python's among them) read a NaN token as a float
        float("inf"),
        float("-inf"),
        1e400,  # JSON's 1e400 is read as infinity
        10**400,  # an integer too large for a float
        1.7e308,
        -1.7e308,
        "1.7e308",
        "-1.7e308",
        "1e16",
        "2,000,000 billion",
        {"value": "1.7e308"},
    ],
)
def test_numbers_no_indicator_can_mean_are_read_errors(raw: object) -> None:
    with pytest.raises(ReadError, match="not a number"):
        read_number(raw)


def test_numbers_up_to_a_quadrillion_are_read() -> None:
    assert read_number(1e15) == 1e15
    assert read_number("-1,000,000,000,000,000") == -1e15
    assert read_number(10**15) == 1e15
    assert read_number("3.2 billion") == 3.2e9
    with pytest.raises(ReadError, match="within ±1e15"):
        read_int("99999999999999999999 - High")


def test_whole_numbers_and_ratings() -> None:
    assert read_int("3 - High") == 3
    assert read_int({"value": "4 - Very high"}) == 4
    assert read_int(2.0) == 2
    with pytest.raises(ReadError, match="whole number"):
        read_int(2.5)
    assert read_rating("2 - Amber/Red") == 2
    assert read_rating("Amber/Green") == 3
    assert read_rating({"value": "4 - Green"}) == 4
    for bad in ("5 - Purple", "Blue", 0):
        with pytest.raises(ReadError, match="not a rating"):
            read_rating(bad)


def test_dates_from_jira_and_airtable() -> None:
    assert read_date("2025-03-31") == date(2025, 3, 31)
    # A date-time reads as the date where it was written (Sydney, not UTC).
    assert read_date("2025-03-31T23:30:00.000+1000") == date(2025, 3, 31)
    assert read_date("2025-03-31T09:30:00.000Z") == date(2025, 3, 31)
    assert read_date(date(2025, 1, 2)) == date(2025, 1, 2)
    assert read_date("") is None


@pytest.mark.parametrize("raw", ["31/02/2025", "2025-02-31", "March 2025", 20250331, "TBC"])
def test_bad_dates_say_what_is_expected(raw: object) -> None:
    with pytest.raises(ReadError, match="YYYY-MM-DD"):
        read_date(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "0001-01-01",
        "9999-12-31",
        "1899-12-31",
        "2200-01-01",
        date(1, 1, 1),
        datetime(9999, 12, 31, tzinfo=UTC),
        "9999-12-31T23:59:59.000+0000",
    ],
)
def test_dates_no_plan_can_mean_are_read_errors(raw: object) -> None:
    with pytest.raises(ReadError, match="expected one from 1900-01-01 to 2199-12-31"):
        read_date(raw)
    with pytest.raises(ReadError, match="1900-01-01 to 2199-12-31"):
        read_datetime(raw)


def test_dates_from_1900_to_2199_are_read() -> None:
    assert read_date("1900-01-01") == date(1900, 1, 1)
    assert read_date("2199-12-31") == date(2199, 12, 31)
    assert read_datetime("2199-12-31T23:00:00.000Z") == datetime(2199, 12, 31, 23, tzinfo=UTC)
    with pytest.raises(ReadError, match="line 2 '9999-12-31: 80': 9999-12-31 is not a date"):
        read_trajectory("2026-03-31: 60\n9999-12-31: 80")
    with pytest.raises(ReadError, match="line 1 '2026-03-31: 1e308'"):
        read_trajectory("2026-03-31: 1e308")


def test_datetimes() -> None:
    jira = read_datetime("2025-06-30T16:42:00.000+1000")
    assert jira == datetime(2025, 6, 30, 16, 42, tzinfo=timezone(timedelta(hours=10)))
    assert read_datetime("2025-06-30T06:42:00.000Z") == jira
    assert read_datetime("2025-06-30T06:42:00") == datetime(2025, 6, 30, 6, 42, tzinfo=UTC)
    with pytest.raises(ReadError, match="date-time"):
        read_datetime("yesterday")


def test_users_from_jira_and_airtable() -> None:
    jira = [
        {"accountId": "712020:a1", "displayName": "Jonathan Ashby", "emailAddress": "j@dh.gov.uk"},
        {"accountId": "712020:b2", "displayName": "Claire Donovan", "active": True},
    ]
    people = read_users(jira)
    assert people == [
        Person(id="712020:a1", name="Jonathan Ashby", email="j@dh.gov.uk"),
        Person(id="712020:b2", name="Claire Donovan"),
    ]
    airtable = {"id": "usr3QzKvozFN87iBF", "email": "sarah@dpc.nsw.gov.au", "name": "Sarah"}
    assert read_users(airtable) == [
        Person(id="usr3QzKvozFN87iBF", name="Sarah", email="sarah@dpc.nsw.gov.au")
    ]
    assert read_users("ops@example.org") == [Person(id="ops@example.org", email="ops@example.org")]
    assert read_users(jira + jira[:1]) == people  # the same person twice counts once
    assert read_users([]) is None
    with pytest.raises(ReadError, match="without an accountId"):
        read_users([{"displayName": "Nobody"}])


def test_data_center_users_are_read_by_key_with_or_without_an_email() -> None:
    """Data Center users have no accountId; e-mail is often hidden (absent) or masked."""
    base = "https://jira.example.gov/rest/api/2/user"
    users = [
        {
            "self": f"{base}?username=jashby",
            "name": "jashby",
            "key": "JIRAUSER10100",
            "displayName": "Jonathan Ashby",
            "active": True,
        },
        {
            "self": f"{base}?username=cdonovan",
            "name": "cdonovan",
            "key": "cdonovan",  # users made before Jira 8.4 keep their first username as key
            "emailAddress": "cdonovan at dh dot gov dot uk",
            "displayName": "Claire Donovan",
        },
        {"name": "okafor", "emailAddress": "n.okafor@dh.gov.uk", "displayName": "Ngozi Okafor"},
    ]
    assert read_users(users) == [
        Person(id="JIRAUSER10100", name="Jonathan Ashby"),
        Person(id="cdonovan", name="Claire Donovan"),
        Person(id="okafor", name="Ngozi Okafor", email="n.okafor@dh.gov.uk"),
    ]
    renamed = {**users[0], "name": "jonathan.ashby"}  # a rename keeps the key
    assert read_users([users[0], renamed]) == read_users(users[:1])


def test_options_text_and_adf() -> None:
    assert read_select({"self": "...", "value": "Increase", "id": "10100"}) == "Increase"
    assert read_select({"name": "In Progress", "statusCategory": {"key": "indeterminate"}}) == (
        "In Progress"
    )
    assert read_select(["Done"]) == "Done"
    with pytest.raises(ReadError, match="2 options"):
        read_select(["A", "B"])
    assert adf_text(ADF) == "See and treat\ntriage nurses\n@Claire Donovan"
    assert read_paragraph(ADF) == "See and treat\ntriage nurses\n@Claire Donovan"
    assert read_text(ADF) == "See and treat triage nurses @Claire Donovan"
    assert read_paragraph({"type": "doc", "version": 1, "content": []}) is None
    assert read_text("  Weekly  sitreps \n") == "Weekly sitreps"


def test_direction_and_flags() -> None:
    assert read_direction({"value": "Decrease"}) is Direction.DECREASE
    assert read_direction("increase") is Direction.INCREASE
    with pytest.raises(ReadError, match="Increase or Decrease"):
        read_direction("Sideways")
    done = READERS["bool"]
    assert done({"name": "Closed", "statusCategory": {"key": "done"}}) is True
    assert done({"name": "In Progress", "statusCategory": {"key": "indeterminate"}}) is False
    assert done(True) is True
    select_done = bool_reader(["Done", "Complete"])
    assert select_done("complete") is True
    assert select_done("In progress") is False
    with pytest.raises(ReadError, match="true_values"):
        done("Maybe")


def test_keys_from_links_and_text() -> None:
    assert read_keys(["recA", "recB"]) == ["recA", "recB"]
    assert read_keys("DEL-4, DEL-5;DEL-6") == ["DEL-4", "DEL-5", "DEL-6"]
    assert read_keys([{"key": "DEL-4"}]) == ["DEL-4"]
    with pytest.raises(ReadError):
        read_keys(4)


def test_trajectory_lines() -> None:
    text = "2026-06-30: 1,450,000\n\n- 2025-06-30: 900,000\n"
    assert read_trajectory(text) == [
        TrajectoryPoint(at=date(2025, 6, 30), value=900_000),
        TrajectoryPoint(at=date(2026, 6, 30), value=1_450_000),
    ]
    adf = {
        "type": "doc",
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "2025-06-30: 76%"}]},
            {"type": "paragraph", "content": [{"type": "text", "text": "2026-06-30: 78.5%"}]},
        ],
    }
    assert [p.value for p in read_trajectory(adf) or []] == [76, 78.5]
    with pytest.raises(ReadError, match="line 2 '30/06/2026: 95,000'"):
        read_trajectory("2025-06-30: 45,000\n30/06/2026: 95,000")
    with pytest.raises(ReadError, match="line 1 'by June: lots'"):
        read_trajectory("by June: lots")


def test_every_attribute_has_a_known_default_reader() -> None:
    assert set(DEFAULT_READERS.values()) <= set(READERS)
    assert reader_for("bool", ["Done"])("done") is True
    assert reader_for("number") is read_number


def test_a_bool_with_true_values_is_true_when_any_item_of_a_list_is_one() -> None:
    salient = bool_reader(["salient"])  # Jira labels, an Airtable multiple select
    assert salient(["ae-four-hours", "Salient"]) is True
    assert salient(["ae-four-hours"]) is False
    assert salient([{"name": "salient"}]) is True
    assert salient("salient") is True
