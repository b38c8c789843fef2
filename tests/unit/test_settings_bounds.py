"""Settings out of their bounds stop start-up, one line per problem, each naming its variable."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.adapters.settings import ConfigError, load_settings

BASE = {
    "SLACK_BOT_TOKEN": "xoxb-1",
    "SLACK_SIGNING_SECRET": "s",
    "ZENDESK_SUBDOMAIN": "acme",
    "ZENDESK_EMAIL": "bot@acme.com",
    "ZENDESK_TOKEN": "t",
}


def problems(**env: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_settings({**BASE, **env})
    return info.value.problems


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("RESOLUTION_WINDOW", "10000000000000d"),
        ("RESOLUTION_WINDOW", "0.0001s"),
        ("RESOLUTION_WINDOW", "0.5s"),
        ("RESOLUTION_WINDOW", "366d"),
        ("REMIND_UNCLAIMED_AFTER", "99999999999w"),
        ("REMIND_DIAGNOSIS_AFTER", "0.2"),
        ("REMIND_USER_UPDATE_AFTER", "3 días"),
        ("PORT", "0"),
        ("PORT", "70000"),
        ("PORT", "٣٠٠٠"),
        ("INTAKE_INTERVAL_SECONDS", "1"),
        ("INTAKE_INTERVAL_SECONDS", "abc"),
        ("INTAKE_START_TIME", "yesterday"),
        ("SLACK_CHANNEL_RATE", "0"),
        ("SLACK_CHANNEL_RATE", "1e9"),
        ("RETENTION_CRON", "every day"),
        ("SLACK_APP_TOKEN", "xoxb-not-an-app-token"),
        ("REDIS_URL", "localhost:6379"),
        ("SLACK_API_URL", "ftp://slack.example"),
        ("SOPORTE_START_RETRIES", "0"),
    ],
)
def test_a_value_out_of_bounds_is_one_line_naming_its_variable(name: str, raw: str) -> None:
    [line] = problems(**{name: raw})
    assert line.startswith(name)
    assert "\n" not in line


def test_every_problem_is_reported_at_once() -> None:
    lines = problems(RESOLUTION_WINDOW="0.0001s", PORT="http", SLACK_CHANNEL_RATE="-1")
    assert [line.split("=")[0] for line in lines] == [
        "PORT",
        "RESOLUTION_WINDOW",
        "SLACK_CHANNEL_RATE",
    ]


def test_the_tests_short_windows_and_the_bounds_themselves_are_accepted() -> None:
    assert load_settings({**BASE, "RESOLUTION_WINDOW": "2s"}).resolution_window == timedelta(
        seconds=2
    )
    assert load_settings({**BASE, "RESOLUTION_WINDOW": "1s"}).resolution_window == timedelta(
        seconds=1
    )
    assert load_settings({**BASE, "RESOLUTION_WINDOW": "365d"}).resolution_window == timedelta(
        days=365
    )
    settings = load_settings({**BASE, "INTAKE_INTERVAL_SECONDS": "10", "PORT": "65535"})
    assert (settings.intake_interval, settings.port) == (10, 65535)


def test_a_redis_password_never_reaches_the_message() -> None:
    [line] = problems(REDIS_URL="http://:hunter2-secret@db.example:6379/0")
    assert "hunter2-secret" not in line
    assert line.startswith("REDIS_URL")
