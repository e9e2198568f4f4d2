"""Texts people read: gettext catalogs for the bot (locale/) and Jinja2 templates for pages and reports."""
