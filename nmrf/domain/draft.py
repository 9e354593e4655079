"""A draft report as data, in the structure OHCHR's reporting guidelines give, and its word count.

Two structures:

- a UPR national report (HRC decision 17/119, general guidelines for the second
  and later cycles): I. methodology and consultation; II. developments since
  the previous review; III. implementation of the recommendations of the
  previous review, by theme; IV. achievements, best practices, challenges and
  constraints; V. key national priorities, initiatives and commitments;
- a treaty-body periodic report (the harmonized guidelines, HRI/GEN/2/Rev.6,
  and the treaty-specific guidelines): I. introduction and methodology;
  II. the implementation of the convention article by article, each previous
  concluding observation answered under its article.

Body paragraphs are numbered (consecutively, through the whole report, as UN
documents are); headings are not. Recommendations are cited by document symbol
and paragraph. What is missing is an editorial note marked [MISSING]: not
numbered, not counted. The word count is that of the text that would be
submitted (headings and numbered paragraphs); the editorial notes and the annex
listing the recommendations' full texts are not counted (annexes are not counted
for the UPR national report either).

Pure: rendering to Markdown is here; DOCX rendering is in nmrf.documents.draft_docx.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
REPORT_LANGUAGES = ("en", "es", "fr")
MISSING = "[MISSING]"


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


# The words of the report itself, in the report's language (the languages the State's reports are written in
# that nmrf knows; a report in another UN language gets English headings to translate).
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "upr.methodology": "Methodology and consultation process",
        "upr.developments": "Developments since the previous review",
        "upr.implementation": "Implementation of the recommendations of the previous review",
        "upr.achievements": "Achievements, best practices, challenges and constraints",
        "upr.commitments": "Key national priorities, initiatives and commitments",
        "tb.introduction": "Introduction and methodology",
        "tb.articles": "Implementation of the Convention, article by article",
        "tb.article": "Article {article}",
        "tb.general": "General measures and concluding observations not linked to an article",
        "cite.recommendations": "Recommendations {refs}.",
        "cite.observation": "Concluding observation {refs}.",
        "para": "para.",
        "session": "UPR Working Group, session {session}",
        "prepared": "This report was prepared by {secretariat}, the national mechanism for implementation, "
                    "reporting and follow-up, from the inputs of {n} institution(s): {names}.",
        "asked": "Inputs were requested from {n} institution(s); {answered} answered.",
        "consulted": "The draft was submitted to consultation on {date}.",
        "nhri": "The national human rights institution commented on the draft on {date}.",
        "done": "{institution}: {title}, completed on {date}.",
        "planned": "{institution} commits to: {title}, by {date}.",
        "summary": "Of the {n} recommendations reported on, the institutions report {implemented} implemented, "
                   "{partial} partially implemented, {progress} in progress and {not_started} not started.",
        "source": "Source: {institution}, input of {date}.",
        "m.methodology": "describe the consultation with civil society and the national human rights institution "
                         "(dates, participants, how their views were taken into account).",
        "m.developments": "no completed follow-up action is recorded: describe the normative and institutional "
                          "developments since the previous review.",
        "m.commitments": "no planned follow-up action is recorded: state the national priorities and commitments.",
        "m.achievements": "the secretariat's assessment of achievements, best practices, challenges and "
                          "constraints.",
        "m.symbol": "document symbol and paragraph of {refs}: the source does not give them.",
        "m.answer": "recommendation {ref}: no answer from {institution} ({role}){due}{late}{asked}",
        "m.unassigned": "recommendation {ref}: no institution assigned (`nmrf recommendations assign`)",
        "m.due": ", input due {date}", "m.late": " (LATE)", "m.not_asked": " (not asked for input in this cycle)",
        "role.lead": "lead", "role.supporting": "supporting",
        "word_count": "Word count", "missing_inputs": "Missing inputs", "annex": "Annex: the recommendations "
        "(not counted)", "limit": "{words} of {limit} words ({pct}%)", "over": "OVER THE LIMIT",
        "no_limit": "{words} words (no word limit set)", "n_recs": "{n} recommendation(s)",
        "subtitle": "Draft compiled by nmrf on {today} from the inputs received. {n} {mechanism} "
                    "recommendation(s).",
        "title.upr": "National report submitted in accordance with Human Rights Council resolutions 5/1 and 16/21: "
                     "{state}",
        "title.tb": "{mechanism}: periodic report of {state}",
        "impl.implemented": "implemented", "impl.partially_implemented": "partially implemented",
        "impl.in_progress": "in progress", "impl.not_started": "not started", "impl.not_applicable": "not applicable",
    },
    "es": {
        "upr.methodology": "Metodología y proceso de consulta",
        "upr.developments": "Novedades desde el examen anterior",
        "upr.implementation": "Aplicación de las recomendaciones del examen anterior",
        "upr.achievements": "Logros, mejores prácticas, retos y limitaciones",
        "upr.commitments": "Prioridades, iniciativas y compromisos nacionales clave",
        "tb.introduction": "Introducción y metodología",
        "tb.articles": "Aplicación de la Convención, artículo por artículo",
        "tb.article": "Artículo {article}",
        "tb.general": "Medidas generales y observaciones finales no vinculadas a un artículo",
        "cite.recommendations": "Recomendaciones {refs}.",
        "cite.observation": "Observación final {refs}.",
        "para": "párr.",
        "session": "Grupo de Trabajo del EPU, período de sesiones {session}",
        "prepared": "El presente informe fue elaborado por {secretariat}, mecanismo nacional de aplicación, "
                    "presentación de informes y seguimiento, a partir de las contribuciones de {n} "
                    "institución(es): {names}.",
        "asked": "Se solicitaron contribuciones a {n} institución(es); respondieron {answered}.",
        "consulted": "El proyecto se sometió a consulta el {date}.",
        "nhri": "La institución nacional de derechos humanos formuló observaciones sobre el proyecto el {date}.",
        "done": "{institution}: {title}, concluido el {date}.",
        "planned": "{institution} se compromete a: {title}, a más tardar el {date}.",
        "summary": "De las {n} recomendaciones sobre las que se informa, las instituciones indican {implemented} "
                   "aplicadas, {partial} parcialmente aplicadas, {progress} en curso y {not_started} sin iniciar.",
        "source": "Fuente: {institution}, contribución del {date}.",
        "m.methodology": "describir la consulta con la sociedad civil y la institución nacional de derechos "
                         "humanos (fechas, participantes, cómo se tuvieron en cuenta sus opiniones).",
        "m.developments": "no hay ninguna acción de seguimiento concluida: describir la evolución normativa e "
                          "institucional desde el examen anterior.",
        "m.commitments": "no hay ninguna acción de seguimiento prevista: indicar las prioridades y los "
                         "compromisos nacionales.",
        "m.achievements": "la evaluación de la secretaría sobre logros, mejores prácticas, retos y limitaciones.",
        "m.symbol": "signatura y párrafo de {refs}: la fuente no los indica.",
        "m.answer": "recomendación {ref}: sin respuesta de {institution} ({role}){due}{late}{asked}",
        "m.unassigned": "recomendación {ref}: ninguna institución asignada (`nmrf recommendations assign`)",
        "m.due": ", contribución debida el {date}", "m.late": " (ATRASADA)",
        "m.not_asked": " (no se le pidió contribución en este ciclo)",
        "role.lead": "responsable", "role.supporting": "de apoyo",
        "word_count": "Recuento de palabras", "missing_inputs": "Contribuciones pendientes",
        "annex": "Anexo: las recomendaciones (no se cuenta)", "limit": "{words} de {limit} palabras ({pct} %)",
        "over": "SUPERA EL LÍMITE", "no_limit": "{words} palabras (sin límite fijado)",
        "n_recs": "{n} recomendación(es)",
        "subtitle": "Proyecto compilado por nmrf el {today} a partir de las contribuciones recibidas. {n} "
                    "recomendación(es) ({mechanism}).",
        "title.upr": "Informe nacional presentado con arreglo a las resoluciones 5/1 y 16/21 del Consejo de "
                     "Derechos Humanos: {state}",
        "title.tb": "{mechanism}: informe periódico de {state}",
        "impl.implemented": "aplicada", "impl.partially_implemented": "parcialmente aplicada",
        "impl.in_progress": "en curso", "impl.not_started": "sin iniciar", "impl.not_applicable": "no aplicable",
    },
    "fr": {
        "upr.methodology": "Méthodologie et processus de consultation",
        "upr.developments": "Faits nouveaux depuis l'examen précédent",
        "upr.implementation": "Suite donnée aux recommandations de l'examen précédent",
        "upr.achievements": "Progrès, meilleures pratiques, difficultés et contraintes",
        "upr.commitments": "Priorités, initiatives et engagements nationaux",
        "tb.introduction": "Introduction et méthodologie",
        "tb.articles": "Application de la Convention, article par article",
        "tb.article": "Article {article}",
        "tb.general": "Mesures générales et observations finales non liées à un article",
        "cite.recommendations": "Recommandations {refs}.",
        "cite.observation": "Observation finale {refs}.",
        "para": "par.",
        "session": "Groupe de travail sur l'EPU, session {session}",
        "prepared": "Le présent rapport a été établi par {secretariat}, mécanisme national de mise en œuvre, "
                    "d'établissement des rapports et de suivi, à partir des contributions de {n} institution(s) : "
                    "{names}.",
        "asked": "Des contributions ont été demandées à {n} institution(s) ; {answered} ont répondu.",
        "consulted": "Le projet a été soumis à consultation le {date}.",
        "nhri": "L'institution nationale des droits de l'homme a fait part de ses observations sur le projet "
                "le {date}.",
        "done": "{institution} : {title}, achevé le {date}.",
        "planned": "{institution} s'engage à : {title}, d'ici au {date}.",
        "summary": "Sur les {n} recommandations traitées, les institutions en indiquent {implemented} mises en "
                   "œuvre, {partial} partiellement mises en œuvre, {progress} en cours et {not_started} non "
                   "entamées.",
        "source": "Source : {institution}, contribution du {date}.",
        "m.methodology": "décrire la consultation de la société civile et de l'institution nationale des droits "
                         "de l'homme (dates, participants, prise en compte de leurs vues).",
        "m.developments": "aucune action de suivi achevée n'est enregistrée : décrire l'évolution normative et "
                          "institutionnelle depuis l'examen précédent.",
        "m.commitments": "aucune action de suivi prévue n'est enregistrée : indiquer les priorités et "
                         "engagements nationaux.",
        "m.achievements": "l'évaluation du secrétariat : progrès, meilleures pratiques, difficultés et contraintes.",
        "m.symbol": "cote et paragraphe de {refs} : la source ne les donne pas.",
        "m.answer": "recommandation {ref} : pas de réponse de {institution} ({role}){due}{late}{asked}",
        "m.unassigned": "recommandation {ref} : aucune institution désignée (`nmrf recommendations assign`)",
        "m.due": ", contribution attendue le {date}", "m.late": " (EN RETARD)",
        "m.not_asked": " (pas sollicitée dans ce cycle)",
        "role.lead": "chef de file", "role.supporting": "en appui",
        "word_count": "Nombre de mots", "missing_inputs": "Contributions manquantes",
        "annex": "Annexe : les recommandations (non comptée)", "limit": "{words} sur {limit} mots ({pct} %)",
        "over": "LIMITE DÉPASSÉE", "no_limit": "{words} mots (pas de limite fixée)",
        "n_recs": "{n} recommandation(s)",
        "subtitle": "Projet compilé par nmrf le {today} à partir des contributions reçues. {n} recommandation(s) "
                    "({mechanism}).",
        "title.upr": "Rapport national présenté conformément aux résolutions 5/1 et 16/21 du Conseil des droits "
                     "de l'homme : {state}",
        "title.tb": "{mechanism} : rapport périodique de {state}",
        "impl.implemented": "mise en œuvre", "impl.partially_implemented": "partiellement mise en œuvre",
        "impl.in_progress": "en cours", "impl.not_started": "non entamée", "impl.not_applicable": "sans objet",
    },
}


def texts(language: str) -> dict[str, str]:
    """The report's words in its language (English for a language nmrf does not have)."""
    return TEXTS.get(language, TEXTS["en"])


def roman(n: int) -> str:
    out = ""
    for value, sym in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + sym, n - value
    return out


@dataclass(frozen=True)
class Answer:
    institution: str
    implementation: str
    text: str
    data: str = ""
    received: str = ""  # the date the input arrived


@dataclass(frozen=True)
class Paragraph:
    """A numbered paragraph of the report; `source` says whose input it is (kept in the text)."""
    text: str
    source: str = ""

    @property
    def full(self) -> str:
        return f"{self.text} ({self.source})" if self.source else self.text


@dataclass(frozen=True)
class Block:
    """What the report says on one cluster, one concluding observation or one subject."""

    title: str  # "" for none
    paragraphs: tuple[Paragraph, ...]
    missing: tuple[str, ...] = ()  # editorial notes: not numbered, not counted


@dataclass(frozen=True)
class Section:
    title: str  # with its numbering: "I. Methodology ..." or "A. Women's rights"
    blocks: tuple[Block, ...]
    level: int = 1  # 1 chapter, 2 sub-heading


@dataclass(frozen=True)
class AnnexRow:
    ref: str
    source: str
    text: str


@dataclass
class Draft:
    title: str
    subtitle: str
    word_limit: int | None
    language: str = "en"
    report_type: str = "upr"  # upr | treaty_body
    sections: list[Section] = field(default_factory=list)
    annex: list[AnnexRow] = field(default_factory=list)
    missing_from: dict[str, int] = field(default_factory=dict)  # institution -> recommendations unanswered

    @property
    def t(self) -> dict[str, str]:
        return texts(self.language)

    def numbered(self) -> list[tuple[int, Paragraph]]:
        """Every numbered paragraph with its number, in order."""
        out, n = [], 0
        for s in self.sections:
            for b in s.blocks:
                for p in b.paragraphs:
                    n += 1
                    out.append((n, p))
        return out

    def body_text(self) -> str:
        """The text the word count counts: the title, headings and numbered paragraphs."""
        parts = [self.title]
        for s in self.sections:
            parts.append(s.title)
            for b in s.blocks:
                if b.title:
                    parts.append(b.title)
                parts += [p.full for p in b.paragraphs]
        return "\n".join(parts)

    @property
    def words(self) -> int:
        return count_words(self.body_text())

    def limit_text(self) -> str:
        t = self.t
        if not self.word_limit:
            return t["no_limit"].format(words=f"{self.words:,}")
        pct = round(100 * self.words / self.word_limit)
        over = f" {t['over']}" if self.words > self.word_limit else ""
        return t["limit"].format(words=f"{self.words:,}", limit=f"{self.word_limit:,}", pct=pct) + over

    def missing_text(self) -> str:
        t = self.t
        return "; ".join(f"{k} ({t['n_recs'].format(n=v)})" for k, v in self.missing_from.items())


def to_markdown(d: Draft) -> str:
    t = d.t
    out = [f"# {d.title}", "", f"_{d.subtitle}_", "", f"**{t['word_count']}:** {d.limit_text()}", ""]
    if d.missing_from:
        out += [f"**{t['missing_inputs']}:** {d.missing_text()}", ""]
    n = 0
    for s in d.sections:
        out += [f"{'#' * (s.level + 1)} {s.title}", ""]
        for b in s.blocks:
            if b.title:
                out += [f"{'#' * (s.level + 2)} {b.title}", ""]
            for p in b.paragraphs:
                n += 1
                out += [f"{n}. {p.full}", ""]
            for m in b.missing:
                out += [f"> **{MISSING}** {m}", ""]
    if d.annex:
        out += [f"## {t['annex']}", ""]
        for a in d.annex:
            out += [f"- **{a.ref}** ({a.source}): {a.text}"]
        out.append("")
    return "\n".join(out)
