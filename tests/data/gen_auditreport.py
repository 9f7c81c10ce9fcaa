#!/usr/bin/env python3
"""gen_auditreport.py - writes a large, valid labaudit audit report (the
format of adapters/xml/auditreport.xsd) for streaming and memory tests:
one report with N non-compliances (default 1,000,000, about 200 MB) and a
few evidence documents.  The output is written in chunks, so the generator
itself needs little memory.  Do not commit its output.

    python3 tests/data/gen_auditreport.py /tmp/big.xml [count]
"""
import sys

NS = "urn:labaudit:auditreport:1"
SEVERITIES = ("critical", "major", "minor", "observation")
STATUSES = ("open", "in_progress", "closed")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    path = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                  f'<audit_report xmlns="{NS}" version="1">\n'
                  "  <id>AUD-BIG-0001</id>\n"
                  "  <supplier_id>S-BIG-01</supplier_id>\n"
                  "  <scheme>smeta_4p</scheme>\n"
                  "  <type>unannounced</type>\n"
                  "  <auditor><auditor_org>Example Audit Ltd</auditor_org>"
                  "</auditor>\n"
                  "  <visit><start_date>2025-01-06</start_date>"
                  "<end_date>2025-01-10</end_date></visit>\n"
                  "  <workforce><workers_total>25000</workers_total>"
                  "<workers_female>15000</workers_female>"
                  "<workers_male>10000</workers_male></workforce>\n"
                  "  <noncompliances>\n")
        chunk = []
        for i in range(count):
            sev = SEVERITIES[i % 4]
            status = STATUSES[i % 3]
            month = 1 + i % 12
            chunk.append(
                "    <noncompliance>\n"
                f"      <code>NC-{i:07d}</code>\n"
                f"      <clause>ETI {1 + i % 9}.{1 + i % 5}</clause>\n"
                f"      <severity>{sev}</severity>\n"
                f"      <status>{status}</status>\n"
                f"      <due_date>2026-{month:02d}-15</due_date>\n"
                "    </noncompliance>\n")
            if len(chunk) == 10000:
                out.write("".join(chunk))
                chunk = []
        out.write("".join(chunk))
        out.write("  </noncompliances>\n  <evidence>\n")
        for k in range(3):
            out.write("    <document>"
                      f"<id>AUD-BIG-0001-D{k}</id>"
                      "<kind>audit_report</kind>"
                      f"<uri>evidence/AUD-BIG-0001-{k}.pdf</uri>"
                      "<media_type>application/pdf</media_type>"
                      "</document>\n")
        out.write("  </evidence>\n</audit_report>\n")


if __name__ == "__main__":
    main()
