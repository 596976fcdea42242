#!/usr/bin/python3
"""Walks the officials' console in a real headless Chromium (Debian's chromium and chromedriver,
through Selenium), as a recorder, an approver, an issuer, an auditor and an admin would, and
saves screenshots of the main pages.

Run by ConsoleBrowserTests in two phases around the card checks it makes with handbook-verify;
exits non-zero, saying which step failed, when the console does not behave. Writes what it made
(record numbers, the document number, each flow's time in seconds) to --result.

    console_walk.py --phase issue  --console http://127.0.0.1:PORT --out DIR --expect in.json --result out.json
    console_walk.py --phase oversee --console http://127.0.0.1:PORT --short http://127.0.0.1:PORT2 ...
"""
import argparse
import json
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait


class Walk:
    def __init__(self, args, expect):
        self.args = args
        self.expect = expect
        self.base = args.console
        options = webdriver.ChromeOptions()
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1700",
                     "--lang=zh-CN"):
            options.add_argument(flag)
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.set_page_load_timeout(60)
        self.step = "start"
        self.timings = {}

    # Helpers

    def shot(self, name):
        self.driver.save_screenshot(f"{self.args.out}/{name}.png")

    def check(self, condition, what):
        if not condition:
            raise AssertionError(f"{what} (at {self.driver.current_url})")

    def body(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def by_id(self, element_id):
        return self.driver.find_element(By.ID, element_id)

    def exists(self, element_id):
        return len(self.driver.find_elements(By.ID, element_id)) > 0

    def arrive(self, condition, what):
        try:
            WebDriverWait(self.driver, 60).until(lambda d: condition(d.current_url))
        except Exception:
            raise AssertionError(f"{what}: the browser is at {self.driver.current_url}")

    def wait_for(self, element_id, what):
        """Waits until the page has an element of that id (a form's answer has arrived)."""
        try:
            WebDriverWait(self.driver, 60).until(lambda d: d.find_elements(By.ID, element_id))
        except Exception:
            raise AssertionError(f"{what} (at {self.driver.current_url})")

    def go(self, path, base=None):
        self.driver.get((base or self.base) + path)

    def type_into(self, element_id, text):
        box = self.by_id(element_id)
        box.clear()
        box.send_keys(text)

    @staticmethod
    def is_attached(element):
        try:
            element.is_enabled()
            return True
        except Exception:
            return False

    def login(self, name, base=None):
        self.driver.delete_all_cookies()
        self.go("/console", base)
        self.arrive(lambda url: "/console/login" in url, "an anonymous visit did not go to the login page")
        self.type_into("name", name)
        self.type_into("password", self.expect["password"])
        self.by_id("login").click()
        self.arrive(lambda url: "/console/login" not in url, f"{name} could not log in")
        self.check(self.by_id("account-name").text == name, f"the page does not say {name} is logged in")

    def flow(self, name, body):
        self.step = name
        started = time.monotonic()
        body()
        self.timings[name] = round(time.monotonic() - started, 2)

    # Phase 1: record, refuse, approve, publish, reject, issue

    def record_bad(self):
        """A recorder finds the enterprise, makes a mistake, is told which field, then records."""
        self.login("recorder")
        self.shot("home-recorder")
        self.go("/console/enterprises")
        self.type_into("q", self.expect["name"][:4])
        self.by_id("search").click()
        self.arrive(lambda url: "q=" in url, "the search did not run")
        self.driver.find_element(By.LINK_TEXT, self.expect["name"]).click()
        self.arrive(lambda url: self.expect["uscc"] in url, "the result did not lead to the enterprise")
        self.shot("enterprise")
        self.by_id("record-new").click()
        self.arrive(lambda url: "/console/records/new" in url, "no record form")
        Select(self.by_id("kind")).select_by_value("bad")
        self.type_into("region", "320500")
        self.type_into("codeSearch", "偷工")
        old = self.by_id("codeSearch")
        self.by_id("find-codes").click()
        WebDriverWait(self.driver, 60).until(lambda d: not self.is_attached(old))
        options = Select(self.by_id("behaviourCode")).options
        self.check(any(o.get_attribute("value") == "D1-3-01" for o in options), "the code search did not find D1-3-01")
        self.check(len(options) < 6, f"the code search did not narrow the list ({len(options)} options)")
        self.check(self.by_id("region").get_attribute("value") == "320500", "finding codes lost what was typed")
        Select(self.by_id("behaviourCode")).select_by_value("D1-3-01")
        self.type_into("decisionNumber", "苏住建罚〔2026〕88号")
        self.type_into("authority", "苏州市住房和城乡建设局")
        Select(self.by_id("authorityLevel")).select_by_value("city")
        self.type_into("decisionDate", "2099-01-01")
        self.type_into("publicationMonths", "6")
        self.type_into("summary", "在施工中偷工减料")
        self.by_id("submit-record").click()
        self.wait_for("error-decisionDate", "a decision date after today is not named")
        self.check("2099-01-01" in self.by_id("error-decisionDate").text, "the error does not say what was wrong")
        self.check(self.by_id("decisionNumber").get_attribute("value") == "苏住建罚〔2026〕88号",
                   "the form lost what was typed")
        self.check(Select(self.by_id("behaviourCode")).first_selected_option.get_attribute("value") == "D1-3-01",
                   "the form lost the chosen code")
        self.shot("record-form-error")
        self.type_into("decisionDate", self.expect["today"])
        self.by_id("submit-record").click()
        self.arrive(lambda url: "/console/records/32" in url, "the record was not made")
        self.check(self.by_id("record-status").get_attribute("data-status") == "recorded", "the record is not waiting")
        self.check(not self.exists("approve"), "the recorder is offered to approve")
        self.result["record"] = self.by_id("record-number").text
        self.shot("record-recorded")
        # The page offers no approval; the recorder's own form, posted anyway, is refused with the reason.
        self.driver.execute_script(
            "const f = document.createElement('form'); f.method = 'post'; f.action = arguments[0];"
            "const t = document.createElement('input'); t.type = 'hidden'; t.name = 'csrf';"
            "t.value = document.querySelector('form.logout input[name=csrf]').value; f.appendChild(t);"
            "document.body.appendChild(f); f.submit();",
            "/console/records/" + self.result["record"] + "/approve")
        self.wait_for("heading", "the approval by its recorder was not answered")
        self.check(self.by_id("heading").text == "无权操作", "the recorder's approval was not refused")
        self.check("审核人" in self.by_id("message").text, "the refusal does not name the role it takes")
        self.shot("recorder-may-not-approve")

    def approve_publish_reject(self):
        """An approver takes the queue oldest first: approves and publishes one, sends one back."""
        self.login("approver")
        self.go("/console/queue")
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#waiting tr.record-row")
        numbers = [row.get_attribute("data-number") for row in rows]
        self.check(self.result["record"] in numbers, "the new record is not in the queue")
        self.check(numbers.index(self.expect["toReject"]) < numbers.index(self.result["record"]),
                   "the queue is not oldest first")
        self.shot("queue")
        self.driver.find_element(By.LINK_TEXT, self.result["record"]).click()
        self.check(self.exists("timeline"), "the record has no timeline")
        self.by_id("approve").click()
        self.arrive(lambda url: "done=approved" in url, "the approval did not land")
        self.check("publish" in self.driver.page_source, "no publication offered")
        self.check(self.by_id("window").text.count("–") == 1, "the publication window is not shown")
        self.by_id("publish").click()
        self.arrive(lambda url: "done=published" in url, "the publication did not land")
        self.check(self.by_id("record-status").get_attribute("data-status") == "published", "not published")
        self.shot("record-published")
        self.go("/console/records/" + self.expect["toReject"])
        self.type_into("reject-reason", "决定文号与处罚决定书不一致")
        self.by_id("reject").click()
        self.arrive(lambda url: "done=rejected" in url, "the rejection did not land")
        # In English too.
        self.go("/console/queue?lang=en")
        self.check("Approval queue" in self.body(), "the queue is not in English")
        self.shot("queue-en")

    def rejected_seen(self):
        """The recorder sees the reason of the rejection."""
        self.login("recorder")
        self.go("/console/mine")
        self.check("决定文号与处罚决定书不一致" in self.body(), "the recorder does not see why the record was sent back")
        self.shot("mine-rejected")
        self.go("/console/records/" + self.expect["toReject"])
        self.check(self.by_id("rejection-reason").text == "决定文号与处罚决定书不一致", "the record page hides the reason")

    def issue(self):
        """An issuer sees what the card will hold and the reader's state, and issues."""
        self.login("issuer")
        self.go("/console/issue?uscc=" + self.expect["uscc"])
        self.check(self.exists("plan"), "no capacity plan")
        readers = self.driver.find_elements(By.CSS_SELECTOR, "li.reader")
        self.check(any(self.expect["reader"] in r.text for r in readers), "the virtual reader is not listed")
        reader = [r for r in readers if self.expect["reader"] in r.text][0]
        self.check(reader.get_attribute("data-state") in ("blank", "handbook"), "the reader's card is not seen")
        self.shot("issue")
        reader.find_element(By.CSS_SELECTOR, "input[type=radio]").click()
        self.by_id("issue").click()
        WebDriverWait(self.driver, 120).until(
            lambda d: d.find_elements(By.ID, "document-number") or d.find_elements(By.ID, "issue-error"))
        self.check(self.exists("document-number"), "the issuance failed: " + self.body()[:400])
        self.result["document"] = self.by_id("document-number").text
        self.result["card"] = self.by_id("card-serial").text
        self.shot("issued")

    # Phase 2: revoke, oversight, sessions, regions

    def revoke(self):
        self.login("issuer")
        self.go("/console/cards/" + self.expect["card"])
        self.shot("card")
        self.type_into("revoke-reason", "卡片遗失")
        self.by_id("revoke-card").click()
        self.arrive(lambda url: "done=cardRevoked" in url, "the revocation did not land")
        self.check(self.by_id("card-state").get_attribute("data-state") == "revoked", "the card is not revoked")

    def other_region(self):
        """A Jiangsu approver can neither see nor open a Shanghai record, not even by its address."""
        self.login("approver")
        self.go("/console/queue")
        self.check(self.expect["shanghaiRecord"] not in self.driver.page_source, "a Shanghai record is in the queue")
        self.go("/console/records/" + self.expect["shanghaiRecord"])
        self.check(self.by_id("heading").text == "未找到", "a Shanghai record is shown to a Jiangsu account")
        self.shot("other-region-404")

    def oversee(self):
        self.login("auditor")
        self.go("/console/audit?account=approver")
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#audit tbody tr")
        self.check(len(rows) > 0, "no audit entries of the approver")
        self.check(all("approver" in row.text for row in rows), "the actor filter let others through")
        self.by_id("verify-chain").click()
        self.wait_for("chain-result", "the chain's verification did not answer")
        self.check(self.by_id("chain-result").get_attribute("data-intact") == "yes", "the chain does not verify")
        self.shot("audit")
        self.go("/console/checks")
        self.check(self.expect["card"] in self.body(), "the inspector's proofs of check are not listed")
        self.shot("checks")

    def administer(self):
        self.login("admin")
        self.go("/console/accounts")
        self.type_into("new-name", "recorder-wuxi")
        Select(self.by_id("new-role")).select_by_value("recorder")
        self.type_into("new-regions", "320200")
        self.type_into("new-password", "a long enough password")
        self.by_id("add-account").click()
        self.arrive(lambda url: "done=accountAdded" in url, "the account was not added")
        self.check("recorder-wuxi" in self.body(), "the new account is not listed")
        self.shot("accounts")
        self.go("/console/data")
        self.by_id("file").send_keys(self.expect["importFile"])
        self.by_id("upload").click()
        WebDriverWait(self.driver, 120).until(
            lambda d: d.find_elements(By.ID, "import-done") or d.find_elements(By.ID, "import-failed"))
        self.check(self.exists("import-done"), "the import failed: " + self.body()[:400])
        self.shot("import")
        self.go("/console/data")
        self.shot("data")

    def expiry(self):
        """On a service whose console sessions end after two idle seconds, an idle session goes back
        to the login page, and after logging in again to the page it was on."""
        short = self.args.short
        self.login("approver", short)
        self.go("/console/queue", short)
        time.sleep(3)
        self.go("/console/queue", short)
        self.arrive(lambda url: "/console/login" in url, "an expired session was not sent to the login page")
        self.shot("session-expired")
        self.type_into("name", "approver")
        self.type_into("password", self.expect["password"])
        self.by_id("login").click()
        self.arrive(lambda url: url.endswith("/console/queue"), "the login did not return to the page")

    def run(self):
        self.result = {}
        try:
            if self.args.phase == "issue":
                self.flow("recorder records a bad record (with a mistake first)", self.record_bad)
                self.flow("approver approves, publishes, sends one back", self.approve_publish_reject)
                self.flow("recorder sees the reason", self.rejected_seen)
                self.flow("issuer issues the card", self.issue)
            else:
                self.flow("issuer revokes the card", self.revoke)
                self.flow("Jiangsu approver and a Shanghai record", self.other_region)
                self.flow("auditor filters and verifies the audit log", self.oversee)
                self.flow("admin adds an account and imports a file", self.administer)
                self.flow("an idle session expires", self.expiry)
            self.result["timings"] = self.timings
            json.dump(self.result, open(self.args.result, "w", encoding="utf-8"), ensure_ascii=False)
        except Exception as error:
            self.shot("failure")
            raise SystemExit(f"step {self.step!r} failed: {error}")
        finally:
            self.driver.quit()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--phase", required=True, choices=["issue", "oversee"])
    parser.add_argument("--console", required=True)
    parser.add_argument("--short")
    parser.add_argument("--out", required=True)
    parser.add_argument("--expect", required=True)
    parser.add_argument("--result", required=True)
    args = parser.parse_args()
    Walk(args, json.load(open(args.expect, encoding="utf-8"))).run()


if __name__ == "__main__":
    main()
