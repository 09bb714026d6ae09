"""Headless Chromium for the tests that open pages (Debian's chromium and chromedriver, driven by Selenium).

``chromium()`` starts a browser with a fresh profile and no network use of its own, and on exit quits it
and checks that no process of that profile is left. ``missing_browser()`` says why browser tests must be
skipped (None when they can run).
"""
from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--lang=zh-CN")


def browser_paths() -> tuple[str | None, str | None]:
    chrome = next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)
    return chrome, shutil.which("chromedriver")


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    chrome, driver = browser_paths()
    missing = [name for name, p in (("chromium", chrome), ("chromedriver", driver)) if p is None]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install -e '.[dev]')")
    if missing:
        return "needs " + " and ".join(missing) + " (scripts/setup-system.sh installs the Debian packages)"
    return None


def profile_processes(profile: str) -> list[int]:
    """PIDs of live processes whose command line names this browser profile."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes()
            state = (proc / "stat").read_text().split(") ", 1)[1][:1]
        except OSError:
            continue
        if profile.encode() in cmd and state != "Z":
            pids.append(int(proc.name))
    return pids


@contextmanager
def chromium(download_dir: Path | None = None, width: int = 1500, height: int = 1000):
    """A Selenium Chrome driver on headless Chromium; everything it started is gone on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chrome, driver_path = browser_paths()
    profile = tempfile.mkdtemp(prefix="gainlp-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chrome
    for flag in FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={profile}")
    opts.add_argument(f"--window-size={width},{height}")
    if download_dir is not None:
        opts.add_experimental_option("prefs", {"download.default_directory": str(download_dir),
                                               "download.prompt_for_download": False})
    service = Service(executable_path=driver_path)
    driver = webdriver.Chrome(options=opts, service=service)
    try:
        if download_dir is not None:
            driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(download_dir)})
        yield driver
    finally:
        try:
            driver.quit()
        finally:
            deadline = time.monotonic() + 10
            while profile_processes(profile) and time.monotonic() < deadline:
                time.sleep(0.1)
            left = profile_processes(profile)
            for pid in left:  # only the processes of this test's own profile
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            shutil.rmtree(profile, ignore_errors=True)
            if left:
                raise AssertionError(f"browser processes left behind after quit: {left}")


def wait_for(driver, condition, timeout: float = 15.0):
    """Poll ``condition(driver)`` until it returns something truthy (returned), else fail."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition(driver)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {getattr(condition, '__name__', condition)}")
        time.sleep(0.05)
