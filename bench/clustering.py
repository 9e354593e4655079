"""Clustering quality: precision and recall of "same cluster" on labelled pairs, before and after issue 15.

The pairs (bench/data/cluster-pairs.csv) are recommendations to Chile from the
data shipped with nmrf: UPR Info's file (English), the UHRI sample (English)
and the French and Spanish concluding observations of
nmrf/data/uhri/uhri-chile-fr-es.csv; each labelled "same action" or not by hand
(bench/data/cluster-groups.yaml says how). All 167 recommendations to Chile are
clustered together, as `nmrf recommendations cluster` does, and each pair is
checked: in one cluster or not.

    .venv/bin/python bench/clustering.py                # the figures
    .venv/bin/python bench/clustering.py --write-pairs  # rebuild the pairs file from the groups
"""

from __future__ import annotations

import argparse
import csv
import itertools
import sys
import time
from pathlib import Path

import yaml

from nmrf.domain.anchors import language_of
from nmrf.domain.similarity import Item, cluster_items, profiles, vectorise
from nmrf.domain.recommendation_files import SourceRecommendation, parse
from nmrf.domain.taxonomy import load_taxonomy
from nmrf.domain.reference import DATA_DIR, UPR_INFO_CSV

HERE = Path(__file__).resolve().parent / "data"
GROUPS = HERE / "cluster-groups.yaml"
PAIRS = HERE / "cluster-pairs.csv"
FILES = {
    "upr-info": (UPR_INFO_CSV, "upr-info"),
    "uhri-chile": (DATA_DIR / "uhri" / "uhri-chile-sample.csv", "uhri"),
    "fr-es": (DATA_DIR / "uhri" / "uhri-chile-fr-es.csv", "uhri"),
}
POSITIVE_CAP = 10  # pairs per group, cross-language first
NEGATIVE_CAP = 5  # pairs per confusable pair of groups


def chile() -> dict[str, SourceRecommendation]:
    """ref -> recommendation, every recommendation to Chile in the three files."""
    taxonomy = load_taxonomy()
    out: dict[str, SourceRecommendation] = {}
    for name, (path, fmt) in FILES.items():
        parsed = parse(path.read_bytes(), fmt=fmt, file=path.name, taxonomy=taxonomy)
        assert not parsed.problems, parsed.problems
        for r in parsed.rows:
            if r.state_code == "CL":
                out[f"{name}:{r.line}"] = r
    return out


def items_of(recs: dict[str, SourceRecommendation]) -> tuple[list[Item], dict[str, int]]:
    items, ids = [], {}
    for n, (ref, r) in enumerate(recs.items(), start=1):
        items.append(Item(id=n, uid=r.uid, text=r.text, themes=r.themes, mechanism=r.mechanism,
                          sdgs=tuple(sorted({*r.sdgs, *r.inferred_sdgs}))))
        ids[ref] = n
    return items, ids


def write_pairs(recs: dict[str, SourceRecommendation]) -> int:
    spec = yaml.safe_load(GROUPS.read_text(encoding="utf-8"))
    groups: dict[str, list[str]] = spec["groups"]
    lang = {ref: language_of(r.text) for ref, r in recs.items()}
    for refs in groups.values():
        missing = [ref for ref in refs if ref not in recs]
        assert not missing, f"not a recommendation to Chile: {missing}"

    def ordered(pairs):  # cross-language pairs first, then in file order
        return sorted(pairs, key=lambda p: (lang[p[0]] == lang[p[1]], p))

    rows = []
    for name, refs in groups.items():
        for a, b in ordered(itertools.combinations(refs, 2))[:POSITIVE_CAP]:
            rows.append((a, b, 1, name, name))
    for ga, gb in spec["confusable"]:
        for a, b in ordered(itertools.product(groups[ga], groups[gb]))[:NEGATIVE_CAP]:
            rows.append((a, b, 0, ga, gb))
    with PAIRS.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["a", "b", "same", "group_a", "group_b", "language_a", "language_b", "text_a", "text_b"])
        for a, b, same, ga, gb in rows:
            w.writerow([a, b, same, ga, gb, lang[a], lang[b], " ".join(recs[a].text.split()),
                        " ".join(recs[b].text.split())])
    return len(rows)


def evaluate(clusters: list[list[int]], ids: dict[str, int], pairs: list[dict[str, str]],
             only_cross: bool = False) -> tuple[float, float, int, int]:
    of = {i: n for n, members in enumerate(clusters) for i in members}
    tp = fp = fn = pos = 0
    for p in pairs:
        if only_cross and p["language_a"] == p["language_b"]:
            continue
        together = of[ids[p["a"]]] == of[ids[p["b"]]]
        same = p["same"] == "1"
        pos += same
        tp += together and same
        fp += together and not same
        fn += (not together) and same
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, pos, tp + fp


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write-pairs", action="store_true")
    args = ap.parse_args()
    recs = chile()
    if args.write_pairs:
        print(f"{write_pairs(recs)} pairs written to {PAIRS}")
        return 0
    pairs = list(csv.DictReader(PAIRS.open(encoding="utf-8")))
    n_pos = sum(p["same"] == "1" for p in pairs)
    n_cross = sum(p["language_a"] != p["language_b"] for p in pairs)
    langs = sorted({p["language_a"] for p in pairs} | {p["language_b"] for p in pairs})
    items, ids = items_of(recs)
    vectors = vectorise(items)
    print(f"{len(items)} recommendations to Chile; {len(pairs)} labelled pairs ({n_pos} same action, "
          f"{len(pairs) - n_pos} not; {n_cross} across languages; languages {', '.join(langs)})")
    print(f"{'method':<34}{'clusters':>9}{'single':>8}{'precision':>11}{'recall':>8}{'F1':>6}"
          f"{'cross-lang recall':>19}{'time':>9}")
    for name, use in (("before: words alone (0.25)", False), ("after: words + language-free signals", True)):
        t0 = time.perf_counter()
        profs = profiles(items) if use else None
        clusters = cluster_items(items, use_signals=use, vectors=vectors, profs=profs)
        dt = time.perf_counter() - t0
        p, r, _, _ = evaluate(clusters, ids, pairs)
        _, rc, _, _ = evaluate(clusters, ids, pairs, only_cross=True)
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        single = sum(len(c) == 1 for c in clusters)
        print(f"{name:<34}{len(clusters):>9}{single:>8}{p:>11.2f}{r:>8.2f}{f1:>6.2f}{rc:>19.2f}{dt:>8.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
