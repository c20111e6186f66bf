#!/usr/bin/python3
"""Browser tests of the web portal: headless Chromium driven by Selenium against a
real `kehrbote-dispatcher web` on a fresh SQLite store (docs/portal.md); the manual
send also against Kannel with its fake SMSC (kehrbote-test-kannel) and `once`.

Run by ctest, one entry per scenario; by hand:
  KEHRBOTE_DISPATCHER=build/dispatcher/kehrbote-dispatcher \
  KEHRBOTE_TEST_KANNEL=build/tests/support/kehrbote-test-kannel \
  KEHRBOTE_ARTIFACTS=build/tests/web/screenshots /usr/bin/python3 tests/web/browser_test.py -v
Screenshots of every page go to $KEHRBOTE_ARTIFACTS. Every wait is bounded.
"""
import json
import os
import datetime
import select
import socket
import sqlite3
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import zoneinfo

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

DISPATCHER = os.environ.get("KEHRBOTE_DISPATCHER", "build/dispatcher/kehrbote-dispatcher")
KANNEL = os.environ.get("KEHRBOTE_TEST_KANNEL", "build/tests/support/kehrbote-test-kannel")
ARTIFACTS = os.environ.get("KEHRBOTE_ARTIFACTS", "build/tests/web/screenshots")
SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
PASSWORD = "richtig-geheim-1"
WAIT = 15  # seconds, for every browser and server wait


def read_line(proc, prefix, what):
    """The first line of `proc`'s output that starts with `prefix`, within WAIT seconds."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline()
            if line.startswith(prefix):
                return line
        if proc.poll() is not None:
            break
    raise RuntimeError(what + " did not start: " + (proc.stderr.read() if proc.poll() is not None else ""))


class Kannel:
    """Kannel with its fake SMSC on loopback: tests/support's KannelServer, run as
    kehrbote-test-kannel (tests/support/kannel_main.cc)."""

    def __init__(self):
        # Its errors (with Kannel's log tails) go to the test's output.
        self.proc = subprocess.Popen([KANNEL], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.pending = b""
        # KannelServer::Start gives Kannel's three processes ~20 s per try.
        line = self._line(time.monotonic() + 90)
        if not line or not line.startswith("kannel: "):
            self.stop()
            raise RuntimeError("Kannel did not start (its error is above): %r" % line)
        _, _, self.url, self.user, self.password = line.split()

    def _line(self, deadline):
        """The next line of its output (raw reads: a buffered reader hides lines from
        select), or None at the end of output or at `deadline`."""
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.pending:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return None
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return line.decode()

    def wait_for(self, count):
        """The messages the fake SMSC received, once there are `count` (at most WAIT s)."""
        self.proc.stdin.write(b"wait %d %d\n" % (count, WAIT))
        self.proc.stdin.flush()
        got = []
        deadline = time.monotonic() + WAIT + 5
        while (line := self._line(deadline)) != "end":
            if line is None:
                raise RuntimeError("kehrbote-test-kannel did not answer")
            got.append(json.loads(line))
        return got

    def stop(self):
        self.proc.stdin.close()  # end of input: it stops Kannel and exits
        if self.proc.poll() is None:
            try:
                self.proc.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=WAIT)
        self.proc.stdout.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Portal:
    """A dispatcher `web` on a fresh store with two firms and three users.
    `extra_config`: more of dispatcher.yaml (delivery, http)."""

    def __init__(self, extra_config=""):
        self.dir = tempfile.TemporaryDirectory(prefix="kehrbote-web-")
        root = self.dir.name
        os.makedirs(os.path.join(root, "firms.d"))
        self.db = os.path.join(root, "dispatcher.db")
        self.config = os.path.join(root, "dispatcher.yaml")
        with open(self.config, "w") as f:
            f.write('store: {url: "sqlite:%s"}\nfirms_dir: %s\n' % (self.db, os.path.join(root, "firms.d"))
                    + extra_config)
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
        try:
            return read_line(self.proc, "web: listening on ", "web").split()[-1].rstrip("/")
        except Exception:
            self.stop()
            raise

    def dispatcher(self, *args, timeout=WAIT):
        return subprocess.run([DISPATCHER, "--config", self.config, *args], check=True,
                              timeout=timeout, capture_output=True, text=True)

    def import_firm(self, yaml):
        """`firms import` of one firm file: the firm's settings version 1."""
        firms = os.path.join(self.dir.name, "firms-import")
        os.makedirs(firms, exist_ok=True)
        with open(os.path.join(firms, "huber.yaml"), "w") as f:
            f.write(yaml)
        self.dispatcher("firms", "import", firms)

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


VIENNA = zoneinfo.ZoneInfo("Europe/Vienna")
MONTHS_AT = ["Jänner", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
             "Oktober", "November", "Dezember"]


def german(day, time_of_day):
    """How the portal writes a send time of the Austrian firm: "2. Dezember 2026, 09:00"."""
    return "%d. %s %d, %s" % (day.day, MONTHS_AT[day.month - 1], day.year, time_of_day)


def appointment(id, day, zip, number, consent=True):
    """An appointment of the export format v1 at 09:00 on `day` with one SMS contact."""
    return {"id": id, "kind": "sweep", "start": {"date": day.isoformat(), "time": "09:00"},
            "status": "scheduled",
            "object": {"id": "O-" + id, "street": "Hauptstraße 1", "zip": zip,
                       "city": "Steyr" if zip == "4400" else "Linz"},
            "customer": {"salutation": "Frau", "title": "", "first_name": "Maria",
                         "last_name": "Muster-" + id, "company": ""},
            "contacts": [{"channel": "sms", "address": number, "consent": consent,
                          "main_sweep_only": False}]}


def export(appointments):
    """Huber's export (format v1) of `appointments`, generated now."""
    now = datetime.datetime.now(VIENNA).replace(microsecond=0)
    return json.dumps({
        "format": "kehrbote-export", "version": {"major": 1, "minor": 0},
        "firm": {"id": "huber", "name": "Rauchfangkehrer Huber", "timezone": "Europe/Vienna",
                 "country": "AT", "phone": "07252 12345", "heartbeat_contacts": []},
        "generated_at": now.isoformat(),
        "window": {"from": now.date().isoformat(),
                   "to": (now.date() + datetime.timedelta(days=30)).isoformat()},
        "appointments": appointments}, ensure_ascii=False)


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

    def click(self, element_id):
        """Presses a button from the keyboard (Enter on it): the pages are usable with the
        keyboard, and a button below the fold of a page whose live preview is still
        growing cannot miss the click."""
        self.wait.until(EC.element_to_be_clickable((By.ID, element_id))).send_keys(Keys.ENTER)

    def shot(self, name):
        self.driver.save_screenshot(os.path.join(ARTIFACTS, name + ".png"))

    def login(self, name, password=PASSWORD):
        self.driver.get(self.portal.url + "/login")
        self.wait.until(EC.presence_of_element_located((By.ID, "name"))).send_keys(name)
        self.driver.find_element(By.ID, "password").send_keys(password)
        # The login page has an h1 too: mark this document and wait until the page
        # the POST answers has replaced it (reads during the navigation may fail).
        self.driver.execute_script("document.documentElement.dataset.vorher = '1'")
        self.driver.find_element(By.ID, "anmelden").click()
        WebDriverWait(self.driver, WAIT, ignored_exceptions=[WebDriverException]).until(
            lambda d: d.execute_script("return document.readyState === 'complete' && "
                                       "!document.documentElement.dataset.vorher"))
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
                     "/firms/maier/import", "/firms/maier/send", "/api/firms/maier/status", "/overview"):
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

    def upload_export(self, appointments):
        """Uploads Huber's export through the import page (the firm user's way)."""
        path = os.path.join(self.portal.dir.name, "export.json")
        with open(path, "w") as f:
            f.write(export(appointments))
        self.driver.get(self.portal.url + "/firms/huber/import")
        self.wait.until(EC.presence_of_element_located((By.ID, "file"))).send_keys(path)
        self.driver.find_element(By.ID, "hochladen").click()
        result = self.wait.until(EC.presence_of_element_located((By.ID, "ergebnis")))
        self.assertIn("Übernommen: %d Termine" % len(appointments), result.text)

    def planned_times(self):
        """The send times of the firm page's "next 14 days" table."""
        self.driver.get(self.portal.url + "/firms/huber")
        rows = self.wait.until(EC.presence_of_all_elements_located(
            (By.CSS_SELECTOR, "#geplant tbody tr")))
        return [r.find_elements(By.TAG_NAME, "td")[0].text for r in rows]

    def test_settings_preview_follows_edits_and_saves(self):
        with open(os.path.join(SOURCE, "installer/config/firms/huber.yaml")) as f:
            yaml = f.read()
        self.portal.import_firm(yaml)
        self.login("anna")
        day = datetime.datetime.now(VIENNA).date() + datetime.timedelta(days=5)
        self.upload_export([appointment("A1", day, "4400", "0664 1111111")])
        # The dispatcher's pass plans it with the rule sms-1d: the day before, 09:00.
        self.portal.dispatcher("once", timeout=60)
        one_day_before = german(day - datetime.timedelta(days=1), "09:00")
        self.assertEqual(self.planned_times(), [one_day_before])
        self.driver.get(self.portal.url + "/firms/huber/settings")
        parts = self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".teile")))
        before = int(parts.get_attribute("data-segments"))
        # Past 160 characters: a second SMS part.
        longer = yaml.replace("<<Kehrbetrieb>>\"", "Bitte den Zugang zum Dachboden, zum Heizraum und "
                              "zu allen Kaminen freihalten und Haustiere wegsperren. Vielen Dank! "
                              "<<Kehrbetrieb>>\"", 1)
        self.assertNotEqual(longer, yaml)
        # And the SMS two days ahead instead of one.
        longer = longer.replace("{name: sms-1d, channel: sms, lead: 1d}",
                                "{name: sms-1d, channel: sms, lead: 2d}", 1)
        self.driver.execute_script(
            "var t = document.getElementById('yaml'); t.value = arguments[0];"
            "t.dispatchEvent(new Event('input'));", longer)
        self.wait.until(lambda d: int(d.find_element(By.CSS_SELECTOR, ".teile")
                                      .get_attribute("data-segments")) > before)
        self.shot("einstellungen")
        self.click("speichern")
        result = self.wait.until(EC.presence_of_element_located((By.ID, "ergebnis")))
        self.assertIn("Gespeichert als Version 2", result.text)
        # Saving replans at once: the plan shows the new send time, the old one is gone.
        self.assertEqual(self.planned_times(), [german(day - datetime.timedelta(days=2), "09:00")])
        self.shot("betrieb-neu-geplant")

    def test_settings_fields_show_errors_at_the_field(self):
        with open(os.path.join(SOURCE, "installer/config/firms/huber.yaml")) as f:
            self.portal.import_firm(f.read())
        self.login("anna")
        self.driver.get(self.portal.url + "/firms/huber/settings")
        lead = self.wait.until(EC.presence_of_element_located((By.ID, "feld-rules[0].lead")))
        self.assertEqual(lead.get_attribute("value"), "1d")
        lead.clear()
        lead.send_keys("zwei Tage")
        self.click("felder-speichern")
        feedback = self.wait.until(EC.presence_of_element_located(
            (By.CSS_SELECTOR, "#feld-rules\\[0\\]\\.lead + .invalid-feedback")))
        self.assertIn("zwei Tage", feedback.text)
        lead = self.driver.find_element(By.ID, "feld-rules[0].lead")
        self.assertIn("is-invalid", lead.get_attribute("class"))
        self.shot("einstellungen-feldfehler")
        lead.clear()
        lead.send_keys("2d")
        self.click("felder-speichern")
        result = self.wait.until(EC.presence_of_element_located((By.ID, "ergebnis")))
        self.assertIn("Gespeichert als Version 2", result.text)
        self.assertIn("lead: 2d", self.driver.find_element(By.ID, "yaml").get_attribute("value"))

    def test_manual_send_to_filtered_list_arrives_once_each(self):
        kannel = Kannel()
        self.addCleanup(kannel.stop)
        self.portal.stop()
        http = free_port()
        self.portal = Portal(
            'http: {listen: 127.0.0.1, port: %d, public_url: "http://127.0.0.1:%d"}\n'
            'delivery:\n  sms:\n    provider: kannel\n    kannel:\n'
            '      sendsms_url: "%s"\n      username: %s\n      password: "%s"\n'
            % (http, http, kannel.url, kannel.user, kannel.password))
        self.addCleanup(self.portal.stop)
        # No quiet hours (the test may run at any hour); reminders a day ahead only.
        self.portal.import_firm('id: huber\nsender_name: RFK Huber\n'
                                'quiet_hours: {from: "00:00", to: "00:00"}\n'
                                'rules:\n  - {name: sms-1d, channel: sms, lead: 1d}\n')
        self.login("anna")
        day = datetime.datetime.now(VIENNA).date() + datetime.timedelta(days=5)
        self.upload_export([appointment("A1", day, "4400", "0664 1111111"),
                            appointment("A2", day, "4400", "0676 2222222"),
                            appointment("A3", day, "4020", "0664 3333333"),  # filtered out
                            appointment("A4", day, "4400", "0664 4444444", consent=False)])
        self.driver.get(self.portal.url + "/firms/huber")
        self.driver.find_element(By.LINK_TEXT, "SMS senden").click()
        self.wait.until(EC.presence_of_element_located((By.ID, "ort"))).send_keys("4400")
        self.driver.find_element(By.ID, "text").send_keys(
            "Wegen Schneefall entfällt Ihr Kehrtermin am <<Datum>>. <<Kehrbetrieb>>")
        self.shot("manuell-senden")
        self.click("vorschau-zeigen")
        rows = self.wait.until(EC.presence_of_all_elements_located(
            (By.CSS_SELECTOR, "#empfaenger tbody tr")))
        self.assertEqual(sorted(r.get_attribute("data-number") for r in rows),
                         ["+436641111111", "+436762222222"])
        self.assertIn("Frau Maria Muster-A1", rows[0].text + rows[1].text)
        self.assertIn("2 Nachrichten, 2 SMS-Teile", self.driver.find_element(By.ID, "summe").text)
        left_out = self.driver.find_element(By.ID, "ausgelassen").text
        self.assertIn("keine Zustimmung", left_out)
        self.assertNotIn("Muster-A3", left_out)
        self.driver.set_window_size(1280, 1300)  # the whole preview in the screenshot
        self.shot("manuell-senden-vorschau")
        self.driver.set_window_size(1280, 900)
        confirmation = self.driver.execute_script(
            "return Array.from(new FormData(document.getElementById('bestaetigen')).entries());")
        self.click("senden")
        result = self.wait.until(EC.presence_of_element_located((By.ID, "ergebnis")))
        self.assertIn("2 SMS wurden in den Versand gestellt", result.text)
        self.shot("manuell-senden-ergebnis")
        # The same confirmation submitted again (as a reload that resubmits does): nothing twice.
        self.driver.execute_script(
            "var f = document.createElement('form'); f.method = 'post';"
            "f.action = location.pathname;"
            "arguments[0].forEach(function (p) { var i = document.createElement('input');"
            "  i.type = 'hidden'; i.name = p[0]; i.value = p[1]; f.appendChild(i); });"
            "document.body.appendChild(f); f.submit();", confirmation)
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "ergebnis"), "bereits bestätigt"))

        # The dispatcher's pass sends them through Kannel and waits for the receipts.
        self.portal.dispatcher("once", "--receipt-wait", "20", timeout=90)
        got = kannel.wait_for(2)
        self.assertEqual(sorted(m["to"].lstrip("+").removeprefix("00") for m in got),
                         ["436641111111", "436762222222"])
        for m in got:
            self.assertIn("Wegen Schneefall entfällt Ihr Kehrtermin am", m["text"])
        # The protocol also lists the planned reminders; its search finds the two.
        self.driver.get(self.portal.url + "/firms/huber/protocol")
        self.driver.find_element(By.ID, "q").send_keys("Schneefall")
        self.driver.find_element(By.XPATH, "//button[text()='Suchen']").click()
        self.wait.until(EC.url_contains("q=Schneefall"))
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#protokoll tbody tr")
        self.assertEqual(len(rows), 2, [r.text for r in rows])
        for r in rows:
            self.assertIn("Wegen Schneefall", r.text)
            self.assertIn("zugestellt", r.text)
        self.shot("protokoll-manuell")

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
