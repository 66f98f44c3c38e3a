"""French preprocessing: folding, elisions, stop words, stemming, odd inputs."""

import pytest

from nlp.text import FrenchAnalyzer, FrenchVectorizer, display_forms, fold, normalize_key, surface_tokens


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("École", "ecole"),
        ("L’ÉTÉ", "l'ete"),
        ("cœur ŒUVRE", "coeur oeuvre"),
        ("ﬁnancement", "financement"),
        ("", ""),
    ],
)
def test_fold_removes_case_accents_and_ligatures(text, expected):
    assert fold(text) == expected


def test_normalize_key_ignores_punctuation_bullets_emojis_and_caps():
    assert normalize_key("• Santé,\n• ÉDUCATION !! 😀") == normalize_key("santé education")
    assert normalize_key("👍🎉") == ""


def test_elisions_are_split_and_clitics_dropped():
    assert surface_tokens("l'école d’été qu'on jusqu'ici") == ["école", "été", "on", "ici"]


def test_stop_words_are_removed_and_words_stemmed():
    features = FrenchAnalyzer()("Les impôts et l'impôt des apprentis")
    assert features == ["impot", "impot", "apprent"]


def test_all_caps_and_accents_dropped_give_the_same_features():
    analyzer = FrenchAnalyzer()
    assert analyzer("LA FISCALITÉ ÉCOLOGIQUE") == analyzer("la fiscalite ecologique")


def test_bigrams_join_consecutive_content_words():
    first, second = FrenchAnalyzer()("transition écologique")
    assert FrenchAnalyzer(ngram_range=(1, 2))("transition écologique") == [first, second, f"{first} {second}"]


def test_unknown_stemmer_is_refused():
    with pytest.raises(ValueError, match="stemmer must be one of"):
        FrenchAnalyzer(stemmer="porter")("texte")


@pytest.mark.parametrize("texts", [[""], ["", "😀"], ["le la les"], ["mot"]])
def test_vectorizer_accepts_degenerate_corpora(texts):
    matrix = FrenchVectorizer().fit_transform(texts)
    assert matrix.shape[0] == len(texts)


def test_domain_words_are_down_weighted_not_dropped():
    texts = ["formation numérique des jeunes", "formation des adultes en entreprise", "numérique à l'école"]
    plain = FrenchVectorizer(domain_words=()).fit(texts)
    weighted = FrenchVectorizer(domain_words=("formation",), domain_weight=0.3).fit(texts)
    column = list(weighted.feature_names_).index("format")
    assert 0 < weighted.transform(texts[:1])[0, column] < plain.transform(texts[:1])[0, column]


def test_transform_before_fit_is_refused():
    with pytest.raises(RuntimeError, match="not fitted"):
        FrenchVectorizer().transform(["texte"])


def test_display_forms_are_real_words_not_stems():
    texts = ["La fiscalité écologique", "une fiscalité juste", "fiscalités locales"]
    stems = FrenchAnalyzer()("fiscalité écologique")
    assert display_forms(texts, stems) == ["fiscalité", "écologique"]


def test_non_french_text_still_gets_features():
    assert FrenchAnalyzer()("Привет мир, hello world") != []


ODD_TEXTS = [
    "L’ÉCOLE d’été, c’est 🎉 l'AVENIR !",
    "• Santé\n• Éducation — « vraiment » …",
    "Привет мир, hello_world ÇA VA",
    "mot\x1eautre\x1emot",  # the internal document separator inside a text
    "ﬁnancement\u00a0des Œuvres",  # not NFKC: ligature and non-breaking space
    "i\u0307 İstanbul ΣΑΣ straße",
    "",
    "😀",
    "x" * 30 + "é" * 5 + "_" + "42",
]


def test_fast_tokeniser_gives_the_tokens_of_surface_tokens():
    from nlp.text.counting import _count_features

    analyzer = FrenchAnalyzer()
    counts, features, surface = _count_features(ODD_TEXTS, analyzer, surface=True)
    for row, text in enumerate(ODD_TEXTS):
        expected = {}
        for token in surface_tokens(text):
            feature = analyzer.stems(token)
            if feature:
                expected[feature[0]] = expected.get(feature[0], 0) + 1
        got = {features[c]: v for c, v in zip(counts[row].indices, counts[row].data)}
        assert got == expected, text
        words = {surface.forms[c]: v for c, v in zip(surface.matrix[row].indices, surface.matrix[row].data)}
        assert sum(words.values()) == sum(expected.values())
        assert all(w in surface_tokens(text) for w in words)


def test_surface_counts_give_the_most_used_written_form():
    texts = ["La fiscalité écologique", "une fiscalité juste", "fiscalités locales"]
    vectorizer = FrenchVectorizer(min_df=1)
    _, surface = vectorizer._fit_transform(texts, surface=True)
    names = list(vectorizer.feature_names_)
    columns = [names.index(s) for s in FrenchAnalyzer()("fiscalité écologique")]
    assert surface.display_forms([0, 1, 2], columns, ["?", "?"]) == ["fiscalité", "écologique"]
