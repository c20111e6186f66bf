#include "tests/agent/office_db.h"

#include <cstdio>
#include <vector>

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Transaction.h>

#include "shared/time/zoned_time.h"

namespace kehrbote::test {

using namespace Poco::Data::Keywords;

void MakeOfficeDb(const std::string& path, int n, const std::string& first_day) {
  std::remove(path.c_str());
  Poco::Data::SQLite::Connector::registerConnector();
  Poco::Data::Session s("SQLite", path);
  s << "CREATE TABLE objekte (nummer TEXT PRIMARY KEY, anrede TEXT, titel TEXT, vorname TEXT,"
       " nachname TEXT, firma TEXT, strasse TEXT, plz TEXT, ort TEXT, telnr1 TEXT,"
       " telnr1_ok INTEGER, telnr2 TEXT, telnr2_ok INTEGER, email TEXT, email_ok INTEGER,"
       " nur_hk INTEGER)", now;
  s << "CREATE TABLE termine (termin_id TEXT PRIMARY KEY, objekt_nr TEXT, art TEXT, datum TEXT,"
       " uhrzeit TEXT, zeit_von TEXT, zeit_bis TEXT, storniert INTEGER)", now;
  s << "CREATE INDEX termine_datum ON termine(datum)", now;
  static const char* kLast[] = {"Müller", "Größinger", "Hofbauer", "Pröll", "Öllinger", "Weiß"};
  static const char* kFirst[] = {"Karl", "Jürgen", "Anneliese", "Zoë", "Günther", "Renée"};
  static const char* kStreet[] = {"Hauptstraße", "Schloßplatz", "Mühlweg", "Grünmarkt"};
  static const char* kArt[] = {"HK", "K", "K", "UE", "SO"};
  LocalTime first = *ParseLocalDate(first_day);

  const int kBatch = 10000;
  for (int base = 0; base < n; base += kBatch) {
    int m = std::min(kBatch, n - base);
    std::vector<std::string> nr(m), anrede(m), vorname(m), nachname(m), strasse(m), tel1(m),
        tel2(m), email(m), tid(m), art(m), datum(m), uhrzeit(m), von(m), bis(m);
    std::vector<int> ok1(m), ok2(m), eok(m), hk(m), storno(m);
    std::vector<std::string> empty(m), plz(m, "4400"), ort(m, "Steyr");
    for (int j = 0; j < m; ++j) {
      int i = base + j;
      char buf[32];
      std::snprintf(buf, sizeof buf, "A%07d", i);
      nr[j] = buf;
      std::snprintf(buf, sizeof buf, "T%06d", i);
      tid[j] = buf;
      anrede[j] = i % 2 ? "Frau" : "Herr";
      vorname[j] = kFirst[i % 6];
      nachname[j] = kLast[(i / 7) % 6];
      strasse[j] = std::string(kStreet[i % 4]) + " " + std::to_string(i % 97 + 1);
      std::snprintf(buf, sizeof buf, "0664 / 1%06d", i % 1000000);
      tel1[j] = buf;
      ok1[j] = i % 10 != 0;
      tel2[j] = i % 3 == 0 ? "07252 / 53131" : "";
      ok2[j] = 1;
      email[j] = i % 4 == 0 ? "kunde" + std::to_string(i) + "@example.at" : "";
      eok[j] = 1;
      hk[j] = i % 11 == 0;
      art[j] = kArt[i % 5];
      datum[j] = FormatLocalDate(first + std::chrono::days(i % 14));
      if (i % 2) {
        uhrzeit[j] = FormatTimeOfDay(std::chrono::minutes(7 * 60 + (i % 32) * 15));
      } else {
        int h = 7 + i % 6;
        von[j] = FormatTimeOfDay(std::chrono::hours(h));
        bis[j] = FormatTimeOfDay(std::chrono::hours(h + 4));
      }
      storno[j] = i % 50 == 0;
    }
    Poco::Data::Transaction t(s);
    s << "INSERT INTO objekte VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", use(nr), use(anrede),
        use(empty), use(vorname), use(nachname), use(empty), use(strasse), use(plz), use(ort),
        use(tel1), use(ok1), use(tel2), use(ok2), use(email), use(eok), use(hk), now;
    s << "INSERT INTO termine VALUES (?,?,?,?,?,?,?,?)", use(tid), use(nr), use(art), use(datum),
        use(uhrzeit), use(von), use(bis), use(storno), now;
    t.commit();
  }
}

std::string OfficeDbSourceYaml(const std::string& path) {
  return "source:\n"
         "  type: sqlite\n"
         "  connection: " + path + "\n"
         "  bind_days_as: text\n"
         "  query: |\n"
         "    SELECT t.termin_id, t.art, t.datum, t.uhrzeit, t.zeit_von, t.zeit_bis, t.storniert,\n"
         "           o.nummer, o.strasse, o.plz, o.ort, o.anrede, o.titel, o.vorname, o.nachname,\n"
         "           o.firma, o.telnr1, o.telnr1_ok, o.telnr2, o.telnr2_ok, o.email, o.email_ok,\n"
         "           o.nur_hk\n"
         "    FROM termine t JOIN objekte o ON o.nummer = t.objekt_nr\n"
         "    WHERE t.datum BETWEEN :first_day AND :last_day\n"
         "  columns:\n"
         "    id: termin_id\n"
         "    kind: art\n"
         "    kind_values: {HK: main_sweep, K: sweep, UE: inspection, SO: special}\n"
         "    date: datum\n"
         "    time: uhrzeit\n"
         "    window_from: zeit_von\n"
         "    window_to: zeit_bis\n"
         "    status: storniert\n"
         "    status_values: {\"0\": scheduled, \"1\": cancelled}\n"
         "    object_id: nummer\n"
         "    street: strasse\n"
         "    zip: plz\n"
         "    city: ort\n"
         "    salutation: anrede\n"
         "    title: titel\n"
         "    first_name: vorname\n"
         "    last_name: nachname\n"
         "    company: firma\n"
         "    phones:\n"
         "      - {number: telnr1, consent: telnr1_ok, main_sweep_only: nur_hk}\n"
         "      - {number: telnr2, consent: telnr2_ok, main_sweep_only: nur_hk}\n"
         "    email: {address: email, consent: email_ok, main_sweep_only: nur_hk}\n";
}

}  // namespace kehrbote::test
