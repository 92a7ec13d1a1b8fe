"""The text of a PDF written by weasyprint, read without a PDF library (none is a dependency).

weasyprint writes text as glyph ids in hex strings (`[<0025…>] TJ`) in a font chosen with `/Name size Tf`;
each font carries a ToUnicode CMap from glyph id to text. Objects may sit in compressed object streams.
This reads exactly that much of PDF: enough for tests to see every word a PDF of ours shows.
"""

import re
import zlib

START = re.compile(rb"(\d+) 0 obj\b")
REFERENCE = re.compile(rb"/([A-Za-z0-9+_.-]+)\s*(\d+) 0 R")
TEXT = re.compile(
    rb"/([A-Za-z0-9+_.-]+)\s+[\d.]+\s+Tf|\[((?:[^\]\\]|\\.)*)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj"
    rb"|[-\d.]+ [-\d.]+ [-\d.]+ [-\d.]+ ([-\d.]+) ([-\d.]+) Tm|\bBT\b|\bET\b"
)


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes]]:
    """Object number → (dictionary, inflated stream), object streams unpacked. A stream is read by its
    /Length: compressed bytes may hold anything, "endobj" included."""
    out: dict[int, tuple[bytes, bytes]] = {}
    at = 0
    while found := START.search(pdf, at):
        end = pdf.index(b"endobj", found.end())
        stream = pdf.find(b"stream", found.end(), end)
        if stream == -1:
            out[int(found.group(1))] = (pdf[found.end() : end], b"")
            at = end
            continue
        head = pdf[found.end() : stream]
        begin = stream + len(b"stream") + (2 if pdf[stream + 6 : stream + 8] == b"\r\n" else 1)
        data = pdf[begin : begin + int(re.search(rb"/Length (\d+)", head).group(1))]
        at = begin + len(data)
        if b"/FlateDecode" in head:
            data = zlib.decompress(data)
        out[int(found.group(1))] = (head, data)
        if b"/Type /ObjStm" in head or b"/Type/ObjStm" in head:
            first = int(re.search(rb"/First (\d+)", head).group(1))
            pairs = [int(x) for x in data[:first].split()]
            offsets = list(zip(pairs[::2], pairs[1::2], strict=True))
            for i, (inner, offset) in enumerate(offsets):
                stop = offsets[i + 1][1] if i + 1 < len(offsets) else len(data) - first
                out[inner] = (data[first + offset : first + stop], b"")
    return out


def _cmap(data: bytes) -> dict[int, str]:
    """A ToUnicode CMap's glyph id → text (bfchar and bfrange entries)."""
    out: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for code, text in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
            out[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for low, high, start in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            first = int(start, 16)
            for k, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                out[code] = chr(first + k)
    return out


def pdf_text(pdf: bytes) -> str:
    """Every text run of the PDF, in the order drawn: a text object (BT … ET) per line, a new line where
    a run moves down, a space where it leaves a gap on its line (table cells)."""
    objects = _objects(pdf)
    to_unicode = {
        number: _cmap(objects[int(found.group(1))][1])
        for number, (head, _) in objects.items()
        if (found := re.search(rb"/ToUnicode (\d+) 0 R", head))
    }
    fonts: dict[bytes, dict[int, str]] = {}
    for head, _ in objects.values():
        for name, number in REFERENCE.findall(head):
            if int(number) in to_unicode:
                fonts[name] = to_unicode[int(number)]
    lines: list[str] = []
    for _, data in objects.values():
        if not data or b"BT" not in data or b"Tf" not in data:
            continue
        font: dict[int, str] = {}
        size, line, at, end = 0.0, "", (0.0, 0.0), 0.0
        for match in TEXT.finditer(data):
            name, array, single, x, y = match.groups()
            if name is not None:
                font, size = fonts.get(name, {}), float(match.group(0).split()[-2])
            elif x is not None:
                moved = (float(x), float(y))
                if line and moved[1] != at[1]:
                    line += "\n"  # another line
                elif line and moved[0] > end + size / 2:
                    line += " "  # a gap on the line: another cell or column
                at, end = moved, moved[0]
            elif array is not None or single is not None:
                hexes = re.findall(rb"<([0-9a-fA-F]*)>", array) if array is not None else [single]
                run = "".join(
                    font.get(int(string[i : i + 4], 16), "")
                    for string in hexes
                    for i in range(0, len(string), 4)
                )
                line += run
                end += len(run) * size * 0.6  # about where the run ends: glyphs are near 0.6 em wide
            elif match.group(0) == b"ET":
                lines.append(line)
                line = ""
    return "\n".join(lines)
