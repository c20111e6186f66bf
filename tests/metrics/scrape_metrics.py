#!/usr/bin/python3
"""Scrapes a /metrics URL and parses it with prometheus_client's text parser
(python3-prometheus-client), the parser Prometheus' Python tooling uses.

Prints one line per sample: NAME{label="value",...} VALUE, labels sorted by
name, so a test can compare figures without parsing the format itself. Exits 1
with the parser's error if the page is not valid text format 0.0.4.
"""
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def main():
    with urllib.request.urlopen(sys.argv[1], timeout=10) as response:
        content_type = response.headers.get("Content-Type", "")
        text = response.read().decode("utf-8")
    print("# content-type " + content_type)
    try:
        families = list(text_string_to_metric_families(text))
    except Exception as e:  # the parser raises ValueError and others
        print("parse error: %r" % e, file=sys.stderr)
        return 1
    for family in families:
        print("# family %s %s" % (family.name, family.type))
        for s in family.samples:
            labels = ",".join('%s="%s"' % (k, v) for k, v in sorted(s.labels.items()))
            print("%s{%s} %r" % (s.name, labels, s.value))
    return 0


if __name__ == "__main__":
    sys.exit(main())
