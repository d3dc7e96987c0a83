"""API v1 (moderation): tag synonyms. Everyone may list them; moderators add
and remove them (same service and rules as the /tags/synonyms page)."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from forum.api import api_user, json_body, serialize
from forum.models import TagSynonym
from moderation import tag_synonyms
from moderation.api import bp


def _item(synonym: TagSynonym) -> dict[str, Any]:
    return {"id": synonym.id, "source": synonym.source, "tag": synonym.tag.name,
            "created_at": serialize.iso(synonym.created_at)}


@bp.get("/tags/synonyms")
def tag_synonym_list():
    return jsonify(items=[_item(s) for s in tag_synonyms.list_synonyms()])


@bp.post("/tags/synonyms")
def tag_synonym_add():
    user = api_user()
    data = json_body()
    synonym = tag_synonyms.add_synonym(user, data.get("source"), data.get("tag"))
    return jsonify(_item(synonym)), 201


@bp.delete("/tags/synonyms/<int:synonym_id>")
def tag_synonym_remove(synonym_id: int):
    tag_synonyms.remove_synonym(api_user(), synonym_id)
    return "", 204
