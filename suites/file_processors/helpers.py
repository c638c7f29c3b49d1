"""FileProcessors helpers for the suites: documents generated at run time, calls, chunk text.

Every document is built here from a known word sequence (nothing is downloaded): plain text,
Markdown, HTML, a PDF written by hand (its page text in a Flate-compressed content stream, so
the words are not readable in the raw bytes and a processor must really parse it), and a DOCX
(a deflated zip of WordprocessingML). The words are common English words that are one token
each in the usual BPE vocabularies (cl100k_base), so a token-window chunker cuts between words
and a chunk's word count is a lower bound of its token count under any tokenizer. The word
sequence is not periodic (``words``): no two places of a document share a run of two words, so
where a chunk sits in the document, and how much two chunks overlap, is never ambiguous.
"""

from __future__ import annotations

import fnmatch
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import UploadFile

from llama_conformance.behaviour.context import Kit
from llama_conformance.behaviour.invoke import Outcome
from llama_conformance.behaviour.steps import store_in_files
from llama_conformance.behaviour.uploads import spooled_upload

_VOCAB_TEXT = (
    "river stone cloud apple garden window silver forest bridge candle rabbit pencil orange marble harbor "
    "planet rocket summer winter valley castle basket button carpet dragon ginger hammer island jungle kettle "
    "ladder magnet needle pepper pillow puzzle saddle tomato tunnel violin wagon anchor bottle desert engine "
    "feather guitar helmet jacket lemon mirror nickel ocean paddle quartz ribbon spider")
VOCAB = tuple(_VOCAB_TEXT.split())[:53]  # a prime number of words: see ``words``


def words(count: int) -> list[str]:
    """``count`` words: block ``b`` (of ``len(VOCAB)`` words) walks the vocabulary in steps of
    ``b + 1``, so a block repeats no word and every pair of neighbours is distinct up to 52 blocks."""
    size = len(VOCAB)
    return [VOCAB[(i // size + 1) * (i % size) % size] for i in range(count)]


def _lines(text_words: list[str], per_line: int = 10) -> list[str]:
    return [" ".join(text_words[i:i + per_line]) for i in range(0, len(text_words), per_line)]


def pdf_bytes(text_words: list[str]) -> bytes:
    """A one-page PDF 1.4 showing ``text_words`` in Helvetica, ten words a line."""
    shown = " T* ".join(f"({line}) Tj" for line in _lines(text_words))
    stream = zlib.compress(f"BT /F1 11 Tf 14 TL 50 780 Td {shown} ET".encode("ascii"))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DOCX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        "</Types>"),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="word/document.xml"/></Relationships>'),
    "word/_rels/document.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>'),
}


def docx_bytes(text_words: list[str]) -> bytes:
    """A DOCX (deflated zip) with one paragraph per ten words."""
    paragraphs = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in _lines(text_words))
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<w:document xmlns:w="{_W}"><w:body>{paragraphs}</w:body></w:document>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in {**_DOCX_PARTS, "word/document.xml": document}.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def html_bytes(text_words: list[str]) -> bytes:
    paragraphs = "".join(f"<p>{line}</p>" for line in _lines(text_words))
    return f"<!DOCTYPE html><html><head><title>kit</title></head><body>{paragraphs}</body></html>".encode()


def markdown_bytes(text_words: list[str]) -> bytes:
    return ("# Kit\n\n" + "\n\n".join(f"- {line}" for line in _lines(text_words)) + "\n").encode()


def text_bytes(text_words: list[str]) -> bytes:
    """One line: a tokenizer meets no line breaks, so words and tokens correspond one to one."""
    return (" ".join(text_words) + "\n").encode()


@dataclass(frozen=True)
class DocType:
    name: str
    filename: str
    mime: str
    build: Any  # (words) -> bytes
    corrupt: bytes  # a file of this type that no parser can read


DOC_TYPES = (
    DocType("txt", "kit-document.txt", "text/plain", text_bytes, b"\xff\xfe\xfa broken \xc3\x28 utf-8 \x80\x81"),
    DocType("md", "kit-document.md", "text/markdown", markdown_bytes, b"\xff\xfe\xfa broken \xc3\x28 \x80\x81"),
    DocType("html", "kit-document.html", "text/html", html_bytes, b"\xff\xfe<p>\xc3\x28 \x80\x81</p>"),
    DocType("pdf", "kit-document.pdf", "application/pdf", pdf_bytes,
            b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R\nstream\x00\x9c\xff garbage"),
    DocType("docx", "kit-document.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document", docx_bytes,
            b"PK\x03\x04\x14\x00\x00\x00\x08\x00 this is not a zip archive \xff\x00\x9c"),
)


def declared_types(kit: Kit) -> tuple[str, ...] | None:
    """The MIME patterns the provider declares (``supported_mime_types()``, ogx's convention), or
    None when it declares none or the kit cannot ask (a deployment behind a URL)."""
    ask = getattr(kit.put.impl, "supported_mime_types", None) if kit.in_process else None
    if not callable(ask):
        return None
    declared = ask()
    return tuple(declared) if declared else None


def declares(kit: Kit, mime: str) -> bool:
    """Whether the provider must process ``mime``: declared by it, or core for its package generation
    (plain text in ogx 1.5, whose vector stores give every attached file to the processor)."""
    patterns = declared_types(kit) or ()
    core = kit.put.contract.package.row.file_processor_core_types
    return mime in core or any(fnmatch.fnmatch(mime, pattern) for pattern in patterns)


def require_text(kit: Kit) -> None:
    """Skip a test built on plain-text documents when the provider need not process text: it does
    not declare it, and its generation does not require it (a PDF-only processor of llama-stack 0.7).
    Its handling of text is still judged: processed for real, or refused with a 4xx."""
    if not declares(kit, "text/plain"):
        pytest.skip("this test processes plain text, which the provider does not declare "
                    f"({declared_types(kit)}) and {kit.put.contract.package} does not require of every "
                    "file processor; test_process_document[txt] judges how it answers text")


def upload(content: bytes, filename: str, mime: str) -> UploadFile:
    return spooled_upload(content, filename, mime)


def process(kit: Kit, file: UploadFile | None = None, **payload: Any) -> Outcome:
    """``process_file(ProcessFileRequest(**payload), file)``."""
    member = kit.member("process_file")
    return kit.call_request(member, kit.request(member, payload), file)


def process_upload(kit: Kit, content: bytes, filename: str, mime: str, **payload: Any) -> Outcome:
    return process(kit, upload(content, filename, mime), **payload)


def static(max_tokens: int, overlap: int) -> dict[str, Any]:
    return {"type": "static", "static": {"max_chunk_size_tokens": max_tokens, "chunk_overlap_tokens": overlap}}


def chunk_text(chunk: Any) -> str:
    """A chunk's content as text (a string, or interleaved content items)."""
    content = chunk.content
    if isinstance(content, str):
        return content
    items = content if isinstance(content, list) else [content]
    return " ".join(str(getattr(item, "text", item)) for item in items)


def chunk_words(chunk: Any) -> list[str]:
    """The chunk's words: its runs of letters, lowercased. Markup a processor keeps (a text
    processor reads HTML as text, tags and all) separates words, it does not hide them."""
    return re.findall(r"[a-z]+", chunk_text(chunk).lower())


def missing_words(chunks: list[Any], expected: list[str]) -> list[str]:
    present = {w for chunk in chunks for w in chunk_words(chunk)}
    return [w for w in dict.fromkeys(expected) if w not in present]


def cover(chunks: list[list[str]], document: list[str]) -> tuple[str | None, list[int]]:
    """Whether ``chunks`` (word lists) cover ``document`` in order, each a run of it, consecutive
    runs sharing a prefix/suffix (the overlap) or adjacent. (problem or None, overlaps)."""
    overlaps: list[int] = []
    position = 0
    for index, chunk in enumerate(chunks):
        if index:
            previous = chunks[index - 1]
            shared = next((n for n in range(min(len(previous), len(chunk)), 0, -1)
                           if previous[-n:] == chunk[:n]), 0)
            overlaps.append(shared)
            position -= shared
        if chunk != document[position:position + len(chunk)]:
            return (f"chunk {index} ({' '.join(chunk[:4])} ...) is not the document's next run of words "
                    f"(word {position} on: {' '.join(document[position:position + 4])} ...)"), overlaps
        position += len(chunk)
    if position != len(document):
        return f"the chunks end at word {position} of {len(document)}: the rest of the document is missing", overlaps
    return None, overlaps


def upload_to_files(kit: Kit, content: bytes, filename: str, mime: str) -> str:
    """Put ``content`` in the files API the provider reads file_id from; its file id."""
    return store_in_files(kit, content, filename, mime, for_api="file_processors")
