"""What Prefect is told before it is imported: nothing leaves the machine unless a person chose it."""

from __future__ import annotations

import pytest
from prefect._internal.analytics.ci_detection import CI_ENV_VARS
from prefect.analytics import is_telemetry_enabled

from nmrf.flows.runtime import prepare_prefect_environment
from nmrf.prefect_stack import clean_env
from nmrf.settings import get_settings


@pytest.fixture
def a_persons_terminal(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No CI variable (Prefect keeps quiet in CI whatever we do) and no opt-out of the person's own. Prefect
    reads both each time it would report, so its own answer below is what a person's terminal gets."""
    for name in (*CI_ENV_VARS, "DO_NOT_TRACK"):
        monkeypatch.delenv(name, raising=False)
    assert is_telemetry_enabled(), "without the engine's setting, Prefect would report"
    return monkeypatch


def test_the_engine_turns_prefects_usage_reports_off_before_importing_it(a_persons_terminal):
    prepare_prefect_environment(get_settings())
    assert not is_telemetry_enabled()


def test_a_person_who_chose_to_send_them_keeps_their_choice(a_persons_terminal):
    a_persons_terminal.setenv("DO_NOT_TRACK", "0")
    prepare_prefect_environment(get_settings())
    assert is_telemetry_enabled()


def test_the_workers_and_deploys_the_engine_starts_are_told_the_same():
    assert clean_env({"PATH": "/usr/bin"})["DO_NOT_TRACK"] == "1"
