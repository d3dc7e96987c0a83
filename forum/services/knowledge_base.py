"""Knowledge-base articles: staff turn a solved thread into an article.

A member of staff promotes an official answer: a draft is made from its question
(title, problem) and the answer (solution), with the thread as its first source.
Drafts go to review; another member of staff publishes (an admin may publish on
their own: `forum.permissions.deny_publish_article`); published articles go back
to draft when unpublished. Every save is a revision, like a post's.

A published article is linked from each of its source threads, listed on /kb by
product, in the Atom feed and the sitemap, and shown above the threads when a
search or the similar-questions check on /ask matches it (`matching_articles`:
a cheap lookup of the query's words in published articles; the thread ranking
itself is untouched).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, or_, select

from forum import changes, permissions
from forum.errors import Conflict, NotFound, ValidationError
from forum.extensions import db
from forum.markup import render_markdown
from forum.models import Answer, Article, ArticleRevision, ArticleSource, Question, User, utcnow
from forum.signals import record_staff_action
from forum.slugs import slugify

PRODUCT_MAX = 100
COMMENT_MAX = 300
MATCH_LIMIT = 3
MATCH_CANDIDATES = 200
FEED_SIZE = 30


@dataclass(frozen=True)
class ArticleDraft:
    title: str
    product: str | None
    problem: str
    solution: str
    comment: str = ""


def parse_article(form: Any) -> tuple[ArticleDraft | None, dict[str, str]]:
    """The article form (title, product, problem, solution, comment): a draft or errors."""
    config = current_app.config
    errors: dict[str, str] = {}

    def text(name: str) -> str:
        value = form.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    title = re.sub(r"\s+", " ", text("title"))
    if not config["TITLE_MIN"] <= len(title) <= config["TITLE_MAX"]:
        errors["title"] = (f"The title needs {config['TITLE_MIN']} to {config['TITLE_MAX']} "
                           f"characters; it has {len(title)}.")
    for name, label in (("problem", "The problem"), ("solution", "The solution")):
        length = len(text(name))
        if not config["BODY_MIN"] <= length <= config["BODY_MAX"]:
            errors[name] = (f"{label} needs {config['BODY_MIN']} to {config['BODY_MAX']} "
                            f"characters; it has {length}.")
    product = re.sub(r"\s+", " ", text("product")) or None
    if product and len(product) > PRODUCT_MAX:
        errors["product"] = f"Keep the product name to {PRODUCT_MAX} characters."
    comment = re.sub(r"\s+", " ", text("comment"))
    if len(comment) > COMMENT_MAX:
        errors["comment"] = f"Keep the edit summary to {COMMENT_MAX} characters."
    if errors:
        return None, errors
    return ArticleDraft(title=title, product=product, problem=text("problem"),
                        solution=text("solution"), comment=comment), {}


# -- reading -----------------------------------------------------------------------

def get_article(article_id: int) -> Article:
    article = db.session.get(Article, article_id)
    if article is None:
        raise NotFound(f"Article {article_id} does not exist.")
    return article


def visible_article(user: Any, article_id: int) -> Article:
    """The article if this user may read it; a draft is "not found" to readers."""
    article = get_article(article_id)
    if not permissions.can("view_article", user, article):
        raise NotFound(f"Article {article_id} does not exist.")
    return article


def editable_article(user: Any, article_id: int) -> Article:
    """The article if this user may edit it (PermissionDenied otherwise)."""
    article = visible_article(user, article_id)
    permissions.require("edit_article", user, article)
    return article


def published(product: str | None = None, limit: int | None = None) -> list[Article]:
    stmt = select(Article).where(Article.state == "published")
    if product:
        stmt = stmt.where(Article.product == product)
    stmt = stmt.order_by(Article.published_at.desc(), Article.id.desc())
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def product_counts() -> list[tuple[str, int]]:
    """(product, published articles), most first; articles with no product are left out."""
    rows = db.session.execute(
        select(Article.product, func.count()).where(Article.state == "published",
                                                    Article.product.is_not(None))
        .group_by(Article.product).order_by(func.count().desc(), Article.product)).all()
    return [(p, n) for p, n in rows]


def unpublished(user: Any) -> list[Article]:
    """Drafts and articles in review, for staff (nothing for anyone else)."""
    if not permissions.can("write_article", user):
        return []
    return list(db.session.scalars(
        select(Article).where(Article.state != "published")
        .order_by(Article.state.desc(), Article.updated_at.desc())))


def sources(article: Article) -> list[Question]:
    """The threads the article answers that readers may see."""
    return list(db.session.scalars(
        select(Question).join(ArticleSource, ArticleSource.question_id == Question.id)
        .where(ArticleSource.article_id == article.id, Question.listed())
        .order_by(ArticleSource.created_at, Question.id)))


def credits(article: Article) -> list[str]:
    """Who wrote the answers the article was promoted from (credited under it)."""
    return list(db.session.scalars(
        select(User.username).join(Answer, Answer.author_id == User.id)
        .join(ArticleSource, ArticleSource.answer_id == Answer.id)
        .where(ArticleSource.article_id == article.id).distinct().order_by(User.username)))


def article_for_thread(question_id: int) -> Article | None:
    """The newest published article that answers this thread: one query."""
    return db.session.scalar(
        select(Article).join(ArticleSource, ArticleSource.article_id == Article.id)
        .where(ArticleSource.question_id == question_id, Article.state == "published")
        .order_by(Article.published_at.desc()).limit(1))


def revisions(article: Article) -> list[ArticleRevision]:
    return list(db.session.scalars(
        select(ArticleRevision).where(ArticleRevision.article_id == article.id)
        .order_by(ArticleRevision.number)))


def feed_articles() -> list[Article]:
    return published(limit=FEED_SIZE)


def sitemap_rows():
    """(id, slug, last change) of published articles."""
    return db.session.execute(
        select(Article.id, Article.slug, Article.updated_at)
        .where(Article.state == "published").order_by(Article.updated_at.desc())).all()


# -- "did this solve your problem?" (forum.services.feedback) ------------------------

def record_feedback(visitor: str | None, article_id: int, helpful: bool, reason: str | None):
    """A reader's answer on a published article (drafts take none)."""
    from forum.services import feedback

    article = get_article(article_id)
    if not article.is_published:
        raise NotFound(f"Article {article_id} does not exist.")
    return feedback.record(visitor, article_id=article.id, helpful=helpful, reason=reason)


def feedback_counts(user: Any, article: Article):
    """Yes and no answers on the article, for staff (None for anyone else)."""
    from forum.services import feedback

    if not permissions.can("edit_article", user, article):
        return None
    return feedback.counts(article_id=article.id)


# -- matching a query -----------------------------------------------------------------

_STOP = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "cannot", "do", "does",
    "doesn't", "for", "from", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its",
    "my", "no", "not", "of", "on", "or", "so", "that", "the", "then", "there", "this", "to",
    "was", "when", "where", "which", "while", "why", "will", "with", "won't", "after", "again",
    "all", "any", "every", "get", "gets", "got", "keep", "keeps", "me", "our", "out", "still",
    "than", "up", "what", "you", "your",
))


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def query_words(query: str) -> list[str]:
    """The words of a query worth matching: no operators (`tag:x`, `-word`), no
    common words, each once."""
    kept: list[str] = []
    for token in query.split():
        if ":" in token or token.startswith("-"):
            continue
        for word in _words(token):
            if (len(word) >= 3 or word.isdigit()) and word not in _STOP and word not in kept:
                kept.append(word)
    return kept[:12]


def matching_articles(query: str, limit: int = MATCH_LIMIT) -> list[Article]:
    """Published articles that match at least half the query's words (and two of
    them when it has two or more), the ones matching in their title first."""
    words = query_words(query or "")
    if not words:
        return []
    likes = [column.ilike(f"%{_stem(w)}%") for w in words
             for column in (Article.title, Article.problem, Article.solution)]
    candidates = db.session.scalars(
        select(Article).where(Article.state == "published", or_(*likes))
        .limit(MATCH_CANDIDATES))
    need = max(min(2, len(words)), math.ceil(len(words) / 2))
    ranked = []
    for article in candidates:
        title = {_stem(w) for w in _words(article.title)}
        body = {_stem(w) for w in _words(f"{article.problem} {article.solution}")}
        in_title = sum(1 for w in words if _stem(w) in title)
        matched = sum(1 for w in words if _stem(w) in title or _stem(w) in body)
        if matched >= need:
            ranked.append((matched + in_title, article.published_at, article))
    ranked.sort(key=lambda r: (r[0], r[1]), reverse=True)
    return [r[2] for r in ranked[:limit]]


# -- writing -------------------------------------------------------------------------

def _add_revision(article: Article, user: Any, comment: str) -> None:
    db.session.add(ArticleRevision(
        article_id=article.id, number=article.revision_count, author_id=user.id,
        title=article.title, product=article.product, problem=article.problem,
        solution=article.solution, comment=comment[:COMMENT_MAX], created_at=utcnow()))


def _apply(article: Article, draft: ArticleDraft) -> None:
    article.title = draft.title
    article.slug = slugify(draft.title)
    article.product = draft.product
    article.problem = draft.problem
    article.problem_html = render_markdown(draft.problem)
    article.solution = draft.solution
    article.solution_html = render_markdown(draft.solution)


def _sources_changed(article: Article) -> None:
    """The source threads' pages show the article: they change with it."""
    for question_id in db.session.scalars(
            select(ArticleSource.question_id).where(ArticleSource.article_id == article.id)):
        changes.thread_changed(question_id)


def _lock_article(user: Any, article_id: int) -> Article:
    """The article, row-locked; "not found" to whoever may not read it."""
    article = db.session.scalar(
        select(Article).where(Article.id == article_id).with_for_update(of=Article))
    if article is None or not permissions.can("view_article", user, article):
        raise NotFound(f"Article {article_id} does not exist.")
    return article


def promoted_from(answer_id: int) -> Article | None:
    return db.session.scalar(
        select(Article).join(ArticleSource, ArticleSource.article_id == Article.id)
        .where(ArticleSource.answer_id == answer_id).order_by(Article.id).limit(1))


@changes.transaction
def promote_answer(user: Any, answer_id: int) -> tuple[Article, bool]:
    """A draft from an official answer and its question; (article, created).
    An answer already promoted gives its article back (created is False)."""
    permissions.require("write_article", user)
    answer = db.session.get(Answer, answer_id)
    if not isinstance(answer, Answer) or answer.is_deleted or answer.question.is_deleted:
        raise NotFound(f"Answer {answer_id} does not exist.")
    if not answer.is_official:
        raise Conflict("Only an official answer can be promoted to an article: "
                       "mark it official first.")
    if (existing := promoted_from(answer.id)) is not None:
        return existing, False
    question = answer.question
    now = utcnow()
    article = Article(state="draft", author_id=user.id, edited_by_id=user.id,
                      created_at=now, updated_at=now, revision_count=1)
    title = question.title or "Untitled"
    _apply(article, ArticleDraft(title=title, product=question.product,
                                 problem=question.body, solution=answer.body))
    db.session.add(article)
    db.session.flush()
    _add_revision(article, user, f"Promoted from answer {answer.id} to question {question.id}")
    db.session.add(ArticleSource(article_id=article.id, question_id=question.id,
                                 answer_id=answer.id, created_at=now))
    record_staff_action(user, "article.promoted", ("article", article.id),
                        answer_id=answer.id, question_id=question.id)
    return article, True


@changes.transaction
def save_article(user: Any, article_id: int, draft: ArticleDraft) -> Article:
    """Save an edit as a new revision; saving the same text changes nothing."""
    article = _lock_article(user, article_id)
    permissions.require("edit_article", user, article)
    same = (draft.title, draft.product, draft.problem, draft.solution) == (
        article.title, article.product, article.problem, article.solution)
    if same:
        return article
    _apply(article, draft)
    article.edited_by_id = user.id
    article.updated_at = utcnow()
    article.revision_count += 1
    _add_revision(article, user, draft.comment)
    if article.is_published:
        _sources_changed(article)
    return article


@changes.transaction
def add_source(user: Any, article_id: int, question_id: int) -> Article:
    """Link one more thread the article answers."""
    article = _lock_article(user, article_id)
    permissions.require("edit_article", user, article)
    question = db.session.get(Question, question_id)
    if not isinstance(question, Question) or question.is_deleted:
        raise ValidationError({"question": f"Question {question_id} does not exist."})
    if db.session.get(ArticleSource, (article.id, question.id)) is None:
        db.session.add(ArticleSource(article_id=article.id, question_id=question.id,
                                     created_at=utcnow()))
        record_staff_action(user, "article.source_added", ("article", article.id),
                            question_id=question.id)
    return article


def _move(user: Any, article_id: int, rule: str, state: str, action: str) -> Article:
    article = _lock_article(user, article_id)
    permissions.require(rule, user, article)
    was_published = article.is_published
    now = utcnow()
    article.state = state
    if state == "review":
        article.submitted_by_id, article.submitted_at = user.id, now
    elif state == "published":
        article.published_by_id, article.published_at = user.id, now
    else:
        article.submitted_by_id = article.submitted_at = None
    if was_published or state == "published":
        _sources_changed(article)
    record_staff_action(user, action, ("article", article.id))
    return article


@changes.transaction
def submit_for_review(user: Any, article_id: int) -> Article:
    return _move(user, article_id, "submit_article", "review", "article.submitted")


@changes.transaction
def publish(user: Any, article_id: int) -> Article:
    return _move(user, article_id, "publish_article", "published", "article.published")


@changes.transaction
def unpublish(user: Any, article_id: int) -> Article:
    """A published article (or one in review) goes back to draft."""
    return _move(user, article_id, "unpublish_article", "draft", "article.unpublished")


__all__ = ["ArticleDraft", "add_source", "article_for_thread", "credits", "editable_article",
           "feed_articles", "feedback_counts", "get_article", "matching_articles",
           "parse_article", "product_counts", "promote_answer", "publish", "published",
           "record_feedback", "revisions", "save_article", "sitemap_rows", "sources",
           "submit_for_review", "unpublish", "unpublished", "visible_article"]
