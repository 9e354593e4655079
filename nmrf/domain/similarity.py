"""Which recommendations say the same thing, across languages and mechanisms: a transparent method.

Two kinds of evidence, both shown by `why`:

- the words, within one language: each recommendation becomes a TF-IDF vector
  of its words (and pairs of adjacent words), after dropping the words every
  recommendation uses ("take", "measures", "ensure", "continue") and folding
  plurals; the cosine of two texts in the same language is their text similarity;
- the signals that do not depend on language (nmrf.domain.anchors): the
  instruments, national laws, treaty articles, actions and affected groups both
  name, each with its weight, plus the themes and SDGs both carry (these two
  count only beside a named signal: alone they say "same area", not "same action").

Two recommendations are *linked* when their text similarity reaches THRESHOLD
(same language) or their shared signals weigh SIGNAL_THRESHOLD or more, and they
share a theme of the shared taxonomy (or one of them has none). A cluster is a
group in which every two members are linked (complete linkage), so "why are
these two together?" always has a direct answer.

Clusters already recorded are kept as they are: a new recommendation may join
one (if it is linked to every member) and two recorded clusters never merge, so
the follow-up plan of a cluster is never pulled from under it.

Pure: no database, no model download; the same input gives the same clusters.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from nmrf.domain.anchors import Anchor, language_of, plain, signals
from nmrf.domain.taxonomy import Taxonomy, words

THRESHOLD = 0.25
SIGNAL_THRESHOLD = 1.0
THEME_WEIGHT, THEME_CAP = 0.2, 0.4  # per shared theme, at most
SDG_WEIGHT, SDG_CAP = 0.1, 0.2  # per shared SDG, at most

# English function words, and the verbs and nouns of every recommendation,
# which say nothing about what it is about.
STOPWORDS = frozenset("""
a about above after again against all also an and any are as at be because been before being between both
but by can could did do does doing during each either etc few for from further had has have having here how
i if in into is it its itself may more most must no nor not of off on once only or other our out over own
same shall should so some such than that the their theirs them then there these they this those through
to too under until up upon very was were what when where which while who whom why will with within without
would yet its it's including include includes particular particularly especially inter alia
state states state's party parties government country country's national authorities
take taking taken continue continued continuing ensure ensuring ensured consider considering adopt adopting
adopted implement implementing implementation implemented strengthen strengthening strengthened further
efforts effort measure measures necessary appropriate effective effectively step steps promote promoting
protect protection guarantee guarantees guaranteeing make making made increase increasing improve improving
improved enhance enhancing establish establishing established all-round full fully relevant recommendation
recommendations recommends recommended committee encourage encourages urges urged calls request requests
requested view order regard regards respect well need needed needs line accordance conformity pursue
pursuing undertake undertaking provide providing provided give giving address addressing field area areas
work towards toward ways way means new existing current adequate adequately sufficient necessary possible
""".split()) | frozenset("""
le la les des du de et en au aux pour que qui une un dans sur par leur leurs est ses son sa ces cette ce
afin ainsi tous toutes tout toute avec sans entre plus notamment compris veiller adopter prendre mesures
garantir renforcer etat partie comite recommande engage invite
el los las del al con sus su se es lo como para por una uno unos unas entre sin sobre mas incluidos
incluidas incluso particular adoptar medidas garantizar asegurar velar fortalecer estado comite recomienda
insta alienta
""".split())


def stem(word: str) -> str:
    """Fold plurals, nothing more: the terms shown in explanations stay readable."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("sses"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "'s")):
        return word[:-1]
    if word.endswith("'s"):
        return word[:-2]
    return word


def terms(text: str) -> list[str]:
    """Content words (stemmed) and the pairs of adjacent content words."""
    toks = [stem(w.strip("'-")) for w in words(text)]
    content = [t for t in toks if len(t) > 2 and t not in STOPWORDS and not t.isdigit()]
    pairs = [f"{a} {b}" for a, b in zip(content, content[1:], strict=False)]
    return content + pairs


@dataclass(frozen=True)
class Item:
    id: int
    uid: str
    text: str
    themes: tuple[str, ...]
    mechanism: str
    cluster: int | None = None  # the recorded cluster, if any
    sdgs: tuple[int, ...] = ()  # the source's and the inferred


@dataclass(frozen=True)
class Link:
    a: int
    b: int
    score: float  # text similarity (0 across languages)
    shared_terms: tuple[tuple[str, float], ...]  # term, its contribution to the score
    shared_themes: tuple[str, ...]
    linked: bool
    why_not: str = ""
    signal_score: float = 0.0
    shared_signals: tuple[tuple[Anchor, float], ...] = ()  # signal, its contribution
    shared_sdgs: tuple[int, ...] = ()
    languages: tuple[str, str] = ("en", "en")

    @property
    def same_language(self) -> bool:
        return self.languages[0] == self.languages[1]


@dataclass(frozen=True)
class Profile:
    """What clustering knows of one item beyond its words."""
    language: str
    signals: dict[str, Anchor]


def profile(text: str) -> Profile:
    low = plain(text)
    return Profile(language_of(text, plain_text=low), signals(text, plain_text=low))


def profiles(items: Sequence[Item]) -> dict[int, Profile]:
    return {it.id: profile(it.text) for it in items}


def signal_score(a: Item, b: Item, pa: Profile, pb: Profile
                 ) -> tuple[float, tuple[tuple[Anchor, float], ...], tuple[int, ...]]:
    """The weight of what two items both name; themes and SDGs count only beside a named signal."""
    shared = sorted((pa.signals[k] for k in pa.signals.keys() & pb.signals.keys()),
                    key=lambda s: (-s.weight, s.key))
    if not shared:
        return 0.0, (), ()
    parts = [(s, s.weight) for s in shared]
    themes = [t for t in a.themes if t in b.themes]
    sdgs = tuple(sorted(set(a.sdgs) & set(b.sdgs)))
    score = sum(w for _, w in parts) + min(THEME_CAP, THEME_WEIGHT * len(themes)) + min(SDG_CAP, SDG_WEIGHT * len(sdgs))
    return round(score, 4), tuple(parts), sdgs


Vector = dict[str, float]


def vectorise(items: Sequence[Item]) -> dict[int, Vector]:
    """Unit-length TF-IDF vectors (sublinear tf, smoothed idf over these items)."""
    bags = {it.id: Counter(terms(it.text)) for it in items}
    df: Counter[str] = Counter()
    for bag in bags.values():
        df.update(bag.keys())
    n = len(items)
    out: dict[int, Vector] = {}
    for i, bag in bags.items():
        vec = {t: (1 + math.log(c)) * (math.log((1 + n) / (1 + df[t])) + 1) for t, c in bag.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        out[i] = {t: v / norm for t, v in vec.items()}
    return out


def _themes_ok(a: Item, b: Item) -> bool:
    return not a.themes or not b.themes or bool(set(a.themes) & set(b.themes))


def explain(a: Item, b: Item, vectors: Mapping[int, Vector], *, threshold: float = THRESHOLD,
            top: int = 8, profs: Mapping[int, Profile] | None = None) -> Link:
    pa, pb = (profs or profiles([a, b]))[a.id], (profs or profiles([a, b]))[b.id]
    same_language = pa.language == pb.language
    va, vb = vectors[a.id], vectors[b.id]
    shared = sorted(((t, va[t] * vb[t]) for t in va.keys() & vb.keys()), key=lambda x: (-x[1], x[0])) \
        if same_language else []
    score = sum(c for _, c in shared)
    themes = tuple(t for t in a.themes if t in b.themes)
    sig, parts, sdgs = signal_score(a, b, pa, pb)
    # Words alone can match across subjects ("ensure", "law"): a text link needs a theme in common.
    # Named signals say what is asked, so they need none (the themes they share add weight).
    by_text = score >= threshold and _themes_ok(a, b)
    linked = by_text or sig >= SIGNAL_THRESHOLD
    why_not = ""
    if not linked:
        text = (f"written in different languages ({pa.language}, {pb.language}): no text similarity"
                if not same_language else f"text similarity {score:.2f} is below {threshold:.2f}"
                if score < threshold else f"text similarity {score:.2f} but no theme in common")
        why_not = f"{text}, and the shared signals weigh {sig:.2f}, below {SIGNAL_THRESHOLD:.2f}"
    return Link(a.id, b.id, round(score, 4), tuple((t, round(c, 4)) for t, c in shared[:top]), themes, linked,
                why_not, signal_score=sig, shared_signals=parts, shared_sdgs=sdgs,
                languages=(pa.language, pb.language))


def linked_pairs(items: Sequence[Item], vectors: Mapping[int, Vector], threshold: float = THRESHOLD,
                 profs: Mapping[int, Profile] | None = None, *, use_signals: bool = True
                 ) -> dict[tuple[int, int], float]:
    """Every linked pair (a < b) with its strength, found through the terms or signals they share."""
    by_id = {it.id: it for it in items}
    if use_signals and profs is None:
        profs = profiles(items)
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for it in items:
        lang = profs[it.id].language if (use_signals and profs) else ""
        for t, w in vectors[it.id].items():
            postings[f"{lang}\x1f{t}"].append((it.id, w))  # words compare within one language only
    dots: dict[tuple[int, int], float] = defaultdict(float)
    for plist in postings.values():
        if len(plist) < 2:
            continue
        for x in range(len(plist)):
            ia, wa = plist[x]
            for y in range(x + 1, len(plist)):
                ib, wb = plist[y]
                key = (ia, ib) if ia < ib else (ib, ia)
                dots[key] += wa * wb
    out = {k: s for k, s in dots.items() if s >= threshold - 1e-12 and _themes_ok(by_id[k[0]], by_id[k[1]])}
    if not use_signals or profs is None:
        return out
    # Signals: only pairs that share a named (non-group) signal can reach the threshold.
    sig_postings: dict[str, list[int]] = defaultdict(list)
    for it in items:
        for key, anchor in profs[it.id].signals.items():
            if anchor.kind != "group":
                sig_postings[key].append(it.id)
    candidates: set[tuple[int, int]] = set()
    for ids in sig_postings.values():
        for x in range(len(ids)):
            for y in range(x + 1, len(ids)):
                a, b = ids[x], ids[y]
                candidates.add((a, b) if a < b else (b, a))
    for a, b in candidates:
        ia, ib = by_id[a], by_id[b]
        sig, _, _ = signal_score(ia, ib, profs[a], profs[b])
        if sig >= SIGNAL_THRESHOLD:
            out[(a, b)] = max(out.get((a, b), 0.0), dots.get((a, b), 0.0)) + sig / SIGNAL_THRESHOLD * THRESHOLD
    return out


def cluster_items(items: Sequence[Item], *, threshold: float = THRESHOLD, use_signals: bool = True,
                  vectors: Mapping[int, Vector] | None = None, profs: Mapping[int, Profile] | None = None
                  ) -> list[list[int]]:
    """Groups of item ids (complete linkage); recorded clusters kept, new items joined or grouped.

    use_signals=False is the method before issue 15 (words alone, every language mixed), kept for the
    benchmark's comparison."""
    vectors = vectors or vectorise(items)
    links = linked_pairs(items, vectors, threshold, profs, use_signals=use_signals)
    groups: dict[int, list[int]] = {}
    recorded: dict[int, int | None] = {}
    of: dict[int, int] = {}
    by_cluster: dict[int, int] = {}
    for it in sorted(items, key=lambda x: x.id):
        if it.cluster is not None and it.cluster in by_cluster:
            g = by_cluster[it.cluster]
            groups[g].append(it.id)
        else:
            g = it.id
            groups[g] = [it.id]
            recorded[g] = it.cluster
            if it.cluster is not None:
                by_cluster[it.cluster] = g
        of[it.id] = g

    def all_linked(ga: list[int], gb: list[int]) -> bool:
        return all(((a, b) if a < b else (b, a)) in links for a in ga for b in gb)

    for (a, b), _ in sorted(links.items(), key=lambda kv: (-kv[1], kv[0])):
        ga, gb = of[a], of[b]
        if ga == gb:
            continue
        if recorded.get(ga) is not None and recorded.get(gb) is not None:
            continue  # two recorded clusters never merge
        if not all_linked(groups[ga], groups[gb]):
            continue
        if recorded.get(gb) is not None:
            keep, drop = gb, ga
        elif recorded.get(ga) is not None:
            keep, drop = ga, gb
        else:
            keep, drop = min(ga, gb), max(ga, gb)
        groups[keep].extend(groups.pop(drop))
        for i in groups[keep]:
            of[i] = keep
        recorded.pop(drop, None)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])


def main_theme(members: Iterable[Item], taxonomy: Taxonomy) -> str:
    counts: Counter[str] = Counter(t for it in members for t in it.themes)
    if not counts:
        return "general"
    return min(counts, key=lambda t: (-counts[t], taxonomy.themes[t].order))


def label_phrase(members: Sequence[Item], profs: Mapping[int, Profile], vectors: Mapping[int, Vector],
                 language: str) -> str:
    """A short phrase in the reader's language: the named signal most members share, else the words of
    the members written in that language (else of all)."""
    counts: Counter[str] = Counter()
    anchors: dict[str, Anchor] = {}
    for it in members:
        for key, a in profs[it.id].signals.items():
            if a.kind != "group":
                counts[key] += 1
                anchors[key] = a
    if counts and (len(members) == 1 or counts.most_common(1)[0][1] > 1):
        best = max(counts, key=lambda k: (counts[k], anchors[k].weight, k))
        return anchors[best].label(language)
    own = [it for it in members if profs[it.id].language == language] or list(members)
    return ", ".join(label_terms(own, vectors))


def label_terms(members: Sequence[Item], vectors: Mapping[int, Vector], n: int = 3) -> list[str]:
    """The words that most characterise a cluster (single words, shared by most members first)."""
    weight: Counter[str] = Counter()
    present: Counter[str] = Counter()
    for it in members:
        for t, w in vectors[it.id].items():
            if " " in t:
                continue
            weight[t] += w
            present[t] += 1
    return [t for t, _ in sorted(weight.items(), key=lambda kv: (-present[kv[0]], -kv[1], kv[0]))[:n]]
