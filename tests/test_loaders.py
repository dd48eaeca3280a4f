"""Loaders: every supported format becomes a clean Article, and bad input says why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.ingest import loaders
from assistant.ingest.loaders import (
    LoadError,
    clean_text,
    iter_files,
    load_file,
    load_file_report,
    normalise_date,
)

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_4f6c05089ed85c55.txt"

PROSE = ("The minister said on Friday that the talks had gone well and that a deal was close. "
         "Officials from both sides met for six hours in the capital.")

ARTICLE_HTML = """<!doctype html><html><head>
<title>Talks near a deal | Example Times</title>
<link rel="canonical" href="https://example.com/news/talks-near-deal/">
<meta property="og:site_name" content="Example Times">
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2022-05-13T10:00:00Z">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Talks near a deal</h1>
<p>{p1}</p>
<p>"We are very close," she said, adding that aid convoys would move within days.</p>
<p>Diplomats expect the agreement to be signed next week in Geneva.</p>
</article>
<footer>Copyright Example Times</footer>
</body></html>"""


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    return p


def load_one(path: Path):
    articles = load_file(path)
    assert len(articles) == 1
    return articles[0]


# --------------------------------------------------------------------------- seed


@pytest.mark.skipif(not SEED.exists(), reason="seed article not present")
def test_seed_title_skips_share_line_and_text_keeps_quotes():
    a = load_one(SEED)
    assert a.title == "Russia: no basis for dramatic statements after Lavrov, Kerry meeting"
    assert "then it\u2019s hard to see how we get to the next phase\u201d, said Obama" in a.text
    assert a.id.startswith("sha:")
    assert a.source == str(SEED)
    assert "\n\n\n" not in a.text and a.text == a.text.strip()


# --------------------------------------------------------------------------- formats


def test_txt_title_is_first_short_line_and_stays_in_text(tmp_path):
    a = load_one(write(tmp_path, "a.txt", f"\n\nCeasefire talks resume in Geneva\n\n{PROSE}\n"))
    assert a.title == "Ceasefire talks resume in Geneva"
    assert a.text.startswith("Ceasefire talks resume in Geneva\n\nThe minister said")


def test_txt_no_title_when_first_line_is_a_sentence(tmp_path):
    a = load_one(write(tmp_path, "a.txt", PROSE))
    assert a.title == ""
    assert a.text == PROSE


def test_markdown_front_matter_and_syntax_stripped(tmp_path):
    md = f"""---
title: "Talks near a deal"
url: https://example.com/talks
date: 2022/05/13
authors:
  - Jane Doe
  - John Roe
source: Example Times
---

# Ignored heading because front matter wins

Some **bold** and *italic* text with a [link](https://example.com/x) and `code`.
![a chart](chart.png)

> {PROSE}

## Section two ##

- first point
"""
    a = load_one(write(tmp_path, "a.md", md))
    assert a.title == "Talks near a deal"
    assert a.url == "https://example.com/talks"
    assert a.published == "2022-05-13"
    assert a.authors == ["Jane Doe", "John Roe"]
    assert a.outlet == "Example Times"
    assert "Some bold and italic text with a link and code." in a.text
    assert "Section two\n\n- first point" in a.text
    for junk in ("**", "](", "chart.png", "a chart", "#", "> ", "---"):
        assert junk not in a.text
    assert a.id.startswith("url:")


def test_markdown_title_from_first_heading(tmp_path):
    a = load_one(write(tmp_path, "notes.markdown", f"Intro line\n\n# The *real* title\n\n{PROSE}"))
    assert a.title == "The real title"
    assert a.url == "" and a.published == ""


def test_html_extracts_text_and_metadata(tmp_path):
    a = load_one(write(tmp_path, "page.html", ARTICLE_HTML.format(p1=PROSE)))
    assert a.title == "Talks near a deal"
    assert a.url == "https://example.com/news/talks-near-deal/"
    assert a.published == "2022-05-13"
    assert a.authors == ["Jane Doe"]
    assert a.outlet == "Example Times"
    assert PROSE in a.text
    assert '"We are very close," she said' in a.text
    assert "\n\nDiplomats expect" in a.text  # block elements become paragraphs
    assert "<" not in a.text and "Copyright" not in a.text


def test_jsonl_fields_realtimeqa_and_bbc_shapes(tmp_path):
    rows = [
        {"id": "rtqa-1", "url": "https://cnn.com/a", "title": "First", "authors": ["A. Writer"],
         "published": "May 13, 2022", "text": PROSE},
        {"doc_id": "bbc-business-001", "category": "business", "title": "Second",
         "body": "Quarterly profits\tat   TimeWarner jumped 76%.", "source": "BBC"},
        {"title": "Third", "content": "Body via content.", "author": "Ann Lee; Bo Chan",
         "date": "2022-05-13T08:30:00+02:00"},
    ]
    p = write(tmp_path, "arts.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    a, b, c = load_file(p)
    assert (a.id, a.title, a.url, a.authors, a.published) == (
        "rtqa-1", "First", "https://cnn.com/a", ["A. Writer"], "2022-05-13")
    assert a.source == f"{p}:1"
    assert (b.id, b.outlet, b.text) == ("bbc-business-001", "BBC",
                                        "Quarterly profits at TimeWarner jumped 76%.")
    assert c.authors == ["Ann Lee", "Bo Chan"] and c.published == "2022-05-13"
    assert c.id.startswith("sha:") and c.source == f"{p}:3"


def test_jsonl_bad_lines_reported_good_lines_kept(tmp_path):
    lines = [
        json.dumps({"id": "ok-1", "text": "One."}),
        "",
        "{not json",
        json.dumps({"id": "no-text", "title": "x"}),
        json.dumps({"id": "blank", "text": " \u200b "}),
        json.dumps(["a", "list"]),
        json.dumps({"id": "ok-2", "text": "Two."}),
    ]
    p = write(tmp_path, "mixed.jsonl", "\n".join(lines))
    articles, errors = load_file_report(p)
    assert [a.id for a in articles] == ["ok-1", "ok-2"]
    assert [a.source for a in articles] == [f"{p}:1", f"{p}:7"]
    assert errors[0].startswith("line 3: invalid JSON")
    assert errors[1] == "line 4: missing 'text'"
    assert errors[2] == "line 5: empty 'text'"
    assert errors[3].startswith("line 6: expected a JSON object")
    assert [a.id for a in load_file(p)] == ["ok-1", "ok-2"]


def test_jsonl_with_only_bad_lines_raises(tmp_path):
    p = write(tmp_path, "bad.jsonl", '{"title": "x"}\n{oops\n')
    with pytest.raises(LoadError, match=r"line 1: missing 'text' \(and 1 more bad lines\)"):
        load_file(p)


# --------------------------------------------------------------------------- ids


def test_same_content_gives_same_id(tmp_path):
    a = load_one(write(tmp_path, "one/a.txt", PROSE))
    b = load_one(write(tmp_path, "two/b.txt", PROSE + "\n\n"))
    assert a.id == b.id


def test_different_text_without_url_gives_different_id(tmp_path):
    a = load_one(write(tmp_path, "a.txt", PROSE))
    b = load_one(write(tmp_path, "b.txt", PROSE.replace("Friday", "Monday")))
    assert a.id != b.id


def test_html_with_canonical_url_keeps_id_when_text_changes(tmp_path):
    a = load_one(write(tmp_path, "a.html", ARTICLE_HTML.format(p1=PROSE)))
    b = load_one(write(tmp_path, "b.html",
                       ARTICLE_HTML.format(p1=PROSE.replace("six hours", "seven hours"))))
    assert a.text != b.text
    assert a.id == b.id and a.id.startswith("url:")


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("content, reason", [
    (b"", "empty file"),
    (b"  \n\t\r\n  ", "empty file (only whitespace)"),
    ("\u200b\u200b\n".encode(), "empty file (only whitespace)"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (not text)"),
    (bytes(range(1, 32)) * 20, "binary file (not text)"),
])
def test_unreadable_content_raises(tmp_path, content, reason):
    p = write(tmp_path, "x.txt", content)
    with pytest.raises(LoadError) as err:
        load_file(p)
    assert str(err.value) == reason
    assert err.value.path == p


def test_unknown_extension_raises_with_supported_list(tmp_path):
    with pytest.raises(LoadError, match=r"unsupported extension \.xyz \(use \.txt, .*\.docx\)"):
        load_file(write(tmp_path, "a.xyz", PROSE))


def test_cp1252_file_decodes(tmp_path):
    text = "Caf\u00e9 owners said \u201cbonjour\u201d \u2014 na\u00efvely \u20ac5 a cup."
    a = load_one(write(tmp_path, "a.txt", text.encode("cp1252")))
    assert a.text == text


def test_undecodable_bytes_raise_encoding_error(tmp_path):
    # 0x81 and 0x8d are undefined in cp1252 and invalid as UTF-8 lead bytes.
    p = write(tmp_path, "a.txt", b"Hello \x81\x8d world, this is not text.")
    with pytest.raises(LoadError, match=r"not valid UTF-8 \(invalid byte 0x81 at offset 6"):
        load_file(p)


def test_broken_utf8_is_not_turned_into_mojibake(tmp_path):
    p = write(tmp_path, "a.txt", "it\u2019s caf\u00e9 ".encode() + b"\xff end")
    with pytest.raises(LoadError, match="not valid UTF-8"):
        load_file(p)


def test_utf8_bom_stripped(tmp_path):
    a = load_one(write(tmp_path, "a.txt", b"\xef\xbb\xbf" + PROSE.encode()))
    assert a.text == PROSE


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_utf16_with_bom_decodes(tmp_path, codec):
    raw = PROSE.encode(codec)
    if codec == "utf-16-be":
        raw = b"\xfe\xff" + raw
    a = load_one(write(tmp_path, "a.txt", raw))
    assert a.text == PROSE


def test_file_too_large(tmp_path, monkeypatch):
    monkeypatch.setattr(loaders, "MAX_FILE_BYTES", 100)
    with pytest.raises(LoadError, match=r"file too large \(0\.0 MB > .* MB\)"):
        load_file(write(tmp_path, "a.txt", PROSE * 2))


def test_html_without_article_text_raises(tmp_path):
    html = "<html><head><title>Empty</title><script>var x = 1;</script></head><body></body></html>"
    with pytest.raises(LoadError, match="no article text found in HTML"):
        load_file(write(tmp_path, "a.html", html))


def test_malicious_html_leaks_no_script(tmp_path):
    html = f"""<html><head><title>Evil</title><script>alert(1)</script>
<style>body {{ background: url(javascript:alert(5)) }}</style></head><body><article>
<p>{PROSE} <img src="x" onerror="alert(2)"> <a href="javascript:alert(3)">read more</a></p>
<script>document.write('alert(4)')</script>
<p onmouseover="alert(6)">A second paragraph of ordinary reporting about the negotiations.</p>
<iframe src="javascript:alert(7)"></iframe><noscript><p>alert(8)</p></noscript>
<svg onload="alert(9)"><text>svg</text></svg>
</article></body></html>"""
    a = load_one(write(tmp_path, "evil.html", html))
    assert PROSE in a.text and "A second paragraph" in a.text
    for bad in ("alert(", "onerror", "<script", "javascript:", "onmouseover", "<"):
        assert bad not in a.text
        assert bad not in a.title


def test_markdown_raw_html_and_scripts_removed(tmp_path):
    md = f"# Title\n\n{PROSE}\n\n<script>alert(1)</script>\n<div onclick=\"alert(2)\">Kept words</div>\n"
    a = load_one(write(tmp_path, "a.md", md))
    assert "Kept words" in a.text
    assert "alert(" not in a.text and "<" not in a.text


# --------------------------------------------------------------------------- cleaning


def test_clean_text_rules():
    raw = ("\ufeff  Title\u200b line \r\n\r\n\r\n\r\nPara\tone  has\u00a0 gaps \x07\n"
           "same para\u2060 line\r\n\n\n\nPara two\u200d.  \n")
    assert clean_text(raw) == "Title line\n\nPara one has gaps\nsame para line\n\nPara two."


def test_clean_text_nfc():
    assert clean_text("cafe\u0301") == "caf\u00e9"


def test_zero_width_removed_in_loaded_article(tmp_path):
    a = load_one(write(tmp_path, "a.txt", "Zero\u200bwidth\u200c joiners\u200d here \ufeffnow."))
    assert a.text == "Zerowidth joiners here now."


# --------------------------------------------------------------------------- files & dates


def test_iter_files_nested_sorted_skips_hidden(tmp_path):
    for name in ["b.txt", "a.md", "sub/c.html", "sub/deeper/d.jsonl", "sub/e.pdf",
                 ".hidden.txt", ".git/config.txt", "sub/.cache/x.txt"]:
        write(tmp_path, name, PROSE)
    got = [p.relative_to(tmp_path).as_posix() for p in iter_files([tmp_path])]
    assert got == ["a.md", "b.txt", "sub/c.html", "sub/e.pdf", "sub/deeper/d.jsonl"]
    # An explicitly named file is yielded as given, even a hidden or unsupported one.
    hidden = tmp_path / ".hidden.txt"
    assert list(iter_files([hidden])) == [hidden]


def test_iter_files_missing_path_raises_before_yielding(tmp_path):
    ok = write(tmp_path, "a.txt", PROSE)
    gen = iter_files([ok, tmp_path / "nope"])
    with pytest.raises(LoadError, match="no such file or directory") as err:
        next(gen)
    assert err.value.path == tmp_path / "nope"


@pytest.mark.parametrize("value, iso", [
    ("2022-05-13", "2022-05-13"),
    ("2022/05/13", "2022-05-13"),
    ("2022-5-3", "2022-05-03"),
    ("May 13, 2022", "2022-05-13"),
    ("Sep 3 2021", "2021-09-03"),
    ("13 May 2022", "2022-05-13"),
    ("2022-05-13T23:30:00Z", "2022-05-13"),
    ("2022-05-13T10:00:00.123+02:00", "2022-05-13"),
    ("Fri, 13 May 2022 10:00:00 GMT", "2022-05-13"),
    ("2022-02-30", ""),
    ("last Tuesday", ""),
    ("", ""),
    (None, ""),
])
def test_normalise_date(value, iso):
    assert normalise_date(value) == iso
