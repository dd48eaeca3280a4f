"""The quote index: filled at ingest, kept in step with its articles, and the who-said
answers built from it (extractive and as an LLM's sources), through library and CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import get_settings
from assistant.core import Assistant
from assistant.quotes import answers as qa
from assistant.quotes import extract_quotes
from assistant.web.render import answer_html
from testkit.llm_server import Reply, ScriptedLLM

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
CLI = [sys.executable, "-m", "assistant.cli"]
CEASEFIRE_Q = "Who said what about the ceasefire?"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Assistant:
    a = Assistant(get_settings(index_dir=tmp_path_factory.mktemp("quotes") / "index",
                               data_dir=tmp_path_factory.mktemp("quotes-data")))
    a.ingest([SEEDS], progress=False)
    return a


def speakers(answer_text: str) -> list[str]:
    return re.findall(r"^\*\*(.+?)\*\*$", answer_text, re.M)


def test_ingest_fills_the_quote_index_with_each_articles_extraction(seeded):
    (info,) = seeded.articles()
    article = seeded.article(info.id)
    # each with a speaker: "… is expected to meet" by no one named is nobody's to list
    expected = [q for q in extract_quotes(article.text) if q.speaker]
    assert seeded.stats()["quotes"] == len(expected) >= 10
    stored = seeded.quotes(limit=100)
    for q in stored:  # verbatim, with true offsets for the content and the speaker
        assert article.text[q.start:q.end] == q.content
        assert article.text[q.speaker_start:q.speaker_end] == q.mention


def test_who_said_what_about_the_ceasefire_lists_the_speakers_verbatim(seeded):
    ans = seeded.ask("Who said what about the ceasefire?")
    names = " | ".join(speakers(ans.answer))
    for who in ("Obama", "official", "Syria envoy", "source", "Veterans For Peace"):
        assert who in names, (who, names)
    assert "“However, we must ensure that it is an effective agreement”" in ans.answer
    assert "“The process will continue”" in ans.answer  # the source quoted by Interfax
    text = seeded.article(ans.citations[0].article_id).text
    numbers = {int(n) for n in re.findall(r"\[(\d+)\]", ans.answer)}
    assert numbers == {c.n for c in ans.citations}
    for c in ans.citations:
        assert text[c.start:c.end] == c.text and c.text in ans.answer
        assert c.text in c.passage and text[c.passage_start:].startswith(c.passage)
    # one speaker, one group: "Obama" and "Barack Obama" are the same man
    assert len(set(speakers(ans.answer))) == len(speakers(ans.answer))
    assert "Obama" not in [s for s in speakers(ans.answer) if s != "Barack Obama"]


def test_what_did_a_speaker_say_keeps_to_that_speaker(seeded):
    ans = seeded.ask("What did Obama say?")
    assert speakers(ans.answer) == ["Barack Obama"]
    # the seed has Putin discuss and meet, never say: nothing is listed as his words (the
    # two "he said" that once were are an unnamed "he" and the administration official)
    ans = seeded.ask("What did Putin say?")
    assert "Vladimir Putin" not in speakers(ans.answer)
    assert ans.answer.startswith("No statement by Putin was found in the articles.")
    # "He said Putin and Obama discussed Syria": what is listed is what "he" said, not a
    # "Putin discussed" nested in it
    assert seeded.quotes(speaker="putin") == []
    assert seeded.quotes(speaker="obama")
    assert all("Obama" in q.speaker for q in seeded.quotes(speaker="obama"))
    assert seeded.quotes(speaker="Nobody Atall") == []


def test_other_questions_still_answer_from_passages(seeded):
    ans = seeded.ask("Where is the humanitarian crisis?")
    assert not speakers(ans.answer)
    assert seeded.ask("Who said what about banana bread recipes?").citations == [] or \
        not speakers(seeded.ask("Who said what about banana bread recipes?").answer)



def _indexed(tmp_path, *rows: dict) -> Assistant:
    """An assistant over a fresh index of these articles ({"id", "title", "text", …})."""
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    a = Assistant(get_settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data"))
    a.ingest([tmp_path / "a.jsonl"], progress=False)
    return a

@pytest.mark.parametrize("question, speaker, topic", [
    ("Who said what about the ceasefire?", "", "the ceasefire"),
    ("who said what", "", ""),
    ("What did Putin say about Syria?", "Putin", "Syria"),
    ("What has Lavrov said?", "Lavrov", ""),
    ("Who criticised the deal?", "", "the deal"),
    ("How did the Kremlin react to the strikes?", "the Kremlin", "the strikes"),
    ("Quotes from Kerry on Aleppo", "Kerry", "Aleppo"),
    ("And what did Putin say?", "Putin", ""),  # a follow-up's opener
])
def test_who_said_questions_are_recognised(question, speaker, topic):
    asked = qa.parse(question)
    assert asked is not None and (asked.speaker, asked.topic) == (speaker, topic)


@pytest.mark.parametrize("question", ["What happened in Aleppo?", "Who is Lavrov?",
                                      "When was the ceasefire agreed?"])
def test_other_questions_are_not_who_said(question):
    assert qa.parse(question) is None


def test_reingest_and_delete_keep_quotes_in_step(tmp_path):
    a = Assistant(get_settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data"))
    doc = tmp_path / "story.jsonl"

    def write(text: str) -> None:
        doc.write_text(json.dumps({"id": "harbour-1", "title": "Harbour plan", "text": text}))

    write("“The harbour will open in May,” the mayor said. "
          "Councillor Ann Lee said the budget was too small.")
    a.ingest([doc], progress=False)
    assert a.stats()["quotes"] == 2
    write("Councillor Ann Lee said the budget was fine now.")
    report = a.ingest([doc], progress=False)
    assert report.updated and a.stats()["quotes"] == 1
    (q,) = a.quotes()
    assert q.content == "the budget was fine now" and q.speaker == "Councillor Ann Lee"
    assert a.delete(q.article_id) and a.stats()["quotes"] == 0


def test_rebuild_quotes_restores_a_lost_quote_index(seeded, tmp_path):
    a = Assistant(get_settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data"))
    a.ingest([SEEDS], progress=False)
    before = sorted((q.article_id, q.start, q.end, q.speaker) for q in a.quotes(limit=100))
    # an index whose quotes were lost (written without them, or damaged)
    a.store.quotes.delete(ids=[i for i, _, _ in a.store.quote_records()])
    assert a.stats()["quotes"] == 0
    assert a.rebuild_quotes(progress=False) == len(before)
    after = sorted((q.article_id, q.start, q.end, q.speaker) for q in a.quotes(limit=100))
    assert after == before


def test_quote_extraction_can_be_switched_off(tmp_path):
    a = Assistant(get_settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data",
                               extract_quotes=False))
    a.ingest([SEEDS], progress=False)
    assert a.stats()["quotes"] == 0 and a.stats()["chunks"] > 0
    assert a.stats()["quotes_outdated"] == a.stats()["articles"]  # none extracted yet


def test_quotes_from_older_rules_say_so_until_rebuilt(tmp_path):
    """An index whose quotes older extraction rules found (as after an upgrade) says so in
    its stats, the CLI says what to run, and `quotes --rebuild` brings it up to date."""
    from assistant.quotes import RULES

    index = tmp_path / "index"
    a = Assistant(get_settings(index_dir=index, data_dir=tmp_path / "data"))
    a.ingest([SEEDS], progress=False)
    assert a.stats()["quotes_outdated"] == 0
    got = a.store.articles.get(include=["metadatas"])
    assert {m["quote_rules"] for m in got["metadatas"]} == {RULES}
    # what an index built by the previous rules holds
    a.store.articles.update(ids=got["ids"], metadatas=[{**m, "quote_rules": RULES - 1}
                                                       for m in got["metadatas"]])
    assert a.stats()["quotes_outdated"] == len(got["ids"]) >= 1

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "assistant.cli", *args, "--index",
                               str(index)], capture_output=True, text=True, timeout=300)

    out = cli("articles", "stats")
    assert out.returncode == 0 and "older extraction rules" in out.stdout
    assert "quotes --rebuild" in out.stdout
    before = a.stats()["quotes"]
    assert a.rebuild_quotes(progress=False) == before
    assert a.stats()["quotes_outdated"] == 0
    out = cli("articles", "stats")
    assert "older extraction rules" not in out.stdout


def test_who_said_answer_renders_as_a_speaker_list_and_escapes_names(seeded):
    html = answer_html(seeded.ask("Who said what about the ceasefire?"))
    assert "<strong>Barack Obama</strong>" in html and "• said" in html
    from assistant.types import Answer
    evil = Answer(question="q", answer="**<img src=x onerror=alert(1)>**\n- said x [1]")
    out = answer_html(evil)
    assert "<img" not in out and "<strong>&lt;img src=x onerror=alert(1)&gt;</strong>" in out


@pytest.fixture(scope="module")
def llm_seeded(seeded, tmp_path_factory):
    """The seeded index answered with a scripted LLM (a real OpenAI-compatible server)."""
    with ScriptedLLM() as llm:
        s = seeded.settings
        yield llm, Assistant(get_settings(index_dir=s.index_dir, data_dir=s.data_dir,
                                          llm_base_url=llm.url + "/v1", llm_model="scripted",
                                          llm_api_key="k", llm_max_retries=0))


WORDS = "“However, we must ensure that it is an effective agreement”"


def test_with_an_llm_the_list_stays_whole_under_its_summary(seeded, llm_seeded):
    llm, a = llm_seeded

    def reply(body: dict) -> Reply:  # cites the source that holds the words, as a model would
        prompt = body["messages"][-1]["content"]
        n = re.findall(r'<source id="(\d+)">', prompt[:prompt.index("effective agreement")])[-1]
        return Reply(content=f"An official said {WORDS} [{n}].")

    llm.responder(reply)
    ans = a.ask("Who said what about the ceasefire?")
    llm.responder(None)
    prompt = llm.requests[-1]["messages"][-1]["content"]
    offline = seeded.ask("Who said what about the ceasefire?")
    assert ans.mode == "llm" and not ans.warnings, ans.warnings
    # the numbered sources are the attributions: the words and who said them
    assert "Veterans For Peace" in prompt and prompt.count('<source id="') >= 8
    summary, listed = ans.answer.split("\n\n", 1)
    assert listed == offline.answer  # the verified list, whole, under the summary
    assert [c.text for c in ans.citations] == [c.text for c in offline.citations]
    (n,) = [int(k) for k in re.findall(r"\[(\d+)\]", summary)]
    # the summary's number is the list's number of the words it quotes
    assert WORDS.strip("“”") in ans.citations[n - 1].text
    assert "the official" in ans.citations[n - 1].passage


def test_no_llm_reply_can_shorten_the_list(seeded, llm_seeded):
    llm, a = llm_seeded
    offline = seeded.ask("Who said what about the ceasefire?").answer
    llm.push(Reply("[1] President Obama"))
    ans = a.ask("Who said what about the ceasefire?")
    assert ans.answer.endswith(offline) and ans.answer.startswith("[1] President Obama")
    llm.push(Reply("Recep Tayyip Erdogan said the ceasefire will hold [2]."))
    ans = a.ask("Who said what about the ceasefire?")
    assert ans.answer.endswith(offline)
    assert "Erdogan ⚠[not among the speakers found] said" in ans.answer
    assert any("Erdogan speaking" in w for w in ans.warnings), ans.warnings
    llm.push(Reply("The talks failed."))  # cites nothing: the list alone
    ans = a.ask("Who said what about the ceasefire?")
    assert ans.answer == offline and "LLM summary discarded" in ans.warnings[0]
    llm.push(*[Reply("down", status=500)] * 5)  # the endpoint fails: the list, said so
    ans = a.ask("Who said what about the ceasefire?")
    assert ans.answer.endswith("\n" + offline) and ans.warnings[0].startswith("LLM unavailable")
    assert ans.answer.startswith("(LLM unavailable")
    streamed = list(a.ask_stream("Who said what about the ceasefire?"))
    assert streamed[-1].answer.endswith(offline)  # streaming gives the same whole list


def test_cli_quotes_and_extract_quotes(seeded, tmp_path):
    env_index = str(seeded.settings.index_dir)
    r = subprocess.run(CLI + ["quotes", "--speaker", "Obama", "--json", "--index", env_index],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)["quotes"]
    assert got and {q["speaker"] for q in got} == {"Barack Obama", "Obama"}
    src = tmp_path / "in.jsonl"
    text = "“We will win,” he said. “No doubt.” Mayor Ann Lee said the deal was dead."
    src.write_text(json.dumps({"id": "a", "text": text}) + "\n{broken\n"
                   + json.dumps({"id": 7, "text": ""}) + "\n")
    r = subprocess.run(CLI + ["extract-quotes", str(src)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 1 and ":2:" in r.stderr  # the bad line is reported
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert [row["id"] for row in rows] == ["a", None, 7]
    assert rows[2]["quotes"] == [] and "error" in rows[1]
    quotes = rows[0]["quotes"]
    assert [q["content"] for q in quotes] == ["“We will win,”", "“No doubt.”", "the deal was dead"]
    for q in quotes:  # the stable evaluation format
        assert set(q) == {"speaker", "speaker_start", "speaker_end", "cue", "content", "start",
                          "end", "direct"}
        assert text[q["start"]:q["end"]] == q["content"]
        assert text[q["speaker_start"]:q["speaker_end"]] == q["speaker"]
    assert [q["speaker"] for q in quotes] == ["he", "he", "Mayor Ann Lee"]


def test_who_said_answers_honour_date_filters(tmp_path):
    a = Assistant(get_settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data"))
    src = tmp_path / "a.jsonl"
    src.write_text(json.dumps({"id": "h1", "title": "Harbour", "published": "2024-03-02",
                               "text": "Councillor Ann Lee said the harbour budget was "
                                       "too small for the new ferry terminal."}))
    a.ingest([src], progress=False)
    assert speakers(a.ask("What did Ann Lee say?", until="2024-03").answer) == [
        "Councillor Ann Lee"]
    assert not speakers(a.ask("What did Ann Lee say?", since="2024-04").answer)
    assert not speakers(a.ask("What did Ann Lee say about the harbour?",
                              until="2024-02-28").answer)


def test_who_said_lists_statements_by_speakers_only(tmp_path):
    """Not a bare noun phrase ("call the IRS"), not "the word" or "your best bet" as a
    speaker, not a headline ("Fed chair: …")."""
    text = ("Fed chair: rates will stay high\n\n"
            "Inflation rose again in May, the Labor Department said on Friday, with prices "
            "up 4.1 percent from a year earlier.\n\n"
            "The word describes the pace of inflation that economists fear most. People "
            "should not call the IRS about it, officials said.\n\n"
            "Your best bet is to call the company, the agency said of price complaints.\n\n"
            "“Inflation is still far too high,” said Jerome Powell, the chair of the Federal "
            "Reserve.")
    a = _indexed(tmp_path, {"id": "inf", "title": "Inflation rises", "text": text})
    raw = {q.speaker for q in a.quotes(limit=50)}
    assert {"The word", "Fed chair"} <= raw  # extracted, …
    # nested in what the officials and the agency said, so not extracted apart
    assert not {"People", "Your best bet"} & raw
    ans = a.ask("Who said what about inflation?")
    shown = speakers(ans.answer)
    assert "Jerome Powell" in shown and "The Labor Department" in shown
    for wrong in ("The word", "People", "Your best bet", "Fed chair"):  # … never listed
        assert wrong not in shown, ans.answer
    # the officials' and the agency's statements stay; the bare objects do not
    assert "- should not call the IRS" not in ans.answer and "- to call" not in ans.answer


def test_documents_and_others_named_after_someone_are_not_that_speaker():
    from assistant.quotes.answers import is_speaker
    from assistant.quotes.speakers import matches

    for document in ("A company-run study in about 2,500 children", "The recommendation",
                     "A Tuesday release", "The queen's funeral plan", "What",
                     "Scientific research", "The letter from the members",
                     "Whose family"):  # (the family of the one named before "whose")
        assert not is_speaker(document), document
    assert not is_speaker("Once Abbott")  # "Once Abbott gets the FDA's OK, it says …"
    assert is_speaker("Secretary of State Antony Blinken") and is_speaker("The court")
    # "what did DeSantis say?" is not answered by those close to him, nor by his lawyers
    for other in ("Those close to DeSantis", "DeSantis's lawyers", "A spokesman for DeSantis",
                  "DeSantis administration officials"):
        assert not matches("DeSantis", other), other
    assert matches("DeSantis", "Ron DeSantis") and matches("Putin", "Vladimir Putin (cited by "
                                                                   "Interfax)")
    # "how did Ukraine react?" is not answered by some of Ukraine, nor by Obama's wife
    assert not matches("Ukraine", "Several Russian-occupied regions of Ukraine")
    assert not matches("Obama", "the wife of Obama")
    assert matches("Ukraine", "the president of Ukraine")  # a title
    assert matches("Democrats", "Three-quarters of Democrats")  # a share of them
    assert matches("Kristalina Georgieva", "head of the IMF Kristalina Georgieva")


def test_a_description_joins_the_one_name_it_shortens():
    from assistant.quotes.answers import _shorter_form

    assert _shorter_form("The palace", "Buckingham Palace")
    assert _shorter_form("the committee", "the Jan. 6 committee")
    assert not _shorter_form("The palace", "the old palace guards")  # no name
    assert not _shorter_form("The palace", "Palace officials")  # another head


def test_a_reported_question_or_what_someone_knows_is_not_listed(tmp_path):
    text = ("Others questioned whether Elon Musk might restore the banned accounts.\n\n"
            "Fans know Elon Musk will have to improve the site, a blog said.\n\n"
            "A lawyer questioned Jared Birchall about his ties to Elon Musk.\n\n"
            "Many users didn't realize Elon Musk had changed the rules.\n\n"
            "Senator Raj Patel said Elon Musk had broken his promises to advertisers.")
    a = _indexed(tmp_path, {"id": "musk", "title": "Musk's Twitter", "text": text})
    raw = {q.speaker for q in a.quotes(limit=50)}
    assert {"Others", "A lawyer", "Many users"} <= raw  # extracted, …
    assert "Fans" not in raw  # (nested in what the blog said)
    ans = a.ask("Who said what about Elon Musk?")
    # … not listed: the blog said it, the fans only "know", the users "didn't realize";
    # the others and the lawyer asked
    assert speakers(ans.answer) == ["A blog", "Raj Patel"], ans.answer


def test_a_things_which_a_teaser_question_a_helped_reveal_and_an_aim_are_not_listed(tmp_path):
    text = ("The Queen consulted Prince Charles about titles, which suggests Camilla will be "
            "accepted as Queen.\n\n"
            "Camilla's future title, explained: What is the difference between a queen and "
            "a Queen Consort for Camilla?\n\n"
            "A portrait helped reveal that Camilla had been at the palace for years.\n\n"
            "The palace's new programme aims to show that Camilla is ready for the role.\n\n"
            "Buckingham Palace said Camilla will be known as Queen Consort.")
    a = _indexed(tmp_path, {"id": "camilla", "title": "Camilla", "text": text})
    ans = a.ask("Who said what about Camilla?")
    assert speakers(ans.answer) == ["Buckingham Palace"], ans.answer


def test_an_acronym_and_a_middle_initial_name_one_speaker():
    from assistant.quotes.answers import canonical_names
    from assistant.types import IndexedQuote

    def said(article_id, speaker):
        return IndexedQuote(article_id, "", "", "", "", speaker, speaker, "said", "…", 0, 1,
                            0, 1, False)

    texts = {"a": "The Centers for Disease Control and Prevention (CDC) said cases rose.",
             "b": "The CDC said vaccines work.", "c": "Donald J. Trump spoke.",
             "d": "Donald Trump spoke."}
    quotes = [said("a", "The Centers for Disease Control and Prevention (CDC"),
              said("b", "The CDC"), said("c", "Donald J. Trump"), said("d", "Donald Trump")]
    names = canonical_names(quotes, texts)
    assert names[0] == names[1] == "The Centers for Disease Control and Prevention"
    assert names[2] == names[3]
    # a bare surname takes the one full name its own article gives
    texts = {"e": "U.S. President Barack Obama flew in. Obama said talks would go on.",
             "f": "Emmanuel Macron and Brigitte Macron arrived. Macron said little."}
    names = canonical_names([said("e", "Obama"), said("f", "Macron")], texts)
    assert names == {0: "Barack Obama", 1: "Macron"}
    # a body by its acronym, described with a word less; another acronym stays apart
    names = canonical_names([said("g", "State news agency IRNA"), said("h", "State news IRNA"),
                             said("i", "State news ISNA")])
    assert names[0] == names[1] == "State news agency IRNA" and names[2] == "State news ISNA"


def test_what_a_named_speaker_said_about_a_topic_keeps_to_the_topic(tmp_path):
    rows = [{"id": "harbour", "title": "Harbour plan", "text": "Mayor Ann Lee said the "
             "harbour plan would bring ferries back to the old port by the spring."},
            {"id": "school", "title": "School meals", "text": "Mayor Ann Lee said free "
             "school meals would start in every primary school next year."}]
    a = _indexed(tmp_path, *rows)
    ans = a.ask("What did Ann Lee say about the harbour plan?")
    assert "ferries" in ans.answer and "school meals" not in ans.answer, ans.answer


def test_quotes_from_an_article_without_the_topics_words_are_not_listed(tmp_path):
    rows = [
        {"id": "wave", "title": "Heat wave", "text": "The heat wave will last all week, "
         "forecaster Ann Lee said. Officials said cooling centres would stay open."},
        {"id": "orion", "title": "Orion returns", "text": "The next big test is the heat "
         "shield, NASA's Bill Nelson said. The capsule will splash down on Sunday."},
    ]
    golf = " ".join(f"Round {i} of the golf tour went to the final hole." for i in range(40))
    rows.append({"id": "roundup", "title": "Today's news", "text": (
        "The heat wave closed schools in the south, officials said.\n\n" + golf +
        "\n\nTournament official Sam Reed said the prize was the largest in golf.")})
    a = _indexed(tmp_path, *rows)
    answer = a.ask("Who said what about the heat wave?").answer
    assert "Bill Nelson" not in answer and "Ann Lee" in answer, answer
    # a roundup's other item, far from where it names the heat wave, is not about it
    assert "Sam Reed" not in answer and "closed schools" in answer, answer


def test_a_topic_of_several_words_is_named_together_and_in_the_quotes_own_section(tmp_path):
    filler = " ".join(f"Crews worked through night {i} on the lines." for i in range(12))
    rows = [
        # "heat" and "wave" both here, but never together
        {"id": "orion", "title": "Orion returns", "text": (
         "The heat of reentry reached 5,000 degrees. " + filler + " A wave of relief "
         "followed the splashdown, flight director Judd Frieling said.")},
        # a roundup: the Ukraine item has "strikes", the next item the railroad strike
        {"id": "five", "title": "5 things to know", "text": (
         "1. Ukraine\n\nRussian strikes hit the power grid, Ukraine's emergency services "
         "said.\n\n2. Rail Strike\n\nA railroad strike could start in November, the union "
         "of railroad workers said.")},
    ]
    a = _indexed(tmp_path, *rows)
    heat = a.ask("Who said what about the heat wave?").answer
    assert not any("Frieling" in s for s in speakers(heat)), heat
    rail = a.ask("Who said what about the railroad strike?").answer
    assert speakers(rail) == ["The union of railroad workers"], rail
    assert "could start in November" in rail and "power grid" not in rail, rail


def test_an_article_naming_the_topic_in_passing_answers_from_that_paragraph_only(tmp_path):
    """A market report that names the pipeline once, far into it, quotes the Kremlin on the
    ruble, not on the pipeline; an article about the pipeline (its lede names it) answers
    from its other paragraphs too."""
    market = ("Russian stocks crashed and the ruble hit a record low on Thursday.\n\n"
              "Kremlin spokesman Dmitry Peskov said the market would stabilize soon.\n\n"
              "Germany said it was suspending certification of the Nord Stream 2 gas "
              "pipeline.\n\n"
              "The central bank said it would provide extra liquidity to the banks.")
    about = ("The Nord Stream pipeline was damaged on Monday, Danish officials said.\n\n"
             "Swedish investigators said divers would reach the site within days.")
    a = _indexed(tmp_path, {"id": "m", "title": "Russian stocks crash", "text": market},
                 {"id": "n", "title": "Pipeline leak", "text": about})
    shown = speakers(a.ask("Who said what about the Nord Stream pipeline?").answer)
    assert "Germany" in shown and "Swedish investigators" in shown, shown
    assert "Dmitry Peskov" not in shown and "The central bank" not in shown, shown


def test_a_negated_warning_a_poll_share_history_and_a_deal_are_not_listed(tmp_path):
    from assistant.quotes.answers import is_speaker

    for thing in ("Only about half", "6 in 10", "Nearly 40% of voters", "History", "The deal",
                  "Tweets", "An email bounce-back message"):
        assert not is_speaker(thing), thing
    text = ("Vladimir Putin said NATO expansion does not pose a direct threat to Russia.\n\n"
            "Senator Ann Lee warned that Russia could cut off gas to Europe this winter.")
    a = _indexed(tmp_path, {"id": "r", "title": "Russia", "text": text})
    assert speakers(a.ask("Who warned about Russia?").answer) == ["Ann Lee"]


def test_an_added_remark_is_the_speakers_and_a_name_given_is_no_statement():
    """"X said the EU is set to act, adding that …": X adds, not the EU; "the nebula, also
    called the “Eight-Burst”" names, it says nothing."""
    from assistant.quotes.extract import extract_quotes

    quotes = extract_quotes("German Foreign Minister Annalena Baerbock said on Thursday the "
                            "European Union is set to unleash sanctions against Russia, adding "
                            "that the world must respond resolutely.")
    assert [q.speaker for q in quotes] == ["German Foreign Minister Annalena Baerbock"] * 2
    assert extract_quotes("The Southern Ring Nebula, also called the “Eight-Burst,” is 2,000 "
                          "light-years away from Earth.") == []


def test_according_to_is_listed_as_what_the_source_said(tmp_path):
    a = _indexed(tmp_path, {"id": "rail", "title": "Rail strike", "text": (
        "Such a strike would not occur until at least November 19, according to the union.")})
    answer = a.ask("Who said what about the strike?").answer
    assert "- said: Such a strike would not occur until at least November 19 [1]" in answer, \
        answer


def test_a_statement_footage_or_a_count_without_its_source_is_no_speaker():
    from assistant.quotes.answers import is_speaker

    for thing in ("The statement", "Statements", "Aerial footage", "New footage", "Deaths",
                  "Many", "Some", "Others", "A wide array", "The Meadows text logs"):
        assert not is_speaker(thing), thing
    # a statement from someone is theirs; a quantified group is still a group
    assert is_speaker("A statement from the White House") and is_speaker("Many Democrats")


def test_one_person_one_heading(tmp_path):
    # each variant in an article of its own: only the answer can join them
    rows = [
        {"id": "a", "title": "Gas prices", "text": "Patrick De Haan said gas prices would "
         "keep inflation high through the summer."},
        {"id": "b", "title": "Gas in July", "text": "De Haan of GasBuddy said drivers would "
         "pay more for gas in July, when prices peak."},
        {"id": "c", "title": "Gas and inflation", "text": "U.S. President Barack Obama said "
         "inflation from gas prices was hurting families."},
        {"id": "d", "title": "Oil reserves", "text": "President Obama said the government "
         "would release oil reserves to lower gas prices."},
    ]
    a = _indexed(tmp_path, *rows)
    answer = a.ask("Who said what about gas prices?").answer
    assert sorted(speakers(answer)) == ["Barack Obama", "Patrick De Haan"], answer
    groups = dict(g.split("\n", 1) for g in answer.split("\n\n"))
    assert "release oil reserves" in groups["**Barack Obama**"]  # "President Obama"
    assert "pay more for gas in July" in groups["**Patrick De Haan**"]  # "De Haan of …"

    # another Obama: a bare "Obama" could be either, so it is not merged into one
    (tmp_path / "b.jsonl").write_text(json.dumps({
        "id": "e", "title": "School buses", "text": "Michelle Obama said gas prices were a "
        "burden on school buses.\n\nObama said gas inflation must end soon."}) + "\n")
    a.ingest([tmp_path / "b.jsonl"], progress=False)
    answer = a.ask("Who said what about gas prices?").answer
    groups = dict(g.split("\n", 1) for g in answer.split("\n\n"))
    assert "must end soon" in groups["**Michelle Obama**"]  # in her article, she is "Obama"
    assert "release oil reserves" in groups["**Obama**"]
    assert "release oil reserves" not in groups["**Barack Obama**"]


def test_stance_questions_list_only_that_stance_or_say_none(tmp_path):
    text = ("Senator Ann Lee criticised the Federal Reserve on Tuesday for raising rates too "
            "fast.\n\n"
            "Economist Raj Patel said the Federal Reserve would meet again in June.\n\n"
            "Governor Sam Reed praised the Federal Reserve for acting quickly.\n\n"
            "Mayor Tom Hart has not criticised the Federal Reserve for its rates.\n\n"
            "Analysts question how far the Federal Reserve will go this year.")
    a = _indexed(tmp_path, {"id": "fed", "title": "The Fed", "text": text})
    # a cue negated, or a question asked, is no criticism
    assert speakers(a.ask("Who criticised the Federal Reserve?").answer) == ["Ann Lee"]
    assert speakers(a.ask("Who praised the Federal Reserve?").answer) == ["Sam Reed"]
    ans = a.ask("Who denied the report about the Federal Reserve?")
    assert ans.answer.startswith("The articles quote no one who denied") and not ans.citations
    # "who said what": statements; "criticised the Federal Reserve" says nothing more
    shown = speakers(a.ask("Who said what about the Federal Reserve?").answer)
    assert {"Raj Patel", "Sam Reed"} <= set(shown) and "Ann Lee" not in shown


def test_speakers_lists_who_is_quoted_most_one_name_each(tmp_path, seeded):
    rows = [
        {"id": "a", "title": "Gas", "published": "2026-11-02", "text": "U.S. President Barack "
         "Obama said gas prices were hurting families."},
        {"id": "b", "title": "Oil", "published": "2026-11-05", "text": "President Obama said "
         "the government would release oil reserves.\n\nPatrick De Haan said gas prices would "
         "fall by spring."},
        {"id": "c", "title": "Storm", "published": "2026-11-04", "text": "Mayor Jo Park said "
         "the harbour would reopen on Monday."},
    ]
    a = _indexed(tmp_path, *rows)
    top = a.speakers()
    assert [(s.name, s.quotes, s.articles, s.latest) for s in top][:1] == [
        ("Barack Obama", 2, 2, "2026-11-05")]
    assert {s.name for s in top} == {"Barack Obama", "Patrick De Haan", "Jo Park"}
    about = [s.name for s in a.speakers(about="gas and oil prices")]
    assert "Jo Park" not in about and "Barack Obama" in about
    out = subprocess.run([*CLI, "speakers", "--json", "--index", str(tmp_path / "index")],
                         capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "ASSISTANT_DATA_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["speakers"][0]["name"] == "Barack Obama"


# -- people and timelines (issue 16) ---------------------------------------------------------


@pytest.mark.parametrize("question, speaker, topic", [
    ("How has Ann Lee's position on the harbour plan changed?", "Ann Lee", "the harbour plan"),
    ("How did Obama's view of Russia evolve?", "Obama", "Russia"),
    ("How has the mayor changed her stance on the ferry?", "the mayor", "the ferry"),
    ("Ann Lee's position on the harbour over time", "Ann Lee", "the harbour"),
    ("What has Putin said about Syria over time?", "Putin", "Syria"),
])
def test_position_questions_ask_for_a_timeline(question, speaker, topic):
    asked = qa.parse(question)
    assert asked is not None and asked.timeline
    assert (asked.speaker, asked.topic) == (speaker, topic)
    assert not qa.parse("What did Obama say about Russia?").timeline


@pytest.fixture(scope="module")
def harbour(tmp_path_factory) -> Assistant:
    """A mayor's statements on one plan over three months, and someone else's."""
    a = Assistant(get_settings(index_dir=tmp_path_factory.mktemp("harbour") / "index",
                               data_dir=tmp_path_factory.mktemp("harbour-data")))
    src = tmp_path_factory.mktemp("harbour-src") / "h.jsonl"
    rows = [("h2", "2024-03-05", "Mayor changes course on harbour",
             "Mayor Ann Lee said on Tuesday that she now backs the harbour plan after the "
             "council cut its cost. Lee said the new ferry terminal would open in 2026."),
            ("h1", "2024-01-10", "Harbour plan too costly, mayor says",
             "Mayor Ann Lee said the harbour plan was far too expensive for the town. "
             "Councillor Tom Hart said the harbour plan would bring jobs to the coast."),
            ("h3", "2024-02-01", "Harbour plan under review",
             "Ann Lee said the harbour plan needed a second look before any vote.")]
    src.write_text("\n".join(json.dumps({"id": i, "published": d, "title": t, "text": x})
                             for i, d, t, x in rows))
    a.ingest([src], progress=False)
    return a


def test_a_position_question_answers_as_a_dated_list_oldest_first(harbour):
    ans = harbour.ask("How has Ann Lee's position on the harbour plan changed?")
    lines = [l for l in ans.answer.splitlines() if l.startswith("- ")]
    dates = [l[2:12] for l in lines]
    assert dates == sorted(dates) and dates[0] == "2024-01-10" and dates[-1] == "2024-03-05"
    assert "far too expensive" in lines[0] and "now backs the harbour plan" in ans.answer
    assert "Tom Hart" not in ans.answer  # his statement is not hers
    assert speakers(ans.answer) == ["Ann Lee"]  # "Mayor Ann Lee", "Lee": one person
    for c in ans.citations:  # each line cites the statement, in its article
        assert harbour.article(c.article_id).text[c.start:c.end] == c.text


def test_a_person_page_lists_their_statements_newest_first(harbour):
    page = harbour.person("Ann Lee")
    lines = [l for l in page.answer.splitlines() if l.startswith("- ")]
    dates = [l[2:12] for l in lines]
    assert dates == sorted(dates, reverse=True) and len(lines) >= 3
    assert all("Hart" not in l for l in lines)
    assert len(page.citations) == len(lines)
    about = harbour.person("Ann Lee", about="ferry terminal")
    assert "ferry terminal" in about.answer.splitlines()[1]
    assert harbour.person("Nobody Atall").answer == ("No statement by Nobody Atall was found "
                                                     "in the articles.")


def test_who_said_lists_what_was_said_by_whom_it_was_said(tmp_path):
    """Beliefs, hopes and infinitives are not statements; a survey or a study is no
    speaker; a subhead is no attribution; "who criticised X?" wants criticism aimed at X
    by someone other than X."""
    text = ("Harbour plan divides the town\n\n"
            "Borrowers who think they may be eligible have until October to apply. The vote "
            "prompted council members to condemn the harbour plan. A recent harbour study "
            "found that the harbour plan would cost jobs.\n\n"
            "Mayor says harbour plan is dead\n\n"
            "Councillor Tom Hart criticised the harbour plan as reckless. Mayor Ann Lee "
            "criticised the ferry company for its prices. Ann Lee said the harbour plan "
            "would bring jobs to the coast.")
    src = tmp_path / "h.jsonl"
    src.write_text(json.dumps({"id": "h", "title": "Harbour", "text": text}) + "\n")
    a = Assistant(get_settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data"))
    a.ingest([src], progress=False)
    said = a.ask("Who said what about the harbour plan?").answer
    assert "think they may be eligible" not in said and "to condemn" not in said
    assert "study" not in said.lower().split("\n- ")[0] and "**A recent harbour study**" not in said
    assert "Mayor says harbour plan is dead" not in said  # a subhead
    assert "would bring jobs to the coast" in said
    critics = a.ask("Who criticised the harbour plan?").answer
    assert speakers(critics) == ["Councillor Tom Hart"], critics  # not Lee on the ferry


def test_names_join_within_what_each_article_says(tmp_path):
    """A short name joins the one fuller name the answer has, unless its own article names
    someone else of that name; two spellings of one first name are one person."""
    rows = [{"id": "a", "title": "Visit", "text": "French President Emmanuel Macron arrived "
             "on Tuesday. Macron said the harbour deal would help both countries."},
            {"id": "b", "title": "Gala", "text": "Brigitte Macron said the harbour deal "
             "would help schools in both countries."},
            {"id": "c", "title": "Talks", "text": "Volodymyr Zelensky said the harbour talks "
             "would go on."},
            {"id": "d", "title": "More talks", "text": "Ukrainian President Volodymr Zelensky "
             "said the harbour talks were hard. Zelensky said the harbour would reopen."}]
    a = _indexed(tmp_path, *rows)
    shown = speakers(a.ask("Who said what about the harbour?").answer)
    # Emmanuel's words stay his, under the full name his own article gives
    assert "Brigitte Macron" in shown and "Emmanuel Macron" in shown
    # one heading, in the spelling the articles use most
    assert len([s for s in shown if "Zelensky" in s]) == 1, shown


def test_a_hard_wrapped_text_file_keeps_its_attributions(tmp_path):
    """Subheads are found by paragraph: a .txt file wrapped at 60 columns breaks every line
    without ending a sentence there, and its statements still count."""
    body = ("Councillor Tom Hart said the harbour plan would bring hundreds of jobs to "
            "the coast and that the council should approve it this spring.")
    wrapped = "\n".join(body[i:i + 60] for i in range(0, len(body), 60))
    (tmp_path / "h.txt").write_text(f"Harbour vote nears\n\n{wrapped}\n")
    a = Assistant(get_settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data"))
    a.ingest([tmp_path / "h.txt"], progress=False)
    assert speakers(a.ask("Who said what about the harbour plan?").answer) == [
        "Councillor Tom Hart"]


def test_the_ceasefire_answer_stays_the_same_after_unrelated_articles(tmp_path):
    """Issue 16's seed check: the speakers the article quotes on the ceasefire, nothing for
    Putin, and the same list once articles on other subjects (with statements of their
    own, by speakers who could be confused with the seed's) are indexed."""
    a = Assistant(get_settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data"))
    a.ingest([SEEDS], progress=False)
    before = a.ask(CEASEFIRE_Q)
    names = speakers(before.answer)
    for who in ("Barack Obama", "Washington’s Syria envoy", "The source (cited by Interfax)"):
        assert who in names, names
    assert any("official" in n for n in names) and any("Veterans For Peace" in n for n in names)
    assert not any("Putin" in n for n in names)
    rows = [
        {"id": f"u{i}", "title": t, "published": "2022-05-1%d" % i, "text": x}
        for i, (t, x) in enumerate([
            ("Baby formula shortage", "The Biden administration said it would fly in baby "
             "formula from Europe. An administration official said the shortage would ease "
             "by July. Parents said shelves had been empty for weeks."),
            ("Solar farm approved", "The county approved a solar farm on Tuesday. Its "
             "developer said the farm would power 20,000 homes. A spokesman for the group "
             "said it would start building in the spring."),
            ("Harbour ferry", "Mayor Ann Lee said the harbour ferry would run every hour. "
             "The official said tickets would cost $3."),
        ])]
    (tmp_path / "other.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    a.ingest([tmp_path / "other.jsonl"], progress=False)
    after = a.ask(CEASEFIRE_Q)
    assert speakers(after.answer) == names, after.answer
    assert {c.article_id for c in after.citations} == {c.article_id for c in before.citations}


def test_a_passive_cue_a_pronouns_belief_within_a_statement_and_a_question_asked():
    """"He … is largely credited for lifting millions": credited by no one named, not by
    him; "Durant expressed his belief that …" is Durant's once, not also "his"; a
    quotation that is a question asked states nothing."""
    from assistant.quotes.extract import extract_quotes

    credited = extract_quotes("Lula left office with a 90% approval rating in 2011.\n\nHe "
                              "left office popular, and is largely credited for lifting "
                              "millions of Brazilians from extreme poverty.")
    assert not [q for q in credited if q.cue == "credited" and q.speaker], credited
    belief = extract_quotes("Irving’s teammate Kevin Durant expressed his belief that the "
                            "team could have kept quiet about the comments.")
    assert {q.speaker for q in belief} == {"Irving’s teammate Kevin Durant"}, belief


def test_a_question_asked_a_list_label_and_a_quotes_first_words_are_no_speakers(tmp_path):
    from assistant.quotes.answers import is_speaker

    for label in ("Winner", "Winners", "Correction", "Location"):
        assert not is_speaker(label), label
    text = ("“Is this the attack you wanted?” the intruder asked, according to the "
            "documents.\n\n"
            "“At Nike, we believe there is no place for hate speech and we condemn any form "
            "of antisemitism,” Nike said in a statement about the attack.")
    a = _indexed(tmp_path, {"id": "p", "title": "The attack", "text": text})
    answer = a.ask("Who said what about the attack?").answer
    assert "Nike" in speakers(answer) and "At Nike" not in speakers(answer), answer
    assert "the attack you wanted" not in answer, answer


def test_those_who_speak_for_a_country_or_body_answer_how_it_reacted(tmp_path):
    """"How did Ukraine react?": no speaker is named Ukraine; its president and its
    ministry speak for it, a spokesman for another country and a region do not."""
    from assistant.quotes.speakers import speaks_for, speaks_for_body

    rows = [{"id": "strikes", "title": "Missile strikes hit the power grid",
             "text": "Missiles hit power stations across the country overnight, cutting "
                     "electricity to two million homes.\n\nUkrainian President Olena Marchuk "
                     "said the strikes on the power grid were “an attempt to freeze us into "
                     "surrender” and vowed to rebuild.\n\nUkraine’s energy ministry said "
                     "repairs to the grid after the strikes would take weeks.\n\nA Polish "
                     "government spokesman said the strikes on the grid were deplorable."}]
    a = _indexed(tmp_path, *rows)
    ans = a.ask("How did Ukraine react to the strikes on the power grid?")
    assert "freeze us into surrender" in ans.answer and "take weeks" in ans.answer, ans.answer
    assert "deplorable" not in ans.answer and "No statement" not in ans.answer, ans.answer
    assert speaks_for("the White House", "White House press secretary Jen Psaki")
    assert speaks_for("Democrats", "Democratic Sen. Chris Murphy")
    assert not speaks_for("Ukraine", "regions of Ukraine")
    assert not speaks_for("China", "Chinatown residents")
    assert not speaks_for("the CDC", "former CDC Director Dr. Tom Frieden")
    assert speaks_for_body("Democrats") and speaks_for_body("the Kremlin")
    assert speaks_for_body("Ukraine", frozenset({"ukraine"})) and not speaks_for_body("Obama")


def test_a_statement_two_outlets_report_is_listed_once_in_its_own_words(tmp_path):
    rows = [
        {"id": "a", "title": "Storm nears coast", "published": "2022-09-28",
         "text": "The governor spoke on Wednesday about the storm.\n\nGovernor Maria Lopez "
                 "said that the storm could be the “deadliest hurricane in the state's "
                 "history,” and urged residents to leave."},
        {"id": "b", "title": "Storm makes landfall", "published": "2022-09-29",
         "text": "The storm came ashore on Thursday.\n\n“This could be the deadliest "
                 "hurricane in the state’s history,” Governor Maria Lopez said.\n\nLopez "
                 "also said the state would open shelters in every county."},
    ]
    a = _indexed(tmp_path, *rows)
    answer = a.ask("What did Maria Lopez say about the storm?").answer
    assert answer.count("deadliest") == 1, answer
    assert "“This could be the deadliest" in answer, answer  # the words as said
    assert "urged residents to leave" in answer, answer  # another statement stays

