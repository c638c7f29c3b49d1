"""The file_processors suite's own instruments: the generated documents and the chunk-cover
judgement every chunking verdict rests on (the suite itself is proven by tests/test_proofs.py).

Checked without an API package: the documents are parsed with the libraries a real provider
uses (pypdf; zipfile for DOCX), and ``cover`` is fed word lists.
"""

from __future__ import annotations

import io
import itertools
import zipfile

import pytest

from llama_conformance_suites.file_processors import helpers as fp

DOC = fp.words(300)


def _windows(size: int, overlap: int) -> list[list[str]]:
    return [DOC[start:start + size] for start in range(0, len(DOC), size - overlap) if start < len(DOC)]


@pytest.mark.parametrize(("size", "overlap"), [(100, 0), (40, 10), (25, 24), (150, 0)])
def test_cover_accepts_windows_in_order(size: int, overlap: int) -> None:
    problem, overlaps = fp.cover(_windows(size, overlap), DOC)
    assert problem is None
    assert overlaps[:1] in ([], [overlap]) and all(shared <= max(overlap, size) for shared in overlaps), overlaps


def test_cover_names_a_gap_a_lost_tail_and_a_reorder() -> None:
    chunks = _windows(40, 0)
    gap, _ = fp.cover([chunks[0], chunks[2], *chunks[3:]], DOC)
    assert gap is not None and "chunk 1" in gap
    tail, _ = fp.cover(chunks[:-1], DOC)
    assert tail is not None and "rest of the document is missing" in tail
    swapped, _ = fp.cover([chunks[1], chunks[0], *chunks[2:]], DOC)
    assert swapped is not None and "chunk 0" in swapped


def test_documents_repeat_no_pair_of_words() -> None:
    """Where a chunk sits is unambiguous only if no run of two words recurs in the document."""
    document = fp.words(1000)
    pairs = list(itertools.pairwise(document))
    assert len(set(pairs)) == len(pairs)
    assert len(set(fp.words(len(fp.VOCAB)))) == len(fp.VOCAB)


def test_cover_is_not_fooled_by_a_dropped_chunk() -> None:
    """A missing chunk whose neighbours happen to share words at the seam is still a gap."""
    for size, overlap in ((100, 20), (64, 0), (40, 10)):
        chunks = _windows(size, overlap)
        for dropped in range(1, len(chunks) - 1):
            problem, overlaps = fp.cover(chunks[:dropped] + chunks[dropped + 1:], DOC)
            assert problem is not None or any(shared > overlap for shared in overlaps), (size, dropped)


def test_pdf_is_parsed_and_hides_its_words() -> None:
    pypdf = pytest.importorskip("pypdf")
    words = fp.words(40)
    data = fp.pdf_bytes(words)
    assert b"river" not in data  # a processor must parse it, not read the bytes
    text = pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert text.split() == words
    with pytest.raises(pypdf.errors.PdfReadError):
        pypdf.PdfReader(io.BytesIO(next(d.corrupt for d in fp.DOC_TYPES if d.name == "pdf")))


def test_docx_holds_the_words_deflated() -> None:
    words = fp.words(25)
    data = fp.docx_bytes(words)
    assert b"river" not in data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        body = archive.read("word/document.xml").decode()
    assert all(word in body for word in words)
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(next(d.corrupt for d in fp.DOC_TYPES if d.name == "docx")))
