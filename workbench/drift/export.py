"""A drift report as one self-contained file: JSON, Markdown, or HTML with inline SVG charts.

Nothing is loaded from elsewhere (no CDN, no script); every name from the data is escaped.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from workbench.drift.report import ColumnDrift, DriftReport

_REF, _CUR = "#4477aa", "#ee6677"
FORMATS = {".json": "json", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}


def export_report(report: DriftReport, path: str | Path) -> Path:
    """Write `report` to `path`; the format follows the suffix (.json, .md, .html)."""
    path = Path(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        from workbench.errors import WorkbenchError

        raise WorkbenchError(f"cannot tell the export format of {path.name}: use .json, .md or .html")
    text = {"json": to_json, "markdown": to_markdown, "html": to_html}[kind](report)
    path.write_text(text, encoding="utf-8")
    return path


def to_json(report: DriftReport) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def _effects(c: ColumnDrift) -> str:
    e = c.effects
    if c.kind == "numeric" and "ks" in e:
        return f"KS {e['ks']:.3f}, W {e['wasserstein_sd']:.3f} sd, PSI {e['psi']:.3f}"
    if "jensen_shannon" in e:
        return f"JS {e['jensen_shannon']:.3f}" + (f", {c.unseen_count:,} unseen rows" if c.unseen_count else "")
    return ""


def _md(text: str) -> str:
    """Markdown table cell text shown literally."""
    out = str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    for ch in "`*_[]<>#":
        out = out.replace(ch, "\\" + ch)
    return out


def to_markdown(report: DriftReport) -> str:
    lines = [
        f"# Drift report {report.report_id}", "",
        f"- reference: {_md(report.reference)} ({report.reference_rows:,} rows)",
        f"- current: {_md(report.current)} ({report.current_rows:,} rows)",
        f"- created: {report.created_at}",
        f"- **verdict: {'DRIFT' if report.drift else 'no drift'}** ({_md(report.summary)})", "",
        f"Rule: {_md(report.verdict_rule)}", "",
        "| column | kind | state | effects | reason |", "|---|---|---|---|---|",
    ]
    for c in report.columns:
        lines.append(f"| {_md(c.column)} | {c.kind} | {c.state} | {_md(_effects(c))} | {_md(c.reason)} |")
    if report.classifier:
        clf = report.classifier
        top = ", ".join(f"{_md(n)} ({v:.3f})" for n, v in clf.top_features) or "none"
        lines += ["", f"Domain classifier: AUROC {clf.auc:.3f} ± {clf.auc_std:.3f} on {clf.rows:,} "
                  f"rows per side; most telling columns: {top}."]
    unseen = [c for c in report.columns if c.unseen]
    if unseen:
        lines += ["", "## Categories unseen in the reference", ""]
        for c in unseen:
            lines.append(f"- {_md(c.column)}: " + ", ".join(_md(v) for v in c.unseen))
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------------------
# HTML with inline SVG


def _svg_numeric(plot: dict, width: int = 300, height: int = 110) -> str:
    ref, cur = plot["hist_reference"], plot["hist_current"]
    top = max(max(ref, default=0), max(cur, default=0)) or 1.0
    n = len(ref)
    bw = width / max(n, 1)
    bars = []
    for i, (a, b) in enumerate(zip(ref, cur, strict=True)):
        for share, color, dx in ((a, _REF, 0.0), (b, _CUR, bw / 2)):
            h = share / top * (height - 10)
            bars.append(f'<rect x="{i * bw + dx:.1f}" y="{height - h:.1f}" width="{bw / 2:.1f}" '
                        f'height="{h:.1f}" fill="{color}" opacity="0.8"/>')
    xs = plot["ecdf_x"]
    lo, hi = (xs[0], xs[-1]) if xs else (0.0, 1.0)
    span = (hi - lo) or 1.0

    def path(ys: list[float]) -> str:
        pts = " ".join(f"{(x - lo) / span * width:.1f},{height - y * (height - 10):.1f}" for x, y in zip(xs, ys, strict=True))
        return pts

    ecdf = (f'<polyline points="{path(plot["ecdf_reference"])}" fill="none" stroke="{_REF}" stroke-width="1.5"/>'
            f'<polyline points="{path(plot["ecdf_current"])}" fill="none" stroke="{_CUR}" stroke-width="1.5"/>')
    edges = plot["hist_edges"]
    label = f"{edges[0]:.4g} … {edges[-1]:.4g}" if edges else ""
    return (f'<svg width="{width}" height="{height + 14}" role="img"><title>histogram</title>{"".join(bars)}'
            f'<text x="0" y="{height + 12}" font-size="10">{html.escape(label)}</text></svg>'
            f'<svg width="{width}" height="{height + 14}" role="img"><title>ECDF</title>{ecdf}'
            f'<text x="0" y="{height + 12}" font-size="10">ECDF</text></svg>')


def _svg_bars(plot: dict, width: int = 420) -> str:
    rows = plot["bars"]
    top = max([max(r[1], r[2]) for r in rows] or [1.0]) or 1.0
    out, y = [], 0
    for level, a, b, unseen in rows:
        name = html.escape(str(level)[:24]) + (" (unseen)" if unseen else "")
        out.append(f'<text x="0" y="{y + 10}" font-size="10">{name}</text>')
        out.append(f'<rect x="170" y="{y + 1}" width="{a / top * 240:.1f}" height="5" fill="{_REF}"/>')
        out.append(f'<rect x="170" y="{y + 6}" width="{b / top * 240:.1f}" height="5" fill="{_CUR}"/>')
        y += 14
    return f'<svg width="{width}" height="{y + 4}" role="img"><title>category shares</title>{"".join(out)}</svg>'


_CSS = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
.drift{color:#b00;font-weight:bold}.small{color:#a60}.stable{color:#070}.skipped{color:#777}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}"""


def to_html(report: DriftReport) -> str:
    e = html.escape
    verdict = "DRIFT" if report.drift else "no drift"
    rows = []
    for c in report.columns:
        css = {"drift": "drift", "significant but small": "small", "stable": "stable"}.get(c.state, "skipped")
        chart = ""
        if c.plot.get("type") == "numeric":
            chart = _svg_numeric(c.plot)
        elif c.plot.get("type") == "categorical":
            chart = _svg_bars(c.plot)
        rows.append(f"<tr><td>{e(c.column)}</td><td>{e(c.kind)}</td><td class='{css}'>{e(c.state)}</td>"
                    f"<td>{e(_effects(c))}<br><small>{e(c.reason)}</small></td><td>{chart}</td></tr>")
    clf = ""
    if report.classifier:
        k = report.classifier
        top = ", ".join(f"{e(n)} ({v:.3f})" for n, v in k.top_features) or "none"
        clf = f"<p>Domain classifier: AUROC {k.auc:.3f} ± {k.auc_std:.3f}; most telling columns: {top}.</p>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Drift report {e(report.report_id)}</title>
<style>{_CSS}</style></head><body>
<h1>Drift report {e(report.report_id)}: <span class="{'drift' if report.drift else 'stable'}">{verdict}</span></h1>
<p>Reference <b>{e(report.reference)}</b> ({report.reference_rows:,} rows) against current
<b>{e(report.current)}</b> ({report.current_rows:,} rows), {e(report.created_at)}.</p>
<p>{e(report.summary)}</p><p><small>{e(report.verdict_rule)}</small></p>{clf}
<p class="legend"><span style="background:{_REF}"></span>reference<span style="background:{_CUR}"></span>current</p>
<table><tr><th>column</th><th>kind</th><th>state</th><th>effects and reason</th><th>distribution</th></tr>
{"".join(rows)}
</table></body></html>
"""
