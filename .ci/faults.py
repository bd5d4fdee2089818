#!/usr/bin/env python3
"""Faults as repeatable commands, against the real binary on a private PostgreSQL cluster (made
in a temporary folder on a free port, so nothing else is touched) or on SQLite.

  .ci/faults.py kill9          kill -9 during a burst of issuances; then every acknowledged
                               certificate has its PDF and hash, versions are gapless, the audit
                               chain is intact, and retries with the same Idempotency-Key create
                               nothing twice
  .ci/faults.py pg-outage      PostgreSQL stopped for ten seconds under load: 503 problems with
                               Retry-After within two seconds, readiness failing, recovery without
                               a restart
  .ci/faults.py two-instances  two instances on one PostgreSQL: hundreds of concurrent issuances
                               and leases; each draft issued once, versions gapless, each parcel
                               leased once, the audit chain intact
  .ci/faults.py load           a mixed load (reads, verifications, issuances) on two instances,
                               slow and idle connections held meanwhile: throughput, p99, peak RSS
  .ci/faults.py all            every one of them (what .ci/run runs)

  --scale N   multiply the sizes (default 1: what CI runs; 10 for a longer run)
  --sqlite    use SQLite instead of PostgreSQL (pg-outage and two-instances need PostgreSQL)

Needs the debug binary (cargo build) or INVEST_REGISTRY_BIN, and PostgreSQL's server programs
(Debian's postgresql package). Standard library only. Exits non-zero on the first broken promise.
"""

import argparse
import concurrent.futures as cf
import hashlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("INVEST_REGISTRY_BIN", os.path.join(ROOT, "target", "debug", "invest-registry"))
ADMIN_PASSWORD = "faults-admin-password"
USER_PASSWORD = "faults-user-password"


def fail(message):
    print(f"FAILED: {message}", flush=True)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- a private PostgreSQL ------------------------------------------------------------------------

class Postgres:
    """A throw-away cluster owned by the postgres user, on a free port."""

    def __init__(self):
        versions = sorted(os.listdir("/usr/lib/postgresql"), key=lambda v: float(v))
        self.bin = f"/usr/lib/postgresql/{versions[-1]}/bin"
        self.dir = tempfile.mkdtemp(prefix="faults-pg-")
        shutil.chown(self.dir, "postgres", "postgres")
        self.port = free_port()
        self.as_postgres([f"{self.bin}/initdb", "-D", f"{self.dir}/data", "-A", "trust", "-U", "postgres"])
        with open(f"{self.dir}/data/postgresql.conf", "a") as conf:
            conf.write(f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.dir}'\n"
                       "fsync = off\nmax_connections = 200\n")
        self.start()
        subprocess.run([f"{self.bin}/createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "registry"],
                       check=True)
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/registry"

    def as_postgres(self, cmd):
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self):
        self.as_postgres([f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "-l", f"{self.dir}/log", "-w", "start"])

    def stop(self):
        self.as_postgres([f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "-m", "immediate", "-w", "stop"])

    def remove(self):
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


# -- the service ---------------------------------------------------------------------------------

class Server:
    def __init__(self, database_url, data_dir, extra=None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ)
        self.env.update({
            "DATABASE_URL": database_url, "DATA_DIR": data_dir, "BIND_ADDR": f"127.0.0.1:{self.port}",
            "PUBLIC_BASE_URL": self.base, "BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD, "LOG_LEVEL": "warn",
            "PUBLIC_RATE_LIMIT_PER_MINUTE": "0", "LOGIN_RATE_LIMIT_PER_MINUTE": "0",
            "DATABASE_MAX_CONNECTIONS": "10", "DATABASE_ACQUIRE_TIMEOUT_SECONDS": "2",
        })
        self.env.update(extra or {})
        self.log = open(os.path.join(data_dir, f"server-{self.port}.log"), "w")
        self.start()

    def start(self):
        self.proc = subprocess.Popen([BIN, "serve"], env=self.env, stdout=self.log, stderr=self.log)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if call("GET", f"{self.base}/readyz", timeout=1)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        fail(f"the server on {self.base} did not become ready")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)

    def peak_rss_mib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0.0


def call(method, url, body=None, token=None, headers=None, timeout=30):
    data = None
    h = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        h["content-type"] = "application/json"
    if token:
        h["authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def still_open(s):
    """Whether the server still holds this connection open (no end of stream, no reset)."""
    s.setblocking(False)
    try:
        return s.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def ok_json(status, body, expected, what):
    check(status == expected, f"{what}: {status} {body[:300]!r}")
    return json.loads(body) if body else None


class Registry:
    """Staff and sample data through the API."""

    def __init__(self, base, tag):
        self.base = base
        status, _, body = call("POST", f"{base}/api/v1/auth/login", {"username": "admin", "password": ADMIN_PASSWORD})
        self.admin = ok_json(status, body, 200, "admin login")["token"]
        self.officer = self.user(f"officer-{tag}", ["officer"])
        self.approver = self.user(f"approver-{tag}", ["approver"],
                                  {"signing_title": "PHÓ TRƯỞNG BAN", "signing_capacity": "KT. TRƯỞNG BAN"})

    def user(self, name, roles, extra=None):
        body = {"username": name, "display_name": f"Cán bộ {name}", "password": USER_PASSWORD, "roles": roles}
        body.update(extra or {})
        status, _, resp = call("POST", f"{self.base}/api/v1/users", body, self.admin)
        check(status in (201, 409), f"create user {name}: {status} {resp[:200]!r}")
        status, _, resp = call("POST", f"{self.base}/api/v1/auth/login", {"username": name, "password": USER_PASSWORD})
        return ok_json(status, resp, 200, f"login {name}")["token"]

    def post(self, path, body, token=None, expected=201, headers=None):
        status, _, resp = call("POST", f"{self.base}{path}", body, token or self.officer, headers)
        return ok_json(status, resp, expected, f"POST {path}")

    def zone(self, code, parcels):
        z = self.post("/api/v1/zones", {
            "code": code, "name": f"Khu công nghiệp thử {code}", "kind": "industrial_park", "province": "Quảng Trị",
            "total_area_m2": 10_000_000, "industrial_service_area_m2": 8_000_000, "status": "operating",
            "term_start": "2021-01-01", "term_end": "2090-12-31"})
        lots = [self.post(f"/api/v1/zones/{z['id']}/parcels",
                          {"lot_code": f"CN-{i:04d}", "area_m2": 10_000, "land_use": "industrial"})
                for i in range(parcels)]
        return z, lots

    def project(self, zone_id, n):
        code = f"{3200000000 + (uuid.uuid4().int % 99_999_999):010d}"
        inv = self.post("/api/v1/investors", {
            "kind": "domestic_organization", "name": f"Công ty Thử nghiệm {n}", "nationality": "VN",
            "document": {"doc_type": "enterprise_code", "number": code, "issue_date": "2015-06-01",
                         "issuer": "Sở Kế hoạch và Đầu tư tỉnh Quảng Trị"},
            "tax_code": code, "head_office_address": "Số 10 Lê Duẩn, phường Đông Hà, tỉnh Quảng Trị",
            "representative": {"name": "Nguyễn Văn An", "title": "Giám đốc", "doc_type": "cccd",
                               "doc_number": "045089001234"},
            "foreign_ownership_percent": 0})
        return self.post("/api/v1/projects", {
            "name_vi": f"Dự án thử nghiệm {n}", "zone_id": zone_id,
            "investors": [{"investor_id": inv["id"], "capital_vnd": 10_000_000_000, "form": "cash"}],
            "objectives": [{"description": "Sản xuất linh kiện", "vsic_code": "2610"}],
            "total_capital_vnd": 10_000_000_000, "contributed_capital_vnd": 10_000_000_000,
            "mobilized_capital_vnd": 0, "duration_years": 40})

    def draft(self, project_id):
        return self.post(f"/api/v1/projects/{project_id}/certificates", {})


def audit_intact(server_env):
    out = subprocess.run([BIN, "audit", "verify"], env=server_env, capture_output=True, text=True)
    check(out.returncode == 0, f"audit verify: {out.stdout} {out.stderr}")
    return out.stdout.strip()


# -- kill -9 during issuance ---------------------------------------------------------------------

def kill9(args, db_url, work):
    n = 24 * args.scale
    server = Server(db_url, work)
    reg = Registry(server.base, "k9")
    zone, _ = reg.zone("KCN-K9", 0)
    drafts = []
    for i in range(n):
        p = reg.project(zone["id"], i)
        drafts.append((p["id"], reg.draft(p["id"])["id"], f"approve-{uuid.uuid4()}"))
    acknowledged = {}
    lock = threading.Lock()

    def approve(item):
        project_id, cert_id, key = item
        try:
            status, _, body = call("POST", f"{server.base}/api/v1/certificates/{cert_id}/approve", None,
                                   reg.approver, {"Idempotency-Key": key}, timeout=60)
        except OSError:
            return
        if status == 200:
            with lock:
                acknowledged[cert_id] = json.loads(body)

    pool = cf.ThreadPoolExecutor(max_workers=8)
    futures = [pool.submit(approve, d) for d in drafts]
    # Kill once about a third have been acknowledged.
    deadline = time.time() + 120
    while len(acknowledged) < n // 3 and time.time() < deadline:
        time.sleep(0.01)
    server.kill9()
    cf.wait(futures)
    pool.shutdown()
    print(f"kill -9 after {len(acknowledged)} of {n} approvals were acknowledged", flush=True)
    check(0 < len(acknowledged) < n, "the kill came in the middle of the burst")

    server.start()
    for cert_id, cert in acknowledged.items():
        status, _, pdf = call("GET", f"{server.base}/api/v1/certificates/{cert_id}/pdf", token=reg.officer)
        check(status == 200, f"the acknowledged certificate {cert_id} has its PDF")
        check(hashlib.sha256(pdf).hexdigest() == cert["pdf_sha256"], f"{cert_id}: the PDF matches its hash")
    # Retries with the same keys: nothing twice; every draft ends issued exactly once.
    for project_id, cert_id, key in drafts:
        status, headers, body = call("POST", f"{server.base}/api/v1/certificates/{cert_id}/approve", None,
                                     reg.approver, {"Idempotency-Key": key})
        c = ok_json(status, body, 200, f"retry approve {cert_id}")
        if cert_id in acknowledged:
            check(headers.get("Idempotent-Replayed") == "true",
                  f"{cert_id}: the retry is a replay")
            check(c["seal"] == acknowledged[cert_id]["seal"], f"{cert_id}: the same certificate")
        status, _, body = call("GET", f"{server.base}/api/v1/projects/{project_id}/certificates", token=reg.officer)
        versions = sorted(x["version"] for x in ok_json(status, body, 200, "history")["items"]
                          if x.get("version") is not None)
        check(versions == [0], f"project {project_id}: one version 0, not {versions}")
    print("kill9: every acknowledged certificate kept its PDF and hash; retries replayed; versions gapless", flush=True)
    print(audit_intact(server.env), flush=True)
    server.stop()


# -- PostgreSQL stopped under load ---------------------------------------------------------------

def pg_outage(args, pg, work):
    server = Server(pg.url, work)
    reg = Registry(server.base, "pg")
    reg.zone("KCN-PG", 2)
    stop_at, outage = 3.0, 10.0
    results = []
    lock = threading.Lock()
    started = time.time()
    running = True

    def client():
        while running:
            t0 = time.time()
            try:
                status, headers, _ = call("GET", f"{server.base}/api/v1/zones?limit=5", token=reg.officer, timeout=10)
            except OSError:
                status, headers = -1, {}
            with lock:
                results.append((t0 - started, time.time() - t0, status, headers.get("Retry-After")))

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(stop_at)
    pg.stop()
    time.sleep(outage / 2)
    status, _, _ = call("GET", f"{server.base}/readyz")
    check(status == 503, f"readiness fails while the database is down (got {status})")
    time.sleep(outage / 2)
    pg.start()
    restored = time.time() - started
    time.sleep(4)
    running = False
    for t in threads:
        t.join()
    during = [r for r in results if stop_at + 0.5 < r[0] < stop_at + outage - 0.5]
    after = [r for r in results if r[0] > restored + 2]
    check(during, "requests were made during the outage")
    bad = [r for r in during if r[2] != 503]
    check(not bad, f"during the outage every answer is 503: {bad[:5]}")
    check(all(r[3] for r in during), "every 503 carries Retry-After")
    slowest = max(r[1] for r in during)
    check(slowest <= 2.5, f"a 503 comes within two seconds or so (slowest {slowest:.2f} s)")
    check(after and all(r[2] == 200 for r in after), "after the database is back, requests succeed again")
    status, _, _ = call("GET", f"{server.base}/readyz")
    check(status == 200, "readiness recovers without a restart")
    print(f"pg-outage: {len(during)} requests during a {outage:.0f} s outage, all 503 with Retry-After, "
          f"slowest {slowest:.2f} s; {len(after)} after it, all 200; no restart", flush=True)
    server.stop()


# -- two instances -------------------------------------------------------------------------------

def two_instances(args, pg, work):
    a = Server(pg.url, work)
    b = Server(pg.url, work)
    reg = Registry(a.base, "two")
    n = 60 * args.scale
    zone, lots = reg.zone("KCN-TWO", 40 * args.scale)
    projects = [reg.project(zone["id"], i) for i in range(n)]
    drafts = [reg.draft(p["id"])["id"] for p in projects]
    outcomes = []
    lock = threading.Lock()

    def approve(cert_id, base):
        status, _, _ = call("POST", f"{base}/api/v1/certificates/{cert_id}/approve", None, reg.approver, timeout=60)
        with lock:
            outcomes.append(("approve", cert_id, status))

    def lease(project_id, parcel, base):
        status, _, _ = call("POST", f"{base}/api/v1/projects/{project_id}/leases",
                            {"parcel_id": parcel["id"], "area_m2": 10_000, "start_date": "2027-01-01",
                             "end_date": "2060-12-31"}, reg.officer, timeout=60)
        with lock:
            outcomes.append(("lease", parcel["id"], status))

    jobs = []
    with cf.ThreadPoolExecutor(max_workers=16) as pool:
        for i, cert_id in enumerate(drafts):
            # Every draft approved on both instances at once.
            jobs.append(pool.submit(approve, cert_id, a.base))
            jobs.append(pool.submit(approve, cert_id, b.base))
        for i, parcel in enumerate(lots):
            # Every parcel leased to two projects, one on each instance.
            jobs.append(pool.submit(lease, projects[i % n]["id"], parcel, a.base))
            jobs.append(pool.submit(lease, projects[(i + 1) % n]["id"], parcel, b.base))
        cf.wait(jobs)
    for kind, target, group in (("approve", d, None) for d in drafts):
        statuses = sorted(s for k, t, s in outcomes if k == kind and t == target)
        check(statuses == [200, 409], f"{target}: approved once, the twin refused ({statuses})")
    for parcel in lots:
        statuses = sorted(s for k, t, s in outcomes if k == "lease" and t == parcel["id"])
        check(statuses == [201, 409], f"parcel {parcel['id']}: leased once ({statuses})")
    for p in projects:
        status, _, body = call("GET", f"{a.base}/api/v1/projects/{p['id']}/certificates", token=reg.officer)
        versions = [x["version"] for x in ok_json(status, body, 200, "history")["items"] if x.get("version") is not None]
        check(versions == [0], f"project {p['id']}: versions {versions}")
    requests = len(outcomes)
    print(f"two-instances: {requests} racing requests ({2 * n} approvals of {n} drafts, {2 * len(lots)} leases of "
          f"{len(lots)} parcels): each draft issued once, each parcel leased once, versions gapless", flush=True)
    print(audit_intact(a.env), flush=True)
    a.stop()
    b.stop()


# -- load ----------------------------------------------------------------------------------------

def load(args, db_url, work):
    a = Server(db_url, work, {"MAX_CONNECTIONS_PER_CLIENT": "64", "HEADER_READ_TIMEOUT_SECONDS": "5"})
    b = Server(db_url, work, {"MAX_CONNECTIONS_PER_CLIENT": "64", "HEADER_READ_TIMEOUT_SECONDS": "5"})
    reg = Registry(a.base, "load")
    zone, _ = reg.zone("KCN-LOAD", 0)
    seals = []
    for i in range(10):
        p = reg.project(zone["id"], i)
        c = reg.post(f"/api/v1/certificates/{reg.draft(p['id'])['id']}/approve", None, reg.approver, 200)
        seals.append(c["seal"])
    spare = [reg.draft(reg.project(zone["id"], 100 + i)["id"])["id"] for i in range(20 * args.scale)]

    # A hostile client (another loopback address, so it is another client to the server) opens
    # 200 connections to instance 1 and sends half a head on each: past its cap of 64 the server
    # closes them at once, and the ones it keeps are dropped at the header deadline (5 s here).
    hostile = []
    for _ in range(200):
        s = socket.socket()
        try:
            s.bind(("127.0.0.2", 0))
            s.connect(("127.0.0.1", a.port))
            s.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            hostile.append(s)
        except OSError:
            s.close()
    time.sleep(0.5)
    held = sum(1 for s in hostile if still_open(s))
    check(held <= 64, f"the hostile client holds at most its cap of 64 connections (holds {held})")
    duration = 10.0 * args.scale
    lat = {"read": [], "verify": [], "issue": [], "healthz": []}
    errors = []
    lock = threading.Lock()
    end = time.time() + duration

    def worker(kind, base, i):
        k = 0
        while time.time() < end:
            t0 = time.time()
            if kind == "read":
                url, method, token = f"{base}/api/v1/zones/{zone['id']}", "GET", reg.officer
            elif kind == "verify":
                url, method, token = f"{base}/api/v1/verify/{seals[(i + k) % len(seals)]}", "GET", None
            elif kind == "healthz":
                url, method, token = f"{base}/healthz", "GET", None
            else:
                if not spare:
                    time.sleep(0.05)
                    continue
                with lock:
                    cert = spare.pop() if spare else None
                if cert is None:
                    continue
                url, method, token = f"{base}/api/v1/certificates/{cert}/approve", "POST", reg.approver
            try:
                status, _, _ = call(method, url, None, token, timeout=10)
            except OSError as e:
                status = str(e)
            dt = time.time() - t0
            with lock:
                lat[kind].append(dt)
                if status not in (200,):
                    errors.append((kind, status))
            k += 1

    threads = []
    for base in (a.base, b.base):
        for i in range(3):
            threads.append(threading.Thread(target=worker, args=("read", base, i)))
            threads.append(threading.Thread(target=worker, args=("verify", base, i)))
        threads.append(threading.Thread(target=worker, args=("issue", base, 0)))
    threads.append(threading.Thread(target=worker, args=("healthz", a.base, 0)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    held_at_end = sum(1 for s in hostile if still_open(s))
    for s in hostile:
        s.close()
    check(held_at_end == 0, f"the half-sent heads were dropped at the header deadline ({held_at_end} still open)")
    check(not errors, f"every request of the mixed load succeeded: {errors[:5]}")
    check(lat["healthz"], "/healthz kept answering beside 200 hostile connections")
    print(f"load: {duration:.0f} s on two instances ({'PostgreSQL' if db_url.startswith('postgres') else 'SQLite'}); "
          f"a hostile client opened {len(hostile)} connections to instance 1, {held} were held (cap 64), "
          "none was left open at the header deadline", flush=True)
    for kind, xs in lat.items():
        if xs:
            xs.sort()
            p99 = xs[min(len(xs) - 1, int(len(xs) * 0.99))]
            print(f"  {kind:8} {len(xs) / duration:8.1f} req/s  p50 {statistics.median(xs) * 1000:7.1f} ms  "
                  f"p99 {p99 * 1000:7.1f} ms  ({len(xs)} requests)", flush=True)
    print(f"  peak RSS: instance 1 {a.peak_rss_mib():.1f} MiB, instance 2 {b.peak_rss_mib():.1f} MiB", flush=True)
    a.stop()
    b.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["kill9", "pg-outage", "two-instances", "load", "all"])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    check(os.path.exists(BIN), f"{BIN} is missing: run cargo build")
    work = tempfile.mkdtemp(prefix="faults-")
    pg = None if args.sqlite and args.what not in ("pg-outage", "two-instances") else Postgres()
    try:
        db_url = f"sqlite://{work}/registry.sqlite?mode=rwc" if args.sqlite else pg.url
        steps = ["kill9", "pg-outage", "two-instances", "load"] if args.what == "all" else [args.what]
        for step in steps:
            print(f"==> {step}", flush=True)
            step_dir = tempfile.mkdtemp(dir=work)
            if step == "kill9":
                kill9(args, db_url, step_dir)
            elif step == "pg-outage":
                pg_outage(args, pg, step_dir)
            elif step == "two-instances":
                two_instances(args, pg, step_dir)
            else:
                load(args, db_url, step_dir)
    finally:
        if pg:
            pg.remove()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
