"""Hostile input to the loaders: every input ends in articles or a clear LoadError.

Hypothesis generates random and malformed HTML, JSON lines, PDF and DOCX bytes, text in odd
encodings, zero-width and right-to-left characters; a fixed case covers a 10 MB single line.
Anything but an Article list or a LoadError (a crash), or a run past the deadline (a hang),
fails the test.
"""

from __future__ import annotations

import io
import json
import time
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.errors import LoadError
from assistant.ingest.loaders import load_file_report
from assistant.types import Article

FUZZ = settings(max_examples=60, deadline=5000, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
ODD = st.sampled_from(["\u200b", "\u200f", "\u202e", "\u2066", "\ufeff", "\x00", "\x1b",
                       "\ud7ff", "\u0301", "é", "😀", "\r", "\u2028", " ", "\n\n"])
TEXTISH = st.lists(st.one_of(st.text(min_size=0, max_size=40), ODD), max_size=40).map("".join)
ENCODINGS = st.sampled_from(["utf-8", "utf-16", "utf-16-le", "cp1252", "latin-1", "utf-8-sig",
                             "shift_jis", "koi8-r"])


def check(path, data: bytes) -> None:
    path.write_bytes(data)
    t = time.monotonic()
    try:
        articles, line_errors = load_file_report(path)
    except LoadError as e:
        assert str(e) and "\n" not in str(e)  # one clear line
        return
    finally:
        assert time.monotonic() - t < 10, "loader took too long"
    for a in articles:
        assert isinstance(a, Article) and a.text.strip() and a.id
        assert "\x00" not in a.text and "\u200b" not in a.text
    assert all(isinstance(e, str) and e for e in line_errors)


@FUZZ
@given(text=TEXTISH, enc=ENCODINGS)
def test_text_in_odd_encodings(tmp_path, text, enc):
    try:
        data = text.encode(enc, errors="ignore")
    except (UnicodeError, LookupError):
        data = text.encode("utf-8", errors="surrogatepass")
    check(tmp_path / "a.txt", data)


@FUZZ
@given(data=st.binary(max_size=4000))
def test_random_bytes_as_every_type(tmp_path, data):
    for ext in (".txt", ".md", ".html", ".jsonl", ".pdf", ".docx"):
        check(tmp_path / f"a{ext}", data)


HTML_BITS = st.sampled_from([
    "<html>", "<body>", "<article>", "</article>", "<p>", "</p>", "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>", "<a href='javascript:alert(1)'>x</a>", "<!--", "-->",
    "<![CDATA[", "]]>", "<meta charset='koi8-r'>", "<title>", "</title>", "<h1>", "&amp;",
    "&#0;", "&#xD800;", "<svg onload=alert(1)>", "<iframe src=//x>", "<<<>>>", "</",
    "<link rel=canonical href='http://[::1'>", "<time datetime='99999-99-99'>"])


@FUZZ
@given(parts=st.lists(st.one_of(HTML_BITS, TEXTISH), max_size=60))
def test_malformed_html(tmp_path, parts):
    check(tmp_path / "a.html", "".join(parts).encode("utf-8", "surrogatepass"))


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), TEXTISH),
    lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(st.text(max_size=8), c,
                                                                  max_size=3)), max_leaves=8)


@FUZZ
@given(rows=st.lists(st.one_of(
    st.fixed_dictionaries({"id": JSON_VALUES, "text": JSON_VALUES},
                          optional={"title": JSON_VALUES, "published": JSON_VALUES,
                                    "authors": JSON_VALUES, "url": JSON_VALUES}),
    JSON_VALUES, TEXTISH), max_size=8))
def test_malformed_json_lines(tmp_path, rows):
    lines = [json.dumps(r) if not isinstance(r, str) else r for r in rows]
    check(tmp_path / "a.jsonl", "\n".join(lines).encode("utf-8", "surrogatepass"))


@FUZZ
@given(pdf=st.binary(max_size=2000), cut=st.integers(0, 400))
def test_truncated_and_corrupted_pdf(tmp_path, pdf, cut):
    from tests.test_documents import make_pdf

    good = make_pdf(tmp_path / "g.pdf", ["Harbour reopened on Monday."]).read_bytes()
    check(tmp_path / "a.pdf", good[:cut] + pdf + good[cut:])


@FUZZ
@given(xml=TEXTISH)
def test_corrupted_docx(tmp_path, xml):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", xml)
    check(tmp_path / "a.docx", buf.getvalue())


@pytest.mark.parametrize("ext", [".txt", ".jsonl", ".html"])
def test_ten_megabyte_single_line(tmp_path, ext):
    line = ("word " * 2_000_000)[:10_000_000]
    data = (json.dumps({"id": "big", "text": line}) if ext == ".jsonl" else line).encode()
    t = time.monotonic()
    check(tmp_path / f"big{ext}", data)
    assert time.monotonic() - t < 30
