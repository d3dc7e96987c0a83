"""The demo content of `flask seed-demo`: forum/data/demo.json, loaded by forum.demo_content."""

import copy
import json

from forum import demo_content


def test_demo_content_passes_its_own_checks():
    assert demo_content.check() == []


def test_demo_content_has_the_threads_and_users_seeding_relies_on():
    assert 25 <= len(demo_content.THREADS) <= 40
    names = {u["username"] for u in demo_content.USERS}
    assert {"admin", "sam_support", "priya.n", "maria_k", "newbie_rob"} <= names
    roles = {u["username"]: u["role"] for u in demo_content.USERS}
    assert (roles["admin"], roles["sam_support"], roles["priya.n"]) == ("admin", "staff", "moderator")


def test_the_data_file_is_utf8_json_read_from_the_package():
    data = json.loads(demo_content.DATA.read_text(encoding="utf-8"))
    assert data == {"users": demo_content.USERS, "products": demo_content.PRODUCTS,
                    "threads": demo_content.THREADS}
    assert any(ord(c) > 127 for c in demo_content.DATA.read_text(encoding="utf-8"))  # not \u-escaped


def test_check_reports_broken_content():
    users, threads = copy.deepcopy(demo_content.USERS), copy.deepcopy(demo_content.THREADS)
    threads[0]["author"] = "nobody"
    threads[1]["tags"] = []
    answered = next(t for t in threads if t["answers"])
    answered["answers"][0]["body"] = "  too short  "
    users.append(dict(users[0], username="admin"))
    problems = demo_content.check(users, demo_content.PRODUCTS, threads)
    assert any("unknown author 'nobody'" in p for p in problems)
    assert any("0 tags" in p for p in problems)
    assert any("duplicate username" in p for p in problems)
    assert any("answer 1: body length" in p for p in problems)
