"""Binary document formats: PDF (pypdf) and DOCX (the zip's word/document.xml).

Both end in the same Article as the text loaders; a document with no extractable text
(a scanned PDF, an empty .docx) is a LoadError, not an empty article.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree

from ..errors import LoadError

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_DCTERMS = "{http://purl.org/dc/terms/}"
MAX_PDF_PAGES = 2000


def pdf_text(path: Path) -> tuple[str, dict]:
    """(text with paragraphs per page, metadata {title, authors, published})."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise LoadError("encrypted PDF (remove the password first)", path)
        pages = []
        for i, page in enumerate(reader.pages):
            if i >= MAX_PDF_PAGES:
                break
            pages.append(page.extract_text() or "")
        meta = reader.metadata or {}
        info = {"title": str(meta.get("/Title") or ""), "authors": str(meta.get("/Author") or ""),
                "published": _pdf_date(str(meta.get("/CreationDate") or ""))}
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as e:
        raise LoadError(f"not a readable PDF ({type(e).__name__}: {e})", path) from e
    except Exception as e:  # pypdf raises many things on hostile files; none may escape
        raise LoadError(f"not a readable PDF ({type(e).__name__})", path) from e
    # pypdf breaks lines at the page's layout; a blank line marks a real paragraph.
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text.strip():
        raise LoadError("no text in PDF (scanned images need OCR first)", path)
    return text, info


def _pdf_date(value: str) -> str:
    # "D:20240302120000Z" -> "2024-03-02"
    digits = value[2:10] if value.startswith("D:") else ""
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}" if digits.isdigit() else ""


def docx_text(path: Path) -> tuple[str, dict]:
    try:
        with zipfile.ZipFile(path) as z:
            body = ElementTree.fromstring(z.read("word/document.xml"))
            core = (ElementTree.fromstring(z.read("docProps/core.xml"))
                    if "docProps/core.xml" in z.namelist() else None)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError) as e:
        raise LoadError(f"not a readable .docx ({type(e).__name__})", path) from e
    paragraphs = []
    for p in body.iter(f"{_W}p"):
        text = "".join(t.text or "" for t in p.iter(f"{_W}t"))
        if text.strip():
            paragraphs.append(text.strip())
    if not paragraphs:
        raise LoadError("no text in .docx", path)
    info = {"title": "", "authors": "", "published": ""}
    if core is not None:
        info["title"] = (core.findtext(f"{_DC}title") or "").strip()
        info["authors"] = (core.findtext(f"{_DC}creator") or "").strip()
        info["published"] = (core.findtext(f"{_DCTERMS}created") or "")[:10]
    return "\n\n".join(paragraphs), info
