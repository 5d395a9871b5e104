"""Machine suggestions over an analysis's items: groups of items that say similar things, each
with a suggested heading and its evidence (its most distinctive terms and the items closest
to its centre), and pairs of near-duplicates with their similarity. Analysts decide: nothing
here records anything; a suggestion becomes a theme only when an analyst accepts it.

Pure functions over texts, no database, no download at run time:

- every text is a TF-IDF vector over its words and its character n-grams (3 to 5 characters
  within words), so inflected and compound forms in Swedish, Danish, Norwegian and Finnish
  share features without a stemmer; the words leave out the stop words of the tenant's
  language (the ``stop-words`` package ships its lists);
- the vectors are reduced by a truncated SVD (latent semantic analysis) and grouped by
  k-means, the number of groups chosen by the silhouette (on a sample of at most
  ``SILHOUETTE_SAMPLE`` items for large sets);
- an ``Embedder`` (a sentence-embedding model) can replace the TF-IDF vectors for grouping;
  the headings' terms and the near-duplicates stay on TF-IDF, which is what they explain.
  ``WordLlamaEmbedder`` is one, with the small static model the ``wordllama`` wheel ships.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Protocol
from uuid import UUID

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize

MIN_ITEMS = 4  # fewer items than this make no groups (a silhouette needs 2 <= k <= n - 1)
MAX_GROUPS = 20
SILHOUETTE_SAMPLE = 2_000
# dimensions of the SVD the groups are made in: few, since the silhouette in many dimensions
# favours many small groups (on tests/data/construction_faq.json, 10 gave an adjusted Rand
# index of 0.47 in Swedish and 0.63 in English; 30 gave 0.30 and 0.31; 100, 0.23 and 0.37)
COMPONENTS = 10
TERMS = 5  # distinctive terms shown per group
HEADING_TERMS = 3
CLOSEST = 3  # items shown as closest to a group's centre
DUPLICATE_SIMILARITY = 0.8  # cosine similarity from which two items are near-duplicates
MAX_DUPLICATES = 500
SEED = 0
_WORD = r"(?u)\b[^\W\d_]{2,}\b"  # words of letters only: no numbers, no underscores

# the tenant's language code (as tenants set it) to the stop-words package's list
_STOP_LISTS = {
    "sv": "swedish",
    "da": "danish",
    "nb": "norwegian",
    "nn": "norwegian",
    "no": "norwegian",
    "fi": "finnish",
    "en": "english",
}


class Embedder(Protocol):
    """A sentence-embedding model that can replace the TF-IDF vectors the groups are made
    from: one row per text, of a fixed width. Rows need not be normalised (they are)."""

    name: str

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]: ...


@dataclass(frozen=True)
class Group:
    """A suggested group: indices into the texts, the closest to its centre first."""

    heading: str
    terms: tuple[str, ...]  # its most distinctive words, the most distinctive first
    members: tuple[int, ...]
    closest: tuple[int, ...]  # the first few members: the evidence shown with the heading


@dataclass(frozen=True)
class Duplicate:
    first: int  # the lower index of the two
    second: int
    similarity: float  # cosine similarity of their TF-IDF vectors, 0 to 1


@dataclass(frozen=True)
class Suggestions:
    groups: tuple[Group, ...]  # the largest first
    duplicates: tuple[Duplicate, ...]  # the most similar first
    silhouette: float | None  # of the chosen grouping; None when no grouping was made
    method: str  # "tfidf" or the embedder's name


@cache
def stop_words(language: str | None) -> frozenset[str]:
    """The stop words of a tenant's language (``sv``, ``da``, ``nb``, ``fi``, ``en``...); of
    all five for another or no language."""
    from stop_words import get_stop_words

    lists = [_STOP_LISTS[language]] if language in _STOP_LISTS else set(_STOP_LISTS.values())
    return frozenset(w.lower() for name in lists for w in get_stop_words(name))


def _words(texts: Sequence[str], language: str | None) -> tuple[sp.csr_matrix, list[str]]:
    word = re.compile(_WORD)
    stop = [w for w in stop_words(language) if word.fullmatch(w)]
    vectorizer = TfidfVectorizer(
        token_pattern=_WORD,
        sublinear_tf=True,
        stop_words=sorted(stop) or None,
        dtype=np.float32,
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no word at all (empty texts, numbers, stop words only)
        return sp.csr_matrix((len(texts), 0), dtype=np.float32), []
    return matrix.tocsr(), list(vectorizer.get_feature_names_out())


def _grams(texts: Sequence[str]) -> sp.csr_matrix:
    vectorizer = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        sublinear_tf=True,
        min_df=2 if len(texts) > 2 else 1,
        max_features=100_000,
        dtype=np.float32,
    )
    try:
        return vectorizer.fit_transform([t.lower() for t in texts]).tocsr()
    except ValueError:
        return sp.csr_matrix((len(texts), 0), dtype=np.float32)


def tfidf(texts: Sequence[str], language: str | None = None) -> sp.csr_matrix:
    """The texts as L2-normalised TF-IDF vectors over their words and character n-grams."""
    words, _ = _words(texts, language)
    return _joined(words, _grams(texts))


def _joined(words: sp.csr_matrix, grams: sp.csr_matrix) -> sp.csr_matrix:
    joined = sp.hstack([words, grams]).tocsr()
    return normalize(joined) if joined.shape[1] else joined


def near_duplicates(
    vectors: sp.csr_matrix,
    *,
    threshold: float = DUPLICATE_SIMILARITY,
    limit: int = MAX_DUPLICATES,
    chunk: int = 512,
) -> tuple[Duplicate, ...]:
    """Pairs of rows (of L2-normalised vectors) whose cosine similarity is at least
    ``threshold``, the most similar first, at most ``limit``."""
    n = vectors.shape[0]
    found: list[Duplicate] = []
    transposed = vectors.T.tocsc()
    for start in range(0, n, chunk):
        block = (vectors[start : start + chunk] @ transposed).tocoo()
        rows = block.row + start
        keep = (block.col > rows) & (block.data >= threshold - 1e-6)
        for i, j, s in zip(rows[keep], block.col[keep], block.data[keep], strict=True):
            found.append(Duplicate(int(i), int(j), round(min(float(s), 1.0), 4)))
    found.sort(key=lambda d: (-d.similarity, d.first, d.second))
    return tuple(found[:limit])


def _reduce(vectors: sp.csr_matrix) -> NDArray[np.float32]:
    n, width = vectors.shape
    components = min(COMPONENTS, n - 1, width - 1)
    if components < 2:
        return np.asarray(vectors.todense(), dtype=np.float32)
    svd = TruncatedSVD(n_components=components, random_state=SEED)
    reduced: NDArray[np.float32] = normalize(svd.fit_transform(vectors)).astype(np.float32)
    return reduced


def choose_groups(
    points: NDArray[np.float32], *, max_groups: int = MAX_GROUPS
) -> tuple[NDArray[np.int32], NDArray[np.float32], float] | None:
    """k-means over the rows for each k from 2 up to ``max_groups`` and a third of the rows
    (a group of one or two items is no theme), keeping the grouping of the best silhouette:
    labels, centres and that silhouette. None when the rows are too few or all alike."""
    n = points.shape[0]
    if n < MIN_ITEMS or len(np.unique(points.round(6), axis=0)) < 3:
        return None
    sample = min(n, SILHOUETTE_SAMPLE)
    tries = 4 if n <= 500 else 1
    best: tuple[NDArray[np.int32], NDArray[np.float32], float] | None = None
    for k in range(2, max(2, min(max_groups, n // 3)) + 1):
        model = KMeans(n_clusters=k, n_init=tries, random_state=SEED).fit(points)
        labels = model.labels_.astype(np.int32)
        if len(np.unique(labels)) < 2:
            continue
        score = float(
            silhouette_score(
                points,
                labels,
                sample_size=sample if sample < n else None,
                random_state=SEED,
            )
        )
        if best is None or score > best[2]:
            best = (labels, model.cluster_centers_.astype(np.float32), score)
    return best


def _heading(terms: Sequence[str]) -> str:
    shown = ", ".join(terms[:HEADING_TERMS])
    return shown[:1].upper() + shown[1:]


def _terms(words: sp.csr_matrix, names: Sequence[str], members: NDArray[np.intp]) -> list[str]:
    """A group's words by how much more they weigh in it than across all items."""
    if not names:
        return []
    overall = np.asarray(words.mean(axis=0)).ravel()
    inside = np.asarray(words[members].mean(axis=0)).ravel()
    lift = inside - overall
    order = np.argsort(-lift, kind="stable")
    return [names[i] for i in order[:TERMS] if inside[i] > 0 and lift[i] > 0]


def suggest(
    texts: Sequence[str],
    *,
    language: str | None = None,
    embedder: Embedder | None = None,
    max_groups: int = MAX_GROUPS,
    duplicate_threshold: float = DUPLICATE_SIMILARITY,
) -> Suggestions:
    """Suggested groups and near-duplicates for ``texts`` (indices refer to them), in the
    tenant's ``language`` (its stop words; another or none takes those of all five)."""
    method = "tfidf" if embedder is None else embedder.name
    if not texts:
        return Suggestions(groups=(), duplicates=(), silhouette=None, method=method)
    cleaned = [re.sub(r"\s+", " ", t).strip() for t in texts]
    words, names = _words(cleaned, language)
    vectors = _joined(words, _grams(cleaned))
    duplicates = near_duplicates(vectors, threshold=duplicate_threshold)
    if embedder is None:
        distinct = vectors.shape[1] > 0 and len({t.lower() for t in cleaned}) >= 3
        points = _reduce(vectors) if distinct else np.zeros((len(texts), 1), np.float32)
    else:
        points = normalize(np.asarray(embedder.embed(cleaned), dtype=np.float32))
    chosen = choose_groups(points, max_groups=max_groups)
    if chosen is None:
        return Suggestions(groups=(), duplicates=duplicates, silhouette=None, method=method)
    labels, centres, score = chosen
    groups: list[Group] = []
    for label in range(centres.shape[0]):
        members = np.flatnonzero(labels == label)
        if not len(members):
            continue
        centre = centres[label] / (np.linalg.norm(centres[label]) or 1.0)
        closeness = points[members] @ centre
        ordered = members[np.argsort(-closeness, kind="stable")]
        terms = _terms(words, names, members)
        groups.append(
            Group(
                heading=_heading(terms),
                terms=tuple(terms),
                members=tuple(int(i) for i in ordered),
                closest=tuple(int(i) for i in ordered[:CLOSEST]),
            )
        )
    groups.sort(key=lambda g: (-len(g.members), g.members[0]))
    return Suggestions(
        groups=tuple(groups), duplicates=duplicates, silhouette=round(score, 4), method=method
    )


class WordLlamaEmbedder:
    """Sentence vectors from WordLlama's small static model (``l2_supercat``, 256
    dimensions), read from the files its wheel ships: nothing is downloaded."""

    name = "wordllama"

    def __init__(self) -> None:
        from pathlib import Path

        import wordllama

        # the wheel keeps its weights and tokenizer under weights/ and tokenizers/, the
        # layout of wordllama's own cache, so the package folder serves as that cache
        self._model = wordllama.WordLlama.load(
            cache_dir=Path(wordllama.__file__).parent, disable_download=True
        )

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        vectors: NDArray[np.float32] = np.asarray(
            self._model.embed(list(texts), norm=True), dtype=np.float32
        )
        return vectors


def items_digest(ids: Sequence[UUID], texts: Sequence[str], language: str) -> str:
    """What the suggestions of these items are made from: their ids, texts and language."""
    h = hashlib.sha256(language.encode())
    for i, t in zip(ids, texts, strict=True):
        h.update(i.bytes)
        h.update(t.encode())
        h.update(b"\0")
    return h.hexdigest()[:32]


class SuggestionCache:
    """An analysis's suggestions, kept under the digest of the items they were made from (the
    ``size`` most recently asked for), and made one at a time in a worker thread, so that a
    gateway process never spends more than a core on them nor blocks its event loop."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._kept: OrderedDict[tuple[str, UUID, str], Suggestions] = OrderedDict()
        self._lock: asyncio.Lock | None = None  # made in the event loop that first asks

    async def get(
        self, tenant_id: str, analysis_id: UUID, digest: str, texts: list[str], language: str
    ) -> Suggestions:
        """The suggestions for ``texts`` (whose digest is ``digest``), kept or made now."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        key = (tenant_id, analysis_id, digest)
        async with self._lock:
            found = self._kept.get(key)
            if found is None:
                found = await asyncio.to_thread(suggest, texts, language=language)
                self._kept[key] = found
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
            self._kept.move_to_end(key)
        return found
