"""PDF and DOCX loaders on files built here, byte by byte."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from assistant.errors import LoadError
from assistant.ingest.loaders import load_file


def make_pdf(path: Path, lines: list[str], title: str = "") -> Path:
    """A minimal valid one-page PDF with Helvetica text lines (no PDF library needed)."""
    ops = ["BT", "/F1 12 Tf", "72 720 Td", "14 TL"]
    for line in lines:
        esc = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({esc}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    info = f"<< /Title ({title}) /CreationDate (D:20240302120000Z) >>" if title else "<< >>"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        info.encode("latin-1"),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def make_docx(path: Path, paragraphs: list[str], title: str = "") -> Path:
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml",
                   f'<w:document xmlns:w="{w}"><w:body>{body}</w:body></w:document>')
        z.writestr("docProps/core.xml",
                   '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
                   'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
                   'xmlns:dcterms="http://purl.org/dc/terms/">'
                   f"<dc:title>{title}</dc:title><dc:creator>Ann Lee</dc:creator>"
                   "<dcterms:created>2024-03-02T10:00:00Z</dcterms:created>"
                   "</cp:coreProperties>")
    return path


def test_pdf_text_and_metadata(tmp_path):
    pdf = make_pdf(tmp_path / "a.pdf", ["The harbour reopened on Monday.",
                                        "Mayor Jo Park said repairs cost 2 million euros."],
                   title="Harbour reopens")
    [a] = load_file(pdf)
    assert a.title == "Harbour reopens" and a.published == "2024-03-02"
    assert "harbour reopened on Monday" in a.text and "2 million euros" in a.text


def test_docx_paragraphs_and_metadata(tmp_path):
    doc = make_docx(tmp_path / "a.docx", ["Harbour news", "The harbour reopened on Monday.",
                                          "Boats returned."], title="Harbour reopens")
    [a] = load_file(doc)
    assert a.title == "Harbour reopens" and a.authors == ["Ann Lee"]
    assert a.published == "2024-03-02"
    assert a.text == "Harbour news\n\nThe harbour reopened on Monday.\n\nBoats returned."


@pytest.mark.parametrize("name,data,reason", [
    ("bad.pdf", b"%PDF-1.4\nthis is not really a pdf", "not a readable PDF"),
    ("junk.pdf", b"\x00\x01\x02" * 100, "not a readable PDF"),
    ("empty.pdf", b"", "empty file"),
    ("bad.docx", b"PK\x03\x04 not a zip", "not a readable .docx"),
])
def test_broken_documents_are_clear_errors(tmp_path, name, data, reason):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(LoadError, match=reason):
        load_file(tmp_path / name)


def test_pdf_without_text_is_refused(tmp_path):
    with pytest.raises(LoadError, match="no text in PDF"):
        load_file(make_pdf(tmp_path / "blank.pdf", []))
