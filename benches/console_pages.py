#!/usr/bin/env python3
"""Times every staff-console page on the demo data, as a signed-in admin.

Usage: benches/console_pages.py [BINARY]   (default target/release/invest-registry)

Starts `BINARY serve --demo` on a fresh data folder and a free port, signs in as the printed
`demo-admin`, discovers the pages (lists, the first records of each kind, forms, admin pages),
requests each one 30 times after a warm-up and prints the median, p95 and slowest time of each,
then the slowest page. Needs python3 with `requests`.
"""
import os, re, socket, statistics, subprocess, sys, tempfile, time

import requests

binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/invest-registry"
work = tempfile.mkdtemp(prefix="console-pages-")
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
base = f"http://127.0.0.1:{port}"
env = dict(os.environ, DATA_DIR=work, BIND_ADDR=f"127.0.0.1:{port}", PUBLIC_BASE_URL=base,
           RUST_LOG="warn")
log = open(os.path.join(work, "server.log"), "w+")
server = subprocess.Popen([binary, "serve", "--demo"], env=env, stdout=log, stderr=subprocess.STDOUT)
try:
    for _ in range(600):
        try:
            if requests.get(base + "/readyz", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            pass
        time.sleep(0.2)
    else:
        sys.exit("the server did not become ready")
    log.seek(0)
    password = re.search(r"demo-admin\s+admin\s+(\S+)", log.read()).group(1)
    s = requests.Session()
    csrf = re.search(r'name="csrf" value="([^"]+)"', s.get(base + "/console/sign-in").text).group(1)
    r = s.post(base + "/console/sign-in", allow_redirects=False,
               data={"csrf": csrf, "username": "demo-admin", "password": password, "next": "/console"})
    assert r.status_code == 303, r.text[:300]

    pages = ["/", "/console", "/console/dossiers", "/console/dossiers?overdue=1",
             "/console/dossiers/new", "/console/dossiers/new?procedure=irc_issue",
             "/console/investors", "/console/investors?q=cong+ty", "/console/investors/new",
             "/console/projects", "/console/projects/new", "/console/zones", "/console/zones/new",
             "/console/admin/users", "/console/admin/keys", "/console/admin/audit",
             "/console/password"]
    for listing, pattern in [
        ("/console/dossiers", r'href="(/console/dossiers/[0-9a-f-]{36})"'),
        ("/console/investors", r'href="(/console/investors/[0-9a-f-]{36})"'),
        ("/console/projects", r'href="(/console/projects/[0-9a-f-]{36})"'),
        ("/console/zones", r'href="(/console/zones/[0-9a-f-]{36})"'),
        ("/console/admin/users", r'href="(/console/admin/users/[0-9a-f-]{36})"'),
    ]:
        pages += sorted(set(re.findall(pattern, s.get(base + listing).text)))[:2]
    for project in [p for p in pages if p.startswith("/console/projects/") and p[-1] != "w"]:
        pages += sorted(set(re.findall(r'href="(/console/certificates/[0-9a-f-]{36})"',
                                       s.get(base + project).text)))[:1]

    rows = []
    for page in pages:
        s.get(base + page)
        times = []
        for _ in range(30):
            t = time.perf_counter()
            r = s.get(base + page)
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, (page, r.status_code)
        times.sort()
        rows.append((page, statistics.median(times), times[int(len(times) * 0.95) - 1], times[-1]))
    width = max(len(p) for p, *_ in rows)
    print(f"{'page':<{width}}  median ms   p95 ms   max ms")
    for page, med, p95, mx in rows:
        print(f"{page:<{width}}  {med:9.1f} {p95:8.1f} {mx:8.1f}")
    slowest = max(rows, key=lambda r: r[2])
    print(f"slowest page by p95: {slowest[0]} ({slowest[2]:.1f} ms p95, {slowest[1]:.1f} ms median)"
          f" over {len(rows)} pages")
finally:
    server.terminate()
    server.wait(timeout=20)
