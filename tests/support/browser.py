"""Headless Chromium (Debian's package) through Playwright; axe-core and HTML_CodeSniffer from node_modules."""

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
HTMLCS_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "html_codesniffer" / "build" / "HTMLCS.js"
PHONE_WIDTH_PX = 375
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
            // GOV.UK Frontend's conditional reveal sets aria-expanded on radios on purpose (a known issue it keeps
            // for screen reader users: alphagov/govuk-frontend#979); only that attribute on those radios is let through.
            const revealRadio = n => document.querySelector(n.target.join(' '))?.matches('.govuk-radios__input[aria-controls]')
                && [...n.any, ...n.all, ...n.none].every(c => [].concat(c.data?.values ?? c.data ?? []).every(a => String(a).startsWith('aria-expanded')));
            return outcome.violations
                .map(v => v.id === 'aria-allowed-attr' ? {...v, nodes: v.nodes.filter(n => !revealRadio(n))} : v)
                .filter(v => v.nodes.length > 0)
                .map(v => ({id: v.id, impact: v.impact, help: v.help,
                            nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }"""
    )
    return list(result)


@lru_cache(maxsize=1)
def htmlcs_source() -> str:
    """HTML_CodeSniffer's browser bundle (standards included), installed by `npm ci`."""
    assert HTMLCS_SCRIPT.exists(), "html_codesniffer is missing: run `make install-tests` (npm ci)"
    return HTMLCS_SCRIPT.read_text(encoding="utf-8")


async def htmlcs_errors(page: Page) -> list[dict[str, str]]:
    """Run HTML_CodeSniffer's WCAG2AA standard on the page; return its errors (not warnings or notices)."""
    if not await page.evaluate("() => typeof window.HTMLCS !== 'undefined'"):
        await page.evaluate(htmlcs_source())
        # Some messages (H98's) have no English text in the 2.5.1 bundle, which would crash the run: name them by code.
        await page.evaluate(
            """() => { const translate = HTMLCS.getTranslation;
                HTMLCS.getTranslation = (key) => { let found; try { found = translate(key); } catch (e) {}
                                                   return found === undefined ? key : found; }; }"""
        )
    result = await page.evaluate(
        """() => new Promise((resolve, reject) => {
            HTMLCS.process('WCAG2AA', document, () => {
                const errors = HTMLCS.getMessages().filter(m => m.type === HTMLCS.ERROR);
                resolve(errors.map(m => ({code: m.code, msg: m.msg,
                    element: (m.element && m.element.outerHTML || '').slice(0, 160)})));
            }, reject, 'en');
        })"""
    )
    return list(result)


async def horizontal_overflow_at_phone_width(page: Page) -> int:
    """How many CSS pixels wider than a 375 px phone the page is (0 when nothing scrolls sideways)."""
    viewport = page.viewport_size
    await page.set_viewport_size({"width": PHONE_WIDTH_PX, "height": 800})
    try:
        return int(await page.evaluate(
            "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            " - document.documentElement.clientWidth"
        ))
    finally:
        if viewport is not None:
            await page.set_viewport_size(viewport)


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
