"""The command line speaks the secretariat's language: --lang, else the person running it (NMRF_ACTOR),
else the locale variables; English by default (issue 11)."""

from __future__ import annotations

from nmrf.cli.lang import choose, from_environment
from nmrf.profile import EXAMPLE_PROFILE
from tests.support.cli import nmrf_for as nmrf
from tests.support.cli import table_column


def test_the_locale_variables_are_read_as_gettext_reads_them():
    assert from_environment({"LANG": "fr_SN.UTF-8"}) == "fr-SN"
    assert from_environment({"LC_ALL": "C", "LANG": "fr_FR.UTF-8"}) is None  # LC_ALL wins, and C is English
    assert from_environment({"LANGUAGE": "wo:fr_SN:en", "LANG": "es_CL.UTF-8"}) == "fr-SN"
    assert from_environment({"LANG": "de_DE.UTF-8"}) is None
    assert choose("ar", "fr", {"LANG": "es_CL"}) == "ar" and choose(None, "fr", {"LANG": "es_CL"}) == "fr"
    assert choose(None, "wo", {"LANG": "es_CL.UTF-8"}) == "es-CL" and choose(None, None, {}) == "en"


def test_the_language_of_a_run_is_read_from_its_raw_arguments_before_click_parses_them():
    from nmrf.cli.typer_words import language_before_parsing

    assert language_before_parsing(["--lang", "fr", "cycle", "show", "--help"], {}) == "fr"
    assert language_before_parsing(["--home", "/x", "--lang=ar", "--help"], {}) == "ar"
    # A subcommand's own --lang (the view of `recommendations publish`) is not the command line's language.
    assert language_before_parsing(["recommendations", "publish", "--lang", "ar"], {"LANG": "es_CL.UTF-8"}) == "es-CL"
    assert language_before_parsing(["--help"], {"NMRF_LANG": "ru"}) == "ru"
    assert language_before_parsing(["--lang", "xx", "--help"], {}) == "en"  # refused later, by the root option


def test_the_command_line_is_english_by_default_and_speaks_french_from_lang(db_url: str):
    english = nmrf("init", "--profile", str(EXAMPLE_PROFILE))
    assert english.exit_code == 0 and "Chile (CL): profile loaded: " in english.output
    french = nmrf("init", "--profile", str(EXAMPLE_PROFILE), LANG="fr_FR.UTF-8")
    assert french.exit_code == 0 and "Chile (CL) : profil chargé : 0 créés" in french.output


def test_lang_and_the_persons_language_choose_the_words_and_the_titles(db_url: str):
    assert nmrf("init", "--profile", str(EXAMPLE_PROFILE)).exit_code == 0
    arabic = nmrf("--lang", "ar", "cycle", "launch", "periodic_report", "-m", "CEDAW", "--date",
                  "submission=2027-10-01")
    assert arabic.exit_code == 0 and "أُطلقت الدورة رقم 1: التقرير الدوري لـChile إلى CEDAW" in arabic.output
    # Diego Fuentes reads French (the example profile): running the command as him, it speaks French.
    again = nmrf("cycle", "launch", "periodic_report", "-m", "CEDAW", "--date", "submission=2027-10-01",
                 NMRF_ACTOR="diego-fuentes")
    assert "Le cycle n° 1 (Rapport périodique de Chili au CEDAW) était déjà lancé" in again.output
    plan = nmrf("cycle", "show", "1", "--as-of", "2027-06-10", LANG="ru_RU.UTF-8", COLUMNS="200")
    assert "Периодический доклад (Chile) для CEDAW [активен] на 2027-06-10" in plan.output
    assert "срок" in plan.output and "Просрочено этапов: 9." in plan.output and "LATE" not in plan.output
    english = nmrf("cycle", "show", "1", "--as-of", "2027-06-10", COLUMNS="200")
    assert "Periodic report of Chile to CEDAW [active] as of 2027-06-10" in english.output
    assert "LATE 9 day(s)" in english.output and "9 milestone(s) late." in english.output


def test_a_bad_lang_is_refused_with_the_supported_list(db_url: str):
    bad = nmrf("--lang", "xx", "inventory")
    assert bad.exit_code == 2 and "supported languages: ar, zh, en, fr, ru, es, pt" in bad.output
    french_error = nmrf("inventory", LANG="fr_FR.UTF-8")
    assert french_error.exit_code == 2 and "erreur :" in french_error.output
    assert "Rien n'a été modifié." in french_error.output


def test_advance_says_what_the_flows_did_in_the_command_lines_language(db_url: str):
    assert nmrf("init", "--profile", str(EXAMPLE_PROFILE)).exit_code == 0
    assert nmrf("cycle", "launch", "periodic_report", "-m", "CEDAW", "--date", "submission=2027-10-01").exit_code == 0
    out = nmrf("advance", "--as-of", "2027-06-10", LANG="es_CL.UTF-8", COLUMNS="300").output
    assert "abierto: Información de la institución para el informe [input] para 9 institución(es)" in out
    assert "ATRASADO input: education" in out and "(vencía el 2027-06-01, 9 día(s) de atraso)" in out


def test_a_sample_of_commands_speaks_french_and_arabic_with_no_english_sentence_of_ours(db_url: str, tmp_path):
    """Output and errors (services' included) in the command line's language: what a secretariat reads."""
    from nmrf.domain.i18n import translator
    from tests.support.english import english_left

    assert nmrf("init", "--profile", str(EXAMPLE_PROFILE)).exit_code == 0
    quoted = {"Chile", "Plenary", "Palais des Nations", "plenary-fr", "plenary-ar", "focal_point", "America/Santiago",
              str(tmp_path)}
    for lang in ("fr", "ar"):
        t = translator(lang)
        runs = [
            nmrf("--lang", lang, "meeting", "add", f"plenary-{lang}", "--kind", "plenary", "--title", "Plenary",
                 "--at", "2027-05-12 10:00", "--timezone", "America/Santiago", "--role", "focal_point",
                 "--location", "Palais des Nations", "--as-of", "2027-03-10", COLUMNS="300"),
            nmrf("--lang", lang, "meeting", "move", f"plenary-{lang}", "--at", "2027-05-13 14:00",
                 "--timezone", "America/Santiago", "--as-of", "2027-03-11", COLUMNS="300"),
            nmrf("--lang", lang, "meeting", "list", COLUMNS="300"),
            nmrf("--lang", lang, "meeting", "cancel", f"plenary-{lang}", "--note", "", COLUMNS="300"),  # refused
            nmrf("--lang", lang, "meeting", "move", "nowhere", "--at", "2027-05-13 14:00", COLUMNS="300"),
            nmrf("--lang", lang, "meeting", "move", f"plenary-{lang}", "--at", "tomorrow", COLUMNS="300"),
            nmrf("--lang", lang, "cycle", "show", "99", COLUMNS="300"),
            nmrf("--lang", lang, "record", "input", "1", "health", "--by", "nobody", COLUMNS="300"),
            nmrf("--lang", lang, "feeds", "list", COLUMNS="300"),
            nmrf("--lang", lang, "publish", "site", str(tmp_path / lang), "--as-of", "2027-03-10", COLUMNS="300"),
            nmrf("--lang", lang, "sweep", "--dry-run", "--as-of", "2027-03-10", COLUMNS="300"),
            nmrf("--lang", lang, "cycle", "list", COLUMNS="300"),
        ]
        codes = [r.exit_code for r in runs]
        assert codes == [0, 0, 0, 2, 2, 2, 2, 2, 0, 0, 0, 0], [r.output for r in runs]
        assert t.gettext("Reporting cycles of %(state)s") % {"state": "Chile"} in runs[-1].output
        assert t.gettext("Nothing was written or sent (dry run).") in runs[-2].output
        out = "\n".join(r.output for r in runs)
        assert not english_left(out, quoted), f"{lang}: {english_left(out, quoted)}\n{out}"
        # What a person checks: the meeting said in their words, the errors too, the headers of the list.
        moved = t.gettext("Meeting %(key)s moved to %(when)s %(zone)s.") % {
            "key": f"plenary-{lang}", "when": "2027-05-13 14:00", "zone": "America/Santiago"}
        assert moved in runs[1].output.replace("\n", " ")
        assert (t.gettext("Meeting %(key)s cancelled.") % {"key": f"plenary-{lang}"}) not in out  # it was refused
        assert t.gettext("say why with --note: a cancelled meeting needs a reason") in out
        assert (t.gettext("no meeting %(key)s; meetings: %(known)s") % {"key": "'nowhere'", "known": ""}
                ).rstrip() in out.replace("\n", " ")
        assert t.pgettext("meetings", "attendees") in out and t.gettext("Meetings of %(state)s") % {
            "state": "Chile"} in out
    # The inventory: its title, headers, statuses and the bases of its dates in French (the obligations'
    # titles and notes: test_inventory_rules_history_pledges_costs_workplan_and_profile_errors_...).
    inventory = nmrf("--lang", "fr", "inventory", "--years", "2", "--as-of", "2027-03-10", COLUMNS="300").output
    assert "Obligations de rapport de Chile, du 2027-03-10 à 2029" in inventory
    assert "échéance" in inventory and "date fondée sur" in inventory and "à venir" in inventory
    assert "règle par défaut" in inventory and "rule default" not in inventory and "upcoming" not in inventory
    assert "obligations, dont" in inventory and "Dates resting on" not in inventory
    english = nmrf("meeting", "cancel", "plenary-fr", "--note", "", COLUMNS="300")
    assert "say why with --note: a cancelled meeting needs a reason" in english.output


def test_recommendations_db_and_the_unset_public_address_speak_french_and_arabic(db_url: str, tmp_path):
    """The recommendations' commands, the database's and the warning about the public address, as a
    francophone or arabophone secretariat reads them: no English sentence of ours (the file's own words and
    the commands to type aside)."""
    from datetime import date

    from nmrf.domain.i18n import translator
    from tests.support.english import english_left
    from tests.support.paths import DATA as TEST_DATA

    current = TEST_DATA / "uhri-current.csv"
    for lang in ("fr", "ar"):
        t = translator(lang)
        db = tmp_path / f"{lang}.db"
        env = {"NMRF_DATABASE_URL": f"sqlite:///{db}", "NMRF_PUBLIC_URL": None, "COLUMNS": "300"}
        init = nmrf("--lang", lang, "init", "--profile", str(EXAMPLE_PROFILE), **env)
        assert init.exit_code == 0, init.output
        template = tmp_path / f"template-{lang}.csv"
        backup = tmp_path / f"{lang}.nmrfbak"
        runs = [
            init,
            nmrf("--lang", lang, "recommendations", "import", str(current), "--format", "uhri", **env),
            nmrf("--lang", lang, "recommendations", "import", str(current), "--format", "uhri", **env),
            nmrf("--lang", lang, "recommendations", "flagged", **env),
            nmrf("--lang", lang, "recommendations", "cluster", **env),
            nmrf("--lang", lang, "recommendations", "template", "--out", str(template), **env),
            nmrf("--lang", lang, "recommendations", "prioritise", "--theme", "no-such-theme", "--no-budget",
                 **env),
            nmrf("--lang", lang, "recommendations", "assign", "--lead", "health", **env),
            nmrf("--lang", lang, "recommendations", "publish", "--out", str(tmp_path / f"public-{lang}.json"),
                 **env),
            nmrf("--lang", lang, "feeds", "url", "jorge-nunez", **env),
            nmrf("--lang", lang, "db", "upgrade", **env),
            nmrf("--lang", lang, "db", "backup", str(backup), **env),
            nmrf("--lang", lang, "db", "verify", str(backup), **env),
            nmrf("--lang", lang, "rules", "show", "cescr", **env),
            nmrf("--lang", lang, "cycle", "launch", "periodic_report", "-m", "CEDAW", "--date",
                 "submission=2027-10-01", **env),
            nmrf("--lang", lang, "notify", "ack", "1", "input:health", "--by", "diego-fuentes", "--until",
                 "2027-06-11", "--as-of", "2027-06-09", **env),
            nmrf("--lang", lang, "outbox", "retry", "--failed", **env),
            nmrf("--lang", lang, "meeting", "series", "add", "plenary", "--kind", "plenary", "--title", "Plenary",
                 "--every", "quarterly", "--from", "2027-03-10", "--at", "09:00", "--role", "secretariat",
                 "--as-of", "2027-01-04", **env),
            nmrf("--lang", lang, "meeting", "series", "cancel", "plenary", "2027-06-10", "--note", "-", **env),
            nmrf("--lang", lang, "meeting", "minutes", "plenary", "--date", "2027-03-10", "--text", "-",
                 "--as-of", "2027-03-10", **env),
        ]
        codes = [r.exit_code for r in runs]
        assert codes == [0] * 6 + [2, 2] + [0] * 12, [r.output for r in runs]
        out = "\n".join(r.output for r in runs)
        said = " ".join(out.split())
        quoted = {"Chile", str(tmp_path), "Republic of Utopia", "Indigenous data sovereignty", "https://nmrf.example.gob.cl",
                  "jorge-nunez", "NMRF_PUBLIC_URL"}
        assert not english_left(out, quoted), f"{lang}: {english_left(out, quoted)}\n{out}"
        # What a person checks: the import's count, the file already imported, the flagged State, the warning.
        assert t.gettext("Nothing changed: every recommendation was already imported.") in said
        assert (t.gettext("recommending State or body %(body)s: %(num)s recommendation(s), not one we know")
                % {"body": "'Republic of Utopia'", "num": 1}) in said
        assert t.gettext("give exactly one of --cluster, --rec, --theme") in said
        assert t.gettext("unknown theme %(theme)s") % {"theme": "'no-such-theme'"} in said
        assert t.gettext("Google Calendar and Outlook on the web cannot subscribe to this link until then.") in said
        assert "No public address is set" not in said and "NMRF_PUBLIC_URL" in said
        assert t.ngettext("%(num)d delivery will be tried again at the next sweep (`nmrf sweep`).",
                          "%(num)d deliveries will be tried again at the next sweep (`nmrf sweep`).", 0) % {"num": 0} in said
        assert (t.gettext("Minutes of %(key)s on %(day)s recorded.") % {
            "key": "plenary", "day": t.format_date(date(2027, 3, 10))}) in said
        assert t.gettext("quarterly") in said and "Plenary" in said
        # The rules of a committee: its kind and its word limits grouped the reader's way (21 200 in French).
        assert t.gettext("treaty body") in said and t.pgettext("rules", "verified") in said
        assert ("periodic_report " + t.format_number(21200)) in out
        assert lang != "fr" or "periodic_report 21,200" not in out


def _broken_profile(tmp_path) -> str:
    """The example profile with a zone that does not exist, a key against its pattern, a field misspelt, a
    required field left out and a person of an institution nobody declared."""
    text = EXAMPLE_PROFILE.read_text(encoding="utf-8")
    text = text.replace("timezone: America/Santiago", "timezone: Mars/Base", 1)
    text = text.replace("key: health", "key: Health!", 1)
    text = text.replace("  quiet_hours:", "  quiet_hour:", 1).replace("  secretariat:", "  secretariat_x:", 1)
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_inventory_rules_history_pledges_costs_workplan_and_profile_errors_speak_the_command_lines_language(
        db_url: str, tmp_path):
    """The inventory's obligations and notes, rules list, history, pledges, costs (amounts grouped the reader's
    way) and their errors, a series' weekdays, the workplan's console lines, init's changes and warnings, and a
    broken profile's errors (pydantic's own included), as a francophone or arabophone secretariat reads them."""
    from decimal import Decimal

    from nmrf.domain.costs import money
    from nmrf.domain.dates import Offset
    from nmrf.domain.i18n import translator
    from nmrf.domain.wording import offset_words
    from tests.support.english import english_left

    def said_offset(t):  # type: ignore[no-untyped-def]
        return offset_words(t, Offset(months=6))

    broken = _broken_profile(tmp_path)
    twice = tmp_path / "twice.yaml"  # a key given twice: the YAML reader's own error
    twice.write_text(EXAMPLE_PROFILE.read_text(encoding="utf-8").replace("state:\n", "state:\n  code: CL\n", 1),
                     encoding="utf-8")
    for lang in ("fr", "ar"):
        t = translator(lang)
        env = {"NMRF_DATABASE_URL": f"sqlite:///{tmp_path / (lang + '.db')}", "COLUMNS": "300"}
        runs = [
            nmrf("--lang", lang, "init", "--profile", str(EXAMPLE_PROFILE), **env),
            nmrf("--lang", lang, "inventory", "--years", "5", "--as-of", "2027-03-10", **env),
            nmrf("--lang", lang, "rules", "list", **env),
            nmrf("--lang", lang, "history", "--limit", "5", **env),
            nmrf("--lang", lang, "pledge", "add", "--text", "Ratify OP", "--institution", "health", "--date",
                 "2027-01-10", **env),
            nmrf("--lang", lang, "pledge", "update", "1", "--status", "in_progress", **env),
            nmrf("--lang", lang, "pledge", "list", **env),
            nmrf("--lang", lang, "cycle", "launch", "periodic_report", "-m", "CEDAW", "--date",
                 "submission=2027-10-01", **env),
            nmrf("--lang", lang, "cost", "add", "--cycle", "1", "--amount", "1800000", "--currency", "CLP", "--line",
                 "translation", "--description", "x", "--on", "2027-05-01", **env),
            nmrf("--lang", lang, "cost", "list", **env),
            nmrf("--lang", lang, "meeting", "series", "add", "plenary", "--kind", "plenary", "--title", "Plenary",
                 "--every", "quarterly", "--from", "2027-03-10", "--at", "09:00", "--role", "secretariat",
                 "--as-of", "2027-01-04", **env),
            nmrf("--lang", lang, "meeting", "series", "show", "plenary", "--as-of", "2027-01-04", **env),
            nmrf("--lang", lang, "workplan", "2027", "--as-of", "2027-03-10", **env),
            nmrf("--lang", lang, "annual-report", "2027", "--out", str(tmp_path / f"annual-{lang}.md"),
                 "--as-of", "2027-12-10", **env),
            # Refused: every bad field of a cost, a pledge's status, a broken profile.
            nmrf("--lang", lang, "cost", "add", "--cycle", "1", "--amount", "-5", "--currency", "XXX", "--line",
                 "nope", "--description", " ", **env),
            nmrf("--lang", lang, "pledge", "update", "1", "--status", "finished", **env),
            nmrf("--lang", lang, "init", "--profile", broken, **env),
            nmrf("--lang", lang, "init", "--profile", twice, **env),
        ]
        codes = [r.exit_code for r in runs]
        assert codes == [0] * 14 + [2] * 4, [r.output for r in runs]
        out = "\n".join(r.output for r in runs)
        quoted = {"Chile", str(tmp_path), "Plenary", "Ratify OP", "Mars/Base", "America/Santiago"}
        assert not english_left(out, quoted), f"{lang}: {english_left(out, quoted)}\n{out}"
        said = " ".join(out.split())
        # What a person checks: the obligations by their names, the rules' mechanisms, the history's header.
        obligations = table_column(runs[1].output, 2)
        assert t.gettext("Periodic report to %(mechanism)s") % {"mechanism": "CEDAW"} in obligations
        assert t.gettext("Replies to individual communications (%(mechanism)s)") % {"mechanism": "CCPR"} in obligations
        assert t.gettext("observations within %(offset)s of transmission; confidential") % {
            "offset": said_offset(t)} in obligations
        mechanisms = table_column(runs[2].output, 1)
        assert t.gettext("Committee against Torture") in mechanisms and "Committee against Torture" not in out
        assert t.gettext("Audit history (newest first)") in said
        assert t.gettext("person %(key)s (role %(role)s added)") % {"key": "ana-rojas",
                                                                   "role": "head_of_secretariat"} in said
        assert "[" + t.gettext("in progress") + "] health: Ratify OP" in out
        # Amounts grouped and pointed the reader's way; weekdays abbreviated the reader's way.
        assert money(Decimal("1800000"), "CLP", lang) in out and (lang == "ar" or "1,800,000.00" not in out)
        assert f"2027-03-10 {t.format_date(__import__('datetime').date(2027, 3, 10), 'EEE')} 09:00" in out
        assert " Wed " not in out
        # The errors, each with its field (and file and line for the profile), in the reader's words.
        assert "amount: " + t.gettext("amount %(amount)s: a cost cannot be negative") % {"amount": "-5"} in said
        assert "description: " + t.gettext("say what the cost is for") in said
        assert (f"{broken}:20: state.timezone: " + t.gettext(
            "%(value)s is not an IANA time zone (for example Europe/Brussels)") % {"value": "'Mars/Base'"}) in said
        assert t.gettext("String should match pattern '%(pattern)s'") % {"pattern": "^[a-z0-9][a-z0-9-]*$"} in said
        assert "state.secretariat: " + t.gettext("is required but missing") in said
        assert "state.quiet_hour: " + t.gettext("is not a known field (check the spelling)") in said
        assert t.gettext("duplicate key %(key)s") % {"key": "'code'"} in said


def test_the_inventory_and_a_profiles_errors_in_chinese_russian_spanish_and_portuguese(db_url: str, tmp_path):
    from nmrf.domain.i18n import translator
    from tests.support.english import english_left

    broken = _broken_profile(tmp_path)
    assert nmrf("init", "--profile", str(EXAMPLE_PROFILE)).exit_code == 0
    for lang in ("zh", "ru", "es", "pt"):
        t = translator(lang)
        inventory = nmrf("--lang", lang, "inventory", "--years", "5", "--as-of", "2027-03-10", COLUMNS="300")
        refused = nmrf("--lang", lang, "init", "--profile", broken, COLUMNS="300")
        assert inventory.exit_code == 0 and refused.exit_code == 2
        out = inventory.output + refused.output
        assert not english_left(out, {"Chile", str(tmp_path), "Mars/Base"}), (lang, english_left(out, {"Chile"}))
        said = " ".join(out.split())
        assert t.gettext("Follow-up report to %(mechanism)s") % {"mechanism": "CCPR"} in table_column(inventory.output, 2)
        assert t.gettext("is required but missing") in said


def test_english_readers_read_the_same_words_as_before(db_url: str, tmp_path):
    """The inventory's titles, the profile's and pydantic's errors and money stay as they were in English."""
    broken = _broken_profile(tmp_path)
    assert nmrf("init", "--profile", str(EXAMPLE_PROFILE)).exit_code == 0
    inventory = table_column(nmrf("inventory", "--years", "5", "--as-of", "2027-03-10", COLUMNS="300").output, 2)
    assert "Periodic report to CEDAW" in inventory and "Replies to individual communications (CCPR)" in inventory
    assert "observations within +6 months of transmission; confidential" in inventory
    refused = " ".join(nmrf("init", "--profile", broken, COLUMNS="300").output.split())
    assert "state.timezone: 'Mars/Base' is not an IANA time zone (for example Europe/Brussels)" in refused
    assert "institutions[3].key: String should match pattern '^[a-z0-9][a-z0-9-]*$'" in refused
    assert "state.secretariat: is required but missing" in refused
    assert "state.quiet_hour: is not a known field (check the spelling)" in refused
    assert "Nothing was changed." in refused


def test_help_is_in_the_readers_language_from_lang_the_locale_or_the_person(db_url: str):
    """`--help` (the app's description, commands', options' and arguments' help, Typer's own words) in the
    reader's language, however the language is chosen; English help as written."""
    from nmrf.domain.i18n import translator
    from tests.support.english import english_left

    english = nmrf("--help", COLUMNS="300").output
    assert "Workflow and deadline engine for national mechanisms for reporting and follow-up." in english
    assert "Usage: nmrf" in english and "Show this message and exit." in english and "Commands" in english
    assert nmrf("init", "--profile", str(EXAMPLE_PROFILE)).exit_code == 0
    for lang, locale in (("fr", "fr_SN.UTF-8"), ("ar", "ar_EG.UTF-8")):
        t = translator(lang)
        runs = [
            nmrf("--lang", lang, "--help", COLUMNS="300"),
            nmrf("--lang", lang, "recommendations", "why", "--help", COLUMNS="300"),
            nmrf("--lang", lang, "notify", "--help", COLUMNS="300"),
            nmrf("cycle", "launch", "--help", LANG=locale, COLUMNS="300"),
            nmrf("--lang", lang, "recommendations", "list", "--help", COLUMNS="300"),
        ]
        assert [r.exit_code for r in runs] == [0] * len(runs), [r.output for r in runs]
        out = "\n".join(r.output for r in runs)
        assert not english_left(out, set()), f"{lang}: {english_left(out, set())}\n{out}"
        said = [t.gettext("Workflow and deadline engine for national mechanisms for reporting and follow-up."),
                t.gettext("Usage:") + " nmrf", t.gettext("Commands"), t.gettext("Options"),
                t.gettext("Show this message and exit."), t.gettext("Why two recommendations share a cluster "
                                                                     "(or do not)."),
                t.gettext("Another recommendation."), t.gettext("Arguments"),
                t.gettext("Launch a reporting cycle: every milestone planned from the mechanism's rules and the "
                          "official dates."), t.gettext("Only this mechanism (UPR, CEDAW...)."),
                t.gettext("Send a test message to each of a person's addresses and say whether each worked.")]
        for s in said:
            assert s in out, f"{lang}: {s!r} not in\n{out}"
        assert "Usage:" not in out and "[default:" not in out and "[required]" not in out
    # Diego Fuentes reads French (the example profile): his help is French without --lang.
    diego = nmrf("outbox", "--help", NMRF_ACTOR="diego-fuentes", COLUMNS="300").output
    assert translator("fr").gettext("The outbox: every message, sent, waiting or failed, and to whom.") in diego
    # And English again after them: the same command tree object is not left speaking French.
    assert nmrf("--help", COLUMNS="300").output == english


def test_usage_errors_are_in_the_readers_language(db_url: str):
    """Click's own errors (no such option or command, a missing argument or option, an invalid value, an
    extra argument, an option without its value), with their Usage line and hint, in French and Arabic."""
    from nmrf.domain.i18n import translator
    from tests.support.english import english_left

    english = nmrf("cycle", "show", "1", "--bogus").output
    assert "Usage: nmrf cycle show" in english and "Try 'nmrf cycle show --help' for help." in english
    assert "No such option: --bogus" in english
    for lang in ("fr", "ar"):
        t = translator(lang)
        runs = [
            nmrf("--lang", lang, "--bogus", COLUMNS="200"),
            nmrf("--lang", lang, "cycle", "show", COLUMNS="200"),
            nmrf("--lang", lang, "outbox", "--limit", "x", COLUMNS="200"),
            nmrf("--lang", lang, "cycl", COLUMNS="200"),
            nmrf("--lang", lang, "cycle", "show", "1", "2", COLUMNS="200"),
            nmrf("--lang", lang, "cycle", "show", "1", "--as-of", COLUMNS="200"),
            nmrf("--lang", lang, "cycle", "launch", "periodic_report", COLUMNS="200"),
        ]
        assert [r.exit_code for r in runs] == [2] * len(runs), [r.output for r in runs]
        out = "\n".join(r.output for r in runs)
        assert not english_left(out, set()), f"{lang}: {english_left(out, set())}\n{out}"
        said = " ".join(out.split())
        for s in [t.gettext("Usage:") + " nmrf cycle show",
                  t.gettext("Try %(command)s for help.") % {"command": "'nmrf cycle show --help'"},
                  t.gettext("Error"),
                  t.gettext("No such option: %(option)s") % {"option": "--bogus"},
                  t.gettext("Missing argument %(name)s.") % {"name": "'cycle_ref'"},
                  t.gettext("Invalid value for %(name)s: %(reason)s") % {
                      "name": "'--limit'", "reason": t.gettext("expected a whole number")},
                  t.gettext("No such command %(command)s. Did you mean %(options)s?") % {
                      "command": "'cycl'", "options": "'cycle'"},
                  t.gettext("Unexpected extra argument(s): %(args)s") % {"args": "2"},
                  t.gettext("Option %(option)s needs a value.") % {"option": "'--as-of'"},
                  t.gettext("Missing option %(name)s.") % {"name": "'--mechanism' / '-m'"}]:
            assert s in said, f"{lang}: {s!r} not in\n{out}"
        for english_words in ("Usage:", "Try '", "No such", "Missing", "Invalid value", "Got unexpected",
                              "requires an argument", "Error"):
            assert english_words not in out, f"{lang}: {english_words!r} in\n{out}"


def test_recommendations_list_show_themes_clusters_explain_why_speak_french_and_arabic(db_url: str):
    """What a secretariat reads about its recommendations: the list, one recommendation, the taxonomy, the
    clusters and why they hold, in French and Arabic (the recommendations' own texts and keys aside)."""
    from sqlmodel import select

    from nmrf.domain.i18n import translator
    from nmrf.domain.reference import DATA_DIR
    from nmrf.models import Cluster, Recommendation
    from nmrf.models.db import make_engine, session_scope
    from tests.support.english import english_left

    assert nmrf("init", "--profile", str(EXAMPLE_PROFILE)).exit_code == 0
    for name in ("uhri-chile-sample.csv", "uhri-chile-fr-es.csv"):
        assert nmrf("recommendations", "import", str(DATA_DIR / "uhri" / name), "--format", "uhri").exit_code == 0
    assert nmrf("recommendations", "cluster").exit_code == 0
    assert nmrf("recommendations", "prioritise", "1", "--no-budget", "--note", "n").exit_code == 0
    engine = make_engine(db_url)
    with session_scope(engine, readonly=True) as s:
        recs = s.exec(select(Recommendation).order_by(Recommendation.id)).all()
        by_cluster: dict[int, list[int]] = {}
        for r in recs:
            by_cluster.setdefault(r.cluster_id, []).append(r.id)  # type: ignore[arg-type]
        pair = next(ids for ids in by_cluster.values() if len(ids) > 1)
        apart = (pair[0], next(r.id for r in recs if r.cluster_id != recs[pair[0] - 1].cluster_id))
        cluster = recs[pair[0] - 1].cluster_id
        # The recommendations' own words, as written: texts, bodies, documents, clusters' labels.
        quoted = {r.text for r in recs} | {r.body for r in recs} | {r.document for r in recs}
        quoted |= {theme for r in recs for theme in r.source_themes}
        quoted |= {c.label for c in s.exec(select(Cluster)).all()}
        # (a label begins with its theme's name as recorded, "Impunity: la ley de amnistía"; a table may wrap it)
        quoted |= {c.label.split(": ")[0] for c in s.exec(select(Cluster)).all()}
    engine.dispose()
    english = nmrf("recommendations", "why", str(apart[0]), str(apart[1]), COLUMNS="300").output
    assert "They are in different clusters" in english
    for lang in ("fr", "ar"):
        t = translator(lang)
        runs = [
            nmrf("--lang", lang, "recommendations", "list", COLUMNS="400"),
            nmrf("--lang", lang, "recommendations", "show", "1", COLUMNS="400"),
            nmrf("--lang", lang, "recommendations", "themes", COLUMNS="400"),
            nmrf("--lang", lang, "recommendations", "clusters", COLUMNS="400"),
            nmrf("--lang", lang, "recommendations", "explain", str(cluster), COLUMNS="400"),
            nmrf("--lang", lang, "recommendations", "why", str(pair[0]), str(pair[1]), COLUMNS="400"),
            nmrf("--lang", lang, "recommendations", "why", str(apart[0]), str(apart[1]), COLUMNS="400"),
            nmrf("--lang", lang, "recommendations", "list", "--sort", "nowhere", COLUMNS="400"),
            nmrf("--lang", lang, "recommendations", "clusters", "--theme", "no-such-theme", COLUMNS="400"),
        ]
        assert [r.exit_code for r in runs] == [0] * 7 + [2, 2], [r.output for r in runs]
        out = "\n".join(r.output for r in runs)
        left = english_left(" ".join(out.split()), {" ".join(q.split()) for q in quoted})
        assert not left, f"{lang}: {left}\n{out}"
        said = " ".join(out.split())
        for s in [t.gettext("Recommendations to %(state)s: %(num)s match") % {"state": "Chile", "num": len(recs)},
                  t.gettext("Priority (OHCHR guide):"), t.gettext("Shared taxonomy (%(num)s themes)").split("%")[0],
                  t.gettext("Clusters of %(state)s: %(num)s").split("%")[0],
                  t.gettext("Both are in cluster %(cluster)s: they are linked.") % {"cluster": cluster},
                  t.gettext("They are in different clusters: %(why)s.").split("%")[0],
                  t.gettext("(c) possible without budget: %(answer)s") % {"answer": t.pgettext("answer", "yes")},
                  t.gettext("Sustainable Development Goals: %(goals)s").split("%")[0],
                  t.gettext("Gender equality")]:
            assert s in said, f"{lang}: {s!r} not in\n{out}"


def test_outbox_and_notify_speak_french_and_arabic(db_url: str, smtp, http):
    """The outbox, one message, the policy, the acknowledgements and an address test, as a francophone or
    arabophone secretariat reads them (subjects, bodies and addresses aside)."""
    from datetime import date

    from sqlalchemy import select

    from nmrf.domain.i18n import translator
    from nmrf.models import Address, Notification
    from nmrf.models.db import session_scope
    from tests.support.english import english_left
    from tests.support.notify import at, make_world, settings, sweep

    w = make_world(db_url, smtp, http)
    http.refuse()  # one channel fails: the outbox says so
    sweep(w.engine, now=at(date(2027, 5, 18), 12), settings=settings(notify_max_attempts=1, notify_timeout=1.0))
    with session_scope(w.engine, readonly=True) as s:
        first = s.execute(select(Notification.id).order_by(Notification.id)).scalars().first()
        quoted = {n.subject for n in s.execute(select(Notification)).scalars()}
        quoted |= {n.body for n in s.execute(select(Notification)).scalars()}
        quoted |= {a.url for a in s.execute(select(Address)).scalars()}
    http.accept()
    english = nmrf("notify", "policy", COLUMNS="300").output
    assert "counted from the deadline:" in english and "10wd late" in english
    for lang in ("fr", "ar"):
        t = translator(lang)
        runs = [
            nmrf("--lang", lang, "outbox", COLUMNS="400"),
            nmrf("--lang", lang, "outbox", "show", str(first), COLUMNS="400"),
            nmrf("--lang", lang, "notify", "policy", COLUMNS="400"),
            nmrf("--lang", lang, "notify", "ack", str(w.cycle_id), "input:labour", "--by", "diego-fuentes",
                 "--as-of", "2027-05-19", COLUMNS="400"),
            nmrf("--lang", lang, "notify", "acks", "--as-of", "2027-05-19", COLUMNS="400"),
            nmrf("--lang", lang, "notify", "test", "diego-fuentes", COLUMNS="400"),
            nmrf("--lang", lang, "outbox", "show", "9999", COLUMNS="400"),
            nmrf("--lang", lang, "outbox", "--status", "lost", COLUMNS="400"),
        ]
        assert [r.exit_code for r in runs][:3] + [r.exit_code for r in runs][4:] == [0, 0, 0, 0, 0, 2, 2], \
            [r.output for r in runs]
        out = "\n".join(r.output for r in runs)
        left = english_left(" ".join(out.split()), {" ".join(q.split()) for q in quoted})
        assert not left, f"{lang}: {left}\n{out}"
        said = " ".join(out.split())
        for s in [t.gettext("Outbox (newest first; times UTC)"), t.pgettext("outbox", "subject, or what went wrong"),
                  t.gettext("failed"), t.gettext("Subject: %(subject)s").split("%")[0],
                  t.gettext("Notification policy of %(state)s, version %(version)s") % {"state": "Chile",
                                                                                       "version": 1},
                  t.gettext("counted from the deadline:"), t.gettext("Acknowledgements as of %(day)s") % {
                      "day": "2027-05-19"}, t.gettext("holding"), t.pgettext("address test", "OK"),
                  t.gettext("no message #%(id)s in the outbox") % {"id": 9999}]:
            assert s in said, f"{lang}: {s!r} not in\n{out}"
