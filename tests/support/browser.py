"""Headless Chromium (Debian's package) through Playwright, and axe-core from node_modules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Debian's Chromium, never a browser Playwright downloads; each launch gets a fresh profile."""
    assert CHROMIUM.exists(), "Chromium is missing: run `make install-tests` (apt package chromium)"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


@lru_cache(maxsize=1)
def axe_source() -> str:
    """axe-core's browser bundle, installed by `npm ci`."""
    assert AXE_SCRIPT.exists(), "axe-core is missing: run `make install-tests` (npm ci)"
    return AXE_SCRIPT.read_text(encoding="utf-8")


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core's WCAG 2.0-2.2 A and AA rules and best practices on the page; return what fails."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through DevTools, so the page's strict CSP need not allow it.
        await page.evaluate(axe_source())
    result = await page.evaluate(
        """async () => {
            const outcome = await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']},
                resultTypes: ['violations'],
            });
            return outcome.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                                 nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }"""
    )
    return list(result)


@dataclass
class ConsoleWatch:
    """Console errors and uncaught page errors (a CSP violation shows up here)."""

    problems: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        """Start listening on a page."""
        page.on(
            "console",
            lambda message: self.problems.append(message.text) if message.type == "error" else None,
        )
        page.on("pageerror", lambda error: self.problems.append(str(error)))
