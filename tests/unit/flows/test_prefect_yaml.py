"""prefect.yaml: every entrypoint it names imports and is a flow; every flow a secretariat
runs has a deployment; schedules carry their zone; no secret is written in the file."""

from __future__ import annotations

import importlib
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from prefect import Flow

from nmrf.flows import FLOWS
from tests.support.paths import ROOT

SPEC = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
DEPLOYMENTS = {d["name"]: d for d in SPEC["deployments"]}


def test_every_entrypoint_names_a_file_of_the_repository_and_imports_as_a_flow():
    for name, d in DEPLOYMENTS.items():
        path, func = d["entrypoint"].split(":")
        assert (ROOT / path).is_file(), f"{name}: {path} does not exist"
        # flows/x.py is installed as nmrf.flows.x (pyproject.toml maps the folder); Prefect loads it by path.
        module = importlib.import_module("nmrf." + path.removesuffix(".py").replace("/", "."))
        assert isinstance(getattr(module, func), Flow), f"{name}: {d['entrypoint']} is not a flow"


def test_every_flow_a_secretariat_runs_has_a_deployment_on_the_shared_pool():
    entrypoints = {d["entrypoint"] for d in DEPLOYMENTS.values()}
    for target in FLOWS.values():
        module, func = target.split(":")
        assert f"{module.removeprefix('nmrf.').replace('.', '/')}.py:{func}" in entrypoints
    for extra in ("sweep", "sweep-alert", "import-recommendations"):
        assert extra in DEPLOYMENTS
    pool = SPEC["definitions"]["work_pools"]["nmrf_pool"]
    assert all(d["work_pool"] == pool for d in DEPLOYMENTS.values())  # one definition, reused


def test_the_sweep_runs_every_five_minutes_in_a_named_zone_with_a_concurrency_limit():
    [schedule] = DEPLOYMENTS["sweep"]["schedules"]
    assert schedule == SPEC["definitions"]["schedules"]["every_five_minutes"]
    assert schedule["cron"] == "*/5 * * * *"
    ZoneInfo(schedule["timezone"])  # an IANA zone
    for d in DEPLOYMENTS.values():
        for s in d.get("schedules") or []:
            ZoneInfo(s["timezone"])
    assert DEPLOYMENTS["sweep"]["concurrency_limit"]["limit"] >= 2  # a scheduled sweep and one by hand


def test_secrets_are_named_never_written():
    text = (ROOT / "prefect.yaml").read_text(encoding="utf-8")
    assert "postgresql" not in text and "mailto" not in text and "://" not in text
    env = SPEC["definitions"]["work_pools"]["nmrf_pool"]["job_variables"]["env"]
    assert env == {"NMRF_DATABASE_URL_BLOCK": "nmrf-database-url", "NMRF_SECRET_KEY_BLOCK": "nmrf-secret-key"}
    assert "NMRF_DATABASE_URL" not in env
