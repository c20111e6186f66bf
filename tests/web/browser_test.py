#!/usr/bin/python3
"""Browser tests of the web portal: headless Chromium driven by Selenium against a
real `kehrbote-dispatcher web` on a fresh SQLite store (docs/portal.md).

Run by ctest, one entry per scenario; by hand:
  KEHRBOTE_DISPATCHER=build/dispatcher/kehrbote-dispatcher \
  KEHRBOTE_ARTIFACTS=build/tests/web/screenshots /usr/bin/python3 tests/web/browser_test.py -v
Screenshots of every page go to $KEHRBOTE_ARTIFACTS. Every wait is bounded.
"""
import json
import os
import select
import sqlite3
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

DISPATCHER = os.environ.get("KEHRBOTE_DISPATCHER", "build/dispatcher/kehrbote-dispatcher")
ARTIFACTS = os.environ.get("KEHRBOTE_ARTIFACTS", "build/tests/web/screenshots")
SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
PASSWORD = "richtig-geheim-1"
WAIT = 15  # seconds, for every browser and server wait


class Portal:
    """A dispatcher `web` on a fresh store with two firms and three users."""

    def __init__(self):
        self.dir = tempfile.TemporaryDirectory(prefix="kehrbote-web-")
        root = self.dir.name
        os.makedirs(os.path.join(root, "firms.d"))
        self.db = os.path.join(root, "dispatcher.db")
        self.config = os.path.join(root, "dispatcher.yaml")
        with open(self.config, "w") as f:
            f.write('store: {url: "sqlite:%s"}\nfirms_dir: %s\n' % (self.db, os.path.join(root, "firms.d")))
        self.proc = subprocess.Popen(
            [DISPATCHER, "--config", self.config, "web", "--listen", "127.0.0.1", "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.url = self._await_listening()
        now = int(time.time())
        with sqlite3.connect(self.db, timeout=WAIT) as c:
            c.execute("INSERT INTO firms (id, name, timezone, country, last_export_at) "
                      "VALUES ('huber', 'Rauchfangkehrer Huber', 'Europe/Vienna', 'AT', ?)", (now - 3600,))
            c.execute("INSERT INTO firms (id, name, timezone, country, last_export_at) "
                      "VALUES ('maier', 'Kehrbetrieb Maier', 'Europe/Berlin', 'DE', ?)", (now - 3 * 86400,))
        self.user("add", "chef", "--role", "partner_admin")
        self.user("add", "anna", "--role", "firm_user", "--firm", "huber")

    def _await_listening(self):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.5)
            if ready:
                line = self.proc.stdout.readline()
                if line.startswith("web: listening on "):
                    return line.split()[-1].rstrip("/")
            if self.proc.poll() is not None:
                break
        self.stop()
        raise RuntimeError("web did not start: " + self.proc.stderr.read())

    def user(self, *args):
        subprocess.run([DISPATCHER, "--config", self.config, "user", *args], input=PASSWORD + "\n",
                       text=True, check=True, timeout=WAIT, capture_output=True)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=WAIT)
        self.proc.stdout.close()
        self.proc.stderr.close()
        self.dir.cleanup()


def browser():
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,900", "--lang=de"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(WAIT)
    return driver


class BrowserTest(unittest.TestCase):
    def setUp(self):
        os.makedirs(ARTIFACTS, exist_ok=True)
        self.portal = Portal()
        self.addCleanup(self.portal.stop)
        self.driver = browser()
        self.addCleanup(self.driver.quit)
        self.wait = WebDriverWait(self.driver, WAIT)

    def shot(self, name):
        self.driver.save_screenshot(os.path.join(ARTIFACTS, name + ".png"))

    def login(self, name, password=PASSWORD):
        self.driver.get(self.portal.url + "/login")
        self.wait.until(EC.presence_of_element_located((By.ID, "name"))).send_keys(name)
        self.driver.find_element(By.ID, "password").send_keys(password)
        self.driver.find_element(By.ID, "anmelden").click()
        self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "h1")))

    def test_admin_sees_stale_export_firm_red(self):
        self.shot_login()
        self.login("chef")
        self.wait.until(EC.url_contains("/overview"))
        row = self.driver.find_element(By.CSS_SELECTOR, "tr[data-firm=maier]")
        self.assertIn("ampel-rot", row.get_attribute("class"))
        self.assertIn("Export seit 3 Tagen nicht erhalten", row.text)
        self.assertIn("ampel-grün",
                      self.driver.find_element(By.CSS_SELECTOR, "tr[data-firm=huber]").get_attribute("class"))
        self.shot("uebersicht")
        # The filter works from the keyboard; the script submits on change.
        self.driver.find_element(By.ID, "light").send_keys("rot")
        self.wait.until(EC.url_contains("light="))
        self.assertEqual(len(self.driver.find_elements(By.CSS_SELECTOR, "tr[data-firm=huber]")), 0)
        self.driver.get(self.portal.url + "/overview")
        self.driver.find_element(By.LINK_TEXT, "Kehrbetrieb Maier").click()
        self.wait.until(EC.url_contains("/firms/maier"))
        self.assertIn("Erinnerungen der nächsten 14 Tage", self.driver.page_source)
        self.shot("betrieb")
        self.driver.get(self.portal.url + "/firms/maier/protocol")
        self.shot("protokoll")
        self.driver.set_window_size(390, 844)
        self.driver.get(self.portal.url + "/overview")
        self.shot("uebersicht-handy")

    def shot_login(self):
        self.driver.get(self.portal.url + "/login")
        self.wait.until(EC.presence_of_element_located((By.ID, "name")))
        self.shot("anmeldung")

    def test_firm_user_cannot_reach_another_firm(self):
        self.login("anna")
        self.wait.until(EC.url_contains("/firms/huber"))
        self.assertIn("Rauchfangkehrer Huber", self.driver.title)
        for path in ("/firms/maier", "/firms/maier/protocol", "/firms/maier/usage.csv",
                     "/firms/maier/import", "/api/firms/maier/status", "/overview"):
            self.driver.get(self.portal.url + path)
            body = self.driver.find_element(By.TAG_NAME, "body").text
            self.assertIn("Nicht gefunden", body, path)
            self.assertNotIn("Maier", body, path)
        self.driver.get(self.portal.url + "/api/firms/huber/status")
        self.assertEqual(json.loads(self.driver.find_element(By.TAG_NAME, "body").text)["firm"], "huber")

    def test_bad_import_is_refused_whole(self):
        self.login("anna")
        self.driver.get(self.portal.url + "/firms/huber/import")
        bad = os.path.join(self.portal.dir.name, "kaputt.json")
        with open(bad, "w") as f:
            f.write('{"format": "kehrbote-export", "version": 1, "firm": {"id": "maier"}}')
        self.wait.until(EC.presence_of_element_located((By.ID, "file"))).send_keys(bad)
        self.driver.find_element(By.ID, "hochladen").click()
        result = self.wait.until(EC.presence_of_element_located((By.ID, "ergebnis")))
        self.assertIn("Abgelehnt, nichts wurde übernommen", result.text)
        self.shot("import-abgelehnt")

    def test_state_change_without_csrf_token_is_refused(self):
        self.login("anna")
        cookie = self.driver.get_cookie("kehrbote")
        self.assertTrue(cookie["httpOnly"])
        self.assertEqual(cookie["sameSite"], "Strict")
        request = urllib.request.Request(self.portal.url + "/logout", data=b"csrf=", method="POST",
                                         headers={"Cookie": "kehrbote=" + cookie["value"]})
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=WAIT)
        self.assertEqual(refused.exception.code, 403)
        # Still logged in; the form's own token works.
        self.driver.get(self.portal.url + "/firms/huber")
        self.driver.find_element(By.XPATH, "//button[text()='Abmelden']").click()
        self.wait.until(EC.url_contains("/login"))

    def test_settings_preview_follows_edits_and_saves(self):
        firms = os.path.join(self.portal.dir.name, "firms-import")
        os.makedirs(firms)
        with open(os.path.join(SOURCE, "installer/config/firms/huber.yaml")) as f:
            yaml = f.read()
        with open(os.path.join(firms, "huber.yaml"), "w") as f:
            f.write(yaml)
        subprocess.run([DISPATCHER, "--config", self.portal.config, "firms", "import", firms],
                       check=True, timeout=WAIT, capture_output=True)
        self.login("anna")
        self.driver.get(self.portal.url + "/firms/huber/settings")
        parts = self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".teile")))
        before = int(parts.get_attribute("data-segments"))
        # Past 160 characters: a second SMS part.
        longer = yaml.replace("<<Kehrbetrieb>>\"", "Bitte den Zugang zum Dachboden, zum Heizraum und "
                              "zu allen Kaminen freihalten und Haustiere wegsperren. Vielen Dank! "
                              "<<Kehrbetrieb>>\"", 1)
        self.assertNotEqual(longer, yaml)
        self.driver.execute_script(
            "var t = document.getElementById('yaml'); t.value = arguments[0];"
            "t.dispatchEvent(new Event('input'));", longer)
        self.wait.until(lambda d: int(d.find_element(By.CSS_SELECTOR, ".teile")
                                      .get_attribute("data-segments")) > before)
        self.shot("einstellungen")
        self.driver.find_element(By.ID, "speichern").click()
        result = self.wait.until(EC.presence_of_element_located((By.ID, "ergebnis")))
        self.assertIn("Gespeichert als Version 2", result.text)

    def test_wrong_passwords_are_throttled(self):
        for _ in range(5):
            self.login("anna", "falsch-falsch")
            self.assertIn("Benutzername oder Passwort ist falsch", self.driver.page_source)
        self.login("anna")
        self.assertIn("Zu viele Fehlversuche", self.driver.page_source)
        self.assertIn("/login", self.driver.current_url)
        self.shot("anmeldung-gesperrt")


if __name__ == "__main__":
    unittest.main()
