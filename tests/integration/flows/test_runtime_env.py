"""What Prefect is told before it is imported: nothing leaves the machine unless a person chose it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from nmrf.prefect_stack import clean_env
from prefect._internal.analytics.ci_detection import CI_ENV_VARS

# A person's terminal: no CI variable (Prefect keeps quiet in CI whatever we do), no opt-out of their own.
PERSON = {k: v for k, v in os.environ.items()
          if k not in CI_ENV_VARS and k != "DO_NOT_TRACK" and not k.startswith(("PREFECT_", "NMRF_"))}

ASK = """
from nmrf.settings import get_settings
from nmrf.flows.runtime import prepare_prefect_environment
prepare_prefect_environment(get_settings())
from prefect.analytics import is_telemetry_enabled
print(is_telemetry_enabled())
"""


def _telemetry(env: dict[str, str], tmp_path: Path) -> str:
    run = subprocess.run([sys.executable, "-c", ASK], env={**env, "NMRF_HOME": str(tmp_path)},
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def test_the_engine_turns_prefects_usage_reports_off_before_importing_it(tmp_path: Path):
    assert _telemetry(PERSON, tmp_path) == "False"


def test_a_person_who_chose_to_send_them_keeps_their_choice(tmp_path: Path):
    assert _telemetry({**PERSON, "DO_NOT_TRACK": "0"}, tmp_path) == "True"


def test_the_workers_and_deploys_the_engine_starts_are_told_the_same():
    assert clean_env({"PATH": "/usr/bin"})["DO_NOT_TRACK"] == "1"
