"""Moderator pages (HTML). Views are thin: parse input, call a moderation service,
render or redirect. Each module holds one blueprint; `moderation.init_app`
registers them: `flags`, `threads`, `users`, `log` and `tag_synonyms` (the
public list of tag synonyms, which moderators edit)."""
