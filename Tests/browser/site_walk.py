#!/usr/bin/python3
"""Walks the public site in a real headless Chromium (Debian's chromium and chromedriver, through
Selenium), as a member of the public would, and saves screenshots of the main pages.

Run by PublicSiteBrowserTests with the site's address and what the page must show; exits non-zero,
saying which step failed, when the site does not behave.

    site_walk.py --site http://127.0.0.1:PORT --out DIR --expect expectations.json
"""
import argparse
import json
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--site", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--expect", required=True)
    args = parser.parse_args()
    expect = json.load(open(args.expect, encoding="utf-8"))

    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1600",
                 "--lang=zh-CN"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)
    step = "start"
    try:
        def shot(name):
            driver.save_screenshot(f"{args.out}/{name}.png")

        def check(condition, what):
            if not condition:
                raise AssertionError(what)

        def body():
            return driver.find_element(By.TAG_NAME, "body").text

        def arrive(condition, what):
            """Waits (a loaded machine is slow) until the browser's address satisfies `condition`."""
            try:
                WebDriverWait(driver, 30).until(lambda d: condition(d.current_url))
            except Exception:
                raise AssertionError(f"{what}: the browser is at {driver.current_url}")

        # Home, then a search typed into the one box: one, two and three characters.
        name = expect["name"]
        for length in (1, 2, 3):
            step = f"search {length} character(s)"
            driver.get(args.site + "/")
            if length == 1:
                shot("home")
            box = driver.find_element(By.ID, "q")
            box.send_keys(name[:length])
            box.submit()
            arrive(lambda url: "/enterprises?" in url, "the search did not go to the results")
            check("条结果" in body(), "the result count is not shown")
            links = driver.find_elements(By.CSS_SELECTOR, "table.list td a")
            check(len(links) > 0, f"no result for {name[:length]!r}")
            check(all(name[:length] in link.text for link in links), "a result does not contain the query")
            if length == 2:
                shot("search-two-characters")

        step = "reach the enterprise page from the results"
        driver.get(args.site + "/enterprises?q=" + name)
        driver.find_element(By.LINK_TEXT, name).click()
        arrive(lambda url: expect["uscc"] in url, "the result did not lead to the enterprise")
        check(expect["record"] in body(), "the published bad record is not on the enterprise page")
        check("公开至" in body(), "the record does not say until when it is public")
        shot("enterprise")

        step = "switch to English and back, keeping the page"
        driver.find_element(By.CSS_SELECTOR, "a.lang").click()
        arrive(lambda url: expect["uscc"] in url and "lang=en" in url, "the switch did not keep the page")
        check("Credit records published now" in body(), "the English page is not English")
        check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en", "html lang is not en")
        shot("enterprise-en")
        driver.find_element(By.CSS_SELECTOR, "a.lang").click()
        arrive(lambda url: "lang=en" not in url and expect["uscc"] in url, "the switch back did not keep the page")

        step = "page through the good records"
        driver.get(args.site + "/records?kind=good")
        first = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "table.records td.code a")]
        driver.find_element(By.CSS_SELECTOR, "nav.pager a[rel=next]").click()
        arrive(lambda url: "page=2" in url, "the next-page link did not lead to page 2")
        second = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "table.records td.code a")]
        check(first and second and not set(first) & set(second), "page 2 repeats page 1")
        shot("records-page-2")

        step = "filter the bad records with the form"
        driver.get(args.site + "/records?kind=bad")
        shot("bad-records")

        step = "the handbook check"
        for key, words in ((expect["current"], "现行有效"), (expect["superseded"], "已被新手册取代"),
                           (expect["revoked"], "已吊销")):
            driver.get(args.site + "/check")
            field = driver.find_element(By.ID, "key")
            field.send_keys(key)
            field.submit()
            arrive(lambda url: "key=" in url, "the check form did not submit")
            check(words in body(), f"the check of {key} does not say {words}")
        shot("check-revoked")

        step = "keyboard: the skip link is the first stop"
        driver.get(args.site + "/")
        first_link = driver.find_element(By.CSS_SELECTOR, "a.skip")
        check(first_link.get_attribute("href").endswith("#main"), "no skip link")
        check(len(driver.find_elements(By.TAG_NAME, "main")) == 1, "no main landmark")
        check(len(driver.find_elements(By.CSS_SELECTOR, "label[for=q]")) == 1, "the search box has no label")
        check(len(driver.find_elements(By.TAG_NAME, "script")) == 0, "a page carries a script")
    except Exception as error:  # noqa: BLE001 - the step and the reason go to the test
        driver.save_screenshot(f"{args.out}/failed.png")
        print(f"step {step!r} failed: {error}", file=sys.stderr)
        driver.quit()
        sys.exit(1)
    driver.quit()
    print("walked the site")


if __name__ == "__main__":
    main()
