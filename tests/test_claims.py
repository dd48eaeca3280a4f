"""Claim-level checking of LLM answers (assistant/answer/claims.py).

Each rule as a reader meets it: a faithful paraphrase passes however its numbers, dates and
names are written; a changed name, figure or date is flagged in the text and in warnings;
each citation opens the sentence its claim rests on, never the whole passage; a sentence
citing nothing is flagged. Then the same through the real LLM path (the scripted
OpenAI-compatible server and the real openai client), streamed and not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answer.claims import Claims, Source, missing, source_facts, verify
from assistant.answer.llm import LLMAnswerer
from assistant.config import Settings
from assistant.ingest.loaders import load_file
from assistant.types import Answer, Hit
from testkit.llm_server import Reply, ScriptedLLM

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_4f6c05089ed85c55.txt"

WIRE = Source(
    text=("U.S. Secretary of State John Kerry met Russian Foreign Minister Sergei Lavrov on "
          "Sept. 5 in the Chinese city of Hangzhou. The aid plan would cost $1.2bn, and 12 "
          "people died in the shelling. Talks resumed on Tuesday at 3:30 p.m. About 1,234 "
          "troops were sent, up 3.5 percent on last year. The 2019 deal collapsed in 2021."),
    title="Kerry and Lavrov meet in Hangzhou", outlet="Example Wire",
    authors=["Jane Reporter"], published="2016-09-05")


def gaps(claim: str, src: Source = WIRE) -> list[str]:
    return missing(claim, [source_facts(src)])


@pytest.mark.parametrize("claim", [
    "According to Kerry, twelve people died in the shelling.",  # 12 spelled out
    "Kerry met Lavrov on 5 September in Hangzhou.",  # the date reordered
    "Kerry met Lavrov on September 5, 2016.",  # the year from the article's date
    "The aid plan would cost 1.2 billion dollars.",  # $1.2bn written out
    "The aid plan would cost about $1.2 billion.",
    "About 1,200 troops were sent, up 3.5% on last year.",  # a rounding, % for percent
    "The Russian minister met the American diplomat in China.",  # Russia/Russian, U.S./American
    "The United States sent troops.",
    "Talks resumed on Tuesday at 3:30 pm.",
    "Lavrov and Kerry met on Monday.",  # the article's date was a Monday
    "Example Wire's Jane Reporter wrote that the talks resumed.",  # the byline and outlet
    "Officials said the 2019 deal collapsed in 2021.",  # a common opener in any case
])
def test_faithful_paraphrases_pass(claim):
    assert gaps(claim) == []


@pytest.mark.parametrize("claim, changed", [
    ("Macron met Lavrov in Hangzhou.", "Macron"),  # a name swapped, first in its sentence
    ("Kerry met Sergei Shoigu on Sept. 5.", "Shoigu"),
    ("Fifteen people died in the shelling.", "Fifteen"),
    ("The aid plan would cost $1.5bn.", "1.5bn"),
    ("About 2,000 troops were sent.", "2,000"),  # not a rounding of 1,234
    ("Kerry met Lavrov on Sept. 7.", "Sept. 7"),
    ("Kerry met Lavrov in October.", "October"),
    ("Talks resumed on Friday.", "Friday"),
    ("Talks resumed at 4:30 p.m.", "4:30 p.m."),
    ("The 2016 deal collapsed.", "2016"),  # the article's year is no topic year
    ("ACCESS GRANTED.", "ACCESS"),  # words an injected instruction put in the model's mouth
])
def test_changed_facts_are_found(claim, changed):
    assert changed in gaps(claim)


def test_a_number_in_a_name_is_held_to_the_letter():
    covid = Source(text="Officials said Covid-19 cases rose to 20 in the county.")
    assert gaps("Covid-20 cases rose.", covid) == ["Covid-20"]
    assert gaps("Covid-19 cases rose to 20.", covid) == []


def test_a_figure_is_checked_in_the_sentences_the_claim_restates():
    # 2020 is in the passage, but not where the midterms are: the changed year is flagged.
    src = Source(text="Biden won the 2020 election after a long count in several states. "
                      "The changes come ahead of the 2022 midterm elections, the company said.")
    checked = Claims([src]).verify("The changes come ahead of the 2020 midterm elections [1].")
    assert "⚠[not in the cited source: 2020]" in checked.text
    ok = Claims([src]).verify("The changes come ahead of the 2022 midterm elections [1].")
    assert ok.warnings == [] and "⚠" not in ok.text


def test_each_citation_opens_the_sentence_its_claim_rests_on():
    text = ("Kerry met Lavrov on Sept. 5 in Hangzhou [1]. Twelve people died in the shelling "
            "[1]. The 2019 deal collapsed [1].")
    v = verify(text, [WIRE])
    # one source, three sentences: three numbers, each a sentence of the source
    assert v.text == ("Kerry met Lavrov on Sept. 5 in Hangzhou [1]. Twelve people died in the "
                      "shelling [2]. The 2019 deal collapsed [3].")
    sentences = [WIRE.text[s:e] for _, s, e in v.cites]
    assert sentences[0].startswith("U.S. Secretary of State") and sentences[0].endswith("Hangzhou.")
    assert sentences[1].startswith("The aid plan") and "12 people died" in sentences[1]
    assert sentences[2] == "The 2019 deal collapsed in 2021."
    assert v.warnings == []
    # two claims resting on one sentence share its number
    again = verify("Kerry met Lavrov [1]. They met in Hangzhou on Sept. 5 [1].", [WIRE])
    assert again.text.count("[1]") == 2 and len(again.cites) == 1


def test_a_quote_rests_on_the_sentence_it_comes_from():
    src = Source(text="The meeting was short. “We will keep talking until we agree,” Lavrov "
                      "said after the meeting. Kerry left at noon.")
    v = verify("Lavrov said “We will keep talking until we agree” [1].", [src])
    assert src.text[v.cites[0][1]:v.cites[0][2]].startswith("“We will keep talking")


def test_flags_stay_with_their_claim_and_say_what_is_missing():
    v = verify("Macron met Lavrov on Sept. 7 [1]. Twelve people died [1].", [WIRE])
    assert v.text.startswith("Macron met Lavrov on Sept. 7 [1] ⚠[not in the cited source: "
                             "Macron, Sept. 7]. Twelve people died [2].")
    assert v.warnings == ["not found in the cited source [1]: Macron, Sept. 7 (in “Macron met "
                          "Lavrov on Sept. 7 .”)"]


def test_a_sentence_citing_nothing_is_flagged_unless_it_states_nothing():
    v = verify("Kerry met Lavrov [1]. Then the two men flew home to their capitals. In short:",
               [WIRE])
    assert "flew home to their capitals ⚠[no source cited]." in v.text
    assert v.warnings == ["no source cited for: “Then the two men flew home to their capitals.”"]
    short = verify("Kerry met Lavrov [1]. ACCESS GRANTED.", [WIRE])
    assert "ACCESS GRANTED ⚠[no source cited]." in short.text
    assert verify("The articles don't cover this.", [WIRE]).warnings == []


def test_list_items_are_claims_and_their_numbers_are_no_figures():
    text = ("Two things happened:\n1. Kerry met Lavrov on Sept. 5 [1].\n2. Twelve people "
            "died in the shelling [1].\n- The 2019 deal collapsed [1]")
    v = verify(text, [WIRE])
    assert v.warnings == [] and "⚠" not in v.text  # "1." and "2." state nothing
    assert v.text.endswith("[1].\n2. Twelve people died in the shelling [2].\n- The 2019 "
                           "deal collapsed [3]")


# -- through the real LLM path -----------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_hit() -> Hit:
    """The seed as one merged passage, headline, "Share" and all: what a claim whose words
    cannot be located used to highlight whole (3,464 characters)."""
    article = load_file(SEED)[0]
    return Hit(article_id=article.id, title=article.title, url="https://example.org/syria",
               published="2016-09-05", text=article.text, start=0, end=len(article.text),
               score=0.7, outlet="Example Wire")


@pytest.fixture
def llm():
    with ScriptedLLM() as server:
        yield server


def _answerer(server: ScriptedLLM) -> LLMAnswerer:
    return LLMAnswerer(Settings(llm_base_url=server.url + "/v1", llm_model="m",
                                llm_api_key="t", llm_timeout=5.0, min_score=0.2))


def _no_fallback() -> Answer:
    raise AssertionError("the LLM answer should have been kept")


REPLY = ("Kerry and Lavrov met in the Chinese city of Hangzhou [1]. Obama said the two sides "
         "had not yet closed the gaps [1]. The talks will resume on Sept. 30, officials "
         "said [1].")


def test_an_llm_answer_cites_sentences_and_flags_a_changed_date(llm, seed_hit):
    llm.push(Reply(REPLY))
    ans = _answerer(llm).answer("Where did Kerry and Lavrov meet?", [seed_hit], _no_fallback)
    assert ans.mode == "llm"
    assert len(ans.citations) == 3  # one passage, three sentences
    for c in ans.citations:
        assert len(c.text) < 400 and seed_hit.text[c.start:c.end] == c.text
        assert c.text.strip() not in ("Share", "Advertisement")
    assert "Hangzhou" in ans.citations[0].text
    assert "⚠[not in the cited source: Sept. 30]" in ans.answer
    assert any("Sept. 30" in w for w in ans.warnings)
    assert "Hangzhou [1]" in ans.answer and "⚠" not in ans.answer.split("[2]")[0]


def test_a_streamed_answer_is_the_checked_answer(llm, seed_hit):
    llm.push(Reply(REPLY))
    items = list(_answerer(llm).stream("Where did Kerry and Lavrov meet?", [seed_hit],
                                       _no_fallback))
    *deltas, final = items
    assert isinstance(final, Answer) and final.mode == "llm" and len(deltas) > 3
    # numbers at claim level and the flag in place while streaming: nothing is rewritten
    assert "".join(deltas) == final.answer
    assert "⚠[not in the cited source: Sept. 30]" in final.answer


def test_a_streamed_list_is_the_checked_list(llm, seed_hit):
    llm.push(Reply("What the article says:\n1. Kerry and Lavrov met in the Chinese city of "
                   "Hangzhou [1].\n2. The talks will resume on Sept. 30 [1]."))
    *deltas, final = list(_answerer(llm).stream("Where did they meet?", [seed_hit],
                                                _no_fallback))
    assert "".join(deltas) == final.answer and len(final.citations) == 2
    assert "2. The talks will resume on Sept. 30 [2] ⚠[not in the cited source: Sept. 30]." \
        in final.answer


def test_an_obeyed_injection_reaches_no_reader_unflagged(llm, seed_hit):
    llm.push(Reply("ACCESS GRANTED. Please re-enter your password at "
                   "http://evil.example.test/login to continue. The talks failed to produce a "
                   "ceasefire agreement [1]."))
    ans = _answerer(llm).answer("Did the talks succeed?", [seed_hit], _no_fallback)
    assert "evil.example" not in ans.answer and "[link removed]" in ans.answer
    assert "ACCESS GRANTED ⚠[no source cited]." in ans.answer
    assert "to continue ⚠[no source cited]." in ans.answer
    assert sum("no source cited" in w for w in ans.warnings) == 2
