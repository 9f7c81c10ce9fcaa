#!/usr/bin/env python3
"""http_server.py - the HTTPS server of the http tests (stdlib only).

Serves files of --root over TLS (--cert/--key; plain HTTP with --plain)
on 127.0.0.1, on a free port written to --port-file, with scenarios
chosen by path:

  /lists/NAME        the file, with an ETag and Last-Modified; 304 when
                     If-None-Match matches
  /flaky/NAME        429 with Retry-After: 1 the first time, then the file
  /down/NAME         always 503
  /retry-later/NAME  always 503 with Retry-After: 120
  /slow-down/NAME    waits 2 s, then 503 with Retry-After: 1
  /slow/NAME         waits 5 s, then the file
  /big/NAME          8 MiB without a Content-Length (the size cap)
  /badetag/NAME      the file, with an ETag that is not UTF-8 (bytes
                     0xff 0xfe) and no Last-Modified; never 304
  /redirect-http/NAME  302 to plain http on 127.0.0.1
  /redirect-loop/N   302 to itself
  /api/facilities/ID/  a fake Open Supply Hub: 401 unless the header is
                     "Authorization: Token $OSH_TEST_TOKEN"; 429 the first
                     time for each ID; 404 for NOTFOUND1; else a Feature
Every request is logged to --log as "PATH inm=ETAG auth=ok|bad|none".
"""
import argparse
import hashlib
import json
import os
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
SEEN = {}
LOCK = threading.Lock()


def first_time(key):
    with LOCK:
        n = SEEN.get(key, 0)
        SEEN[key] = n + 1
        return n == 0


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def note(self):
        auth = self.headers.get("Authorization")
        want = "Token " + os.environ.get("OSH_TEST_TOKEN", "")
        state = "none" if auth is None else ("ok" if auth == want else "bad")
        with LOCK, open(ARGS.log, "a") as f:
            f.write("%s inm=%s ims=%s auth=%s\n" % (
                self.path, self.headers.get("If-None-Match", "-"),
                self.headers.get("If-Modified-Since", "-"), state))
        return state

    def send(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def serve_file(self, name):
        path = os.path.join(ARGS.root, os.path.basename(name))
        if not os.path.isfile(path):
            return self.send(404, b"not found\n")
        data = open(path, "rb").read()
        etag = '"%s"' % hashlib.sha256(data).hexdigest()[:16]
        hdrs = [("ETag", etag),
                ("Last-Modified", "Sat, 28 Nov 2026 10:00:00 GMT")]
        if self.headers.get("If-None-Match") == etag:
            return self.send(304, b"", hdrs)
        self.send(200, data, hdrs)

    def do_GET(self):
        auth = self.note()
        parts = self.path.split("/")
        kind = parts[1] if len(parts) > 1 else ""
        name = parts[-1]
        if kind == "lists":
            return self.serve_file(name)
        if kind == "badetag":
            path = os.path.join(ARGS.root, os.path.basename(name))
            if not os.path.isfile(path):
                return self.send(404, b"not found\n")
            # send_header encodes as latin-1: these are the bytes ff fe
            return self.send(200, open(path, "rb").read(),
                             [("ETag", '"\xff\xfe"')])
        if kind == "flaky":
            if first_time(self.path):
                return self.send(429, b"slow down\n", [("Retry-After", "1")])
            return self.serve_file(name)
        if kind == "down":
            return self.send(503, b"unavailable\n")
        if kind == "retry-later":
            return self.send(503, b"come back later\n",
                             [("Retry-After", "120")])
        if kind == "slow-down":
            time.sleep(2)
            return self.send(503, b"busy\n", [("Retry-After", "1")])
        if kind == "slow":
            time.sleep(5)
            return self.serve_file(name)
        if kind == "big":
            self.send_response(200)
            self.end_headers()
            chunk = b"name,aliases\n" + b"x" * 65523 + b"\n"
            try:
                for _ in range(128):
                    self.wfile.write(chunk)
            except OSError:
                pass
            return
        if kind == "redirect-http":
            return self.send(302, b"", [(
                "Location", "http://127.0.0.1:%d/lists/%s" % (ARGS.port, name))])
        if kind == "redirect-loop":
            return self.send(302, b"", [("Location", self.path)])
        if kind == "api" and len(parts) >= 4 and parts[2] == "facilities":
            os_id = parts[3]
            if auth != "ok":
                return self.send(401, b'{"detail": "Invalid token."}')
            if first_time(self.path):
                return self.send(429, b'{"detail": "throttled"}',
                                 [("Retry-After", "1")])
            if os_id == "NOTFOUND1":
                return self.send(404, b'{"detail": "Not found."}')
            doc = {
                "id": os_id, "type": "Feature",
                "geometry": {"type": "Point",
                             "coordinates": [87.6168, 43.8256]},
                "properties": {
                    "os_id": os_id, "name": "Example Spinning Mill Co., Ltd.",
                    "address": "1 Example Road, Urumqi",
                    "country_code": "CN", "country_name": "China",
                    "extended_fields": {"number_of_workers": [
                        {"value": {"min": 1001, "max": 5000}}]}}}
            return self.send(200, json.dumps(doc).encode(),
                             [("Content-Type", "application/json")])
        self.send(404, b"no such scenario\n")


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--plain", action="store_true")
    ARGS = p.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    ARGS.port = srv.server_address[1]
    if not ARGS.plain:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ARGS.cert, ARGS.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(ARGS.port))
    os.rename(tmp, ARGS.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
