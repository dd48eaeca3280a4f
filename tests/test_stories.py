"""Wire copies: one story run by several outlets is one story in search and in who-said
answers, and a follow-up that quotes it is not."""

from __future__ import annotations

import json
import random

import pytest

from assistant.config import get_settings
from assistant.core import Assistant
from assistant.stories import same_story, signature

WIRE = [
    "KESTREL BAY (Wire) — A winter storm tore through the coast of Kestrel Bay on Sunday "
    "night, sinking two fishing boats and cutting power to about 40,000 homes.",
    "\"We will rebuild the harbour by spring, whatever it costs,\" Mayor Jo Park told "
    "reporters on Monday morning at the damaged ferry terminal.",
    "The regional weather service said gusts reached 150 kilometres an hour near the "
    "lighthouse, the strongest recorded there since records began in 1921.",
    "Crews from the national grid operator worked through the night. The company said most "
    "customers would have electricity again by Wednesday, though remote farms could wait "
    "longer.",
    "Fishermen said the loss of the two trawlers, the Morning Star and the Grey Heron, would "
    "hurt the town's main industry during its busiest season of the year.",
    "The coast guard rescued eleven crew members from the water. Two were taken to hospital "
    "with hypothermia and were in a stable condition, officials said.",
    "Schools in the district stayed closed on Monday, and the regional government promised "
    "emergency funds for families whose homes were flooded by the storm surge.",
    "Forecasters warned that a second, weaker storm could reach the coast on Thursday, and "
    "asked residents to secure boats, roofs and garden furniture before then.",
]
FOLLOW_UP = [
    "KESTREL BAY — A week after the storm, the harbour of Kestrel Bay is still closed and "
    "the town council has yet to agree on how to pay for the repairs.",
    WIRE[1],  # the follow-up quotes the wire story's paragraph
    "Council members argued on Tuesday over whether to borrow the money or to raise the "
    "harbour fees paid by visiting yachts during the summer months.",
    "The opposition leader, Sam Reed, said the mayor had promised too much too soon and "
    "called for an independent survey of the sea wall before any work begins.",
    "Insurance assessors arrived on Wednesday to inspect the two sunken trawlers, which "
    "their owners hope to raise from the seabed before the spring fishing season.",
    "Local businesses reported a sharp drop in visitors, and the tourist office said hotel "
    "bookings for December had fallen by half compared with last year.",
]
OTHER = [
    "The city orchestra of Ashford announced on Friday that its new concert hall will open "
    "in March, two years later than planned, after a dispute with the builders.",
    "Conductor Mira Okafor said the acoustics of the hall were worth the wait and promised "
    "a season of Brahms, Sibelius and new works by local composers.",
    "Ticket sales for the opening week begin in January, and students will be offered seats "
    "at a third of the usual price, the orchestra's manager said.",
]


def text(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)


def edited_copy(seed: int) -> str:
    """What an outlet does to wire copy: its byline, a dropped paragraph, two sentences
    swapped, a paragraph cut at the end."""
    rng = random.Random(seed)
    paras = list(WIRE)
    # "Crews … night. The company said …": its two sentences swapped
    first, second = paras[3].split(". ", 1)
    paras[3] = second.rstrip(".") + ". " + first + "."
    del paras[rng.randrange(4, len(paras))]
    return text([f"By Daily Staff {seed}"] + paras[:-1])


def test_near_copies_are_one_story_and_other_articles_are_not():
    wire = signature(text(WIRE))
    for seed in range(5):
        assert same_story(wire, signature(edited_copy(seed))), seed
    assert same_story(wire, signature(text(WIRE)))  # an exact copy
    assert same_story(wire, signature(text(WIRE[:4])))  # cut to its first paragraphs
    assert not same_story(wire, signature(text(FOLLOW_UP)))  # quotes one paragraph of it
    assert not same_story(wire, signature(text(OTHER)))
    # too short to tell a copy from a brief: only identical texts are one story
    assert not same_story(signature("Storm hits Kestrel Bay, mayor vows to rebuild."),
                          signature("Storm hits Kestrel Bay, mayor vows to rebuild harbour."))


@pytest.fixture
def assistant(tmp_path):
    rows = [
        {"id": "wire", "title": "Storm sinks two boats in Kestrel Bay", "outlet": "Wire Agency",
         "published": "2026-11-30", "text": text(WIRE)},
        {"id": "copy-a", "title": "Kestrel Bay battered by winter storm", "outlet": "Daily A",
         "published": "2026-11-30", "text": edited_copy(1)},
        {"id": "copy-b", "title": "Mayor vows to rebuild harbour after storm",
         "outlet": "Daily B", "published": "2026-12-01", "text": edited_copy(2)},
        {"id": "follow-up", "title": "Kestrel Bay council split over harbour repairs",
         "outlet": "Daily A", "published": "2026-12-07", "text": text(FOLLOW_UP)},
        {"id": "orchestra", "title": "Ashford concert hall opens late", "outlet": "Arts Daily",
         "published": "2026-11-20", "text": text(OTHER)},
    ]
    (tmp_path / "news.jsonl").write_text("\n".join(json.dumps(r) for r in rows[:2]) + "\n")
    (tmp_path / "later.jsonl").write_text("\n".join(json.dumps(r) for r in rows[2:]) + "\n")
    a = Assistant(get_settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data"))
    a.ingest([tmp_path / "news.jsonl"], progress=False)
    a.ingest([tmp_path / "later.jsonl"], progress=False)  # a later run finds the story too
    return a


def test_copies_share_a_story_id_across_ingest_runs(assistant):
    stories = {i.id: i.story for i in assistant.articles()}
    assert stories == {"wire": "wire", "copy-a": "wire", "copy-b": "wire",
                       "follow-up": "follow-up", "orchestra": "orchestra"}


def test_search_shows_a_story_once_and_names_the_other_outlets(assistant):
    hits = assistant.search("How fast were the storm gusts near the lighthouse?", k=5)
    ids = [h.article_id for h in hits]
    wire_copies = [i for i in ids if i in ("wire", "copy-a", "copy-b")]
    assert len(set(wire_copies)) == 1, ids  # one member stands for the story
    first = next(h for h in hits if h.article_id in ("wire", "copy-a", "copy-b"))
    outlets = {"wire": "Wire Agency", "copy-a": "Daily A", "copy-b": "Daily B"}
    assert sorted(first.also_in + [outlets[first.article_id]]) == sorted(outlets.values())
    answer = assistant.ask("How fast were the storm gusts near the lighthouse?")
    card = next(c for c in answer.citations if c.article_id == first.article_id)
    assert card.also_in == first.also_in
    assert card.to_json()["also_in"] == first.also_in


def test_who_said_lists_a_quote_once_per_story(assistant):
    answer = assistant.ask("What did Jo Park say about the harbour?")
    rebuild = [c for c in answer.citations if "rebuild the harbour by spring" in c.text]
    # the wire story and its two copies say it: once; the follow-up that quotes it: its own
    stories = {"wire": "wire", "copy-a": "wire", "copy-b": "wire", "follow-up": "follow-up"}
    assert sorted({stories[c.article_id] for c in rebuild}) == sorted(
        stories[c.article_id] for c in rebuild), answer.answer
    assert answer.answer.count("rebuild the harbour by spring") == len(rebuild) <= 2


def test_the_articles_list_shows_the_stories(assistant, tmp_path, capsys):
    from assistant.cli import main

    assert main(["articles", "list", "--index", str(tmp_path / "index")]) == 0
    out, err = capsys.readouterr()
    line = next(ln for ln in out.splitlines() if ln.startswith("copy-b\t"))
    assert line.endswith("story wire (3 articles)")
    orchestra = next(ln for ln in out.splitlines() if ln.startswith("orchestra\t"))
    assert "story" not in orchestra
    assert "5 articles, 2 of them wire copies of another" in err
