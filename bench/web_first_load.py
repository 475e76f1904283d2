"""The web interface's cold first load in a real Chromium (bench/run's "web" section): from
navigation to a usable login form, with the browser's cache off, against the same browser
loading a bare page from the same server (/web/version) in alternating rounds; then the bytes
the first load transferred, and the time from submitting the login to the rules list shown.

  web_first_load.py PORT PASSWORD [ROUNDS]

Prints: the median ratio (interface / bare page), the two medians in milliseconds, the first
load's bytes (gzipped, as transferred), the median time from submitting the login to the rules
list shown (as the browser's driver sees it), and the median of the login call alone."""

import statistics
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,900", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    return driver


def fresh(driver, base):
    """A cold start: no cookie, no storage, no cache (disabled), an unrelated page first."""
    driver.get("about:blank")
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.execute_cdp_cmd("Storage.clearDataForOrigin", {"origin": base, "storageTypes": "all"})


def until(driver, css):
    WebDriverWait(driver, 30, poll_frequency=0.005).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))
    # Milliseconds from the navigation's start to now (the element is there).
    return driver.execute_script("return performance.now()")


def bare_page(driver, base):
    fresh(driver, base)
    driver.get(base + "/web/version")
    return driver.execute_script(
        "const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd")


def login_form(driver, base, place=""):
    fresh(driver, base)
    driver.get(base + "/" + place)
    return until(driver, "#login")


def transferred(driver):
    return driver.execute_script(
        "return performance.getEntriesByType('navigation')[0].transferSize + "
        "performance.getEntriesByType('resource').reduce((s, r) => s + r.transferSize, 0)")


def main():
    port, password = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 9
    base = f"http://127.0.0.1:{port}"
    driver = browser()
    try:
        login_form(driver, base)  # the server's first answers and Chromium's start, unmeasured
        bare, ours, ratios = [], [], []
        for i in range(rounds):
            if i % 2:
                b = bare_page(driver, base)
                o = login_form(driver, base)
            else:
                o = login_form(driver, base)
                b = bare_page(driver, base)
            bare.append(b)
            ours.append(o)
            ratios.append(o / b)
        login_form(driver, base)
        size = transferred(driver)
        to_list, checks = [], []
        for _ in range(max(3, rounds // 3)):
            login_form(driver, base, "#/rules")
            driver.find_element(By.ID, "login").send_keys("admin")
            driver.find_element(By.ID, "password").send_keys(password)
            start = time.perf_counter()
            driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            WebDriverWait(driver, 30, poll_frequency=0.005).until(
                EC.presence_of_element_located((By.CSS_SELECTOR, "[data-test=rules]")))
            to_list.append((time.perf_counter() - start) * 1000)
            # The login call itself, most of which is hashing the password (Argon2id, on purpose).
            checks.append(driver.execute_script(
                "return performance.getEntriesByType('resource')"
                ".find(r => r.name.endsWith('/web/session/authenticate')).duration"))
        print(f"{statistics.median(ratios):.2f} {statistics.median(ours):.0f} "
              f"{statistics.median(bare):.0f} {size} {statistics.median(to_list):.0f} "
              f"{statistics.median(checks):.0f}")
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
