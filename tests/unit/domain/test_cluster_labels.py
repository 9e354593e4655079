"""A cluster's stored label is shown in the reader's language where its words are ours (the theme, a signal's
name), and as written where they are the recommendations' own."""

from __future__ import annotations

import pytest

from nmrf.domain.anchors import ARTICLE_LABELS, LAW_LABELS, load_lexicon, signals
from nmrf.domain.cluster_labels import cluster_label, phrase_of, signal_named, stored_label
from nmrf.domain.i18n import SUPPORTED, translator
from nmrf.domain.taxonomy import load_taxonomy

IMPUNITY = load_taxonomy().themes["impunity"].name  # "Impunity", the taxonomy's English


def test_every_signal_is_named_in_the_seven_languages_and_no_two_signals_share_a_name_in_one():
    lexicon = load_lexicon()
    for anchor in lexicon.anchors.values():
        assert set(anchor.labels) == set(SUPPORTED), anchor.key
        assert all(text.strip() for text in anchor.labels.values()), anchor.key
    for lang in SUPPORTED:
        names = [a.labels[lang] for a in lexicon.anchors.values()]
        assert len(names) == len(set(names)), lang
    assert set(LAW_LABELS) == set(ARTICLE_LABELS) == set(SUPPORTED)


def test_a_label_is_stored_as_the_taxonomys_theme_then_the_phrase_and_read_back():
    label = stored_label(IMPUNITY, "la ley de amnistía")
    assert label == "Impunity: la ley de amnistía"
    assert phrase_of(label, IMPUNITY) == "la ley de amnistía"
    assert phrase_of("Torture: x", IMPUNITY) is None
    assert len(stored_label(IMPUNITY, "x" * 400)) == 300


@pytest.mark.parametrize("lang, expected", [
    ("en", "Impunity: the amnesty law"),
    ("fr", "Impunité : la loi d'amnistie"),
    ("es", "Impunidad: la ley de amnistía"),
])
def test_a_signal_stored_in_the_states_language_is_shown_in_the_readers(lang, expected):
    t = translator(lang)
    assert cluster_label(t, theme="impunity", label="Impunity: la ley de amnistía", written_in="es") == expected


def test_the_theme_and_the_signal_are_said_in_arabic_chinese_russian_and_portuguese_too():
    amnesty = load_lexicon().anchors["concept:amnesty"].labels
    for lang in ("ar", "zh", "ru", "pt"):
        t = translator(lang)
        said = cluster_label(t, theme="impunity", label="Impunity: la ley de amnistía", written_in="es")
        assert said == t.pgettext("cluster label", "%(theme)s: %(phrase)s") % {
            "theme": t.gettext(IMPUNITY), "phrase": amnesty[lang]}
        assert IMPUNITY not in said and "ley" not in said, said


def test_a_law_and_an_article_are_read_back_from_any_language_and_said_in_the_readers():
    law = next(a for a in signals("Repeal Law 18.314 on terrorism").values() if a.kind == "law")
    article = next(a for a in signals("Article 2 of the Convention against Torture").values() if a.kind == "article")
    for written in ("en", "fr", "es"):
        assert signal_named(law.labels[written], written) == law
        assert signal_named(article.labels[written], written) == article
    fr = translator("fr")
    assert cluster_label(fr, theme="impunity", label="Impunity: law No. 18.314", written_in="en") \
        == "Impunité : la loi n° 18.314"
    zh = cluster_label(translator("zh"), theme="impunity", label=f"Impunity: {article.labels['es']}", written_in="es")
    assert zh.endswith(article.labels["zh"]) and "artículo" not in zh


def test_the_members_own_words_and_labels_of_another_form_stay_as_written():
    fr = translator("fr")
    # Words taken from the recommendations' texts: the theme in French, the words as written.
    assert cluster_label(fr, theme="impunity", label="Impunity: truth, victims, reparation", written_in="en") \
        == "Impunité : truth, victims, reparation"
    # A label cut at its length, of another theme, or typed otherwise: shown as stored.
    for label in ("Impunity", "Something else: the amnesty law", "Impunity: "):
        assert cluster_label(fr, theme="impunity", label=label) == label
    assert cluster_label(fr, theme="no-such-theme", label="Impunity: the amnesty law") == "Impunity: the amnesty law"


def test_markup_in_a_label_is_kept_as_text_for_the_table_to_escape():
    fr = translator("fr")
    said = cluster_label(fr, theme="impunity", label="Impunity: [bold]red[/bold]")
    assert said == "Impunité : [bold]red[/bold]"
