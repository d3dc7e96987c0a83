"""Moderator pages (HTML). Views are thin: parse input, call a moderation service,
render or redirect. Each module holds one blueprint; `moderation.init_app`
registers them."""
