"""A small table model rendered as Markdown (pipe table) and LaTeX (booktabs), deterministically.

Cells are plain text; bold cells are marked by (row, column) position. Notes print below
the table (Markdown) or as a footnote block under the tabular (LaTeX).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

LATEX_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                 "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                 "^": r"\textasciicircum{}", "↓": r"$\downarrow$", "↑": r"$\uparrow$",
                 "–": "--", "≥": r"$\geq$"}


@dataclass(frozen=True)
class Table:
    """Title, header, rows of text cells, bold positions, notes; `left` leading columns are
    left-aligned text, the rest right-aligned."""

    title: str
    header: list[str]
    rows: list[list[str]]
    bold: set[tuple[int, int]] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    left: int = 1


def decimals(value: float) -> int:
    """Decimals that show three significant digits of `value` (at most 4, at least 0)."""
    if not math.isfinite(value) or value == 0:
        return 2
    return min(4, max(0, 2 - math.floor(math.log10(abs(value)))))


def format_ci(estimate: float, low: float, high: float) -> str:
    """`mean [low, high]`, all three with the decimals that give the largest in magnitude
    three significant digits (so a difference near 0 keeps its interval's precision)."""
    if not math.isfinite(estimate):
        return "n/a"
    if not (math.isfinite(low) and math.isfinite(high)):
        return f"{estimate:.{decimals(estimate)}f} [n/a]"
    places = decimals(max(abs(estimate), abs(low), abs(high)))
    return f"{estimate:.{places}f} [{low:.{places}f}, {high:.{places}f}]"


def to_markdown(table: Table) -> str:
    """`### title`, a pipe table (bold as **x**), then the notes as a list."""
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    aligns = [":---" if j < table.left else "---:" for j in range(len(table.header))]
    body = [line([f"**{c}**" if (i, j) in table.bold else c for j, c in enumerate(row)])
            for i, row in enumerate(table.rows)]
    parts = [f"### {table.title}", "", line(table.header), line(aligns), *body]
    if table.notes:
        parts += ["", *[f"- {note}" for note in table.notes]]
    return "\n".join(parts) + "\n"


def escape_latex(text: str) -> str:
    return "".join(LATEX_ESCAPES.get(ch, ch) for ch in text)


def to_latex(table: Table) -> str:
    """A booktabs table environment; bold as \\textbf, notes in a footnotesize block."""
    spec = "l" * table.left + "r" * (len(table.header) - table.left)

    def line(cells: list[str], row: int | None = None) -> str:
        out = [rf"\textbf{{{escape_latex(c)}}}" if (row, j) in table.bold else escape_latex(c)
               for j, c in enumerate(cells)]
        return " & ".join(out) + r" \\"

    parts = [r"\begin{table}[t]", r"\centering", rf"\caption{{{escape_latex(table.title)}}}",
             rf"\begin{{tabular}}{{{spec}}}", r"\toprule", line(table.header), r"\midrule",
             *[line(row, i) for i, row in enumerate(table.rows)], r"\bottomrule",
             r"\end{tabular}"]
    if table.notes:
        parts += [r"\par\smallskip\footnotesize", *[escape_latex(n) + r"\par" for n in table.notes]]
    parts.append(r"\end{table}")
    return "\n".join(parts) + "\n"
