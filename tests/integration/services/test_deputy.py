"""A deputy acts for a minister: the profile names whom (`acts_for`), the deputy's page offers that minister's
sign-off, and the record keeps both, the deputy who recorded it and the minister whose act it is."""

from __future__ import annotations

from datetime import date

import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from nmrf.cli.app import app as cli
from nmrf.domain.clock import moment
from nmrf.errors import NmrfError
from nmrf.models import Milestone, Person, Record
from nmrf.models.db import session_scope
from nmrf.profile import EXAMPLE_PROFILE, load_profile
from nmrf.services.pages import page_view, sign_off
from nmrf.settings import get_settings
from nmrf.web.app import create_app, fixed_clock
from tests.support.database import migrated_engine
from tests.support.notify import TZ, launch_cedaw, load

DEPUTY = {"key": "vice-labour", "name": "Vice-Minister of Labour", "institution": "labour", "roles": ["head_of_unit"],
          "language": "es", "acts_for": "minister-labour",
          "addresses": [{"label": "email",
                         "url": "mailtos://nmrf-mailer:CHANGE-ME@smtp.example.gob.cl?to=vice.trabajo@example.gob.cl"}]}


def _profile_with(tmp_path, **deputy):
    data = yaml.safe_load(EXAMPLE_PROFILE.read_text())
    data["people"].append(DEPUTY | deputy)
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def test_acts_for_must_name_another_persons_who_is_a_minister(tmp_path):
    import pytest

    for wrong in ("jorge-nunez", "vice-labour", "nobody-here"):
        with pytest.raises(NmrfError) as exc:
            load_profile(_profile_with(tmp_path, acts_for=wrong))
        assert "acts_for" in str(exc.value) and "minister-labour" in str(exc.value)


def test_a_deputys_page_offers_the_ministers_sign_off_and_records_it_on_his_behalf(db_url, tmp_path):
    engine = migrated_engine(db_url)
    load(engine, _profile_with(tmp_path))
    cycle_id = launch_cedaw(engine)
    today = date(2027, 8, 20)
    with session_scope(engine, readonly=True) as s:
        deputy = s.execute(select(Person).where(Person.key == "vice-labour")).scalar_one()
        view = page_view(session=s, person=deputy, today=today)
        [signoff] = [o for o in view.owed if o.key == "signoff:labour"]
        assert signoff.action == "signoff" and signoff.on_behalf_of == "Minister of Labour and Social Security"
        assert not [o for o in view.owed if o.key.startswith("signoff:") and o.key != "signoff:labour"]
    # The page says so in the deputy's language.
    link = CliRunner().invoke(cli, ["people", "link", "vice-labour"])
    assert link.exit_code == 0, link.output
    import re

    secret = re.search(r"/p/([A-Za-z0-9_-]{43})", link.output).group(1)
    with TestClient(create_app(get_settings(), engine=engine, clock=fixed_clock(moment(today, TZ)[1]))) as c:
        page = c.get(f"/p/{secret}")
    assert page.status_code == 200
    assert "Usted aprueba en nombre de Minister of Labour and Social Security" in page.text
    # Signed off: the act is the minister's, recorded by the deputy, and the history says both.
    with session_scope(engine, actor="test") as s:
        deputy = s.execute(select(Person).where(Person.key == "vice-labour")).scalar_one()
        m = s.execute(select(Milestone).where(Milestone.cycle_id == cycle_id,
                                              Milestone.key == "signoff:labour")).scalar_one()
        sign_off(session=s, person=deputy, milestone=m, now=moment(today, TZ)[1], note="firmado por el subsecretario")
    with session_scope(engine, readonly=True) as s:
        rec = s.execute(select(Record).where(Record.kind == "done")).scalars().all()[-1]
        minister = s.execute(select(Person).where(Person.key == "minister-labour")).scalar_one()
        assert rec.person_id == minister.id
        assert (rec.data["recorded_by"], rec.data["on_behalf_of"], rec.data["via"]) == (
            "vice-labour", "minister-labour", "page")
        assert rec.actor == "vice-labour (page)"
        done = s.execute(select(Milestone).where(Milestone.cycle_id == cycle_id,
                                                 Milestone.key == "signoff:labour")).scalar_one()
        assert done.status == "done"
