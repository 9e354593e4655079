"""Recommendations on the command line: import, cluster, prioritise, assign, plan, publish."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.markup import escape
from rich.table import Table

from nmrf.cli.common import (STATE_OPTION, as_of_option, console, ctx_of, err_console, force_option, friendly,
                             output_file, parse_date, state_work)
from nmrf.cli.lang import t
from nmrf.domain.i18n import N_
from nmrf.errors import NmrfError

# An action's status (a key) as a person reads it.
ACTION_STATUS_WORDS = {"planned": N_("planned"), "in_progress": N_("in progress"), "done": N_("done"),
                       "cancelled": N_("cancelled")}

# What a shared signal is (nmrf.domain.anchors' kinds), as a person reads it.
SIGNAL_KINDS = {"instrument": N_("instrument"), "concept": N_("concept"), "group": N_("group"), "law": N_("law"),
                "article": N_("article")}

app = typer.Typer(help="Recommendations: import, cluster, prioritise, assign, plan the follow-up, publish.",
                  no_args_is_help=True)
action_app = typer.Typer(help="Actions of the follow-up plan (each one a deadline in the feeds).",
                         no_args_is_help=True)
app.add_typer(action_app, name="action")

SORTS = ("priority", "id", "cluster", "theme", "mechanism")


def _truncate(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


@app.command("import")
@friendly
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="The file to import (CSV or XLSX)."),
    fmt: str = typer.Option(..., "--format", "-f", help="upr-info, uhri or template."),
    state_code: str | None = typer.Option(None, "--state", help="Keep the rows of this State (default: the "
                                          "database's State)."),
    all_states: bool = typer.Option(False, "--all-states", help="Keep every row, whatever the State under review."),
    encoding: str | None = typer.Option(None, "--encoding", help="Force an encoding (default: detected)."),
    as_of: str | None = as_of_option(),
) -> None:
    """Import recommendations: all or nothing; importing the same file again changes nothing."""
    from nmrf.services.recommendations import import_recommendations

    if not file.is_file():
        raise NmrfError.said(N_("%(file)s: no such file"), file=str(file))
    c = ctx_of(ctx)
    from nmrf.documents.files import MAX_IMPORT_BYTES, read_file

    data = read_file(file, limit=MAX_IMPORT_BYTES, what="CSV file")
    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        # The line in the reader's language, the file's name escaped (Rich reads a description as markup).
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err_console, transient=True) as bar:
            task = bar.add_task(escape(t().gettext("importing %(file)s") % {"file": file.name}), total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            result = import_recommendations(session=s, data=data, file_name=str(file), fmt=fmt, now=now,
                                            actor=c.settings.effective_actor,
                                            states=None if all_states else [state], encoding=encoding,
                                            progress=progress)
    from nmrf.domain.recommendation_files import UNKNOWN_BODY, UNMAPPED_THEME

    p = result.parsed
    tr = t()
    from nmrf.domain.wording import say

    console.print(tr.gettext("%(file)s: %(num)s recommendation(s) read, encoding %(encoding)s.") % {
        "file": file.name, "num": len(p.rows), "encoding": say(tr, p.encoding_note)}, markup=False)
    counts = {"kept": result.kept, "created": result.created, "updated": len(result.updated),
              "unchanged": result.unchanged, "linked": result.linked}
    if all_states:
        kept = (tr.gettext("Kept for every State: %(kept)s; new %(created)s, updated %(updated)s, unchanged "
                           "%(unchanged)s, linked to their State %(linked)s.") if result.linked else
                tr.gettext("Kept for every State: %(kept)s; new %(created)s, updated %(updated)s, unchanged "
                           "%(unchanged)s."))
    else:
        counts["scope"] = f"{state.name} ({state.code})"
        kept = (tr.gettext("Kept for %(scope)s: %(kept)s; new %(created)s, updated %(updated)s, unchanged "
                           "%(unchanged)s, linked to their State %(linked)s.") if result.linked else
                tr.gettext("Kept for %(scope)s: %(kept)s; new %(created)s, updated %(updated)s, unchanged "
                           "%(unchanged)s."))
    console.print(kept % counts, markup=False)
    for line in result.updated[:10]:
        console.print("  " + tr.gettext("updated %(what)s") % {"what": line}, markup=False)
    if result.other_states:
        console.print(tr.gettext("Left out: %(rows)s row(s) for %(states)s other State(s) (--all-states keeps them).")
                      % {"rows": sum(result.other_states.values()), "states": len(result.other_states)}, markup=False)
    label = escape(tr.gettext("warning:"))
    said = [tr.gettext(UNMAPPED_THEME) % {"theme": repr(theme), "num": n} for theme, n in sorted(p.unmapped.items())]
    said += [tr.gettext(UNKNOWN_BODY) % {"body": repr(body), "num": n} for body, n in sorted(p.unknown_bodies.items())]
    for w in said:
        console.print(f"[yellow]{label}[/yellow] {escape(w)}")
    if not result.changed:
        console.print(tr.gettext("Nothing changed: every recommendation was already imported."))


@app.command("flagged")
@friendly
def flagged_(ctx: typer.Context, state_code: str | None = typer.Option(None, "--state", help="Default: the "
                                                                       "database's State.")) -> None:
    """What imports kept but could not place: unknown recommending States or bodies, unmapped themes."""
    from nmrf.services.people import get_state
    from nmrf.services.recommendations import flagged

    c = ctx_of(ctx)
    with c.session(readonly=True) as s:
        state = get_state(session=s, code=state_code)
        bodies, themes = flagged(session=s, state=state)
    if not bodies and not themes:
        console.print(t().gettext("Nothing flagged: every recommending State or body is known and every theme maps."))
        return
    for body, n in sorted(bodies.items()):
        console.print(t().gettext("recommending State or body %(body)s: %(num)s recommendation(s), not one we know")
                      % {"body": repr(body), "num": n}, markup=False)
    for theme, n in sorted(themes.items()):
        console.print(t().gettext("theme %(theme)s: %(num)s recommendation(s), not mapped to the shared taxonomy")
                      % {"theme": repr(theme), "num": n}, markup=False)
    console.print(t().gettext("Add spellings to the profile (recommendations: aliases: states: {CODE: [...]}, "
                              "themes: {theme-key: [...]}), run `nmrf init --profile ...`, then import the file "
                              "again."), markup=False)


@app.command("template")
@friendly
def template(out: Path = typer.Option(..., "--out", help="Where to write the CSV template.")) -> None:
    """Write our CSV template for treaty-body and special-procedure recommendations."""
    from nmrf.domain.recommendation_files import TEMPLATE_HEADER

    output_file(out)
    example = TEMPLATE_EXAMPLE
    import csv

    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(TEMPLATE_HEADER)
        w.writerow(example)
    console.print(t().gettext("Template written to %(file)s (one example row: replace it). Import it with "
                              "`%(command)s`.") % {"file": out,
                                                   "command": f"nmrf recommendations import {out} --format template"},
                  markup=False)


TEMPLATE_EXAMPLE = [
    "CL", "CEDAW", "Committee on the Elimination of Discrimination against Women", "CEDAW/C/CHL/CO/7", "21(a)",
    "2018-03-14", "Expedite the adoption of the bill on the right of women to a life free from violence.",
    "violence-against-women", "5; 16", "women", "2", "yes", "no", "concluding_observations",
]


@app.command("cluster")
@friendly
def cluster(
    ctx: typer.Context,
    rebuild: bool = typer.Option(False, "--rebuild", help="Recompute the clusters nobody has planned for yet."),
    all_states: bool = typer.Option(False, "--all-states", help="Cluster the recommendations of every State."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Cluster recommendations that say the same thing, across mechanisms (explain with `why`)."""
    from nmrf.services.clustering import cluster_recommendations

    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        r = cluster_recommendations(session=s, now=now, state=None if all_states else state, rebuild=rebuild)
    tr = t()
    where = tr.gettext("%(num)s State(s)") % {"num": r.states} if all_states else state.name
    said = (tr.gettext("%(where)s: %(recs)s recommendation(s) in %(clusters)s cluster(s) (%(created)s new, %(joined)s "
                       "recommendation(s) joined a recorded cluster, %(dissolved)s unplanned cluster(s) recomputed); "
                       "%(cross)s cluster(s) span several mechanisms.") if r.dissolved else
            tr.gettext("%(where)s: %(recs)s recommendation(s) in %(clusters)s cluster(s) (%(created)s new, %(joined)s "
                       "recommendation(s) joined a recorded cluster); %(cross)s cluster(s) span several mechanisms."))
    console.print(said % {"where": where, "recs": r.recommendations, "clusters": r.clusters, "created": r.created,
                          "joined": r.joined, "dissolved": r.dissolved, "cross": r.cross_mechanism}, markup=False)


def _rows(s, state, **filters):  # type: ignore[no-untyped-def]
    from nmrf.services.recommendation_rows import recommendation_rows

    return recommendation_rows(session=s, state=state, **filters)


@app.command("list")
@friendly
def list_(
    ctx: typer.Context,
    sort: str = typer.Option("priority", "--sort", help=f"One of {', '.join(SORTS)}."),
    mechanism: str | None = typer.Option(None, "--mechanism", "-m", help="Only this mechanism (UPR, CEDAW...)."),
    theme: str | None = typer.Option(None, "--theme", help="Only this theme (key or UHRI name)."),
    cluster_id: int | None = typer.Option(None, "--cluster", help="Only this cluster."),
    institution: str | None = typer.Option(None, "--institution", help="Only those this institution leads or supports."),
    urgent: bool = typer.Option(False, "--urgent", help="(a) flagged urgent by a treaty body."),
    several: bool = typer.Option(False, "--several-mechanisms", help="(b) raised by several mechanisms."),
    no_budget: bool = typer.Option(False, "--no-budget", help="(c) possible without budget."),
    national: bool = typer.Option(False, "--national-priority", help="(d) a national priority."),
    disadvantaged: bool = typer.Option(False, "--disadvantaged", help="(e) about disadvantaged groups."),
    unassessed: bool = typer.Option(False, "--unassessed", help="Factors (c)-(e) not yet recorded."),
    unassigned: bool = typer.Option(False, "--unassigned", help="No lead institution yet."),
    min_score: int = typer.Option(0, "--min-score", help="At least this many of the five factors."),
    limit: int = typer.Option(50, "--limit", help="Show at most this many (0: all)."),
    state_code: str | None = STATE_OPTION,
) -> None:
    """Recommendations with the guide's five factors (a-e: Y yes, n no, ? not assessed), sorted and filtered."""
    from nmrf.services.people import get_state

    if sort not in SORTS:
        raise NmrfError.said(N_("--sort %(value)s; expected one of %(known)s"), value=repr(sort),
                             known=", ".join(SORTS))
    c = ctx_of(ctx)
    with c.session(readonly=True) as s:
        state = get_state(session=s, code=state_code)
        rows = _rows(s, state, sort=sort, mechanism=mechanism, theme=theme, cluster_id=cluster_id,
                     institution=institution, urgent=urgent, several=several, no_budget=no_budget,
                     national=national, disadvantaged=disadvantaged, unassessed=unassessed,
                     unassigned=unassigned, min_score=min_score)
        s.expunge_all()  # what was read stays usable after the read-only rollback
    shown = rows if limit == 0 else rows[:limit]
    tr = t()
    title = (tr.gettext("Recommendations to %(state)s: %(num)s match, first %(shown)s shown")
             if len(shown) < len(rows) else tr.gettext("Recommendations to %(state)s: %(num)s match"))
    table = Table(title=title % {"state": state.name, "num": len(rows), "shown": len(shown)})
    for col in ("#", "abcde", tr.pgettext("recommendations", "score"), tr.pgettext("recommendations", "cluster"),
                tr.pgettext("recommendations", "mechanism"), tr.pgettext("recommendations", "from"),
                tr.pgettext("recommendations", "theme"), tr.pgettext("recommendations", "lead"),
                tr.pgettext("recommendations", "recommendation")):
        table.add_column(col, overflow="fold")
    for r in shown:
        table.add_row(str(r.id), r.priority.flags(), str(r.priority.score), str(r.cluster_id or "-"), r.mechanism,
                      _truncate(r.body, 24), r.theme, r.lead or "-", _truncate(r.text, 90))
    console.print(table)
    console.print(tr.gettext("a urgent (treaty body) · b several mechanisms · c without budget · d national "
                             "priority · e disadvantaged groups. Record c-e with %(command)s.")
                  % {"command": "`nmrf recommendations prioritise`"}, markup=False)


@app.command("show")
@friendly
def show(ctx: typer.Context, ref: str = typer.Argument(..., help="Recommendation number or uid."),
         state_code: str | None = STATE_OPTION) -> None:
    """One recommendation: exact text, source, themes, SDGs, priority, responsibility, actions, answers."""
    from nmrf.services.recommendation_rows import recommendation_detail
    from nmrf.services.people import get_state

    c = ctx_of(ctx)
    with c.session(readonly=True) as s:
        state = get_state(session=s, code=state_code)
        lines = recommendation_detail(session=s, state=state, ref=ref, tr=t())
        s.expunge_all()  # what was read stays usable after the read-only rollback
    for line in lines:
        console.print(line, soft_wrap=True)


@app.command("position")
@friendly
def position(
    ctx: typer.Context,
    refs: list[str] = typer.Argument(..., help="Recommendation numbers or uids (several: the same position)."),
    value: str = typer.Option(..., "--position", help="supported, noted or partially_supported."),
    source: str = typer.Option(..., "--source", help="The document the position comes from (A/HRC/../Add.1)."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Record the State's position on recommendations, with its source (all or nothing)."""
    from nmrf.services.console import position_problems, record_position
    from nmrf.services.recommendations import get_recommendation

    problems = position_problems(position=value, source=source)
    if problems:
        raise NmrfError([type(p)(f"--{p.field}: {p.message}") for p in problems])
    c = ctx_of(ctx)
    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        recs = [get_recommendation(session=s, state=state, ref=r) for r in refs]
        for r in recs:
            record_position(session=s, recommendation=r, position=value, source=source, now=now,
                            actor=c.settings.effective_actor)
        ids = [r.id for r in recs]
    console.print(t().gettext("Position %(position)s recorded for %(num)s recommendation(s) (%(ids)s), source: "
                              "%(source)s") % {"position": value, "num": len(ids), "ids": ", ".join(map(str, ids)),
                                               "source": source}, markup=False)


@app.command("themes")
@friendly
def themes() -> None:
    """The shared taxonomy: UHRI themes (with their SDGs) and the 17 SDGs."""
    from nmrf.domain.taxonomy import load_taxonomy

    tax = load_taxonomy()
    tr = t()  # the themes' and goals' names are the UN's, from the catalogs
    table = Table(title=tr.gettext("Shared taxonomy (%(num)s themes)") % {"num": len(tax.themes)})
    for col in (tr.pgettext("themes", "key"), tr.pgettext("themes", "UHRI theme"), tr.pgettext("themes", "SDGs")):
        table.add_column(col)
    for th in tax.themes.values():
        table.add_row(th.key, escape(tr.gettext(th.name)), ", ".join(str(g) for g in th.sdgs))
    console.print(table)
    console.print(tr.gettext("Sustainable Development Goals: %(goals)s") % {
        "goals": "; ".join(f"{k} {tr.gettext(v)}" for k, v in tax.sdgs.items())}, markup=False)


@app.command("clusters")
@friendly
def clusters(
    ctx: typer.Context,
    theme: str | None = typer.Option(None, "--theme", help="Only this theme."),
    several: bool = typer.Option(False, "--several-mechanisms", help="Only clusters spanning several mechanisms."),
    limit: int = typer.Option(40, "--limit", help="Show at most this many (0: all)."),
    state_code: str | None = STATE_OPTION,
) -> None:
    """The clusters, largest first, grouped by theme."""
    from nmrf.domain.cluster_labels import cluster_label
    from nmrf.services.recommendation_rows import cluster_rows
    from nmrf.services.people import get_state

    c = ctx_of(ctx)
    with c.session(readonly=True) as s:
        state = get_state(session=s, code=state_code)
        rows = cluster_rows(session=s, state=state, theme=theme, several=several)
        s.expunge_all()  # what was read stays usable after the read-only rollback
    shown = rows if limit == 0 else rows[:limit]
    tr = t()
    title = (tr.gettext("Clusters of %(state)s: %(num)s, %(shown)s shown") if len(shown) < len(rows) else
             tr.gettext("Clusters of %(state)s: %(num)s"))
    table = Table(title=title % {"state": state.name, "num": len(rows), "shown": len(shown)})
    for col in ("#", tr.pgettext("clusters", "size"), tr.pgettext("clusters", "mechanisms"),
                tr.pgettext("clusters", "theme"), tr.pgettext("clusters", "label"), tr.pgettext("clusters", "lead"),
                tr.pgettext("clusters", "actions")):
        table.add_column(col, overflow="fold")
    for r in shown:
        # The label in the reader's words where they are ours (theme, signal); escaped: data is not markup.
        label = cluster_label(tr, theme=r.theme, label=r.label, written_in=state.language)
        table.add_row(str(r.id), str(r.size), ", ".join(r.mechanisms), escape(r.theme), escape(label),
                      r.lead or "-", str(r.actions))
    console.print(table)


@app.command("explain")
@friendly
def explain_cluster(ctx: typer.Context, cluster_ref: str = typer.Argument(..., help="Cluster number."),
                    state_code: str | None = STATE_OPTION) -> None:
    """Why each member is in its cluster: its strongest link, the words and themes it shares."""
    from nmrf.domain.cluster_labels import cluster_label, signal_label
    from nmrf.services.clustering import cluster_explanation
    from nmrf.services.people import get_state
    from nmrf.services.recommendations import get_cluster

    c = ctx_of(ctx)
    with c.session(readonly=True) as s:
        state = get_state(session=s, code=state_code)
        cl = get_cluster(session=s, state=state, ref=cluster_ref)
        members = cluster_explanation(session=s, cluster=cl)
        s.expunge_all()  # what was read stays usable after the read-only rollback
    tr = t()
    label = cluster_label(tr, theme=cl.theme, label=cl.label, written_in=state.language)
    heading = tr.gettext("Cluster %(id)s") % {"id": cl.id}  # (not in an f-string: extraction would miss it)
    console.print(f"[bold]{escape(heading)}[/bold]: " + escape(
        tr.ngettext("%(label)s (%(num)d recommendation). Every two members are linked (complete linkage): similar "
                    "words in one language with a theme in common, or shared signals that do not depend on language "
                    "(instruments, laws, articles, actions, groups).",
                    "%(label)s (%(num)d recommendations). Every two members are linked (complete linkage): similar "
                    "words in one language with a theme in common, or shared signals that do not depend on language "
                    "(instruments, laws, articles, actions, groups).", len(members))
        % {"label": label, "num": len(members)}))
    for rec, link in members:
        console.print(f"#{rec.id} {escape(f'[{rec.mechanism} {rec.body}]')} {escape(_truncate(rec.text, 110))}",
                      soft_wrap=True)
        if link is not None:
            other = link.b if link.a == rec.id else link.a
            terms = ", ".join(f"{term} ({w:.2f})" for term, w in link.shared_terms[:5])
            signals = ", ".join(f"{signal_label(tr, a)} ({w:.2f})" for a, w in link.shared_signals[:5])
            said = tr.gettext("closest: #%(other)s, text similarity %(score)s%(terms)s; shared signals "
                              "%(signals_score)s%(signals)s; shared themes: %(themes)s") % {
                "other": other, "score": f"{link.score:.2f}", "terms": f" ({terms})" if terms else "",
                "signals_score": f"{link.signal_score:.2f}", "signals": f" ({signals})" if signals else "",
                "themes": ", ".join(link.shared_themes) or "-"}
            basis = "" if rec.cluster_basis == "computed" else f" ({_basis(tr, rec.cluster_basis)})"
            console.print("    " + said + basis, soft_wrap=True, markup=False)


@app.command("why")
@friendly
def why(ctx: typer.Context, a: str = typer.Argument(..., help="A recommendation."),
        b: str = typer.Argument(..., help="Another recommendation."), state_code: str | None = STATE_OPTION) -> None:
    """Why two recommendations share a cluster (or do not)."""
    from nmrf.domain.cluster_labels import signal_label
    from nmrf.domain.similarity import SDG_CAP, SDG_WEIGHT, SIGNAL_THRESHOLD, THEME_CAP, THEME_WEIGHT, THRESHOLD
    from nmrf.services.clustering import why as why_link
    from nmrf.services.people import get_state
    from nmrf.services.recommendations import get_recommendation

    c = ctx_of(ctx)
    with c.session(readonly=True) as s:
        state = get_state(session=s, code=state_code)
        ra = get_recommendation(session=s, state=state, ref=a)
        rb = get_recommendation(session=s, state=state, ref=b)
        link = why_link(session=s, a=ra, b=rb)
        s.expunge_all()  # what was read stays usable after the read-only rollback
    same = ra.cluster_id is not None and ra.cluster_id == rb.cluster_id
    for r in (ra, rb):
        console.print(f"#{r.id} {escape(f'[{r.mechanism} {r.body}, {r.document}]')} {escape(_truncate(r.text, 120))}",
                      soft_wrap=True)
    tr = t()
    themes = ", ".join(link.shared_themes) or tr.pgettext("why", "none")
    if link.same_language:
        said = tr.gettext("Both in %(language)s: text similarity %(score)s (threshold %(threshold)s); shared "
                          "themes: %(themes)s.") % {"language": _language_name(tr, link.languages[0]),
                                                    "score": f"{link.score:.2f}", "threshold": f"{THRESHOLD:.2f}",
                                                    "themes": themes}
    else:
        said = tr.gettext("Written in %(first)s and %(second)s: words are not compared across languages; shared "
                          "themes: %(themes)s.") % {"first": _language_name(tr, link.languages[0]),
                                                    "second": _language_name(tr, link.languages[1]),
                                                    "themes": themes}
    console.print(said, markup=False)
    if link.shared_terms:
        console.print(tr.gettext("Shared words, with their weight in the similarity: %(words)s") % {
            "words": ", ".join(f"{term} ({w:.2f})" for term, w in link.shared_terms)}, soft_wrap=True, markup=False)
    if link.shared_signals:
        parts = [f"{tr.gettext(SIGNAL_KINDS.get(a.kind, a.kind))} {signal_label(tr, a)!r} ({w:.2f})"
                 for a, w in link.shared_signals]
        if link.shared_themes:
            parts.append(tr.gettext("themes in common (+%(weight)s)") % {
                "weight": f"{min(THEME_CAP, THEME_WEIGHT * len(link.shared_themes)):.2f}"})
        if link.shared_sdgs:
            parts.append(tr.gettext("SDGs %(goals)s in common (+%(weight)s)") % {
                "goals": ", ".join(map(str, link.shared_sdgs)),
                "weight": f"{min(SDG_CAP, SDG_WEIGHT * len(link.shared_sdgs)):.2f}"})
        signals = ", ".join(parts)
    else:
        signals = tr.pgettext("why", "none")
    console.print(tr.gettext("Shared signals that do not depend on language: %(score)s (threshold %(threshold)s): "
                             "%(signals)s.") % {"score": f"{link.signal_score:.2f}",
                                                "threshold": f"{SIGNAL_THRESHOLD:.2f}", "signals": signals},
                  soft_wrap=True, markup=False)
    if same:
        said = (tr.gettext("Both are in cluster %(cluster)s: they are linked.") if link.linked else
                tr.gettext("Both are in cluster %(cluster)s: placed there (%(first)s / %(second)s).")) % {
            "cluster": ra.cluster_id, "first": _basis(tr, ra.cluster_basis), "second": _basis(tr, rb.cluster_basis)}
    elif link.linked:
        said = tr.gettext("They are in different clusters: linked, but a cluster needs every two members linked, and "
                          "one of them is not linked to a member of the other's cluster.")
    else:
        said = tr.gettext("They are in different clusters: %(why)s.") % {"why": _why_not(tr, link)}
    console.print(said, markup=False)


def _language_name(tr, code: str) -> str:  # type: ignore[no-untyped-def]
    """A language code (es) as the reader names it (espagnol); English readers keep the code, as before."""
    if tr.lang == "en":
        return code
    from nmrf.domain.i18n import babel_locale

    return babel_locale(tr.tag).languages.get(code, code)


def _basis(tr, basis: str) -> str:  # type: ignore[no-untyped-def]
    """How a recommendation came into its cluster (computed, or placed by someone), in the reader's words."""
    if basis == "computed":
        return tr.pgettext("cluster basis", "computed")
    if basis.startswith("placed by "):
        return tr.gettext("placed by %(who)s") % {"who": basis.removeprefix("placed by ")}
    return basis or "-"


def _why_not(tr, link) -> str:  # type: ignore[no-untyped-def]
    """Why two recommendations are not linked, said from the link's figures (the domain's text is English)."""
    from nmrf.domain.similarity import SIGNAL_THRESHOLD, THRESHOLD

    figures = {"first": link.languages[0], "second": link.languages[1], "score": f"{link.score:.2f}",
               "threshold": f"{THRESHOLD:.2f}", "signals": f"{link.signal_score:.2f}",
               "signal_threshold": f"{SIGNAL_THRESHOLD:.2f}"}
    if not link.same_language:
        text = tr.gettext("written in different languages (%(first)s, %(second)s): no text similarity")
    elif link.score < THRESHOLD:
        text = tr.gettext("text similarity %(score)s is below %(threshold)s")
    else:
        text = tr.gettext("text similarity %(score)s but no theme in common")
    return (text + tr.gettext(", and the shared signals weigh %(signals)s, below %(signal_threshold)s")) % figures


@app.command("prioritise")
@friendly
def prioritise(
    ctx: typer.Context,
    refs: list[str] = typer.Argument(None, help="Recommendation numbers (or use --cluster / --theme)."),
    cluster_id: int | None = typer.Option(None, "--cluster", help="Every recommendation of this cluster."),
    theme: str | None = typer.Option(None, "--theme", help="Every recommendation with this theme."),
    no_budget: bool | None = typer.Option(None, "--no-budget/--needs-budget", help="(c) possible without budget?"),
    national: bool | None = typer.Option(None, "--national-priority/--not-national-priority",
                                         help="(d) a national priority for other stakeholders?"),
    disadvantaged: bool | None = typer.Option(None, "--disadvantaged/--not-disadvantaged",
                                              help="(e) about disadvantaged or marginalised groups?"),
    note: str = typer.Option("", "--note", help="Why (kept with the factors)."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Record the secretariat's factors (c), (d), (e); (a) and (b) are computed."""
    from sqlmodel import select

    from nmrf.domain.taxonomy import load_taxonomy
    from nmrf.models import Recommendation
    from nmrf.services.recommendations import get_recommendation, record_factors

    c = ctx_of(ctx)
    values = {k: v for k, v in (("no_budget", no_budget), ("national_priority", national),
                                ("disadvantaged_groups", disadvantaged)) if v is not None}
    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        recs = [get_recommendation(session=s, state=state, ref=r) for r in refs or []]
        if cluster_id is not None:
            recs += list(s.exec(select(Recommendation).where(Recommendation.state_id == state.id,
                                                             Recommendation.cluster_id == cluster_id)
                                  .order_by(Recommendation.id)))
        if theme:
            key = load_taxonomy().lookup(theme)
            if key is None:
                raise NmrfError.said(N_("unknown theme %(theme)s"), theme=repr(theme))
            recs += [r for r in s.exec(select(Recommendation).where(Recommendation.state_id == state.id)
                                       .order_by(Recommendation.id)) if key in r.themes]
        if not recs:
            raise NmrfError.said(N_("no recommendation selected: give numbers, --cluster or --theme"))
        n = record_factors(session=s, recs={r.id: r for r in recs}.values(), values=values, note=note, now=now,
                           actor=c.settings.effective_actor)
    console.print(t().gettext("Recorded for %(num)s recommendation(s) (%(already)s already so).")
                  % {"num": n, "already": len(recs) - n})


@app.command("assign")
@friendly
def assign(
    ctx: typer.Context,
    cluster_id: int | None = typer.Option(None, "--cluster", help="The cluster."),
    rec_ref: str | None = typer.Option(None, "--rec", help="One recommendation (overrides its cluster's)."),
    theme: str | None = typer.Option(None, "--theme", help="Every cluster of this theme that has no lead yet."),
    lead: str | None = typer.Option(None, "--lead", help="Lead institution (key from the profile)."),
    support: list[str] = typer.Option(None, "--support", help="Supporting institution (repeatable)."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Name the lead and supporting institutions of a cluster, a recommendation, or a theme's clusters."""
    from nmrf.services.followup import assign as assign_, assign_theme
    from nmrf.services.recommendations import get_cluster, get_recommendation

    c = ctx_of(ctx)
    if sum(x is not None for x in (cluster_id, rec_ref, theme)) != 1:
        raise NmrfError.said(N_("give exactly one of --cluster, --rec, --theme"))
    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        actor = c.settings.effective_actor
        if theme:
            if not lead:
                raise NmrfError.said(N_("--theme needs --lead"))
            done, skipped = assign_theme(session=s, state=state, theme=theme, lead=lead, supporting=support or [],
                                         now=now, actor=actor)
            tr = t()
            said = tr.gettext("%(num)s cluster(s) assigned to %(lead)s.") % {"num": done, "lead": lead}
            if support:
                said = tr.gettext("%(num)s cluster(s) assigned to %(lead)s (supported by %(support)s).") % {
                    "num": done, "lead": lead, "support": ", ".join(support)}
            if skipped:
                said += " " + tr.gettext("%(num)s already had a lead and kept it.") % {"num": skipped}
            console.print(said, markup=False)
            return
        cl = get_cluster(session=s, state=state, ref=cluster_id) if cluster_id is not None else None
        rec = get_recommendation(session=s, state=state, ref=rec_ref) if rec_ref else None
        changes = assign_(session=s, state=state, lead=lead, supporting=support or [], now=now, actor=actor,
                          cluster=cl, rec=rec)
    if changes:  # the service's words for each change
        said = (t().gettext("cluster %(ref)s: %(changes)s.") if cluster_id is not None else
                t().gettext("recommendation %(ref)s: %(changes)s.")) % {
            "ref": cluster_id if cluster_id is not None else rec_ref, "changes": "; ".join(changes)}
    else:
        said = (t().gettext("cluster %(ref)s: nothing changed.") if cluster_id is not None else
                t().gettext("recommendation %(ref)s: nothing changed.")) % {
            "ref": cluster_id if cluster_id is not None else rec_ref}
    console.print(said, markup=False)


@action_app.command("add")
@friendly
def action_add(
    ctx: typer.Context,
    cluster_id: int = typer.Option(..., "--cluster", help="The cluster the action answers."),
    title: str = typer.Option(..., "--title", help="What will be done."),
    due: str = typer.Option(..., "--due", help="Due date, YYYY-MM-DD."),
    indicator: str = typer.Option("", "--indicator", help="How progress is measured."),
    kind: str = typer.Option(..., "--kind", help="Indicator kind: structural, process or outcome."),
    institution: str | None = typer.Option(None, "--institution", help="Who acts (default: the cluster's lead)."),
    rec_ref: str | None = typer.Option(None, "--rec", help="Only this recommendation of the cluster."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Plan an action: its deadline becomes a milestone (feeds, reminders, escalations)."""
    from nmrf.services.followup import add_action, owner_names
    from nmrf.services.recommendations import get_cluster, get_recommendation

    c = ctx_of(ctx)
    day = parse_date(due, what="--due")
    with state_work(ctx, state_code, as_of) as w:
        s, state, today, now = w.session, w.state, w.today, w.now
        cl = get_cluster(session=s, state=state, ref=cluster_id)
        rec = get_recommendation(session=s, state=state, ref=rec_ref) if rec_ref else None
        action, m = add_action(session=s, state=state, cluster=cl, title=title, due=day, indicator=indicator,
                               indicator_kind=kind, today=today, now=now, actor=c.settings.effective_actor,
                               institution=institution, rec=rec)
        owners = owner_names(session=s, state=state, action=action)
    tr = t()
    said = (tr.gettext("Action %(id)s planned: %(title)s (due %(day)s); milestone %(milestone)s of cycle #%(cycle)s, "
                       "owed by %(owners)s.") if owners else
            tr.gettext("Action %(id)s planned: %(title)s (due %(day)s); milestone %(milestone)s of cycle #%(cycle)s, "
                       "owed by nobody (no focal point there!)."))
    console.print(said % {"id": action.id, "title": title, "day": tr.format_date(day), "milestone": m.key,
                          "cycle": action.cycle_id, "owners": tr.format_list(list(owners))}, markup=False)


@action_app.command("update")
@friendly
def action_update(
    ctx: typer.Context,
    action_id: int = typer.Argument(..., help="The action."),
    status: str | None = typer.Option(None, "--status", help="planned, in_progress, done or cancelled."),
    due: str | None = typer.Option(None, "--due", help="A new due date (moves its milestone)."),
    note: str = typer.Option("", "--note", help="What happened."),
    by: str | None = typer.Option(None, "--by", help="Who reports it (person key)."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """Record a status update on an action (who and when are kept)."""
    from nmrf.services.followup import get_action, update_action

    c = ctx_of(ctx)
    day = parse_date(due, what="--due") if due else None
    with state_work(ctx, state_code, as_of) as w:
        s, state, now = w.session, w.state, w.now
        action = get_action(session=s, state=state, ref=action_id)
        upd = update_action(session=s, state=state, action=action, now=now, actor=c.settings.effective_actor,
                            status=status, due=day, note=note, by=by)
    tr = t()
    status_word = tr.gettext(ACTION_STATUS_WORDS.get(upd.status, upd.status))
    said = (tr.gettext("Action %(id)s: %(status)s, due %(day)s (recorded by %(actor)s, %(at)s UTC).") if day else
            tr.gettext("Action %(id)s: %(status)s (recorded by %(actor)s, %(at)s UTC)."))
    console.print(said % {"id": action_id, "status": status_word, "day": tr.format_date(day) if day else "",
                          "actor": upd.actor, "at": f"{upd.at:%Y-%m-%d %H:%M}"}, markup=False)


@app.command("actions")
@friendly
def actions(ctx: typer.Context, cluster_id: int | None = typer.Option(None, "--cluster"),
            state_code: str | None = STATE_OPTION, as_of: str | None = as_of_option()) -> None:
    """The follow-up plan: every action, its institution, due date, indicator and status."""
    from sqlmodel import select

    from nmrf.models import Institution
    from nmrf.services.followup import actions_of
    from nmrf.services.recommendations import get_cluster

    with state_work(ctx, state_code, as_of, readonly=True) as w:
        s, state, today = w.session, w.state, w.today
        cl = get_cluster(session=s, state=state, ref=cluster_id) if cluster_id is not None else None
        rows = actions_of(session=s, state=state, cluster=cl)
        names = {i.id: i.key for i in s.exec(select(Institution).where(Institution.state_id == state.id))}
        s.expunge_all()  # what was read stays usable after the read-only rollback
    from nmrf.services.recommendation_rows import INDICATOR_KINDS

    tr = t()
    table = Table(title=escape(tr.gettext("Follow-up plan of %(state)s as of %(day)s") % {"state": state.name,
                                                                                          "day": today}))
    for col in ("#", tr.pgettext("actions", "cluster"), tr.pgettext("actions", "action"),
                tr.pgettext("actions", "institution"), tr.pgettext("actions", "due"),
                tr.pgettext("actions", "indicator"), tr.pgettext("actions", "status")):
        table.add_column(escape(col), overflow="fold")
    for a in rows:
        late = a.status in ("planned", "in_progress") and a.due_date < today
        status = tr.gettext(ACTION_STATUS_WORDS.get(a.status, a.status))
        kind = tr.gettext(INDICATOR_KINDS[a.indicator_kind]) if a.indicator_kind in INDICATOR_KINDS \
            else a.indicator_kind
        # The titles and indicators are text a person typed: escaped, never markup.
        table.add_row(str(a.id), str(a.cluster_id), escape(a.title), names.get(a.institution_id, "?"),
                      a.due_date.isoformat(), escape(f"{kind}: {a.indicator}"),
                      "[red]" + escape(tr.gettext("%(status)s (late)") % {"status": status}) + "[/red]" if late
                      else escape(status))
    console.print(table)


@app.command("publish")
@friendly
def publish(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="The public file: .csv, .json or .md."),
    force: bool = force_option(),
    lang: str | None = typer.Option(None, "--lang", help="The language of the view (ar, zh, en, fr, ru, es, pt; "
                                    "default: the State's)."),
    state_code: str | None = STATE_OPTION,
    as_of: str | None = as_of_option(),
) -> None:
    """The public view: recommendations with their status and actions, nothing confidential."""
    from nmrf.services.publication import public_view, write_public_view

    if out.suffix.lower() not in (".csv", ".json", ".md"):
        raise NmrfError.said(N_("--out %(file)s: write a .csv, .json or .md file"), file=str(out))
    output_file(out, force=force)
    with state_work(ctx, state_code, as_of, readonly=True) as w:
        s, state, today = w.session, w.state, w.today
        if lang is not None:
            from nmrf.domain.i18n import LanguageError, resolve_language

            try:
                lang = resolve_language(lang, fallback=state.language).catalog
            except LanguageError as exc:
                raise NmrfError.said(N_("--lang: %(problem)s"), problem=exc.args[0]) from None
        view = public_view(session=s, state=state, today=today, lang=lang)
        s.expunge_all()  # what was read stays usable after the read-only rollback
    write_public_view(view, out)
    console.print(t().gettext("Public view written to %(file)s: %(num)s recommendation(s); %(left_out)s confidential "
                              "one(s) left out (individual communications always).") % {
        "file": out, "num": len(view.rows), "left_out": view.left_out}, markup=False)
