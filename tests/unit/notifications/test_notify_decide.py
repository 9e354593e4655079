"""The decision of what to send is a pure function of deadlines, policies, people and `now`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from nmrf.domain.dates import WorkCalendar, national_calendar
from nmrf.notifications.decide import (
    Ack,
    Chain,
    Directory,
    Item,
    Recipient,
    current_chain,
    decide,
    plan_digests,
)
from nmrf.domain.policy import NotificationsSpec, default_policy, effective_policy

CL = national_calendar("CL")
PLAIN = WorkCalendar()
HEALTH, LABOUR, SECRETARIAT = 10, 11, 12
TZ = "America/Santiago"

PEOPLE = [
    Recipient(1, 1, "rodrigo-vera", "Rodrigo Vera", LABOUR, TZ, "es", "20:00-07:30"),
    Recipient(2, 1, "head-labour", "Head of Labour", LABOUR, TZ, "es", None),
    Recipient(3, 1, "ana-rojas", "Ana Rojas", SECRETARIAT, TZ, "es", None),
    Recipient(4, 1, "minister-labour", "Minister of Labour", LABOUR, TZ, "es", None),
    Recipient(5, 1, "jorge-nunez", "Jorge Núñez", HEALTH, "Europe/Madrid", "en", None),
    Recipient(6, 1, "no-address", "Nobody Reachable", HEALTH, TZ, "es", None, has_address=False),
]
ROLES = [(1, "focal_point", LABOUR), (2, "head_of_unit", LABOUR), (3, "head_of_secretariat", SECRETARIAT),
         (4, "minister", LABOUR), (5, "focal_point", HEALTH), (5, "head_of_unit", HEALTH),
         (6, "minister", HEALTH)]
DIRECTORY = Directory.build(PEOPLE, ROLES)
POLICIES = {1: default_policy()}


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(TZ)).astimezone(UTC)


def item(mid: int = 1, due: date = date(2027, 6, 1), inst: int = LABOUR, seq: int = 3, cycle: int = 1,
         role: str = "focal_point", stage: str = "inputs", confidential: bool = False) -> Item:
    return Item(mid, 1, cycle, seq, stage, role, inst, due, confidential)


def run(items, now, *, chains=None, acks=None, reopened=None, policies=POLICIES, current=1, cal=CL,
        directory=DIRECTORY):
    return decide(items, chains=chains or {}, acks=acks or {}, reopened=reopened or {}, policies=policies,
                  current_policy={1: current}, directory=directory, calendars={1: cal}, state_zones={1: TZ},
                  now=now)


def steps(decision, *, early=False):
    return sorted((DIRECTORY.people[i.person_id].key, i.step) for i in decision.intents if i.early == early)


def test_reminders_fall_14_and_3_days_before_and_on_the_day_on_working_days_only_the_latest_due():
    due = date(2027, 6, 1)  # a Tuesday; 3 days before is Saturday 29 May: Friday 28 May instead
    assert steps(run([item(due=due)], noon(date(2027, 5, 17)))) == []
    assert steps(run([item(due=due)], noon(date(2027, 5, 18)))) == [("rodrigo-vera", "r14d")]
    assert steps(run([item(due=due)], noon(date(2027, 5, 28)))) == [("rodrigo-vera", "r3d")]
    assert steps(run([item(due=due)], noon(date(2027, 5, 31)))) == [("rodrigo-vera", "r3d")]  # catch-up, once
    assert steps(run([item(due=due)], noon(due))) == [("rodrigo-vera", "r0d")]


def test_escalation_counts_working_days_from_the_deadline_skipping_weekends_and_holidays():
    # Due Thursday 10 June: 1 wd = Friday 11, 5 wd = Thursday 17, and 10 wd = Friday 25 June,
    # not Thursday 24: Monday 21 June is a holiday in Chile.
    due = date(2027, 6, 10)
    def on(day):
        return steps(run([item(due=due)], noon(day)))

    assert on(date(2027, 6, 11)) == [("head-labour", "overdue#0"), ("rodrigo-vera", "overdue#0")]
    assert ("ana-rojas", "secretariat#0") not in on(date(2027, 6, 16))
    assert ("ana-rojas", "secretariat#0") in on(date(2027, 6, 17))
    assert ("minister-labour", "minister#0") not in on(date(2027, 6, 24))
    assert ("minister-labour", "minister#0") in on(date(2027, 6, 25))
    minister = [i for i in run([item(due=due)], noon(date(2027, 6, 25))).intents if i.step == "minister#0"]
    assert minister[0].urgent and minister[0].level == 3 and minister[0].levels == 3


def test_deciding_again_yields_the_same_keys_so_each_level_fires_once():
    a = run([item()], noon(date(2027, 6, 20)))
    b = run([item()], noon(date(2027, 6, 20)))
    assert [i.dedup_key for i in a.intents] == [i.dedup_key for i in b.intents]
    assert len({i.dedup_key for i in a.intents}) == len(a.intents)


def test_a_re_dated_deadline_restarts_the_chain_with_new_keys():
    chain = Chain(1, 3, date(2027, 6, 1), 1, noon(date(2027, 5, 18)))
    before = run([item(seq=3)], noon(date(2027, 6, 2)), chains={1: [chain]})
    moved = run([item(seq=4, due=date(2027, 6, 30))], noon(date(2027, 6, 2)), chains={1: [chain]})
    assert {i.dedup_key.split(":")[1] for i in before.intents} == {"s3"}
    assert not moved.intents  # the new date is four weeks away: nothing due yet
    later = run([item(seq=4, due=date(2027, 6, 30))], noon(date(2027, 6, 16)), chains={1: [chain]})
    assert [i.dedup_key for i in later.intents] == ["m1:s4:r14d:p1"]
    assert 1 in later.new_chains


def test_a_change_that_keeps_the_date_continues_the_chain_unless_the_item_was_reopened():
    chain = Chain(1, 3, date(2027, 6, 1), 1, noon(date(2027, 5, 18)))
    same_date = item(seq=5)
    assert current_chain(same_date, [chain], None) == chain
    assert current_chain(same_date, [chain], noon(date(2027, 6, 10))) is None  # reopened after the chain began


def test_a_running_chain_keeps_the_policy_version_it_started_with():
    v2 = effective_policy(NotificationsSpec.model_validate({"escalation": [{"name": "fast", "levels": [
        {"name": "now", "after": {"working_days": 1}, "to": ["minister"]}]}]}))
    policies = {1: default_policy(), 2: v2}
    running = Chain(1, 3, date(2027, 6, 1), 1, noon(date(2027, 5, 18)))
    d = run([item(mid=1), item(mid=2, cycle=2)], noon(date(2027, 6, 2)), chains={1: [running]},
            policies=policies, current=2)
    by_item = {(i.item.milestone_id, DIRECTORY.people[i.person_id].key, i.step) for i in d.intents}
    assert by_item == {(1, "rodrigo-vera", "overdue#0"), (1, "head-labour", "overdue#0"),
                       (2, "minister-labour", "now#0")}
    assert d.new_chains == {2: (2, 3, date(2027, 6, 1), 2)}


def test_an_acknowledgement_holds_the_chain_until_the_promise_then_it_escalates_again():
    due = date(2027, 6, 1)
    ack = Ack(7, 1, 3, 1, noon(date(2027, 6, 9)), date(2027, 6, 11))  # "seen, input by Friday"
    acks = {1: [ack]}
    # The head of the secretariat was told on 8 June (5 wd), before the acknowledgement: kept.
    assert ("ana-rojas", "secretariat#0") in steps(run([item(due=due)], noon(date(2027, 6, 9)), acks=acks))
    # The minister (10 wd: 15 June) waits: the promise runs to Friday 11 June, so the chain
    # resumes the next working day (Monday 14 June) but never earlier than planned.
    assert ("minister-labour", "minister#0") not in steps(run([item(due=due)], noon(date(2027, 6, 14)), acks=acks))
    held = steps(run([item(due=due)], noon(date(2027, 6, 15)), acks=acks))
    assert ("minister-labour", "minister#0") in held
    # Rodrigo, who promised, is told the day after the promise passed.
    lapse = [i for i in run([item(due=due)], noon(date(2027, 6, 14)), acks=acks).intents if i.kind == "lapse"]
    assert [(DIRECTORY.people[i.person_id].key, i.step, i.fire_day) for i in lapse] == [
        ("rodrigo-vera", "lapse7", date(2027, 6, 14))]
    minister = next(i for i in run([item(due=due)], noon(date(2027, 6, 15)), acks=acks).intents
                    if i.step == "minister#0")
    assert minister.ack_id == 7


def test_a_long_promise_moves_the_remaining_levels_past_it():
    due = date(2027, 6, 1)
    ack = Ack(8, 1, 3, 1, noon(date(2027, 6, 3)), date(2027, 6, 30))
    on_the_15th = steps(run([item(due=due)], noon(date(2027, 6, 15)), acks={1: [ack]}))
    assert ("ana-rojas", "secretariat#0") not in on_the_15th and ("minister-labour", "minister#0") not in on_the_15th
    # Promise passed (30 June, Wednesday): 1 July the head of the secretariat, 5 wd later the minister.
    july_1 = steps(run([item(due=due)], noon(date(2027, 7, 1)), acks={1: [ack]}))
    assert ("ana-rojas", "secretariat#0") in july_1 and ("minister-labour", "minister#0") not in july_1
    july_8 = steps(run([item(due=due)], noon(date(2027, 7, 8)), acks={1: [ack]}))
    assert ("minister-labour", "minister#0") in july_8


def test_a_promise_broken_after_the_last_level_tells_the_last_level_again():
    ack = Ack(9, 1, 3, 4, noon(date(2027, 6, 20)), date(2027, 6, 25))  # the minister promises
    d = run([item(due=date(2027, 6, 1))], noon(date(2027, 6, 29)), acks={1: [ack]})
    lapse = sorted((DIRECTORY.people[i.person_id].key, i.reason) for i in d.intents if i.kind == "lapse")
    assert lapse == [("minister-labour", "acknowledged")]


def test_a_person_holding_two_roles_gets_one_message_per_step():
    both = Directory.build(PEOPLE[:1], [(1, "focal_point", LABOUR), (1, "head_of_unit", LABOUR)])
    d = run([item()], noon(date(2027, 6, 2)), directory=both)
    assert [(i.person_id, i.step, i.reason) for i in d.intents] == [(1, "overdue#0", "owner")]


def test_steps_that_reach_nobody_are_reported_not_silently_dropped():
    d = run([item(inst=HEALTH)], noon(date(2027, 6, 20)))
    whys = {(u.step, u.target, u.why) for u in d.unresolved}
    assert ("minister", "minister", "no-address has no active address") in whys
    assert ("secretariat", "head_of_secretariat", "nobody holds it") not in whys


def test_a_confidential_cycle_only_reaches_its_members():
    members = Directory.build(PEOPLE, ROLES, members={1: [1, 3]})
    d = run([item(confidential=True)], noon(date(2027, 6, 20)), directory=members)
    assert {members.people[i.person_id].key for i in d.intents} == {"rodrigo-vera", "ana-rojas"}
    assert any("not a member" in u.why for u in d.unresolved)


def test_the_recipients_own_calendar_day_decides_when_a_step_is_due():
    # 23:30 on 31 May in Santiago is already 1 June in Madrid: Jorge's "on the day" reminder is
    # due there, Rodrigo's still waits.
    now = datetime(2027, 5, 31, 23, 30, tzinfo=ZoneInfo(TZ)).astimezone(UTC)
    d = run([item(mid=1), item(mid=2, inst=HEALTH)], now)
    got = {(DIRECTORY.people[i.person_id].key, i.step) for i in d.intents if not i.early}
    assert ("jorge-nunez", "r0d") in got and ("rodrigo-vera", "r3d") in got


def test_a_digest_replaces_the_single_messages_of_a_window_and_urgent_ones_bypass_it():
    items = [item(mid=m, cycle=m, due=date(2027, 6, 1) + timedelta(days=m % 4)) for m in range(1, 11)]
    monday = noon(date(2027, 5, 31))
    d = run(items, monday)
    people = DIRECTORY.people
    digests, alone = plan_digests(d.intents, existing_digests=set(), people=people,
                                  digest_specs={1: ("week", 2)}, now=monday)
    assert len(digests) == 1 and digests[0].dedup_key == "digest:p1:2027-W22"
    assert len({i.item.milestone_id for i in digests[0].intents}) == 10
    assert alone == []
    # Once this window's digest exists, what comes later goes alone, and early ones wait for their day.
    digests, alone = plan_digests(d.intents, existing_digests={"digest:p1:2027-W22"}, people=people,
                                  digest_specs={1: ("week", 2)}, now=monday)
    assert digests == [] and all(not i.early for i in alone)
    # The top escalation level never waits for a digest.
    late = run(items, noon(date(2027, 6, 30)))
    digests, alone = plan_digests(late.intents, existing_digests=set(), people=people,
                                  digest_specs={1: ("week", 2)}, now=noon(date(2027, 6, 30)))
    assert {i.step for i in alone} == {"minister#0"}
    assert all(not i.urgent for dp in digests for i in dp.intents)


def test_deciding_is_pure_it_reads_only_its_arguments():
    items = [item()]
    a = run(items, noon(date(2027, 6, 20)), cal=PLAIN)
    b = run(items, noon(date(2027, 6, 20)), cal=PLAIN)
    assert a == b


def test_a_level_can_refuse_to_be_held_by_an_acknowledgement():
    strict = effective_policy(NotificationsSpec.model_validate({"escalation": [{"name": "strict", "levels": [
        {"name": "overdue", "after": {"working_days": 1}, "to": ["owner"]},
        {"name": "minister", "after": {"working_days": 10}, "to": ["minister"],
         "held_by_acknowledgement": False}]}]}))
    ack = Ack(7, 1, 3, 1, noon(date(2027, 6, 9)), date(2027, 6, 30))
    d = run([item(due=date(2027, 6, 1))], noon(date(2027, 6, 15)), acks={1: [ack]}, policies={1: strict})
    assert ("minister-labour", "minister#0") in steps(d)


def test_a_person_who_owes_an_item_and_is_its_escalation_target_gets_one_message_naming_both_roles():
    from nmrf.notifications.messages import roles_label

    # Rodrigo is Labour's focal point and, here, its minister too: the first sweep after a pause finds the
    # owner's level and the minister's level due together; he gets one message, the minister's, saying both.
    both = Directory.build(PEOPLE[:4], [(1, "focal_point", LABOUR), (1, "minister", LABOUR),
                                        (2, "head_of_unit", LABOUR), (3, "head_of_secretariat", SECRETARIAT)])
    due = date(2027, 6, 10)
    d = run([item(due=due)], noon(date(2027, 6, 25)), directory=both)
    his = [(i.step, i.reason, i.also) for i in d.intents if i.person_id == 1 and not i.early]
    assert his == [("minister#0", "minister", ("owner",))]
    assert ("head-labour", "overdue#0") in [(both.people[i.person_id].key, i.step) for i in d.intents]
    # Every day of the chain: at most one message per person for the item.
    for k in range(0, 30):
        day_intents = [i for i in run([item(due=due)], noon(due + timedelta(days=k)), directory=both).intents
                       if not i.early]
        people = [i.person_id for i in day_intents]
        assert len(people) == len(set(people)), (due + timedelta(days=k), day_intents)
    # The message says both roles in the reader's words.
    assert roles_label(("minister", "owner"), "es") == \
        "autoridad ministerial responsable y la persona a quien corresponde"
    assert roles_label(("minister", "owner"), "en") == "minister responsible and the person who owes it"


def test_every_reason_a_step_reaches_nobody_is_a_sentence_said_in_the_readers_language():
    from nmrf.domain.i18n import Said, translator
    from nmrf.domain.wording import say

    members = Directory.build(PEOPLE, ROLES, members={1: [1, 3]}, departed={2: [5]})
    d = run([item(confidential=True), item(mid=2, inst=HEALTH, cycle=2), item(mid=3, inst=HEALTH),
             item(mid=4, role="cso_contact")], noon(date(2027, 6, 20)), directory=members)
    whys = {u.why for u in d.unresolved}
    english = {"head-labour is not a member of the confidential cycle", "nobody holds it",
               "nobody left in the cycle holds it (jorge-nunez left the cycle)", "no-address has no active address"}
    assert english <= whys and all(isinstance(w, Said) for w in whys)
    fr = translator("fr")
    said = {say(fr, w) for w in whys}
    assert {"head-labour n'est pas membre du cycle confidentiel", "personne n'occupe ce rôle",
            "plus personne dans le cycle n'occupe ce rôle (jorge-nunez a quitté le cycle)",
            "no-address n'a aucune adresse active"} <= said
