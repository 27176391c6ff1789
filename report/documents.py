"""The note as files: DOCX (python-docx; editable — the curator adds a paragraph) and PDF (fpdf2 with the
DejaVu fonts; the PDF core fonts have no Cyrillic). Both fully offline."""
import datetime as dt
import io
from pathlib import Path

import matplotlib
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from fpdf import FPDF
from fpdf.fonts import FontFace

from report.note import Note

# Debian's fonts-dejavu-core; matplotlib (pinned, installed with the app) ships the same two faces.
FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path(matplotlib.get_data_path()) / "fonts" / "ttf"]


def font_dir() -> Path:
    """Where DejaVu Sans (regular and bold) is; the PDF core fonts have no Cyrillic."""
    for d in FONT_DIRS:
        if (d / "DejaVuSans.ttf").exists() and (d / "DejaVuSans-Bold.ttf").exists():
            return d
    raise ValueError("Нет шрифта DejaVu Sans для PDF: установите пакет fonts-dejavu-core (apt-get install fonts-dejavu-core).")


def _numeric(text: str) -> bool:
    """A figure (right-aligned in tables): «1 234», «−3,5 п.п.», «—»."""
    return bool(text) and (text[0].isdigit() or text[0] in "−+—")


def to_docx(note: Note) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2)
    doc.styles["Normal"].font.name = "DejaVu Sans"
    doc.styles["Normal"].font.size = Pt(10)
    doc.add_heading(note.title, level=0)
    for line in note.lines:
        doc.add_paragraph(line).paragraph_format.space_after = Pt(0)
    for s in note.sections:
        doc.add_heading(s.title, level=1)
        for text in s.paragraphs:
            doc.add_paragraph(text)
        for text in s.bullets:
            doc.add_paragraph(text, style="List Bullet")
        if s.table:
            table = doc.add_table(rows=1, cols=len(s.table.header), style="Table Grid")
            for cell, text in zip(table.rows[0].cells, s.table.header):
                cell.text = text
                cell.paragraphs[0].runs[0].bold = True
            for row in s.table.rows:
                for i, (cell, text) in enumerate(zip(table.add_row().cells, row)):
                    cell.text = text
                    if i and _numeric(text):
                        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        if s.chart:
            doc.add_paragraph(s.chart_title).runs[0].italic = True
            doc.add_picture(io.BytesIO(s.chart), width=Cm(16))
    doc.core_properties.title = note.title
    doc.core_properties.language = "ru-RU"
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _fitted(widths: list[float], need: list[float], room: float) -> list[float]:
    """Column widths in mm over `room`, in the proportions asked, except that a column short of its `need` gets it
    and the others share what is left."""
    fixed: dict[int, float] = {}
    while True:
        free = [i for i in range(len(widths)) if i not in fixed]
        left, total = room - sum(fixed.values()), sum(widths[i] for i in free)
        short = [i for i in free if widths[i] / total * left < need[i]]
        if not short or len(short) == len(free):
            return [fixed.get(i, widths[i] / total * left) for i in range(len(widths))]
        fixed |= {i: need[i] for i in short}


class _PDF(FPDF):
    def footer(self):
        self.set_y(-12)
        self.set_font("DejaVu", size=8)
        self.set_text_color(120)
        self.cell(0, 5, f"Аналитическая записка · стр. {self.page_no()} из {{nb}}", align="C")


# A last page holding less than this (mm) is a line or two left over: the note is drawn again with tighter spacing.
SHORT_LAST_PAGE = 25
BULLET_INDENT = 5


def _paragraph(pdf: FPDF, text: str, h: float, mark: str = "") -> None:
    """A paragraph (a bullet when `mark` is given) that leaves no line alone on a page: at least two of its lines stay
    on either side of a page break, or it moves to the next page whole (the note once ended on a page holding
    only «периоду.»)."""
    indent = BULLET_INDENT if mark else 0
    pdf.set_x(pdf.l_margin + indent)
    lines = pdf.multi_cell(0, h, text, align="L", dry_run=True, output="LINES")
    n, room = len(lines), int((pdf.page_break_trigger - pdf.get_y()) / h + 1e-6)
    here = n if n <= room else min(room, n - 2)  # the lines drawn on this page
    if here < n and here < 2:
        here = 0
    if not here:
        pdf.add_page()
    for i, part in enumerate([lines[:here], lines[here:]] if 0 < here < n else [lines]):
        if i:
            pdf.add_page()
        pdf.set_x(pdf.l_margin)
        if mark and not i:
            pdf.cell(indent, h, mark)
        else:
            pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(0, h, "\n".join(part), align="L", new_x="LMARGIN", new_y="NEXT")


def to_pdf(note: Note) -> bytes:
    pdf = _draw(note, tight=False)
    if pdf.page > 1 and pdf.get_y() - pdf.t_margin < SHORT_LAST_PAGE:
        tight = _draw(note, tight=True)
        if tight.page < pdf.page:
            pdf = tight
    return bytes(pdf.output())


def _draw(note: Note, tight: bool) -> FPDF:
    """The note laid out on A4 pages; `tight` halves the gaps between blocks and draws the charts smaller."""
    gap = 0.5 if tight else 1
    pdf = _PDF(format="A4")
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, margin=18)
    fonts = font_dir()
    pdf.add_font("DejaVu", "", fonts / "DejaVuSans.ttf")
    pdf.add_font("DejaVu", "B", fonts / "DejaVuSans-Bold.ttf")
    pdf.set_title(note.title)
    pdf.set_lang("ru")
    pdf.set_creation_date(dt.datetime.now(dt.timezone.utc))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 8, note.title, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", size=9)
    for line in note.lines:
        pdf.multi_cell(0, 5, line, align="L", new_x="LMARGIN", new_y="NEXT")
    for s in note.sections:
        pdf.ln(4 * gap)
        if pdf.will_page_break(30):
            pdf.add_page()
        pdf.set_font("DejaVu", "B", 13)
        pdf.multi_cell(0, 7, s.title, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)
        pdf.set_font("DejaVu", size=10)
        for text in s.paragraphs:
            _paragraph(pdf, text, 5.5)
            pdf.ln(gap)
        for text in s.bullets:
            _paragraph(pdf, text, 5.5, mark="•")
            pdf.ln(gap)
        if s.table:
            pdf.set_font("DejaVu", size=8.5)
            numeric = [i > 0 and all(_numeric(r[i]) for r in s.table.rows) for i in range(len(s.table.header))]
            # A text column as wide as its longest cell asks (a one-line explanation needs the room).
            longest = [max(len(r[i]) for r in [s.table.header, *s.table.rows]) for i in range(len(s.table.header))]
            widths = [3 if n else min(max(longest[i] / 8, 4), 16) for i, n in enumerate(numeric)]
            if s.table.header[0] == "№":
                widths[0] = 1
            # No word cut in two («Голосовани|е»): a column at least as wide as its longest word in bold type.
            pdf.set_font("DejaVu", "B", 8.5)
            need = [max(pdf.get_string_width(w) for r in [s.table.header, *s.table.rows] for w in r[i].split()) + 3
                    for i in range(len(widths))]
            pdf.set_font("DejaVu", size=8.5)
            with pdf.table(col_widths=_fitted(widths, need, pdf.epw), text_align=["RIGHT" if n else "LEFT" for n in numeric],
                           headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
                           line_height=4.6, padding=1) as table:
                for row in [s.table.header, *s.table.rows]:
                    cells = table.row()
                    for text in row:
                        cells.cell(text)
            pdf.set_font("DejaVu", size=10)
        if s.chart:
            pdf.ln(2 * gap)
            if pdf.will_page_break(70):
                pdf.add_page()
            pdf.set_font("DejaVu", size=9)
            pdf.multi_cell(0, 5, s.chart_title, align="L", new_x="LMARGIN", new_y="NEXT")
            width = pdf.epw * (0.85 if tight else 1)
            pdf.image(io.BytesIO(s.chart), x=pdf.l_margin + (pdf.epw - width) / 2, w=width)
    return pdf


def write(note: Note, path: Path) -> None:
    """DOCX or PDF by the file's extension."""
    kind = Path(path).suffix.lower()
    if kind not in (".docx", ".pdf"):
        raise ValueError(f"Файл «{path}»: записка сохраняется в .docx или .pdf — укажите одно из этих расширений.")
    Path(path).write_bytes(to_docx(note) if kind == ".docx" else to_pdf(note))

