"""A cycle number or key that does not exist is refused by every command that takes one, and nothing is written."""

from __future__ import annotations

import pytest

from tests.integration.cli.test_cli import counts
from tests.support.cli import nmrf

# Every command that takes a cycle, each given one that does not exist (9, or a mistyped key).
COMMANDS = [
    ("cycle", "show", "{ref}"),
    ("cycle", "set-date", "{ref}", "submission", "2027-09-15", "--source", "CEDAW notice"),
    ("record", "input", "{ref}", "health", "--by", "jorge-nunez", "--as-of", "2027-05-20"),
    ("record", "signoff", "{ref}", "labour", "--by", "minister-labour"),
    ("record", "comment", "{ref}", "--by", "jorge-nunez", "--note", "seen"),
    ("record", "done", "{ref}", "draft"),
    ("record", "waive", "{ref}", "input:health", "--note", "not concerned"),
    ("record", "reopen", "{ref}", "inventory", "--note", "redo"),
    ("advance", "{ref}"),
    ("inputs", "request", "{ref}", "--out", "{tmp}"),
    ("inputs", "draft", "{ref}", "--out", "{tmp}/draft.md"),
    ("notify", "ack", "{ref}", "input:labour", "--by", "rodrigo-vera"),
    ("notify", "acks", "{ref}"),
    ("feeds", "url", "jorge-nunez", "--cycle", "{ref}"),
    ("meeting", "add", "coordination-may", "--kind", "plenary", "--title", "Coordination", "--at", "2027-05-03 10:00",
     "--role", "focal_point", "--cycle", "{ref}"),
    ("cost", "add", "--amount", "100.00", "--currency", "CLP", "--line", "meetings", "--description", "room",
     "--cycle", "{ref}"),
    ("cost", "add", "--amount", "100.00", "--currency", "CLP", "--line", "meetings", "--description", "room",
     "--milestone", "{ref}:dialogue"),
]


@pytest.mark.parametrize("ref", ["9", "CEDAW/periodic_report/2027-10-02"])
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_cycle_that_does_not_exist_is_refused_naming_the_cycles_there_are(initialised: str, tmp_path, command,
                                                                              ref):
    launched = nmrf("cycle", "launch", "periodic_report", "-m", "CEDAW", "--date", "submission=2027-10-01",
                    "--as-of", "2027-03-01")
    assert launched.exit_code == 0 and "Launched cycle #1" in launched.output
    before = counts(initialised)
    out = tmp_path / "out"
    out.mkdir()
    args = [a.format(ref=ref, tmp=out) for a in command]
    result = nmrf(*args)
    assert result.exit_code == 2, result.output
    # The reader sees which number was wrong and which cycles there are to choose from.
    assert f"no cycle '{ref}' for CL (active: #1 CEDAW)" in result.output
    assert "Nothing was changed." in result.output and "Traceback" not in result.output
    assert counts(initialised) == before
    assert not any(out.iterdir()), "no workbook or draft is written for a cycle that does not exist"


def test_with_no_active_cycle_the_error_says_so(initialised: str):
    result = nmrf("record", "input", "1", "health", "--by", "jorge-nunez")
    assert result.exit_code == 2
    assert "no cycle '1' for CL (none is active)" in result.output

