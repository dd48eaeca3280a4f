"""Hybrid, date-aware, diverse retrieval on a real Chroma (embedded, and a real `chroma run`).

Small hand-written corpora; every index is built in a temporary folder (or collection) here.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from assistant.config import get_settings
from assistant.core import Assistant
from assistant.dates import find_time, parse_date, strip_time
from assistant.keyword import parse_chunk_id
from assistant.retrieve import Retriever, search_batch
from assistant.types import hits_json
from testkit.chroma_server import ChromaServer


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def art(id: str, title: str, text: str, published: str = "2022-06-01") -> dict:
    return {"id": id, "title": title, "url": f"https://example.com/{id}",
            "published": published, "authors": ["Staff"], "text": text}


FILLER = [
    art("sport", "Cup final", "The home team won the cup final after extra time. Fans "
        "celebrated in the streets until morning."),
    art("cook", "Summer recipes", "Grill the peppers, slice the tomatoes and add olive oil. "
        "Serve the salad cold with fresh bread."),
    art("weather", "Heatwave", "Temperatures passed 40 degrees across the south. Farmers "
        "worried about the harvest as rivers ran low."),
]

# Only the code name links this one to the question below: no meaning in common.
KEYWORD_ONLY = art("boiler", "Industrial standards",
                   "Regulators approved the XQ-77 protocol for industrial boilers in "
                   "factories across the region.")
# No word in common with the question, same meaning.
VECTOR_ONLY = art("clinic", "At the clinic",
                  "A physician prescribed medication to lower the patient's hypertension.")
FUSION_Q = "Which doctor treated high blood pressure with the XQ-77 protocol?"

HARBOUR = [
    art("h2021", "Harbour storm damage", "A storm flooded the harbour and sank two fishing "
        "boats. The mayor promised repairs to the harbour wall.", "2021-03-01"),
    art("h2022", "Harbour storm returns", "Another storm battered the harbour, tearing up the "
        "new pier. The harbour master closed the port for two days.", "2022-06-15"),
    art("h2023", "Harbour storm again", "The harbour was hit by a winter storm that broke "
        "mooring lines. Ferries stayed in the harbour all week.", "2023-01-10"),
]


def volcano_article() -> dict:
    """One long article, every passage about the volcano: it could fill the whole top 5."""
    paras = []
    for i in range(8):
        paras.append(" ".join(
            f"Paragraph {i}, sentence {j}: the volcano eruption on the island sent lava and "
            f"ash over village {i}-{j}, and the volcano observatory raised its alert level."
            for j in range(9)))
    return art("volcano-long", "Volcano eruption: live updates", "\n\n".join(paras),
               "2022-06-02")


VOLCANO_OTHERS = [
    art("volcano-flights", "Flights cancelled", "Airlines cancelled flights because ash from "
        "the volcano eruption drifted over the airport."),
    art("volcano-science", "Why volcanoes erupt", "Scientists explain how magma pressure "
        "builds before a volcano eruption."),
    art("volcano-tourism", "Tourists stay away", "Hotels on the island report cancellations "
        "after the volcano eruption."),
]


def make(tmp_path: Path, **kw) -> Assistant:
    return Assistant(get_settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data",
                                  **kw))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("retrieval")
    a = make(tmp)
    rows = FILLER + [KEYWORD_ONLY, VECTOR_ONLY] + HARBOUR + [volcano_article()] + VOLCANO_OTHERS
    report = a.ingest([write_jsonl(tmp / "corpus.jsonl", rows)], progress=False)
    assert report.ok, report.summary()
    return a, Retriever(a.store, a.embedder)


def ids(hits) -> list[str]:
    return [h.article_id for h in hits]


# -- fusion ------------------------------------------------------------------------------


def test_keyword_only_and_vector_only_matches_both_surface(corpus):
    a, r = corpus
    snap = r.keyword.snapshot
    bm25 = r.keyword.scores(FUSION_Q, snap)
    by_article = {aid: float(bm25[i]) for i, aid in enumerate(snap.article_ids)}
    # the premise: the clinic shares no word with the question, the boiler one only its code
    assert by_article["clinic"] == 0 and by_article["boiler"] > 0
    qvec = r.embed_query(FUSION_Q)
    vector_only = ids(r.search_vector(FUSION_Q, 3, vector=qvec))
    assert "clinic" in vector_only

    top = ids(r.search(FUSION_Q, k=3, vector=qvec))
    assert {"boiler", "clinic"} <= set(top)


def test_hits_are_current_text_with_offsets_and_scores(corpus):
    a, r = corpus
    hits = r.search("storm in the harbour", k=5)
    assert hits and len(hits) <= 5
    for h in hits:
        assert a.article(h.article_id).text[h.start:h.end] == h.text
        assert -1 <= h.score <= 1  # the cosine the answerers' min_score is calibrated on
    rel = [h.relevance for h in hits]
    assert rel == sorted(rel, reverse=True)


# -- time ----------------------------------------------------------------------------------


def test_since_and_until_filter_by_publication_date(corpus):
    _, r = corpus
    q = "harbour storm"
    got = set(ids(r.search(q, k=10, since="2022-01-01")))
    assert "h2021" not in got and {"h2022", "h2023"} <= got
    got = set(ids(r.search(q, k=10, until="2022-06-15")))
    assert "h2023" not in got and {"h2021", "h2022"} <= got
    hits = r.search(q, k=10, since="2022", until="2022-06")  # inclusive, whole periods
    assert "h2022" in ids(hits)
    assert all("2022-01-01" <= h.published <= "2022-06-30" for h in hits)
    assert r.search(q, k=10, since="2030-01-01") == []


def test_year_and_month_filters_keep_only_that_period(corpus):
    _, r = corpus
    for h in r.search("harbour storm", k=10, since="2022", until="2022"):
        assert h.published.startswith("2022")
    for h in r.search("harbour storm", k=10, since="2022-06", until="2022-06"):
        assert h.published.startswith("2022-06")


def test_as_of_resolves_this_week_and_hides_the_future(corpus):
    _, r = corpus
    q = "What happened to the harbour in the storm this week?"
    assert ids(r.search(q, k=3, as_of="2022-06-17"))[0] == "h2022"
    assert ids(r.search(q, k=3, as_of="2023-01-12"))[0] == "h2023"
    assert ids(r.search(q, k=3, as_of="2021-03-03"))[0] == "h2021"
    # as of mid-2022, the 2023 story had not been written
    assert "h2023" not in ids(r.search(q, k=10, as_of="2022-06-17"))


def test_as_of_prefers_recent_news_without_a_time_expression(corpus):
    _, r = corpus
    assert ids(r.search("harbour storm", k=3, as_of="2023-01-11"))[0] == "h2023"
    assert ids(r.search("harbour storm", k=3, as_of="2021-03-02"))[0] == "h2021"


@pytest.mark.parametrize("question, window", [
    ("who resigned this week?", ("2021-12-31", "2022-01-07")),
    ("what happened yesterday", ("2022-01-06", "2022-01-06")),
    ("prices last month", ("2021-12-01", "2021-12-31")),
    ("the election in 2021", ("2021-01-01", "2021-12-31")),
    ("floods in May 2021", ("2021-05-01", "2021-05-31")),
    ("the vote on Monday", ("2022-01-03", "2022-01-03")),
    ("over the past two weeks", ("2021-12-24", "2022-01-07")),
    ("last week's talks", ("2021-12-27", "2022-01-02")),
    ("this year so far", ("2022-01-01", "2022-01-07")),
])
def test_time_expressions_resolve_against_as_of(question, window):
    w = find_time(question, date(2022, 1, 7))  # a Friday
    assert w is not None and (w.start.isoformat(), w.end.isoformat()) == window
    assert w.text.lower() in question.lower()
    assert w.text not in strip_time(question, w)


def test_no_time_expression_and_date_parsing():
    assert find_time("this may be the answer", date(2022, 1, 7)) is None
    assert find_time("who won the cup final?", date(2022, 1, 7)) is None
    # a time after the question's date is when something is expected, not a window of
    # reports: "expected to climb in 2023", asked on 2022-12-29
    assert find_time("How high will prices climb in 2023?", date(2022, 12, 29)) is None
    assert find_time("How high did prices climb in 2022?", date(2022, 12, 29)) is not None
    assert parse_date("2022") == date(2022, 1, 1)
    assert parse_date("2022", end=True) == date(2022, 12, 31)
    assert parse_date("2022-02", end=True) == date(2022, 2, 28)
    assert parse_date("2022-02-03T10:00:00Z") == date(2022, 2, 3)
    with pytest.raises(ValueError):
        parse_date("next tuesday-ish")


# -- diversity -----------------------------------------------------------------------------


def test_one_long_article_does_not_crowd_out_the_others(corpus):
    a, r = corpus
    chunks = a.store.chunk_records("volcano-long")
    assert len(chunks) >= 5  # the premise: it alone could fill the top 5
    hits = r.search("volcano eruption", k=5)
    assert len(hits) == 5
    got = ids(hits)
    assert got.count("volcano-long") <= 3
    assert len(set(got) & {"volcano-flights", "volcano-science", "volcano-tourism"}) >= 2
    # and a plain vector search would have: (kept as the reason for this test)
    plain = ids(r.search_vector("volcano eruption", 5))
    assert plain.count("volcano-long") >= 3


def test_neighbouring_chunks_merge_into_one_passage_with_exact_offsets(corpus):
    a, r = corpus
    text = a.article("volcano-long").text
    spans = sorted((m["start"], m["end"]) for _, _, m in a.store.chunk_records("volcano-long"))
    hits = [h for h in r.search("volcano eruption lava ash village observatory", k=5)
            if h.article_id == "volcano-long"]
    assert hits
    merged, seen = False, set()
    for h in hits:
        assert h.text == text[h.start:h.end]
        covered = {s for s in spans if h.start <= s[0] and s[1] <= h.end}
        assert covered, "a passage starts and ends on chunk boundaries"
        assert h.start == min(s for s, _ in covered) and h.end == max(e for _, e in covered)
        assert 1 <= len(covered) <= 3
        merged |= len(covered) >= 2
        assert not covered & seen, "no chunk is in two passages"
        seen |= covered
    assert merged


def test_a_single_article_index_still_fills_k_passages(tmp_path):
    a = make(tmp_path)
    assert a.ingest([write_jsonl(tmp_path / "v.jsonl", [volcano_article()])],
                    progress=False).ok
    hits = Retriever(a.store, a.embedder).search("volcano eruption", k=4)
    assert len(hits) == 4 and ids(hits) == ["volcano-long"] * 4


# -- the JSON contract and the batch form ----------------------------------------------------


@pytest.fixture
def rarity_counts(monkeypatch):
    """The corpus is far smaller than rarity needs (RARITY_MIN_CHUNKS): counted anyway."""
    from assistant import keyword

    monkeypatch.setattr(keyword, "RARITY_MIN_CHUNKS", 1)


def test_missing_names_the_rarest_question_words_no_passage_has(corpus, rarity_counts):
    a, r = corpus
    q = "Did the harbour master close the port because of dredging?"
    hits = [h for h in r.search(q, 5) if h.article_id.startswith("h20")]
    share, words = r.keyword.missing(q, hits)
    assert words == ["dredging"] and 0 < share < 0.5  # "harbour", "port" … are there
    share, words = r.keyword.missing("What did the harbour master close?", hits)
    assert (share, words) == (0.0, [])
    # a word of a title counts as the passage's
    share, words = r.keyword.missing("Why did storm returns worry the mayor?", hits)
    assert "returns" not in words


def test_an_answer_lacking_the_questions_rare_words_says_so(corpus, rarity_counts):
    a, _ = corpus
    q = "Why was the dredging contract tender at the harbour cancelled?"
    ans = a.ask(q)
    assert ans.answer.startswith("The articles don't mention "), ans.answer
    assert "dredging" in ans.answer.split("Closest passages:")[0] and ans.citations
    ans = a.ask("Why did the harbour master close the port?")
    assert not ans.answer.startswith("The articles don't"), ans.answer


def test_a_small_index_measures_no_rarity(corpus):
    a, r = corpus
    q = "Why was the dredging contract tender at the harbour cancelled?"
    assert r.keyword.missing(q, r.search(q, 5)) == (0.0, [])
    assert not a.ask(q).answer.startswith("The articles don't mention")


def test_hits_json_is_the_stable_contract(corpus):
    _, r = corpus
    out = hits_json("harbour storm", r.search("harbour storm", k=2))
    assert set(out) == {"query", "hits"}
    assert [h["rank"] for h in out["hits"]] == [1, 2]
    for h in out["hits"]:
        assert set(h) == {"rank", "article_id", "title", "url", "published", "score",
                          "similarity", "text", "start", "end"}
        assert h["score"] >= 0 and -1 <= h["similarity"] <= 1
    json.dumps(out)


def test_batch_search_uses_each_date_as_as_of(corpus):
    _, r = corpus
    lines = [json.dumps({"id": "q1", "question": "harbour storm this week",
                         "date": "2022-06-16"}),
             json.dumps({"id": "q2", "question": "harbour storm this week",
                         "date": "2023-01-11"}),
             "", "not json", json.dumps({"id": "q3", "question": "storm"})]
    out = list(search_batch(r.search, lines, k=2))
    assert [o["id"] for o in out] == ["q1", "q2", 4, "q3"]
    assert out[0]["hits"][0]["article_id"] == "h2022"
    assert out[1]["hits"][0]["article_id"] == "h2023"
    assert "error" in out[2]
    assert out[3]["query"] == "storm" and len(out[3]["hits"]) == 2


# -- the keyword index follows Chroma --------------------------------------------------------

BASE = [art("k1", "Council budget", "The council approved the budget for the new library."),
        art("k2", "Rail strike", "Train drivers walked out over pay on Tuesday.")]


def _words_found(r: Retriever, word: str) -> list[str]:
    return [parse_chunk_id(cid)[0] for cid, s in r.search_keyword(word, 10) if s > 0]


def check_keyword_index_follows_chroma(tmp_path: Path, a: Assistant, other: Assistant):
    """`a` searches; `other` stands for another process writing to the same Chroma."""
    path = tmp_path / "k.jsonl"
    assert a.ingest([write_jsonl(path, BASE)], progress=False).ok
    r = Retriever(a.store, a.embedder)
    assert _words_found(r, "library") == ["k1"]
    assert _words_found(r, "quokka") == []

    # an ingest in this process, then refresh() as Assistant.ingest does
    a.ingest([write_jsonl(tmp_path / "q.jsonl", [art("k3", "Zoo news",
                                                     "A quokka was born at the zoo.")])],
             progress=False)
    r.refresh()
    assert _words_found(r, "quokka") == ["k3"]
    assert ids(r.search("quokka born at the zoo", k=1)) == ["k3"]

    # another writer adds an article: the count check sees it without any call
    other.ingest([write_jsonl(tmp_path / "w.jsonl", [art("k4", "Wildlife", "A wombat "
                                                         "crossed the motorway.")])],
                 progress=False)
    assert _words_found(r, "wombat") == ["k4"]

    # a changed article (same number of chunks): the new words are found, the old ones gone
    changed = dict(BASE[0], text=BASE[0]["text"].replace("library", "swimming pool"))
    other.ingest([write_jsonl(path, [changed, BASE[1]])], progress=False)
    r.keyword.check_every = 0  # another writer, same counts: the periodic full check
    assert _words_found(r, "pool") == ["k1"]
    assert _words_found(r, "library") == []
    hit = r.search("swimming pool budget", k=1)[0]
    assert hit.article_id == "k1" and "swimming pool" in hit.text

    # a deleted article never appears again, whatever is asked
    assert other.delete("k3")
    assert _words_found(r, "quokka") == []
    for q in ("quokka", "A quokka was born at the zoo.", "zoo news"):
        assert "k3" not in ids(r.search(q, k=10))
    r.keyword.check_every = 10

    # a fresh start loads the saved index and reads nothing it already has
    r2 = Retriever(a.store, a.embedder)
    assert r2.refresh() is False  # loaded from the cache, already current
    assert _words_found(r2, "wombat") == ["k4"]
    a.ingest([write_jsonl(tmp_path / "n.jsonl", [art("k5", "Weather", "Fog closed the "
                                                     "airport.")])], progress=False)
    assert r2.refresh() is True and r2.keyword.last_refresh["read"] == 1
    assert _words_found(r2, "fog") == ["k5"]


def test_keyword_index_follows_ingest_and_delete(tmp_path):
    a = make(tmp_path)
    other = make(tmp_path)
    other.__dict__["embedder"] = a.embedder
    check_keyword_index_follows_chroma(tmp_path, a, other)


@pytest.mark.server
def test_keyword_index_follows_ingest_and_delete_on_a_chroma_server(tmp_path):
    with ChromaServer(tmp_path / "chroma") as server:
        kw = dict(chroma_host="127.0.0.1", chroma_port=server.port, collection="kw-test")
        a = make(tmp_path, **kw)
        other = make(tmp_path / "other", **kw)  # another machine: its own data_dir
        check_keyword_index_follows_chroma(tmp_path, a, other)
        assert (tmp_path / "data" / "keyword").is_dir()  # the cache lives in data_dir


def test_damaged_cache_is_rebuilt(tmp_path):
    a = make(tmp_path)
    assert a.ingest([write_jsonl(tmp_path / "k.jsonl", BASE)], progress=False).ok
    r = Retriever(a.store, a.embedder)
    r.refresh()
    path = r.keyword.cache_path
    assert path.is_file()
    path.write_bytes(b"not a cache")
    r2 = Retriever(a.store, a.embedder)
    assert _words_found(r2, "library") == ["k1"]


def test_empty_index_and_empty_question(tmp_path):
    a = make(tmp_path)
    r = Retriever(a.store, a.embedder)
    assert r.search("anything", k=5) == []
    assert r.search("   ", k=5) == []
    assert r.search_keyword("anything") == []
    assert np.asarray(r.keyword.scores("anything")).size == 0


def test_filters_work_on_an_index_written_before_chunks_had_published_ts(corpus):
    _, r = corpus
    snap = r.keyword.snapshot
    q = "harbour storm"
    want = ids(r.search(q, k=10, since="2022-01-01", until="2022-12-31"))
    snap.dated_in_chroma = False  # filters then go by article id
    try:
        assert ids(r.search(q, k=10, since="2022-01-01", until="2022-12-31")) == want
        assert "h2022" in want and "h2021" not in want
    finally:
        snap.dated_in_chroma = True


# -- `assistant search` on the command line ---------------------------------------------------


def test_cli_search_and_batch_json_contract(corpus, tmp_path):
    import subprocess
    import sys

    from assistant.cli import build_parser

    try:
        build_parser().parse_args(["search", "x"])
    except SystemExit:
        pytest.skip("`assistant search` is not wired into the CLI yet")
    a, _ = corpus
    s = a.settings
    env = {**__import__("os").environ, "ASSISTANT_DATA_DIR": str(s.data_dir),
           "ASSISTANT_COLLECTION": s.collection}

    def run(*args, stdin=None):
        return subprocess.run([sys.executable, "-m", "assistant.cli", "search", "--index",
                               str(s.index_dir), *args], input=stdin, env=env,
                              capture_output=True, text=True, timeout=120)

    r = run("harbour storm this week", "--as-of", "2022-06-17", "-k", "2", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["query"] == "harbour storm this week"
    assert out["hits"][0]["article_id"] == "h2022"
    assert set(out["hits"][0]) == {"rank", "article_id", "title", "url", "published",
                                   "score", "similarity", "text", "start", "end"}
    r = run("harbour storm", "--since", "2023-01-01", "--json")
    assert [h["article_id"] for h in json.loads(r.stdout)["hits"]] == ["h2023"]
    lines = "\n".join(json.dumps(x) for x in [
        {"id": "q1", "question": "harbour storm this week", "date": "2021-03-02"},
        {"id": "q2", "question": "harbour storm this week", "date": "2023-01-11"}])
    r = run("--queries", "-", "-k", "1", "--json", stdin=lines + "\n")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(x["id"], x["hits"][0]["article_id"]) for x in rows] == [("q1", "h2021"),
                                                                    ("q2", "h2023")]
    r = run("harbour", "--since", "last tuesday-ish")
    assert r.returncode == 2 and "not a date" in r.stderr
