"""What the recurring-issue score is shown as: an SVG chart (pygal, rendered on
the server, no JavaScript), a CSV, JSON rows, and the weekly digest mail to each
product's owners (through the outbox, once per product and week).
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta

from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import select

from forum import changes
from forum.extensions import db
from forum.models import OutboxMail, Product, RecurringDigest, utcnow
from forum.services import mail, recurring
from forum.services.recurring import PARTS, Issue

TREND_ARROWS = {"up": "▲", "down": "▼", "flat": "▬", "new": "★"}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def _pygal():
    """pygal, imported on first use. Importing it appends a `sys.meta_path` finder
    for its map plugins (which we do not use) that warns on every later failed
    import; it is taken out again."""
    import pygal
    import pygal.style

    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]
    return pygal


def _short(title: str, n: int = 38) -> str:
    return title if len(title) <= n else title[: n - 1].rstrip() + "…"


def chart_svg(issues: list[Issue], weeks: list[date], *, chart_id: str = "recurring-chart") -> Markup:
    """A line chart of the issues' weekly scores as an inline <svg> with a
    <title> and a <desc> that says in words what it shows. Thread titles are
    escaped by pygal; the chart has no script."""
    pygal = _pygal()
    style = pygal.style.Style(background="transparent", plot_background="#ffffff",
                  foreground="#1f2933", foreground_strong="#1f2933", foreground_subtle="#cbd2d9",
                  font_family="system-ui, sans-serif", label_font_size=13,
                  legend_font_size=13, major_label_font_size=13, value_font_size=12,
                  colors=("#1d4ed8", "#b45309", "#047857", "#b91c1c", "#6d28d9"))
    chart = pygal.Line(style=style, js=[], disable_xml_declaration=True, width=900, height=360,
                       explicit_size=False, show_legend=True, legend_at_bottom=True,
                       legend_at_bottom_columns=1, truncate_legend=-1, min_scale=4,
                       include_x_axis=True, dots_size=4, margin=12,
                       print_values=False, y_title="Score", show_y_guides=True)
    chart.x_labels = [w.strftime("%d %b") for w in weeks]
    for issue in issues:
        chart.add(_short(issue.question.title), [score for _, score in issue.weeks])
    svg = chart.render(is_unicode=True)
    uid = re.search(r'id="chart-([0-9a-f-]+)"', svg)
    if uid:
        svg = svg.replace(f"chart-{uid.group(1)}", chart_id)
    svg = _COMMENT.sub("", _SCRIPT.sub("", svg))
    lines = [f"“{i.question.title}”: " + ", ".join(str(s) for _, s in i.weeks) for i in issues]
    span = f"{weeks[0]:%d %b %Y} to {weeks[-1]:%d %b %Y}" if weeks else ""
    desc = (f"Weekly recurring-issue scores of the top {len(issues)} threads, weeks starting "
            f"{span} (the last week so far). " + "; ".join(lines) + ".")
    head = (f'<svg role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
            f'focusable="false" ')
    svg = svg.replace("<svg ", head, 1)
    svg = re.sub(r"(<svg\b[^>]*>)",
                 lambda m: m.group(1) + f'<title id="{chart_id}-title">Top recurring issues, '
                 f"score by week</title><desc id=\"{chart_id}-desc\">{escape(desc)}</desc>",
                 svg, count=1)
    return Markup(svg)


# -- rows for the API and CSV ------------------------------------------------------------

def as_json(issue: Issue, url: str) -> dict:
    q = issue.question
    return {
        "question_id": q.id, "title": q.title, "url": url, "product": q.product,
        "product_version": q.product_version, "score": issue.score,
        "parts": issue.parts.as_dict(), "this_week": issue.current,
        "last_week": issue.previous, "trend": issue.trend, "change_percent": issue.change,
        "solved": q.solved, "status": q.status,
    }


CSV_COLUMNS = ("question_id", "title", "url", "product", "product_version", "score",
               *PARTS, "this_week", "last_week", "trend", "change_percent")


def _cell(value):
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def csv_text(issues: list[Issue], url_for_question: Callable) -> str:
    """The report as CSV; a text cell a spreadsheet would run as a formula gets a quote."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for issue in issues:
        q = issue.question
        writer.writerow([_cell(v) for v in (
            q.id, q.title, url_for_question(q), q.product, q.product_version, issue.score,
            *(getattr(issue.parts, p) for p in PARTS), issue.current, issue.previous,
            issue.trend, issue.change)])
    return out.getvalue()


# -- the weekly digest -------------------------------------------------------------------

def _site() -> str:
    return current_app.config["SITE_URL"].rstrip("/")


def _digest_body(product: Product, issues: list[Issue], week: date) -> str:
    if not issues:
        lines = "No thread about it scored in the last 7 days."
    else:
        rows = []
        for n, i in enumerate(issues, 1):
            change = "" if i.change is None else f" ({i.change:+.0f}% on last week)"
            parts = ", ".join(f"{recurring.PART_LABELS[p].lower()} {getattr(i.parts, p)}"
                              for p in PARTS if getattr(i.parts, p))
            version = f" [{i.question.product_version}]" if i.question.product_version else ""
            rows.append(f"{n}. {i.question.title}{version}\n   score {i.score}{change}: {parts}\n"
                        f"   {_site()}/questions/{i.question.id}/{i.question.slug}")
        lines = "\n".join(rows)
    return (f"The recurring issues of {product.name}, week of {week:%d %B %Y}:\n\n{lines}\n\n"
            f"The full report: {_site()}/staff/recurring?product={product.name.replace(' ', '+')}\n")


@changes.transaction
def queue_digests(now: datetime | None = None) -> int:
    """Queue this week's digest to each product's owners, once per product and
    week however often it runs; returns how many mails were queued."""
    now = now or utcnow()
    week = recurring.week_start(now)
    done = set(db.session.scalars(select(RecurringDigest.product_id)
                                  .where(RecurringDigest.week == week)))
    limit = min(10, int(current_app.config["RECURRING_LIMIT"]))
    queued = 0
    for product in db.session.scalars(select(Product).order_by(Product.id)):
        owners = [u for u in product.owners if u.email and u.deleted_at is None
                  and u.email_notifications != "none"]     # "no mail at all" is respected
        if product.id in done or not owners:
            continue
        issues = recurring.ranked(7, product=product.name, limit=limit, now=now)
        body = _digest_body(product, issues, week)
        for owner in owners:
            db.session.add(OutboxMail(
                user_id=owner.id, to_addr=owner.email, created_at=now,
                subject=f"[{current_app.config['SITE_NAME']}] Recurring issues: "
                        f"{product.name}, week of {week:%d %b}"[:200],
                body=f"Hello {owner.username},\n\n{body}\n--\nYou get this as an owner of "
                     f"{product.name} on {current_app.config['SITE_NAME']}: {_site()}\n"
                     f"Stop all mail: {mail.unsubscribe_url(owner)}\n"))
            queued += 1
        db.session.add(RecurringDigest(product_id=product.id, week=week, sent_at=now,
                                       recipients=len(owners)))
    return queued


def backfill(weeks: int, now: datetime | None = None) -> list[tuple[date, int]]:
    """Store the scores of the last `weeks` finished weeks (the weekly job runs with 1)."""
    this_week = recurring.week_start(now or utcnow())
    done = []
    for k in range(weeks, 0, -1):
        week = this_week - timedelta(days=7 * k)
        done.append((week, recurring.store_week(week)))
    return done


def weights() -> dict:
    """How the score is added up, for the API."""
    return {**current_app.config["RECURRING_WEIGHTS"],
            "views_per_point": int(current_app.config["RECURRING_VIEWS_PER_POINT"])}
