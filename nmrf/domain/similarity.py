"""Which recommendations say the same thing: a transparent lexical method.

Each recommendation becomes a TF-IDF vector of its words (and pairs of
adjacent words), after dropping the words every recommendation uses ("take",
"measures", "ensure", "continue") and folding plurals. Two recommendations are
*linked* when their cosine similarity reaches the threshold and they share a
theme of the shared taxonomy (or one of them has none). A cluster is a group in
which every two members are linked (complete linkage), so "why are these two
together?" always has a direct answer: the words they share, with their
weights, and the themes they share.

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

from nmrf.domain.taxonomy import Taxonomy, words

THRESHOLD = 0.25

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


@dataclass(frozen=True)
class Link:
    a: int
    b: int
    score: float
    shared_terms: tuple[tuple[str, float], ...]  # term, its contribution to the score
    shared_themes: tuple[str, ...]
    linked: bool
    why_not: str = ""


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
            top: int = 8) -> Link:
    va, vb = vectors[a.id], vectors[b.id]
    shared = sorted(((t, va[t] * vb[t]) for t in va.keys() & vb.keys()), key=lambda x: (-x[1], x[0]))
    score = sum(c for _, c in shared)
    themes = tuple(t for t in a.themes if t in b.themes)
    linked = score >= threshold and _themes_ok(a, b)
    why_not = ""
    if score < threshold:
        why_not = f"similarity {score:.2f} is below the threshold {threshold:.2f}"
    elif not _themes_ok(a, b):
        why_not = "no theme in common"
    return Link(a.id, b.id, round(score, 4), tuple((t, round(c, 4)) for t, c in shared[:top]), themes, linked,
                why_not)


def linked_pairs(items: Sequence[Item], vectors: Mapping[int, Vector], threshold: float = THRESHOLD
                 ) -> dict[tuple[int, int], float]:
    """Every linked pair (a < b) with its score, found through the terms they share."""
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for it in items:
        for t, w in vectors[it.id].items():
            postings[t].append((it.id, w))
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
    by_id = {it.id: it for it in items}
    return {k: s for k, s in dots.items() if s >= threshold - 1e-12 and _themes_ok(by_id[k[0]], by_id[k[1]])}


def cluster_items(items: Sequence[Item], *, threshold: float = THRESHOLD) -> list[list[int]]:
    """Groups of item ids (complete linkage); recorded clusters kept, new items joined or grouped."""
    vectors = vectorise(items)
    links = linked_pairs(items, vectors, threshold)
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
