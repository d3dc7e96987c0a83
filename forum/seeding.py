"""Demo content for `flask seed-demo`, created through the same services as
real posts so votes, acceptance and reputation follow the rules."""

from __future__ import annotations

import random
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update

from forum import changes
from forum.errors import ForumError
from forum.extensions import db
from forum.inputs import QuestionDraft
from forum.models import (
    Answer,
    Comment,
    Post,
    Question,
    ReputationEvent,
    Revision,
    Tag,
    User,
    utcnow,
)
from forum.services import accepting, posting, reputation, voting

DEMO_PASSWORD = "crowdfix-demo-2026"


def is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(Question))


def _make_users(specs) -> dict[str, User]:
    from werkzeug.security import generate_password_hash

    password_hash = generate_password_hash(DEMO_PASSWORD)
    long_ago = utcnow() - timedelta(days=400)
    users: dict[str, User] = {}
    for spec in specs:
        user = db.session.scalar(select(User).where(User.username_lower == spec["username"].lower()))
        if user is None:
            user = User(username=spec["username"], username_lower=spec["username"].lower(),
                        email=spec["email"].lower(), password_hash=password_hash,
                        role=spec.get("role", "member"), created_at=long_ago)
            db.session.add(user)
            db.session.flush()
            if spec.get("bonus"):
                event = reputation.award(user.id, reputation.BONUS, post_id=None, actor_id=None,
                                         points=int(spec["bonus"]))
                event.created_at = long_ago
            reputation.refresh(user.id)
        users[spec["username"]] = user
    return users


def _ensure_tags(threads) -> None:
    names = sorted({t for thread in threads for t in thread["tags"]})
    existing = set(db.session.scalars(select(Tag.name).where(Tag.name.in_(names))))
    db.session.add_all(Tag(name=n) for n in names if n not in existing)


def _votes(post: Post, net: int, users: list[User], rng: random.Random) -> int:
    value = 1 if net > 0 else -1
    cast = 0
    for voter in rng.sample(users, len(users)):
        if cast >= abs(net):
            break
        try:
            voting.cast_vote(voter, post.id, value)
            cast += 1
        except ForumError:
            continue
    return cast


def _backdate(post_ids: list[int], when_by_post: dict[int, object]) -> None:
    for post_id in post_ids:
        when = when_by_post[post_id]
        db.session.execute(update(Post).where(Post.id == post_id).values(created_at=when))
        db.session.execute(update(Revision).where(Revision.post_id == post_id).values(created_at=when))
        db.session.execute(update(Comment).where(Comment.post_id == post_id).values(created_at=when))
        db.session.execute(update(ReputationEvent).where(ReputationEvent.post_id == post_id)
                           .values(created_at=when))


@changes.transaction
def seed_demo(seed: int = 2026) -> dict[str, int]:
    """The demo content in one unit of work: every service it calls joins it, so
    the search index and the caches hear of all the threads once, after one commit
    (a commit per post took a minute)."""
    from forum import demo_content

    rng = random.Random(seed)
    users = _make_users(demo_content.USERS)
    everyone = list(users.values())
    _ensure_tags(demo_content.THREADS)
    counts = {"users": len(users), "questions": 0, "answers": 0, "comments": 0, "votes": 0}
    now = utcnow()
    asked: list[int] = []
    for spec in demo_content.THREADS:
        asker = users[spec["author"]]
        asked_at = now - timedelta(days=spec["days_ago"], hours=rng.randint(0, 12))
        question = posting.ask_question(asker, QuestionDraft(
            title=spec["title"], body=spec["body"], tags=tuple(spec["tags"]),
            product=spec.get("product"),
        ))
        counts["questions"] += 1
        when = {question.id: asked_at}
        latest = asked_at
        for comment in spec.get("comments", []):
            try:
                posting.add_comment(users[comment["author"]], question.id, comment["body"])
                counts["comments"] += 1
            except ForumError:
                pass
        counts["votes"] += _votes(question, spec.get("votes", 0), everyone, rng)
        for answer_spec in spec.get("answers", []):
            answer = posting.post_answer(users[answer_spec["author"]], question.id, answer_spec["body"])
            counts["answers"] += 1
            answered_at = asked_at + timedelta(hours=answer_spec.get("hours_after", 5))
            when[answer.id] = answered_at
            latest = max(latest, answered_at)
            for comment in answer_spec.get("comments", []):
                try:
                    posting.add_comment(users[comment["author"]], answer.id, comment["body"])
                    counts["comments"] += 1
                except ForumError:
                    pass
            counts["votes"] += _votes(answer, answer_spec.get("votes", 0), everyone, rng)
            if answer_spec.get("accepted"):
                accepting.accept_answer(asker, answer.id)
        _backdate(list(when), when)
        db.session.execute(update(Post).where(Post.id == question.id)
                           .values(last_activity_at=min(latest, now)))
        asked.append(question.id)
    _support_extras(users, asked, rng)
    _support_case(users, asked)
    _insights_demo(users, asked)
    _recurring_demo(users, asked)
    _knowledge_base_demo(users, asked)
    _demo_files(users, asked)
    for hook in current_app.extensions.get("crowdfix.seed_hooks", ()):   # moderation's demo
        hook(users, asked)
    reputation.recount_all()
    return counts


def _support_extras(users: dict[str, User], question_ids: list[int], rng: random.Random) -> None:
    """What staff do on a real support forum: a few official answers, two known
    issues, and people saying they have the problem too."""
    from forum.inputs import KnownIssueDraft
    from forum.services import escalation, known_issues, me_too, official

    staff = next((u for u in users.values() if u.role == "staff"), None)
    members = [u for u in users.values() if u.role == "member"]
    for n, question_id in enumerate(question_ids):
        question = db.session.get(Question, question_id)
        for user in rng.sample(members, rng.randint(0, min(6, len(members)))):
            try:
                me_too.set_me_too(user, question_id, True)
            except ForumError:
                continue
        if staff is None:
            continue
        answers = sorted((a for a in db.session.scalars(
            select(Answer).where(Answer.question_id == question_id, Answer.deleted_at.is_(None)))),
            key=lambda a: -a.score)
        if answers and n % 4 == 0:
            # Staff's own answer when they wrote one: official and accepted then differ.
            own = [a for a in answers if a.author_id == staff.id]
            official.mark_official(staff, (own or answers)[0].id)
        if n in (1, 6) and question is not None:
            draft = (KnownIssueDraft("investigating", "ENG-4821", None) if n == 1 else
                     KnownIssueDraft("fixed", "https://status.example.com/incidents/2211", "2.4.1"))
            known_issues.mark_known(staff, question_id, draft)
            if n == 1:      # escalated: the bug in engineering's tracker
                escalation.link_bug(staff, question_id, escalation.BugLink(
                    "github", "https://github.com/crowdfix-demo/firmware/issues/4821",
                    "crowdfix-demo/firmware#4821"))


def _support_case(users: dict[str, User], question_ids: list[int]) -> None:
    """An open support case behind the VPN thread: staff asked for a log in private,
    the asker sent it, an internal note, escalated to L2 and assigned; opened four
    days ago, so it is past its resolution time on the staff desk. (The demo's
    newest questions, unanswered for a day or more, are the overdue questions.)"""
    import io

    from forum.models import CaseMessage, SupportCase
    from forum.services import cases

    staff = next((u for u in users.values() if u.role == "staff"), None)
    question = next((q for q in (db.session.get(Question, i) for i in question_ids)
                     if q is not None and "ST-4012" in q.title), None)
    if staff is None or question is None:
        return
    case = cases.open_case(staff, question.id, (
        "Thanks for the details on the thread. To check the handshake on our side we need "
        "your account's device ID and a client log; please attach "
        "`securetunnel-client.log` here, where only you and support can see it."))
    cases.reply(question.author, case.id, "Here it is. Device ID is in the first line.", files=[
        _named(io.BytesIO(b"device-id: ST-DEV-55120-AB\n"
                          b"10:02:11 handshake start gw=eu-west-3\n"
                          b"10:02:41 ST-4012 handshake timed out (UDP 51820 blocked?)\n"),
               "securetunnel-client.log")])
    cases.reply(staff, case.id, "Gateway eu-west-3 drops UDP from this ISP range; "
                "passing to network engineering.", internal=True)
    cases.change(staff, case.id, cases.CaseChange(tier="L2", assignee=staff.username))
    opened = utcnow() - timedelta(days=4)
    db.session.execute(update(SupportCase).where(SupportCase.id == case.id).values(
        created_at=opened, updated_at=opened + timedelta(hours=26),
        first_response_at=opened + timedelta(minutes=5)))
    sent = (timedelta(minutes=5), timedelta(hours=20), timedelta(hours=26))
    message_ids = list(db.session.scalars(select(CaseMessage.id).where(CaseMessage.case_id == case.id)
                                          .order_by(CaseMessage.id)))
    for message_id, after in zip(message_ids, sent, strict=True):
        db.session.execute(update(CaseMessage).where(CaseMessage.id == message_id)
                           .values(created_at=opened + after))


def _named(stream, filename: str):
    stream.filename = filename
    return stream


#: When the demo laptop's Wi-Fi dropped (event 5005) and came back (8001).
_DEMO_DROPS = (("09:14:03", "09:14:25"), ("09:18:41", "09:19:02"), ("09:22:57", "09:23:19"),
               ("09:27:30", "09:27:51"), ("09:31:48", "09:32:10"))
_DEMO_LOG = "".join(
    f"2026-12-01 {reset} aerowlan ERROR Event 5005: AeroWave AX211 160MHz : Has performed "
    "a reset. (driver 22.200.0.6, 5 GHz, channel 36, 160 MHz)\n"
    f"2026-12-01 {back} WLAN-AutoConfig INFO Event 8001: connected to HomeNet-5G (WPA3)\n"
    for reset, back in _DEMO_DROPS)


def _screenshot_png() -> bytes:
    """A made-up Event Viewer window showing the Wi-Fi thread's resets, drawn with
    Pillow (same bytes every run: no clock, no randomness)."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    font, bold = ImageFont.load_default(size=14), ImageFont.load_default(size=16)
    img = Image.new("RGB", (760, 360), "#dfe3e8")
    draw = ImageDraw.Draw(img)
    draw.rectangle((10, 10, 749, 349), fill="#ffffff", outline="#8a949e")
    draw.rectangle((11, 11, 748, 40), fill="#1f4e79")
    draw.text((22, 17), "Event Viewer - Windows Logs > System", fill="#ffffff", font=bold)
    columns = ((24, "Level"), (130, "Date and Time"), (320, "Source"), (480, "Event ID"),
               (570, "Task Category"))
    draw.rectangle((11, 48, 748, 72), fill="#eef1f4")
    for x, title in columns:
        draw.text((x, 53), title, fill="#1b1f23", font=font)
    rows = [row for reset, back in _DEMO_DROPS[:3] for row in (
        ("Error", f"01/12/2026 {reset}", "aerowlan", "5005", "None"),
        ("Information", f"01/12/2026 {back}", "WLAN-AutoConfig", "8001", "None"))]
    for n, row in enumerate(rows):
        y = 80 + n * 26
        if n == 0:
            draw.rectangle((11, y - 4, 748, y + 20), fill="#cce4f7")
        for (x, _), value in zip(columns, row, strict=True):
            draw.text((x, y), value, fill="#b42318" if value == "Error" else "#1b1f23",
                      font=font)
    draw.line((11, 244, 748, 244), fill="#8a949e")
    draw.text((24, 256), "Event 5005, aerowlan", fill="#1b1f23", font=bold)
    draw.text((24, 286), "AeroWave AX211 160MHz : Has performed a reset.", fill="#1b1f23",
              font=font)
    draw.text((24, 316), "Log Name: System     Level: Error     Keywords: (none)",
              fill="#57606a", font=font)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _demo_files(users: dict[str, User], question_ids: list[int]) -> None:
    """The Wi-Fi thread's asker attaches what a real asker would: a screenshot of the
    errors (shown in the post) and the log they came from, dated with the question."""
    import io

    from forum.models import Attachment
    from forum.services import attachments

    question = next((q for q in (db.session.get(Question, i) for i in question_ids)
                     if q is not None and "AeroBook 14 Wi-Fi" in q.title), None)
    if question is None:
        return
    files = ((_screenshot_png(), "event-viewer-5005.png", "screenshot"),
             (_DEMO_LOG.encode(), "wlan-events.log", "log"))
    for data, filename, kind in files:
        attachment = attachments.attach_file(question.author, question.id, io.BytesIO(data),
                                             filename, kind)
        db.session.execute(update(Attachment).where(Attachment.id == attachment.id)
                           .values(created_at=question.created_at))


def _knowledge_base_demo(users: dict[str, User], question_ids: list[int]) -> None:
    """One published knowledge-base article: staff promote the Wi-Fi thread's
    official answer, tidy the problem statement (a second revision), send it to
    review, and the admin publishes it."""
    from forum.services import knowledge_base

    staff = next((u for u in users.values() if u.role == "staff"), None)
    admin = next((u for u in users.values() if u.role == "admin"), None)
    question = next((q for q in (db.session.get(Question, i) for i in question_ids)
                     if q is not None and q.title.startswith("AeroBook 14 Wi-Fi drops every")),
                    None)
    if staff is None or admin is None or question is None or not question.official_answer_id:
        return
    article, _ = knowledge_base.promote_answer(staff, question.official_answer_id)
    knowledge_base.save_article(staff, article.id, knowledge_base.ArticleDraft(
        title="AeroBook 14 Wi-Fi drops every few minutes on Windows 11 (event 5005)",
        product=article.product, solution=article.solution,
        comment="A short problem statement; the thread has the full story",
        problem=(
            "The AeroBook 14's Wi-Fi drops every 3-5 minutes on Windows 11 and reconnects "
            "on its own about 20 seconds later. Other devices on the same network stay "
            "connected.\n\nEach drop logs this in Event Viewer (System):\n\n"
            "```text\nSource:      aerowlan\nEvent ID:    5005\n"
            "Description: AeroWave AX211 160MHz : Has performed a reset.\n```\n\n"
            "Affected: AeroWave AX211 adapters with driver 22.200.x (the version Windows "
            "Update offers).")))
    knowledge_base.submit_for_review(staff, article.id)
    knowledge_base.publish(admin, article.id)


#: The demo's products, their versions (oldest first) and which threads are about which.
DEMO_VERSIONS = {
    "AeroBook laptops": ("BIOS 1.10", "BIOS 1.11", "BIOS 1.12"),
    "LinkPoint routers": ("Firmware 2.3", "Firmware 2.4", "Firmware 2.4.1"),
    "PrintJet printers": ("Driver 5.1", "Driver 5.2"),
    "Nimbus phones": ("Android 13", "Android 14"),
    "SecureTunnel VPN": ("4.1", "4.2"),
    "HomeHub smart home": ("App 3.0", "App 3.1"),
}
DEMO_THREAD_VERSIONS = {"loses 30-40% battery": "BIOS 1.12", "BIOS update 1.12": "BIOS 1.12",
                        "Wi-Fi drops every few minutes": "BIOS 1.11",
                        "firmware update fails at 87%": "Firmware 2.4",
                        "Android 14 update": "Android 14", "ST-4012": "4.2"}
#: A recurring issue asked again over the last weeks and closed as duplicates (only
#: when no other part of the demo closes a duplicate: moderation's demo closes one
#: of the same Wi-Fi thread, and its tests count on that being the only one).
DEMO_REPEATS = (
    ("Wi-Fi drops every few minutes", "AeroBook 14 wifi disconnects and reconnects all the time",
     2, "kwame_a"),
    ("Wi-Fi drops every few minutes", "Wi-Fi on my AeroBook 14 drops out every couple of minutes",
     9, "lena-b"),
    ("Wi-Fi drops every few minutes", "AeroBook 14 loses the wireless connection again and again",
     16, "jtorres"),
)


def _recurring_demo(users: dict[str, User], question_ids: list[int]) -> None:
    """Products and versions as data (owned by the staff account), versions on a
    few threads, a recurring issue asked again and closed as duplicates,
    me-toos over the last weeks, and the weekly scores stored so the
    recurring-issue chart has a trend."""
    from forum.models import MeToo, Product, ProductVersion
    from forum.services import recurring

    staff = next((u for u in users.values() if u.role == "staff"), None)
    now = utcnow()
    for name, versions in DEMO_VERSIONS.items():
        product = Product(name=name, created_at=now - timedelta(days=90))
        product.versions = [ProductVersion(name=v, position=n) for n, v in enumerate(versions, 1)]
        if staff is not None and name in ("AeroBook laptops", "PrintJet printers"):
            product.owners = [staff]
        db.session.add(product)
    threads = [q for q in (db.session.get(Question, i) for i in question_ids) if q is not None]

    def find(words: str) -> Question | None:
        return next((q for q in threads if words in (q.title or "")), None)

    for words, version in DEMO_THREAD_VERSIONS.items():
        if (q := find(words)) is not None:
            q.product_version = version
    repeats = () if current_app.extensions.get("crowdfix.seed_hooks") else DEMO_REPEATS
    for words, title, days_ago, author in repeats:
        original = find(words)
        if original is None or author not in users:
            continue
        repeat = posting.ask_question(users[author], QuestionDraft(
            title=title, tags=tuple(t.name for t in original.tags), product=original.product,
            product_version=original.product_version,
            body=f"{title}. I updated everything I could find and it still happens; "
                 "is there a fix?"))
        asked_at = now - timedelta(days=days_ago, hours=3)
        db.session.execute(update(Post).where(Post.id == repeat.id).values(
            created_at=asked_at, last_activity_at=asked_at + timedelta(hours=2),
            status="closed", closed_reason="duplicate", closed_at=asked_at + timedelta(hours=2),
            duplicate_of_id=original.id))
    members = [u for u in users.values() if u.role == "member"]
    # me-toos over the weeks: the Wi-Fi issue growing, the battery one fading
    for words, days in (("Wi-Fi drops every few minutes", (1, 2, 4, 5, 9, 13, 24, 40)),
                        ("loses 30-40% battery", (6, 15, 22, 26, 33, 40, 48)),
                        ("won't charge anymore", (2, 10, 19, 27))):
        q = find(words)
        if q is None:
            continue
        have = set(db.session.scalars(select(MeToo.user_id).where(MeToo.question_id == q.id)))
        for user, days_ago in zip([u for u in members if u.id not in have], days, strict=False):
            db.session.add(MeToo(question_id=q.id, user_id=user.id,
                                 created_at=now - timedelta(days=days_ago)))
            q.me_too_count += 1
    db.session.flush()
    this_week = recurring.week_start(now)
    for k in range(7, 0, -1):
        recurring.store_week(this_week - timedelta(days=7 * k))


# -- insights (issue 17 A): searches, "did this solve it", ask sessions ---------------

DEMO_SEARCHES = (       # (query, results, searches, opened of them, product filter)
    ("printer offline", 3, 9, 6, None),
    ("wifi drops", 4, 8, 5, None),
    ("st-4012 handshake", 1, 5, 4, None),
    ("battery drain sleep", 2, 6, 1, None),
    ("fan loud", 1, 4, 0, None),
    ("usb-c monitor", 2, 3, 0, None),
    ("offline product:printjet", 2, 3, 2, "printjet"),
    ("firmware 87%", 1, 2, 0, None),
    ("nimbus x3 esim", 0, 4, 0, None),
    ("homehub thermostat schedule", 0, 3, 0, None),
    ("aerobook fingerprint reader", 0, 2, 0, None),
    ("scan to sharepoint", 0, 2, 0, "printjet"),
)
DEMO_FEEDBACK = (       # (words of a solved thread's title, [(helpful, reason)])
    ("shows \"Offline\" in Windows", [(True, None)] * 5 + [(False, "My port was already TCP/IP")]),
    ("Wi-Fi drops every few minutes", [(True, None)] * 2 + [
        (False, "Driver 23.40 did not help on my AeroBook 14"),
        (False, "Still drops after the power setting change"),
        (False, "Drops on 5 GHz only; the answer does not cover that"),
        (False, None)]),
    ("ST-4012", [(True, "The TCP fallback fixed it"), (True, None), (False, None)]),
)


def _insights_demo(users: dict[str, User], question_ids: list[int]) -> None:
    """Searches over the last two weeks (some found nothing, some results nobody
    opened), "did this solve it" answers on solved threads (one with more no than
    yes, for review), and eight weeks of ask sessions, so /staff/insights shows
    every panel."""
    from forum.models import AskSession, SearchLog, ThreadFeedback

    rng = random.Random(17)
    now = utcnow()
    threads = [q for q in (db.session.get(Question, i) for i in question_ids)
               if q is not None and q.solved]
    if not threads:
        return
    for query, results, searches, opened, product in DEMO_SEARCHES:
        for n in range(searches):
            at = now - timedelta(days=rng.randint(0, 13), hours=rng.randint(0, 23))
            hit = rng.choice(threads) if n < opened else None
            db.session.add(SearchLog(
                query=query, result_count=results, source="api" if n == searches - 1 and n
                else "page", signed_in=rng.random() < 0.3, product=product,
                opened_question_id=hit.id if hit else None, opened_rank=1 if hit else None,
                opened_at=at + timedelta(seconds=20) if hit else None, created_at=at))
    for words, answers in DEMO_FEEDBACK:
        q = next((t for t in threads if words in t.title), None)
        if q is None:
            continue
        for n, (helpful, reason) in enumerate(answers):
            at = now - timedelta(days=rng.randint(0, 12), hours=rng.randint(0, 23))
            db.session.add(ThreadFeedback(question_id=q.id, visitor=f"v:demo-{q.id}-{n}",
                                          helpful=helpful, reason=reason, created_at=at,
                                          updated_at=at))
    # ask sessions: per week, some saw similar threads, some opened one, some posted
    for week in range(8):
        for n in range(rng.randint(6, 12)):
            start = (now - timedelta(hours=2 + n) if week == 0 and n < 3 else
                     now - timedelta(days=7 * week + rng.randint(0, 6), hours=rng.randint(2, 20)))
            shown = rng.random() < 0.7
            opened = shown and rng.random() < 0.55
            posted = rng.random() < (0.35 if opened else 0.8)
            db.session.add(AskSession(
                token=f"demo{week:02d}{n:02d}{rng.getrandbits(48):012x}", created_at=start,
                similar_shown_at=start + timedelta(seconds=40) if shown else None,
                opened_at=start + timedelta(minutes=2) if opened else None,
                opened_question_id=rng.choice(threads).id if opened else None,
                posted_at=start + timedelta(minutes=9) if posted else None))
    db.session.flush()
