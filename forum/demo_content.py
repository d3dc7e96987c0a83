"""Demo content for `flask seed-demo`, loaded from ``forum/data/demo.json``.

Everything in it is invented: the company, its products (AeroBook laptops, LinkPoint
routers, PrintJet printers, Nimbus phones, SecureTunnel VPN, HomeHub smart home),
model numbers, firmware and driver versions, error codes, people and conversations.
Any resemblance to real products or people is accidental. E-mail addresses use the
reserved example.com domain.

Importing the module only reads the JSON file, so the seeder (and tests) can use it
without side effects:

* ``USERS``: demo accounts. ``bonus`` is a starting reputation bonus, added on top of
  whatever the seeded votes and accepted answers earn, so the demo shows users at
  different reputation levels.
* ``PRODUCTS``: product names the threads are filed under.
* ``THREADS``: questions with their answers and comments. Times are relative
  (``days_ago`` for a question, ``hours_after`` the question for an answer), and
  ``votes`` is the net score other users give a post.

``check()`` lists what breaks the forum's rules (empty when all is well); run
``python -m forum.demo_content`` for it plus a summary of the content.
"""

import json
import re
from importlib import resources
from typing import Any

DATA = resources.files("forum") / "data" / "demo.json"

_data = json.loads(DATA.read_text(encoding="utf-8"))
USERS: list[dict[str, Any]] = _data["users"]
PRODUCTS: list[str] = _data["products"]
THREADS: list[dict[str, Any]] = _data["threads"]
del _data

ROLES = ("member", "staff", "moderator", "admin")
COMMENT_MIN_REP = 50  # PRIV_COMMENT: below it, people comment only on their own thread/posts
USER_KEYS = {"username", "email", "role", "bonus"}
THREAD_KEYS = {"title", "body", "tags", "product", "author", "days_ago", "votes", "answers",
               "comments"}
ANSWER_KEYS = {"author", "body", "votes", "accepted", "hours_after", "comments"}


def check(users=None, products=None, threads=None) -> list[str]:
    """The problems in the demo content (defaults: this module's data), [] if none."""
    from forum.inputs import TAG_CHARS

    users = USERS if users is None else users
    products = PRODUCTS if products is None else products
    threads = THREADS if threads is None else threads
    problems: list[str] = []

    def ok(condition, message):
        if not condition:
            problems.append(message)

    username_re = re.compile(r"^[A-Za-z0-9_.-]{3,30}$")
    tag_re = re.compile(f"^[{TAG_CHARS}]{{1,35}}$")

    by_name: dict[str, dict] = {}
    emails = set()
    for user in users:
        name = user["username"]
        ok(set(user) == USER_KEYS, f"user {name}: unexpected keys")
        ok(bool(username_re.match(name)), f"user {name}: bad username")
        ok(name.lower() not in {n.lower() for n in by_name}, f"user {name}: duplicate username")
        ok("@" in user["email"] and user["email"].lower() not in emails,
           f"user {name}: bad or duplicate email")
        ok(user["role"] in ROLES, f"user {name}: bad role {user['role']!r}")
        ok(isinstance(user["bonus"], int) and 0 <= user["bonus"] <= 3000, f"user {name}: bad bonus")
        by_name[name] = user
        emails.add(user["email"].lower())
    role_counts = {r: sum(1 for u in users if u["role"] == r) for r in ROLES}
    ok(role_counts["staff"] == 1 and role_counts["moderator"] == 1 and role_counts["admin"] == 1,
       f"expected one staff, one moderator, one admin: {role_counts}")
    ok(by_name.get("admin", {}).get("role") == "admin", "the admin user must be called 'admin'")
    ok(len(set(products)) == len(products), "duplicate products")

    def check_votes(votes, where):
        ok(isinstance(votes, int) and -2 <= votes <= 9, f"{where}: votes {votes!r} out of range")
        # Each other user votes at most once, never on their own post.
        ok(abs(votes) <= len(users) - 1, f"{where}: more votes than possible voters")

    def check_comments(comments, where, thread_author, post_author):
        for c in comments:
            ok(set(c) == {"author", "body"}, f"{where}: comment has unexpected keys")
            ok(c["author"] in by_name, f"{where}: unknown comment author {c['author']!r}")
            ok(15 <= len(c["body"]) <= 600, f"{where}: comment length {len(c['body'])}")
            ok(c["body"] == c["body"].strip(), f"{where}: comment has surrounding whitespace")
            user = by_name.get(c["author"])
            if user and user["role"] == "member" and user["bonus"] < COMMENT_MIN_REP:
                ok(c["author"] in (thread_author, post_author),
                   f"{where}: low-reputation {c['author']} comments on someone else's post")

    def check_body(body, where):
        ok(30 <= len(body) <= 30000, f"{where}: body length {len(body)}")
        ok(body == body.strip(), f"{where}: body has surrounding whitespace")
        ok(body.count("```") % 2 == 0, f"{where}: unbalanced code fences")

    titles = set()
    for i, t in enumerate(threads, 1):
        where = f"thread {i} ({t.get('title', '')[:40]!r})"
        ok(set(t) == THREAD_KEYS, f"{where}: keys {sorted(set(t) ^ THREAD_KEYS)}")
        ok(15 <= len(t["title"]) <= 150, f"{where}: title length {len(t['title'])}")
        ok(t["title"] == t["title"].strip(), f"{where}: title has surrounding whitespace")
        ok(t["title"].lower() not in titles, f"{where}: duplicate title")
        titles.add(t["title"].lower())
        check_body(t["body"], where)
        ok(1 <= len(t["tags"]) <= 5, f"{where}: {len(t['tags'])} tags")
        ok(len(set(t["tags"])) == len(t["tags"]), f"{where}: duplicate tags")
        for tag in t["tags"]:
            ok(bool(tag_re.match(tag)), f"{where}: bad tag {tag!r}")
        ok(t["product"] is None or t["product"] in products,
           f"{where}: unknown product {t['product']!r}")
        ok(t["author"] in by_name, f"{where}: unknown author {t['author']!r}")
        ok(isinstance(t["days_ago"], int) and 0 <= t["days_ago"] <= 120, f"{where}: days_ago")
        check_votes(t["votes"], where)
        check_comments(t["comments"], where, t["author"], t["author"])
        accepted = 0
        for j, a in enumerate(t["answers"], 1):
            aw = f"{where} answer {j}"
            ok(set(a) == ANSWER_KEYS, f"{aw}: keys {sorted(set(a) ^ ANSWER_KEYS)}")
            ok(a["author"] in by_name, f"{aw}: unknown author {a['author']!r}")
            check_body(a["body"], aw)
            check_votes(a["votes"], aw)
            ok(isinstance(a["accepted"], bool), f"{aw}: accepted must be a bool")
            ok(isinstance(a["hours_after"], int) and a["hours_after"] >= 1, f"{aw}: hours_after")
            ok(a["hours_after"] <= t["days_ago"] * 24, f"{aw}: answer would be in the future")
            check_comments(a["comments"], aw, t["author"], a["author"])
            accepted += a["accepted"]
        ok(accepted <= 1, f"{where}: {accepted} accepted answers")

    for name in by_name:
        ok(any(t["author"] == name or any(a["author"] == name for a in t["answers"])
               or any(c["author"] == name for c in t["comments"])
               or any(c["author"] == name for a in t["answers"] for c in a["comments"])
               for t in threads), f"user {name} never appears")
    return problems


def summary() -> dict[str, Any]:
    """Counts for a quick look at the content."""
    answers = [a for t in THREADS for a in t["answers"]]
    n_accepted = sum(a["accepted"] for a in answers)
    return {
        "users": len(USERS),
        "roles": {r: sum(1 for u in USERS if u["role"] == r) for r in ROLES},
        "products": len(PRODUCTS),
        "threads": len(THREADS),
        "answers": len(answers),
        "comments": sum(len(t["comments"]) for t in THREADS) + sum(len(a["comments"]) for a in answers),
        "solved": f"{n_accepted} ({n_accepted / len(THREADS):.0%})",
        "unanswered": sum(not t["answers"] for t in THREADS),
        "tags": f"{len({tag for t in THREADS for tag in t['tags']})} distinct",
        "per product": {p: sum(1 for t in THREADS if t["product"] == p) for p in [*PRODUCTS, None]},
    }


if __name__ == "__main__":
    import sys

    for key, value in summary().items():
        print(f"{key + ':':<13}{value}")
    found = check()
    if found:
        print(f"\n{len(found)} problem(s):")
        for p in found:
            print(f"  - {p}")
        sys.exit(1)
    print("\nOK: all checks passed")
