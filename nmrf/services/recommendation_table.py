"""The recommendations table of the console and its API: the filters a secretariat asks for (mechanism, theme,
SDG, responsible institution, status, the guide's priority factors, cluster, position, text), read from a query
string, applied in SQL, and one page of rows with what shows why each matched.

Filtering, counting and paging are done by the database: only the page's rows are loaded. The JSON list columns
(themes, SDGs) are searched with each engine's own JSON functions (SQLite's json_each, PostgreSQL's jsonb
containment), which give the same rows. A filter value that cannot be read (a goal 99, an unknown institution)
is not applied and comes back as a problem naming its field: the console shows the rows without it beside a
notice, the API refuses the request.

A recommendation's status is the one the public view gives (nmrf.services.publication): the implementation its
institutions last reported in a returned workbook, else what its actions say (none planned, all done or
cancelled, some still open).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from sqlalchemy import and_, case, cast, exists, func, literal_column, or_, true
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Session, select

from nmrf.documents.workbooks import IMPLEMENTATION_LABELS
from nmrf.domain import wording
from nmrf.domain.i18n import N_, Translator
from nmrf.domain.taxonomy import load_taxonomy
from nmrf.domain.text import text_problem
from nmrf.errors import Problem
from nmrf.models import FollowUpAction, Institution, InputAnswer, Recommendation, Responsibility, State

# The status of a recommendation: a reported implementation, else what its actions say.
STATUS_LABELS = {
    "no_action_planned": N_("no action planned"),
    "not_started": IMPLEMENTATION_LABELS["not_started"],
    "in_progress": IMPLEMENTATION_LABELS["in_progress"],
    "partially_implemented": IMPLEMENTATION_LABELS["partially_implemented"],
    "implemented": IMPLEMENTATION_LABELS["implemented"],
    "actions_completed": N_("actions completed"),
    "not_applicable": IMPLEMENTATION_LABELS["not_applicable"],
}
POSITION_LABELS = {"none": N_("Not recorded"), "supported": N_("Supported"), "noted": N_("Noted"),
                   "partially_supported": N_("Partially supported")}
# The guide's factors (c)-(e), recorded by the secretariat; unassessed is NULL.
FACTOR_LABELS = {"no_budget": N_("Possible without a budget"), "national_priority": N_("A national priority"),
                 "disadvantaged_groups": N_("About disadvantaged or marginalised groups")}
FACTOR_VALUES = {"yes": N_("Yes"), "no": N_("No"), "unassessed": N_("Not assessed")}
# Where a goal comes from: the source's own list, the goals its themes imply (`inferred_sdgs`), or either.
SDG_BASES = {"any": N_("Given by the source or inferred from the themes"), "source": N_("Given by the source"),
             "inferred": N_("Inferred from the themes")}
ROLES = {"any": N_("Lead or supporting"), "lead": N_("Lead"), "supporting": N_("Supporting")}
PROBLEMS = {
    "q": N_("Type the words on one line, without control characters."),
    "theme": N_("Choose a theme from the list: this one is not in the taxonomy."),
    "sdg": N_("Choose a goal from 1 to 17."),
    "sdg_basis": N_("Choose where the goal comes from: the source, the themes or either."),
    "institution": N_("Choose an institution from the list: this one is not in the profile."),
    "role": N_("Choose lead, supporting or either."),
    "status": N_("Choose a status from the list."),
    "position": N_("Choose a position from the list."),
    "no_budget": N_("Possible without a budget: choose yes, no or not assessed."),
    "national_priority": N_("A national priority: choose yes, no or not assessed."),
    "disadvantaged_groups": N_("Disadvantaged or marginalised groups: choose yes, no or not assessed."),
    "cluster": N_("Enter the cluster as a number, like 12."),
}
PER_PAGE = 50


@dataclass(frozen=True)
class RecFilters:
    """What the reader asked for; empty means every row. The names are the query string's."""

    q: str = ""
    mechanism: str = ""
    theme: str = ""  # a taxonomy key
    sdg: int | None = None
    sdg_basis: str = "any"
    institution: str = ""  # an institution's key
    role: str = "any"
    status: str = ""
    position: str = ""
    no_budget: str = ""  # yes | no | unassessed
    national_priority: str = ""
    disadvantaged_groups: str = ""
    cluster: int | None = None

    def as_query(self) -> dict[str, str]:
        """The filters as the address gives them (a link to share, the pages' links): the defaults left out."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if v not in (None, "") and v != f.default:
                out[f.name] = str(v)
        if "sdg" not in out:
            out.pop("sdg_basis", None)  # a basis without a goal filters nothing
        if "institution" not in out:
            out.pop("role", None)
        return out


def read_filters(params: Mapping[str, Any]) -> tuple[RecFilters, list[Problem]]:
    """The filters of a query string. A value that cannot be read is left out and named in a problem (its
    field is the parameter's name); the rest apply. An unknown institution is found by the table (it needs
    the database)."""
    got = {k: str(v).strip() for k, v in params.items() if v is not None and str(v).strip() != ""}
    problems: list[Problem] = []
    out: dict[str, Any] = {}

    def bad(name: str) -> None:
        problems.append(Problem(PROBLEMS[name], field=name, msgid=PROBLEMS[name]))

    if text_problem(got.get("q", ""), multiline=False) is None:
        out["q"] = got.get("q", "")
    else:
        bad("q")  # a NUL is refused by PostgreSQL itself: said here, on both engines
    out["mechanism"] = got.get("mechanism", "")
    out["institution"] = got.get("institution", "")
    if "theme" in got:
        key = load_taxonomy().lookup(got["theme"])
        if key is None:
            bad("theme")
        else:
            out["theme"] = key
    if "sdg" in got:
        if got["sdg"].isdecimal() and 1 <= int(got["sdg"]) <= 17:
            out["sdg"] = int(got["sdg"])
        else:
            bad("sdg")
    for name, allowed in (("sdg_basis", SDG_BASES), ("role", ROLES), ("status", STATUS_LABELS),
                          ("position", POSITION_LABELS), *((f, FACTOR_VALUES) for f in FACTOR_LABELS)):
        if name in got:
            if got[name] in allowed:
                out[name] = got[name]
            else:
                bad(name)
    if "cluster" in got:
        text = got["cluster"].lstrip("#")
        if text.isdecimal() and len(text) < 10:
            out["cluster"] = int(text)
        else:
            bad("cluster")
    return RecFilters(**out), problems


@dataclass
class RecRow:
    """One recommendation on the page, with what shows why it matched."""

    rec: Recommendation
    status: str  # a key of STATUS_LABELS
    lead: Institution | None
    supporting: tuple[Institution, ...]
    # In the reader's language: the themes' names, the institutions' names.
    theme_names: list[str] = field(default_factory=list)
    lead_name: str = ""
    supporting_names: list[str] = field(default_factory=list)


@dataclass
class RecPage:
    rows: list[RecRow]
    total: int
    page: int
    pages: int
    filters: RecFilters  # those applied
    problems: list[Problem] = field(default_factory=list)  # the values left out, each with its field
    mechanisms: list[str] = field(default_factory=list)
    themes: list[tuple[str, str]] = field(default_factory=list)  # (key, name in the reader's language)
    sdgs: list[tuple[int, str]] = field(default_factory=list)
    institutions: list[tuple[str, str]] = field(default_factory=list)


# ---------------------------------------------------------------- SQL

def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _json_list_has(session: Session, column: Any, value: str | int) -> Any:
    """`value` is an element of the JSON list in `column` (the same rows on both engines)."""
    if _dialect(session) == "postgresql":
        return cast(column, JSONB).contains([value])
    element = func.json_each(column).table_valued("value")
    return exists(select(literal_column("1")).select_from(element).where(element.c.value == value))


def _themes_in_use(session: Session, state: State) -> list[str]:
    """The theme keys the State's recommendations carry, each once (DISTINCT in SQL)."""
    if _dialect(session) == "postgresql":
        element = func.jsonb_array_elements_text(cast(Recommendation.themes, JSONB)).table_valued("value")
    else:
        element = func.json_each(Recommendation.themes).table_valued("value")
    q = (select(element.c.value).select_from(Recommendation).join(element, true())
         .where(Recommendation.state_id == state.id).distinct())
    return [str(v) for v in session.exec(q)]  # type: ignore[call-overload]


def status_expression() -> Any:
    """A recommendation's status as SQL: its latest reported implementation, else what its actions say."""
    reported = (select(InputAnswer.implementation).where(InputAnswer.recommendation_id == Recommendation.id)
                .order_by(InputAnswer.at.desc(), InputAnswer.id.desc()).limit(1)  # type: ignore[attr-defined, union-attr]
                .correlate(Recommendation).scalar_subquery())
    actions = select(FollowUpAction.id).where(
        FollowUpAction.cluster_id == Recommendation.cluster_id,
        or_(FollowUpAction.recommendation_id.is_(None),  # type: ignore[union-attr]
            FollowUpAction.recommendation_id == Recommendation.id)).correlate(Recommendation)
    open_actions = actions.where(FollowUpAction.status.not_in(("done", "cancelled")))  # type: ignore[attr-defined]
    from_actions = case((~exists(actions), "no_action_planned"), (~exists(open_actions), "actions_completed"),
                        else_="in_progress")
    return func.coalesce(reported, from_actions)


def _held_by(institution_id: int, role: str) -> Any:
    """The institution answers for the recommendation (in `role`): by the recommendation's own assignment, or,
    when it has none, by its cluster's (as nmrf.services.followup.responsible reads it). Uncorrelated IN lists,
    each read once: a correlated EXISTS per row took 430 ms on 6,094 rows (bench/recommendation_table.py)."""
    mine = select(Responsibility).where(Responsibility.institution_id == institution_id)
    if role in ("lead", "supporting"):
        mine = mine.where(Responsibility.role == role)
    own = select(Responsibility.recommendation_id).where(Responsibility.recommendation_id.is_not(None))  # type: ignore[union-attr]
    return or_(Recommendation.id.in_(mine.with_only_columns(Responsibility.recommendation_id)  # type: ignore[union-attr]
                                     .where(Responsibility.recommendation_id.is_not(None))),  # type: ignore[union-attr]
               and_(Recommendation.cluster_id.in_(mine.with_only_columns(Responsibility.cluster_id)  # type: ignore[union-attr]
                                                  .where(Responsibility.cluster_id.is_not(None))),  # type: ignore[union-attr]
                    Recommendation.id.not_in(own)))  # type: ignore[union-attr]


def _like(text: str) -> str:
    # The reader's % and _ are letters, not LIKE's wildcards.
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def conditions(*, session: Session, state: State, filters: RecFilters, institution_id: int | None) -> list[Any]:
    f = filters
    out: list[Any] = [Recommendation.state_id == state.id]
    if f.q:
        like = _like(f.q)
        out.append(or_(*(func.lower(c).like(like, escape="\\")
                         for c in (Recommendation.text, Recommendation.body, Recommendation.document))))
    if f.mechanism:
        out.append(Recommendation.mechanism == f.mechanism)
    if f.theme:
        out.append(_json_list_has(session, Recommendation.themes, f.theme))
    if f.sdg is not None:
        own = _json_list_has(session, Recommendation.sdgs, f.sdg)
        inferred = _json_list_has(session, Recommendation.inferred_sdgs, f.sdg)
        out.append({"source": own, "inferred": inferred}.get(f.sdg_basis, or_(own, inferred)))
    if institution_id is not None:
        out.append(_held_by(institution_id, f.role))
    if f.status:
        out.append(status_expression() == f.status)
    if f.position == "none":
        out.append(Recommendation.position == "")
    elif f.position:
        out.append(Recommendation.position == f.position)
    for name in FACTOR_LABELS:
        value, column = getattr(f, name), getattr(Recommendation, name)
        if value == "yes":
            out.append(column.is_(True))
        elif value == "no":
            out.append(column.is_(False))
        elif value == "unassessed":
            out.append(column.is_(None))
    if f.cluster is not None:
        out.append(Recommendation.cluster_id == f.cluster)
    return out


# ---------------------------------------------------------------- the page

def _responsible(session: Session, recs: list[Recommendation]
                 ) -> dict[int, tuple[Institution | None, tuple[Institution, ...]]]:
    """Lead and supporting institutions of the page's recommendations (their own, else their cluster's)."""
    ids = [r.id for r in recs]
    clusters = [r.cluster_id for r in recs if r.cluster_id is not None]
    by_rec: dict[int, list[tuple[Responsibility, Institution]]] = {}
    by_cluster: dict[int, list[tuple[Responsibility, Institution]]] = {}
    if ids:
        q = (select(Responsibility, Institution).join(Institution, Institution.id == Responsibility.institution_id)
             .where(or_(Responsibility.recommendation_id.in_(ids),  # type: ignore[union-attr]
                        Responsibility.cluster_id.in_(clusters or [-1])))  # type: ignore[union-attr]
             .order_by(Responsibility.id))
        for resp, inst in session.exec(q):
            if resp.recommendation_id is not None:
                by_rec.setdefault(resp.recommendation_id, []).append((resp, inst))
            elif resp.cluster_id is not None:
                by_cluster.setdefault(resp.cluster_id, []).append((resp, inst))
    out = {}
    for r in recs:
        rows = by_rec.get(r.id) or (by_cluster.get(r.cluster_id, []) if r.cluster_id is not None else [])  # type: ignore[arg-type]
        lead = next((i for x, i in rows if x.role == "lead"), None)
        out[r.id] = (lead, tuple(i for x, i in rows if x.role == "supporting"))  # type: ignore[index]
    return out


def recommendations_table(*, session: Session, state: State, filters: RecFilters = RecFilters(),
                          problems: list[Problem] | None = None, page: int = 1, per_page: int = PER_PAGE,
                          t: Translator | None = None, choices: bool = True) -> RecPage:
    """One page of the State's recommendations that pass every filter, counted and paged in SQL.

    `problems` are those `read_filters` found; an institution the profile does not know is added to them and
    not applied. With `choices`, the lists the filter form offers (themes in use, goals, institutions), named
    in the language of `t`."""
    problems = list(problems or [])
    institution_id = None
    insts = list(session.exec(select(Institution).where(Institution.state_id == state.id)))
    if filters.institution:
        inst = next((i for i in insts if i.key == filters.institution), None)
        if inst is None:
            problems.append(Problem(PROBLEMS["institution"], field="institution", msgid=PROBLEMS["institution"]))
            filters = replace(filters, institution="", role="any")
        else:
            institution_id = inst.id
    where = conditions(session=session, state=state, filters=filters, institution_id=institution_id)
    total = session.exec(select(func.count()).select_from(Recommendation).where(*where)).one()  # type: ignore[call-overload]
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    status = status_expression().label("status")
    got = list(session.exec(select(Recommendation, status).where(*where).order_by(Recommendation.id)  # type: ignore[call-overload]
                            .offset((page - 1) * per_page).limit(per_page)))
    who = _responsible(session, [r for r, _ in got])
    taxonomy = load_taxonomy()

    def say(text: str) -> str:
        return wording.title(t, text) if t is not None else text

    def named(i: Institution) -> str:
        return wording.name(t, i.names, i.name) if t is not None else i.name

    rows = []
    for r, st in got:
        lead, supporting = who[r.id]  # type: ignore[index]
        rows.append(RecRow(rec=r, status=st, lead=lead, supporting=supporting,
                           theme_names=[say(taxonomy.themes[k].name) if k in taxonomy.themes else k
                                        for k in r.themes or []],
                           lead_name=named(lead) if lead else "", supporting_names=[named(i) for i in supporting]))
    out = RecPage(rows=rows, total=total, page=page, pages=pages, filters=filters, problems=problems)
    if choices:
        out.mechanisms = sorted(set(session.exec(select(Recommendation.mechanism).where(
            Recommendation.state_id == state.id).distinct())))
        out.themes, out.sdgs, out.institutions = _choices(session, state, insts, filters, say, named)
    return out


def _choices(session: Session, state: State, insts: list[Institution], filters: RecFilters, say: Any, named: Any
             ) -> tuple[list[tuple[str, str]], list[tuple[int, str]], list[tuple[str, str]]]:
    taxonomy = load_taxonomy()
    keys = {k for k in _themes_in_use(session, state) if k in taxonomy.themes}
    if filters.theme:
        keys.add(filters.theme)  # the chosen one stays on the list even where no row has it
    themes = sorted(((k, say(taxonomy.themes[k].name)) for k in keys), key=lambda kv: kv[1].casefold())
    sdgs = [(g, f"{g}. {say(name)}") for g, name in sorted(taxonomy.sdgs.items())]
    names = sorted(((i.key, named(i)) for i in insts if i.active or i.key == filters.institution),
                   key=lambda kv: kv[1].casefold())
    return themes, sdgs, names
