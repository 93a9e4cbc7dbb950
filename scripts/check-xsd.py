#!/usr/bin/env python3
"""Validates a running nimbod's XML documents against OpenNebula's XSDs (share/doc/xsd in OpenNebula's
source tree, which is not part of this repository).

    scripts/check-xsd.py --endpoint http://127.0.0.1:2633/RPC2 --auth oneadmin:PASSWORD --xsd-dir DIR

Creates a few objects first so that pools are not empty, then fetches each document, adds the namespace
the XSDs declare, and runs xmllint (Debian package libxml2-utils). Exit status 1 when any document fails.
"""
import argparse
import subprocess
import sys
import tempfile
import xmlrpc.client


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", default="http://127.0.0.1:2633/RPC2")
    ap.add_argument("--auth", required=True)
    ap.add_argument("--xsd-dir", required=True)
    a = ap.parse_args()
    s = xmlrpc.client.ServerProxy(a.endpoint)
    auth = a.auth

    def value(r):
        if not r[0]:
            raise SystemExit("call failed: %s" % r[1])
        return r[1]

    uid = value(s.one.user.allocate(auth, "xsd_check_user", "pw", "", []))
    value(s.one.user.quota(auth, uid, "VM=[VMS=3]\nDATASTORE=[ID=1,IMAGES=2]"))
    value(s.one.user.login(auth, "xsd_check_user", "", 100, -1))
    doc = value(s.one.document.allocate(auth, "NAME=xsd_check_doc", 3))
    value(s.one.document.lock(auth, doc, 1, False))
    checks = [
        ("user.xsd", s.one.user.info(auth, uid)),
        ("user_pool.xsd", s.one.userpool.info(auth)),
        ("group.xsd", s.one.group.info(auth, 0)),
        ("group_pool.xsd", s.one.grouppool.info(auth)),
        ("acl_pool.xsd", s.one.acl.info(auth)),
        ("zone.xsd", s.one.zone.info(auth, 0)),
        ("zone_pool.xsd", s.one.zonepool.info(auth)),
        ("raftstatus.xsd", s.one.zone.raftstatus(auth)),
        ("document.xsd", s.one.document.info(auth, doc)),
        ("document_pool.xsd", s.one.documentpool.info(auth, -2, -1, -1)),
    ]
    failed = 0
    for xsd, r in checks:
        text = value(r)
        end = text.index(">")
        text = text[:end] + ' xmlns="http://opennebula.org/XMLSchema"' + text[end:]
        with tempfile.NamedTemporaryFile("w", suffix=".xml") as f:
            f.write(text)
            f.flush()
            p = subprocess.run(["xmllint", "--noout", "--schema", a.xsd_dir + "/" + xsd, f.name],
                               capture_output=True, text=True)
        print(("OK    " if p.returncode == 0 else "FAIL  ") + xsd + ("" if p.returncode == 0 else "\n" + p.stderr))
        failed += p.returncode != 0
    value(s.one.document.unlock(auth, doc))
    value(s.one.document.delete(auth, doc))
    value(s.one.user.delete(auth, uid))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
