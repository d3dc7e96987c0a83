"""The rules of the forum, one module per capability.

Plain functions over models: no request, no session cookie, no template. Each
public function does its whole change in one transaction (commit on success,
rollback on failure) and raises `forum.errors.*` for anything a user got wrong.
"""
