"""aiohttp views: parse, call a service, render."""
