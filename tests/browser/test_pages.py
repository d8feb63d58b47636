"""The officials' pages in a real Chromium: sign in, walk every screen, in Vietnamese; every page
passes axe, no request leaves the application's origin, and each page leaves a screenshot."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, expect

from shared.runtime.up import Platform
from tests.e2e.conftest import create_commune_officer

pytestmark = pytest.mark.e2e
PASSWORD = "Bảo Hà 2025 mật khẩu"
WAIT_MS = 10_000
AXE = Axe()


async def _check(page: Page, name: str, screenshots: Path) -> None:
    """Axe finds no violation on the page as it stands, and its picture is kept."""
    results = await AXE.run(page)
    assert results.violations_count == 0, results.generate_report()
    await page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)


async def test_a_commune_officer_signs_in_and_walks_every_screen(platform: Platform, browser: Browser,
                                                                 screenshots: Path) -> None:
    login, _ = await create_commune_officer(platform, PASSWORD)
    origin = platform.url("web")
    context = await browser.new_context(locale="vi-VN", viewport={"width": 1024, "height": 768})
    page = await context.new_page()
    page.set_default_timeout(WAIT_MS)
    elsewhere: list[str] = []
    page.on("request", lambda request: elsewhere.append(request.url)
            if urlsplit(request.url)._replace(path="", query="", fragment="").geturl() != origin else None)
    try:
        await page.goto(f"{origin}/")
        await expect(page).to_have_url(f"{origin}/sign-in?next=/", timeout=WAIT_MS)
        await expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible(timeout=WAIT_MS)
        await _check(page, "01-sign-in", screenshots)

        await page.get_by_label("Tên đăng nhập").fill(login)
        await page.get_by_label("Mật khẩu").fill("sai mật khẩu")
        await page.get_by_role("button", name="Đăng nhập").click()
        await expect(page.get_by_role("alert")).to_contain_text("Sai tên đăng nhập hoặc mật khẩu.", timeout=WAIT_MS)
        await _check(page, "02-sign-in-refused", screenshots)

        await page.get_by_label("Mật khẩu").fill(PASSWORD)
        await page.get_by_role("button", name="Đăng nhập").click()
        await expect(page.get_by_role("heading", name="Trang chủ", exact=True)).to_be_visible(timeout=WAIT_MS)
        await expect(page.get_by_text("Nguyễn Thị Hà")).to_be_visible(timeout=WAIT_MS)
        await _check(page, "03-home", screenshots)

        await page.get_by_role("navigation", name="Danh mục chính").get_by_role("link", name="Mô hình").click()
        await expect(page.get_by_role("heading", name="Mô hình", exact=True)).to_be_visible(timeout=WAIT_MS)
        await _check(page, "04-models", screenshots)

        await page.get_by_role("navigation", name="Danh mục chính").get_by_role("link", name="Thông báo").click()
        await expect(page.get_by_role("heading", name="Thông báo", exact=True)).to_be_visible(timeout=WAIT_MS)
        await _check(page, "05-inbox", screenshots)

        await page.set_viewport_size({"width": 375, "height": 740})
        await _check(page, "06-inbox-phone", screenshots)

        await page.get_by_role("link", name="English").click()
        await expect(page.get_by_role("heading", name="Notifications", exact=True)).to_be_visible(timeout=WAIT_MS)
        await expect(page.locator("html")).to_have_attribute("lang", "en", timeout=WAIT_MS)
        await _check(page, "07-inbox-english", screenshots)

        await page.get_by_role("button", name="Sign out").click()
        await expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=WAIT_MS)
        await page.goto(f"{origin}/models")
        await expect(page).to_have_url(f"{origin}/sign-in?next=/models", timeout=WAIT_MS)
    finally:
        await context.close()
    assert elsewhere == [], f"requests left the application's origin: {elsewhere}"


async def test_keyboard_alone_reaches_the_skip_link_and_signs_in(platform: Platform, browser: Browser) -> None:
    login, _ = await create_commune_officer(platform, PASSWORD)
    origin = platform.url("web")
    context = await browser.new_context(locale="vi-VN", java_script_enabled=False)
    page = await context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        await page.goto(f"{origin}/sign-in")
        await page.keyboard.press("Tab")
        await expect(page.get_by_role("link", name="Bỏ qua đến nội dung chính")).to_be_focused(timeout=WAIT_MS)
        await page.get_by_label("Tên đăng nhập").focus()
        await page.keyboard.type(login)
        await page.keyboard.press("Tab")
        await page.keyboard.type(PASSWORD)
        await page.keyboard.press("Enter")
        # Without JavaScript the plain form signs in just the same.
        await expect(page.get_by_role("heading", name="Trang chủ", exact=True)).to_be_visible(timeout=WAIT_MS)
    finally:
        await context.close()
