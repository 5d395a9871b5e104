"""The analysis's machine suggestions in memory: groups with headings and evidence,
near-duplicates with their similarity, the edge cases (no text, few texts, texts without
words), the embedding interface with WordLlama's shipped model, and the quality of the groups
against the labels of a real Swedish and English corpus (adjusted Rand index).

The corpus, ``tests/data/construction_faq.json``: 155 questions and answers in Swedish and the
same in English, 7 topics, from the Swedish Construction FAQ by Zaragoza AB (CC BY 4.0), as
the ``zaragoza-construction-faq`` wheel ships it; the file names its source and licence."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from sklearn.metrics import adjusted_rand_score

from services.analysis.suggestions import (
    Embedder,
    Suggestions,
    WordLlamaEmbedder,
    near_duplicates,
    stop_words,
    suggest,
    tfidf,
)

CORPUS = Path(__file__).resolve().parent.parent / "data" / "construction_faq.json"

# the adjusted Rand index measured on the corpus (TF-IDF: Swedish 0.470, English 0.627;
# WordLlama's model: Swedish 0.196, English 0.561), each floor a little under it
FLOORS = {("sv", "tfidf"): 0.45, ("en", "tfidf"): 0.60, ("en", "wordllama"): 0.50}

CYCLING = [
    "Fler cykelbanor behövs längs vägen till skolan.",
    "Bygg en säker cykelbana till skolan, barnen cyklar i trafiken.",
    "Cykelbanorna i centrum är för smala, bredda cykelbanan.",
    "Cykelbana saknas mellan stationen och skolan.",
    "Måla cykelbanorna så att bilister ser cyklisterna.",
]
LIGHTS = [
    "Parkerna är mörka på kvällen, sätt upp lampor i parken.",
    "Belysning i parken behövs, det är otryggt att gå där när det är mörkt.",
    "Fler lampor längs gångvägen genom parken.",
    "Tänd belysningen i parken hela natten, den är för mörk.",
    "Parkens lampor är trasiga och det är mörkt.",
]


def labelled(language: str) -> tuple[list[str], list[str]]:
    items: list[dict[str, Any]] = json.loads(CORPUS.read_text(encoding="utf-8"))["items"]
    chosen = [i for i in items if i["language"] == language]
    return [i["text"] for i in chosen], [i["label"] for i in chosen]


def labels_of(result: Suggestions, n: int) -> list[int]:
    found = [-1] * n
    for g, group in enumerate(result.groups):
        for i in group.members:
            assert found[i] == -1, "an item in two groups"
            found[i] = g
    return found


@pytest.fixture(scope="module")
def wordllama() -> WordLlamaEmbedder:
    return WordLlamaEmbedder()


def test_planted_topics_come_back_as_groups_with_headings_and_evidence() -> None:
    texts = CYCLING + LIGHTS
    result = suggest(texts, language="sv")

    assert result.method == "tfidf"
    # no group mixes the topics (on ten short texts the silhouette may split one of them)
    assert 2 <= len(result.groups) <= 3
    assert result.silhouette is not None
    assert 0 < result.silhouette <= 1
    assert sorted(i for g in result.groups for i in g.members) == list(range(10))
    for group in result.groups:
        assert len({i < 5 for i in group.members}) == 1, group
    cycling = max((g for g in result.groups if g.members[0] < 5), key=lambda g: len(g.members))
    lights = max((g for g in result.groups if g.members[0] >= 5), key=lambda g: len(g.members))
    # headings from the distinctive words, in the items' own language, no stop words
    assert any(t.startswith("cykelban") for t in cycling.terms)
    assert any(t.startswith("park") or t in {"mörkt", "lampor"} for t in lights.terms)
    for group in result.groups:
        assert group.heading
        assert group.heading[0].isupper()
        assert group.heading.lower().startswith(group.terms[0])
        assert not set(group.terms) & stop_words("sv")
        assert len(group.closest) == min(3, len(group.members))
        assert group.closest == group.members[:3]
    assert result.duplicates == ()


def test_near_duplicates_are_paired_with_their_similarity() -> None:
    texts = [
        *CYCLING,
        *LIGHTS,
        "Fler cykelbanor behövs längs vägen till skolan!",  # a copy of 0, one sign changed
        "fler cykelbanor behövs längs vägen till skolan och förskolan.",  # close to 0 and 10
    ]
    result = suggest(texts, language="sv")
    pairs = {(d.first, d.second): d.similarity for d in result.duplicates}
    assert pairs[(0, 10)] >= 0.95
    assert (0, 11) in pairs
    assert (10, 11) in pairs
    assert all(0.8 <= s <= 1.0 for s in pairs.values())
    assert [d.similarity for d in result.duplicates] == sorted(pairs.values(), reverse=True)
    # nothing else is as close
    assert set(pairs) == {(0, 10), (0, 11), (10, 11)}

    # a higher threshold keeps only the copy; a limit keeps the most similar
    vectors = tfidf(texts, "sv")
    assert [(d.first, d.second) for d in near_duplicates(vectors, threshold=0.95)] == [(0, 10)]
    assert len(near_duplicates(vectors, limit=1)) == 1


@pytest.mark.parametrize(
    "texts",
    [
        [],
        ["Fler cykelbanor"],
        ["Fler cykelbanor", "Mörka parker", "Träd på gatorna"],
        ["", "", "", "", ""],
        ["123", "4 5 6", "och att det", "!!!", "???"],
        ["Samma text"] * 6,
    ],
)
def test_too_few_or_empty_texts_make_no_groups_and_no_error(texts: list[str]) -> None:
    result = suggest(texts, language="sv")
    assert result.groups == ()
    assert result.silhouette is None
    if len(set(texts)) == 1 and texts and texts[0]:
        assert len(result.duplicates) == len(texts) * (len(texts) - 1) // 2


def test_the_suggestions_are_deterministic() -> None:
    texts, _ = labelled("sv")
    assert suggest(texts[:80], language="sv") == suggest(texts[:80], language="sv")


def test_stop_words_of_each_nordic_language_and_all_five_for_another() -> None:
    for language, word in (("sv", "och"), ("da", "og"), ("nb", "og"), ("fi", "ja")):
        assert word in stop_words(language)
    assert "the" in stop_words("en")
    assert "och" not in stop_words("en")
    assert {"och", "og", "ja", "the"} <= stop_words("de")
    assert {"och", "the"} <= stop_words(None)


class Fixed:
    """An embedder that places each text by hand: the groups follow its vectors."""

    name = "fixed"

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return np.array(
            [[1.0, 0.1 * i] if "cykel" in t else [0.1 * i, 1.0] for i, t in enumerate(texts)],
            dtype=np.float32,
        )


def test_an_embedder_replaces_the_tfidf_vectors_for_the_groups() -> None:
    embedder: Embedder = Fixed()
    texts = [*CYCLING[:3], *LIGHTS[:3]]
    result = suggest(texts, language="sv", embedder=embedder)
    assert result.method == "fixed"
    assert sorted(sorted(g.members) for g in result.groups) == [[0, 1, 2], [3, 4, 5]]
    assert all(g.terms for g in result.groups)  # terms and headings stay on TF-IDF


def test_wordllama_embeds_offline_from_the_model_its_wheel_ships(
    wordllama: WordLlamaEmbedder,
) -> None:
    vectors = wordllama.embed(["More bike lanes to school", "Bike paths to the school", "Dark"])
    assert vectors.shape == (3, 256)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    similar, other = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert similar > other
    result = suggest(CYCLING + LIGHTS, language="sv", embedder=wordllama)
    assert result.method == "wordllama"
    assert sum(len(g.members) for g in result.groups) == 10


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_groups_agree_with_the_labels_of_a_real_corpus(language: str) -> None:
    texts, labels = labelled(language)
    assert len(texts) == 155
    assert len(set(labels)) == 7
    result = suggest(texts, language=language)
    score = adjusted_rand_score(labels, labels_of(result, len(texts)))
    assert score >= FLOORS[(language, "tfidf")], score
    assert 2 <= len(result.groups) <= 20


def test_the_wordllama_groups_of_the_english_corpus_agree_with_its_labels(
    wordllama: WordLlamaEmbedder,
) -> None:
    texts, labels = labelled("en")
    result = suggest(texts, language="en", embedder=wordllama)
    score = adjusted_rand_score(labels, labels_of(result, len(texts)))
    assert score >= FLOORS[("en", "wordllama")], score
