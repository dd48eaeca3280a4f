"""Wire copies: one story published by several outlets with small edits, found at ingest.

Each article gets a MinHash signature of its word 3-shingles (datasketch, 128 permutations);
an LSH index over the signatures of the indexed articles proposes candidates, and an article
joins the story of its closest candidate when their estimated Jaccard similarity is at least
`JACCARD` (the same text, give or take a headline, a byline, a dropped or reordered
paragraph), or when most of the shorter one is inside the longer (`CONTAINED`: a copy cut
to its first paragraphs). A follow-up that quotes one paragraph of an earlier story shares
too few shingles to pass either test. Otherwise the article starts its own story.

The story id is the article id of its first member. It is stored on the article record with
the signature, so every process sees the same stories (this module's index is rebuilt from
the records, and kept up to date by the ingest that adds to them).
"""

from __future__ import annotations

import base64
import functools
import re
from dataclasses import dataclass

import numpy as np

from .store import Store
from .types import Article

NUM_PERM = 128
SHINGLE_WORDS = 3
JACCARD = 0.6
CONTAINED = 0.8  # share of the shorter article's shingles inside the longer one
MIN_JACCARD_CONTAINED = 0.3  # the containment rule needs some overall likeness too
LSH_THRESHOLD = 0.25  # candidates: generous, the tests above decide
MIN_SHINGLES = 25  # too short to tell a copy from a brief on the same topic (~30 words)
SEED = 1
SCHEME = "affine32"  # 32-bit values: 4 bytes each in the stored signature
_WORD = re.compile(r"\w+")


def shingles(text: str) -> set[bytes]:
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i:i + SHINGLE_WORDS]).encode()
            for i in range(len(words) - SHINGLE_WORDS + 1)}


@dataclass
class Signature:
    hashes: np.ndarray  # NUM_PERM uint64 MinHash values
    size: int  # distinct shingles

    def encode(self) -> str:
        return base64.b64encode(self.hashes.astype("<u4").tobytes()).decode("ascii")

    @classmethod
    def decode(cls, text: str, size: int) -> "Signature | None":
        try:
            raw = base64.b64decode(text.encode("ascii"), validate=True)
        except (ValueError, UnicodeError):
            return None
        if len(raw) != NUM_PERM * 4:
            return None
        return cls(np.frombuffer(raw, dtype="<u4").astype(np.uint64), size)

    def minhash(self):
        from datasketch import MinHash

        return MinHash(seed=SEED, hashvalues=self.hashes, permutations=_permutations(),
                       scheme=SCHEME)

    def jaccard(self, other: "Signature") -> float:
        return float(np.mean(self.hashes == other.hashes))


@functools.cache
def _permutations():
    """datasketch draws a MinHash's permutations from its seed each time one is made (a
    third of a millisecond): drawn once, shared by all (the same seed: the same ones)."""
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations


def signature(text: str) -> Signature:
    from datasketch import MinHash

    found = shingles(text)
    m = MinHash(seed=SEED, permutations=_permutations(), scheme=SCHEME)
    if found:
        m.update_batch(list(found))
    # datasketch's values are 32-bit hashes held in uint64: they fit in 4 bytes each
    return Signature(m.hashvalues.astype(np.uint64), len(found))


def same_story(a: Signature, b: Signature) -> bool:
    if min(a.size, b.size) < MIN_SHINGLES:
        return a.size == b.size and a.jaccard(b) == 1.0  # short: only exact copies
    j = a.jaccard(b)
    if j >= JACCARD:
        return True
    # |A ∩ B| from the Jaccard estimate and the set sizes
    common = j * (a.size + b.size) / (1 + j)
    return j >= MIN_JACCARD_CONTAINED and common / min(a.size, b.size) >= CONTAINED


@dataclass
class Assigned:
    story: str
    signature: Signature


class StoryIndex:
    """The indexed articles' signatures in an LSH index: which story a new article joins."""

    def __init__(self, store: Store | None = None):
        from datasketch import MinHashLSH

        self.lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
        self.signatures: dict[str, Signature] = {}
        self.stories: dict[str, str] = {}
        if store is not None:
            for article_id, story, encoded, size in store.story_signatures():
                sig = Signature.decode(encoded, size)
                if sig is not None:
                    self._add(article_id, story, sig)

    def _add(self, article_id: str, story: str, sig: Signature) -> None:
        if article_id in self.signatures:
            self.lsh.remove(article_id)
        self.signatures[article_id] = sig
        self.stories[article_id] = story
        if sig.size:
            self.lsh.insert(article_id, sig.minhash(), check_duplication=False)

    def assign(self, article: Article) -> Assigned:
        """The story the article belongs to (its own id when it starts one); remembered
        here, so later articles of the same run find it."""
        sig = signature(article.text)
        if article.id in self.signatures:  # a new version: compare it with the others
            self.lsh.remove(article.id)
            del self.signatures[article.id]
        best, best_j = None, -1.0
        if sig.size:
            for other in self.lsh.query(sig.minhash()):
                theirs = self.signatures.get(other)
                if theirs is None or not same_story(sig, theirs):
                    continue
                j = sig.jaccard(theirs)
                if j > best_j:
                    best, best_j = other, j
        story = self.stories.get(best, best) if best is not None else article.id
        self._add(article.id, story, sig)
        return Assigned(story, sig)
