"""GET /api/v1/search and GET /api/v1/questions/similar."""

from __future__ import annotations

import pytest

from forum.services import accepting, posting
from tests.factories import make_answer, make_question, make_user


@pytest.fixture
def threads(app):
    asker = make_user("maria")
    vpn = make_question(asker, title="VPN will not connect after the router reboot",
                        body="The VPN client says handshake failed since the router restarted.",
                        tags=("vpn", "router"))
    answer = make_answer(vpn, body="Turn IPsec passthrough back on in the router firewall.")
    accepting.accept_answer(asker, answer.id)
    charging = make_question(title="Phone not charging with the original cable",
                             body="The phone stopped charging with its original cable yesterday.",
                             tags=("charging",))
    return {"vpn": vpn, "charging": charging}


def test_search_contract(client, threads):
    response = client.get("/api/v1/search?q=vpn+handshake")
    assert response.status_code == 200
    data = response.get_json()
    assert data["total"] == 1
    result = data["results"][0]
    assert set(result) >= {"id", "title", "url", "snippet", "score", "answer_count", "solved",
                           "official", "status"}
    assert result["id"] == threads["vpn"].id
    assert result["url"].endswith(f"/questions/{threads['vpn'].id}/"
                                  "vpn-will-not-connect-after-the-router-reboot")
    assert result["solved"] is True and result["official"] is False
    assert result["status"] == "open" and result["answer_count"] == 1
    assert "handshake" in result["snippet"].lower() and "<mark>" not in result["snippet"]
    assert "<mark>" in result["snippet_html"]
    assert {"tag": "vpn", "count": 1} in data["facets"]


def test_search_filters_sort_and_paging(client, threads):
    data = client.get("/api/v1/search?q=is:unsolved").get_json()
    assert [r["id"] for r in data["results"]] == [threads["charging"].id]
    data = client.get("/api/v1/search?q=is:answered").get_json()
    assert data["notes"]
    data = client.get("/api/v1/search?q=-vpn is:open&per_page=1&page=1&sort=newest").get_json()
    assert data["total"] == 1 and data["per_page"] == 1 and data["sort"] == "newest"


def test_search_suggestion(client, threads):
    data = client.get("/api/v1/search?q=chargng").get_json()
    assert data["suggestion"] == "charging"


def test_search_without_query_is_422(client):
    response = client.get("/api/v1/search")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["q"]


def test_deleted_thread_is_not_found(client, threads):
    posting.delete_post(threads["charging"].author, threads["charging"].id)
    assert client.get("/api/v1/search?q=charging").get_json()["total"] == 0


@pytest.mark.parametrize("q", ['"', "((", "x" * 10_000, "tag:", "\ud7ff", "*:*", "%00"])
def test_bad_queries_are_answered(client, threads, q):
    response = client.get("/api/v1/search", query_string={"q": q})
    assert response.status_code == 200
    assert "results" in response.get_json()


def test_similar_questions(client, threads):
    response = client.get("/api/v1/questions/similar?title=My VPN does not connect any more")
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert results[0] == {
        "id": threads["vpn"].id, "title": "VPN will not connect after the router reboot",
        "url": results[0]["url"], "solved": True, "official": False, "status": "open",
        "answer_count": 1,
    }
    assert len(results) <= 5


def test_similar_needs_a_title(client):
    response = client.get("/api/v1/questions/similar")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_failed"


def test_similar_caps_at_five(client, app):
    for n in range(8):
        make_question(title=f"Printer offline again on office floor {n}",
                      body="The office printer goes offline every morning and needs a restart.")
    results = client.get("/api/v1/questions/similar?title=printer offline").get_json()["results"]
    assert len(results) == 5
