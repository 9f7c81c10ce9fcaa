#!/usr/bin/env python3
# ui_drawing.py - checks the chain drawings of a report page as the
# browser built them (a --dump-dom file): no edge segment runs through a
# box, every edge starts at a box's right side and ends at a box's left
# side, and an overview's boxes add up to the facilities it announces.
# With --cert JWT --product ID, the tiers drawn for that product must be
# the certificate's.  Prints one line per check; exits 1 on a failure.
import base64
import html
import json
import re
import sys

fails = 0


def ok(what):
    print("ok   " + what)


def bad(what):
    global fails
    fails += 1
    print("FAIL " + what)


def boxes_of(svg):
    out = []
    for m in re.finditer(r'<g class="n( g)? s[0-9n][^"]*"[^>]*transform="translate\((-?\d+),(-?\d+)\)"><title>(.*?)</title><rect width="(\d+)" height="(\d+)"', svg, re.S):
        out.append({"group": bool(m.group(1)), "x": int(m.group(2)), "y": int(m.group(3)),
                    "title": html.unescape(m.group(4)), "w": int(m.group(5)), "h": int(m.group(6)),
                    "tail": svg[m.end():m.end() + 600]})
    return out


def segments(d):
    toks = re.findall(r"[MHV]|-?\d+", d)
    x = y = None
    segs, i = [], 0
    start = end = None
    while i < len(toks):
        c = toks[i]
        if c == "M":
            x, y = int(toks[i + 1]), int(toks[i + 2])
            start = (x, y)
            i += 3
        elif c == "H":
            nx = int(toks[i + 1])
            segs.append((x, y, nx, y))
            x = nx
            i += 2
        elif c == "V":
            ny = int(toks[i + 1])
            segs.append((x, y, x, ny))
            y = ny
            i += 2
        else:
            raise ValueError("unexpected path token " + c)
    end = (x, y)
    return start, end, segs


def crosses(seg, b):
    x1, y1, x2, y2 = seg
    bx0, by0, bx1, by1 = b["x"], b["y"], b["x"] + b["w"], b["y"] + b["h"]
    if y1 == y2:
        lo, hi = sorted((x1, x2))
        return by0 < y1 < by1 and lo < bx1 and hi > bx0
    lo, hi = sorted((y1, y2))
    return bx0 < x1 < bx1 and lo < by1 and hi > by0


def check_svg(svg, label):
    boxes = boxes_of(svg)
    paths = re.findall(r'<path d="(M[^"]*)"', svg.split('<g class="edges"', 1)[-1].split('<g class="boxes"', 1)[0])
    rows = {}
    cols = {}
    for b in boxes:
        rows.setdefault(b["y"], []).append(b)
        cols.setdefault(b["x"], []).append(b)
    lefts = {(b["x"], b["y"] + b["h"] // 2) for b in boxes}
    rights = {(b["x"] + b["w"], b["y"] + b["h"] // 2) for b in boxes}
    hits = ends = 0
    for d in paths:
        start, end, segs = segments(d)
        if start not in rights or end not in lefts:
            ends += 1
        for s in segs:
            if s[1] == s[3]:
                near = [b for y0, bs in rows.items() if y0 < s[1] < y0 + bs[0]["h"] for b in bs]
            else:
                near = [b for x0, bs in cols.items() if x0 < s[0] < x0 + bs[0]["w"] for b in bs]
            hits += any(crosses(s, b) for b in near)
    overlap = len({(b["x"], b["y"]) for b in boxes}) != len(boxes)
    if hits == 0 and ends == 0 and not overlap and boxes:
        ok("%s: %d boxes, %d edges, none through a box" % (label, len(boxes), len(paths)))
    else:
        bad("%s: %d boxes (overlapping: %s), %d edges, %d segments through a box, "
            "%d edges not from a right side to a left side" % (label, len(boxes), overlap, len(paths), hits, ends))
    return boxes


def main():
    args = sys.argv[1:]
    dom = open(args[0], encoding="utf-8").read()
    opt = dict(zip(args[1::2], args[2::2]))
    sections = re.findall(r'<section class="product-chain" id="(chain-p\d+)"><h3>(.*?)</h3>(.*?)</section>', dom, re.S)
    if not sections:
        bad("no product-chain section")
    drawn = {}
    for sid, head, body in sections:
        product = re.sub(r"<[^>]+>", "", html.unescape(head)).split(" \u2014 ")[0].split(" ", 1)[1]
        svg = re.search(r"<svg.*?</svg>", body, re.S)
        if svg is None:
            if "Same chain as" not in body and "not among" not in body:
                bad("%s: no drawing and no reason" % product)
            continue
        boxes = check_svg(svg.group(0), product)
        drawn[product] = boxes
        note = re.search(r'<p class="note">(\d+) facilit', body)
        total = sum(int(re.match(r"(\d+) facilities", b["title"]).group(1)) if b["group"] else 1 for b in boxes)
        if note is None or int(note.group(1)) != total:
            bad("%s: the boxes stand for %d facilities, the note says %s" % (product, total, note and note.group(1)))
        else:
            ok("%s: the boxes stand for the %d facilities the note gives" % (product, total))
    allsvg = re.search(r'<details id="chain-all".*?(<svg.*?</svg>)', dom, re.S)
    if allsvg:
        check_svg(allsvg.group(1), "every chain together")
    elif "--all" in opt:
        bad("no drawing of every chain together")
    if "--groups" in opt:
        n = sum(b["group"] for bs in drawn.values() for b in bs)
        if n >= int(opt["--groups"]):
            ok("%d group boxes in the overviews" % n)
        else:
            bad("%d group boxes in the overviews" % n)
    if "--cert" in opt:
        product = opt["--product"]
        payload = open(opt["--cert"]).read().strip().split(".")[1]
        cred = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        cred = cred.get("vc", cred)
        want = {}
        for a in cred["credentialSubject"]["assessment"]:
            for f in a.get("assessedFacility", []):
                want[f["supplierId"]] = f["tier"]
        got = {}
        for b in drawn.get(product, []):
            m = re.match(r".*\((.*?)\)\n.*?, (maker|tier (\d+))\n", b["title"], re.S)
            if m:
                got[m.group(1)] = 0 if m.group(2) == "maker" else int(m.group(3))
        if want and got == want:
            ok("%s: the drawing's tiers are the certificate's (%d facilities)" % (product, len(want)))
        else:
            bad("%s: drawing tiers %s, certificate tiers %s" % (product, sorted(got.items()), sorted(want.items())))
    sys.exit(1 if fails else 0)


main()
