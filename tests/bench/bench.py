#!/usr/bin/env python3
"""make bench: leadvm against its peers on the shared benchmark (W1, W2).

  bench.py [--runs N] [--threads N] [--scale] [--only w1|w2] [--no-npm]

W1 applies ../shared/bench/w1.lead to the reference 1M-row contacts and W2
applies ../shared/bench/w2.lead to the reference events (--events-per-contact
20, 19.5M events), both made once by ../shared/bench/gen_contacts.py --seed 42
into the data directory and reused.  Every peer does the same job, and the
runs are interleaved (leadvm-t1, leadvm-tN, mawk, duckdb-t1, duckdb-tN, then
all of them again) so that a noisy moment hurts every peer alike.  The table
gives the median wall time, rows/s, MB/s and the peak RSS (/usr/bin/time -v),
and checks every run's output against the reference checksum in
../shared/bench/RESULTS.md with checksum.py.  --scale (BENCH_SCALE=1) adds
W1 at 5M rows for leadvm: time should grow 5x, peak memory stay flat.

A missing peer (mawk, node, DuckDB) is skipped with a note, never an error.
DuckDB comes from `npm install @duckdb/node-api` into the data directory the
first time (the only network use); --no-npm or BENCH_NPM=0 skips that.

Environment (the make rule sets the first three):
  LEADVM        the leadvm to measure (default: ./leadvm)
  SHARED_DIR    the shared folder with bench/ (default: ../shared beside the source tree)
  BENCH_DATA    data, peer installs, outputs and logs (default: ./bench-data)
  BENCH_RUNS    runs per peer (default 5)       BENCH_THREADS  N (default: nproc)
  BENCH_SCALE   1 = also the 1M/5M scaling check BENCH_ONLY     w1 or w2
  BENCH_NPM     0 = do not npm install DuckDB

Exit status: 0 when every leadvm run finished with the reference checksum,
1 otherwise (a peer's failure or mismatch is reported but does not count),
2 when the benchmark could not run at all.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# The reference lines, used when RESULTS.md cannot be read or parsed.
REF_W1_1M = ("rows=1000000 leads=386 score_sum=12167993 A.SQL=36 A.MQL=0 A.INQ=4221 A.SUS=307 "
             "B.SQL=116 B.MQL=99 B.INQ=86869 B.SUS=5948 C.SQL=0 C.MQL=89 C.INQ=212692 C.SUS=14884 "
             "D.SQL=0 D.MQL=46 D.INQ=630832 D.SUS=43861")
REF_W1_5M = "rows=5000000 leads=1872 score_sum=60835843"     # RESULTS.md gives only this much
REF_W2 = "engaged=208796 sum_max_day=2399553 sum_hv=684039"


def say(msg):
    print(msg, file=sys.stderr, flush=True)


def die(msg):
    say("bench: " + msg)
    sys.exit(2)


def env_int(name, default):
    v = os.environ.get(name, "")
    if v == "":
        return default
    try:
        return int(v)
    except ValueError:
        die(f"{name}={v!r} is not a whole number")


# ------------------------------------------------------------------ setup

class Bench:
    def __init__(self, a):
        self.leadvm = os.path.abspath(os.environ.get("LEADVM", "./leadvm"))
        default_shared = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared"))
        self.shared = os.path.abspath(os.environ.get("SHARED_DIR") or default_shared)
        self.sb = os.path.join(self.shared, "bench")
        self.data = os.path.abspath(os.environ.get("BENCH_DATA", "./bench-data"))
        self.runs = a.runs if a.runs is not None else env_int("BENCH_RUNS", 5)
        self.threads = a.threads if a.threads is not None else env_int("BENCH_THREADS", ncpu())
        self.scale = a.scale or os.environ.get("BENCH_SCALE", "0") not in ("", "0")
        self.only = a.only or os.environ.get("BENCH_ONLY", "") or None
        self.npm = not a.no_npm and os.environ.get("BENCH_NPM", "1") != "0"
        self.notes = []          # printed under the tables
        self.failed = False      # a leadvm run failed or mismatched
        self.sums = {}           # md5 of an output -> its checksum line
        if self.runs < 1:
            die("BENCH_RUNS must be at least 1")
        if self.threads < 1:
            die("BENCH_THREADS must be at least 1")
        if self.only not in (None, "w1", "w2"):
            die(f"--only/BENCH_ONLY must be w1 or w2, not {self.only!r}")
        if not os.access(self.leadvm, os.X_OK):
            die(f"no leadvm at {self.leadvm}: build it first (make), or set LEADVM")
        for f in ("gen_contacts.py", "checksum.py", "w1.lead", "w2.lead"):
            if not os.path.isfile(os.path.join(self.sb, f)):
                die(f"{os.path.join(self.sb, f)} is missing: point SHARED_DIR (configure --with-shared) "
                    "at the shared folder")
        for d in ("out", "logs"):
            os.makedirs(os.path.join(self.data, d), exist_ok=True)
        self.time_v = shutil.which("time", path="/usr/bin")
        if not self.time_v:
            self.notes.append("/usr/bin/time is missing (Debian package `time`): peak RSS is from wait4()")
        self.refs()
        self.find_peers()

    def refs(self):
        """The reference checksum lines, from RESULTS.md when it has them."""
        self.ref_w1 = {1000000: REF_W1_1M, 5000000: REF_W1_5M}
        self.ref_w2 = REF_W2
        try:
            text = open(os.path.join(self.sb, "RESULTS.md"), encoding="utf-8").read()
        except OSError:
            self.notes.append("RESULTS.md not readable: built-in copies of the reference checksums used")
            return
        m = re.search(r"1M rows: `(rows=1000000 [^`]*)`", text)
        if m:
            self.ref_w1[1000000] = m.group(1)
        m = re.search(r"5M rows: `(rows=5000000 [^`…]*?)\s*…?`", text)
        if m:
            self.ref_w1[5000000] = m.group(1).strip()
        m = re.search(r"`contacts=\d+ (engaged=\d+ sum_max_day=\d+ sum_hv=\d+)`", text)
        if m:
            self.ref_w2 = m.group(1)

    def find_peers(self):
        self.mawk = shutil.which("mawk")
        if not self.mawk:
            self.notes.append("mawk not found (Debian package `mawk`): mawk skipped")
        self.duckdb = self.setup_duckdb()

    def setup_duckdb(self):
        node, npm = shutil.which("node"), shutil.which("npm")
        if not node:
            self.notes.append("node not found: DuckDB skipped")
            return None
        prefix = os.path.join(self.data, "node")
        self.node_path = os.path.join(prefix, "node_modules")
        if not os.path.isdir(os.path.join(self.node_path, "@duckdb", "node-api")):
            if not self.npm:
                self.notes.append("DuckDB not installed and npm disabled (BENCH_NPM=0): DuckDB skipped")
                return None
            if not npm:
                self.notes.append("npm not found: DuckDB skipped")
                return None
            spec = "@duckdb/node-api@" + duckdb_version(os.path.join(self.sb, "peers", "node"))
            say(f"bench: npm install {spec} into {prefix} (once) ...")
            os.makedirs(prefix, exist_ok=True)
            try:
                r = subprocess.run([npm, "install", "--prefix", prefix, "--no-audit", "--no-fund",
                                    "--no-save", "--loglevel=error", spec],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
                ok = r.returncode == 0
                why = r.stdout.strip().splitlines()[-1:] if not ok else []
            except (OSError, subprocess.TimeoutExpired) as e:
                ok, why = False, [str(e)]
            if not ok:
                self.notes.append(f"npm install {spec} failed ({' '.join(why) or 'no message'}): DuckDB skipped")
                return None
        probe = subprocess.run([node, "-e", "process.stdout.write(require('@duckdb/node-api/package.json')"
                                ".version)"], env=self.node_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        if probe.returncode != 0:
            self.notes.append(f"@duckdb/node-api does not load ({probe.stderr.strip()[-200:]}): DuckDB skipped")
            return None
        self.duckdb_version = probe.stdout.strip()
        return node

    def node_env(self):
        e = dict(os.environ)
        e["NODE_PATH"] = self.node_path
        return e

    # -------------------------------------------------------------- data

    def dataset(self, rows, events):
        """The reference contacts (and events) of `rows` rows, made once."""
        tag = f"{rows // 1000000}m" if rows % 1000000 == 0 else str(rows)
        contacts = os.path.join(self.data, f"contacts_{tag}.csv")
        evfile = os.path.join(self.data, f"events_{tag}.csv") if events else None
        gen = os.path.join(self.sb, "gen_contacts.py")
        stamp = os.path.join(self.data, f"data_{tag}.stamp")
        want = f"{sha256(gen)} rows={rows} seed=42 events-per-contact=20\n"
        have = open(stamp).read() if os.path.exists(stamp) else ""
        if have != want:          # made by another generator version (or never)
            for f in (contacts, os.path.join(self.data, f"events_{tag}.csv")):
                if os.path.exists(f):
                    os.remove(f)
            with open(stamp, "w") as f:
                f.write(want)
        if os.path.exists(contacts) and (not events or os.path.exists(evfile)):
            return contacts, evfile
        cmd = [sys.executable, gen, "--rows", str(rows), "--seed", "42", "--out", contacts + ".tmp"]
        if events:
            cmd += ["--events", evfile + ".tmp", "--events-per-contact", "20"]
        say(f"bench: generating the reference data ({rows} contacts{', with events' if events else ''}) "
            f"into {self.data}, once; this takes {'about 30 s' if rows <= 1000000 else 'a minute or so'} ...")
        if subprocess.run(cmd).returncode != 0:
            die("gen_contacts.py failed")
        os.replace(contacts + ".tmp", contacts)
        if events:
            os.replace(evfile + ".tmp", evfile)
        return contacts, evfile

    # -------------------------------------------------------------- runs

    def peer(self, name, argv, env=None, ref="", rows=0, nbytes=0, work="w1"):
        return {"name": name, "argv": argv, "env": env, "ref": ref, "rows": rows, "bytes": nbytes,
                "work": work}

    def peers_w1(self, csv, leadvm_only=False, tag=""):
        sb, p, n = self.sb, [], self.threads
        rows, nbytes = count_rows(csv), os.path.getsize(csv)
        ref = self.ref_w1.get(rows, "")
        work = "w1" + (f"-{tag}" if tag else "")
        w1 = os.path.join(sb, "w1.lead")
        for t in sorted({1, n}):
            p.append(self.peer(f"leadvm-t{t}", [self.leadvm, "run", w1, csv, "--threads", str(t),
                                                 "--no-progress", "-o", "{out}"], None, ref, rows, nbytes, work))
        if leadvm_only:
            return p
        if self.mawk:
            p.append(self.peer("mawk", ["env", "LC_ALL=C", self.mawk, "-v", "out={out}", "-v", "mode=rfc", "-f",
                                        os.path.join(sb, "peers", "w1_mawk.awk"), csv], None, ref, rows, nbytes))
        if self.duckdb:
            for t in sorted({1, n}):
                p.append(self.peer(f"duckdb-t{t}", [self.duckdb, os.path.join(sb, "peers", "node", "w1_duckdb.js"),
                                                    csv, "{out}", str(t)], self.node_env(), ref, rows, nbytes))
        return p

    def peers_w2(self, contacts, events):
        sb, p, n = self.sb, [], self.threads
        rows, nbytes, ref = count_rows(events), os.path.getsize(events), self.ref_w2
        w2 = os.path.join(sb, "w2.lead")
        for t in sorted({1, n}):
            p.append(self.peer(f"leadvm-t{t}", [self.leadvm, "run", w2, contacts, "--events", "activity=" + events,
                                                 "--threads", str(t), "--no-progress", "-o", "{out}"],
                               None, ref, rows, nbytes, "w2"))
        if self.mawk:
            p.append(self.peer("mawk", ["env", "LC_ALL=C", self.mawk, "-v", "out={out}", "-f",
                                        os.path.join(sb, "peers", "w2_mawk.awk"), events],
                               None, ref, rows, nbytes, "w2"))
        if self.duckdb:
            for t in sorted({1, n}):
                p.append(self.peer(f"duckdb-t{t}", [self.duckdb, os.path.join(sb, "peers", "node", "w2_duckdb.js"),
                                                    events, "{out}", str(t), "typed"],
                                   self.node_env(), ref, rows, nbytes, "w2"))
        return p

    def run_once(self, p, r):
        out = os.path.join(self.data, "out", f"{p['work']}_{p['name']}.csv")
        log = os.path.join(self.data, "logs", f"{p['work']}_{p['name']}.{r}")
        argv, env = [a.replace("{out}", out) for a in p["argv"]], p["env"]
        if os.path.exists(out):
            os.remove(out)
        if self.time_v:
            argv = [self.time_v, "-v", "-o", log + ".time"] + argv
        with open(log + ".out", "wb") as so, open(log + ".err", "wb") as se:
            t0 = time.perf_counter()
            proc = subprocess.Popen(argv, stdout=so, stderr=se, env=env)
            _, status, ru = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        rss_kb, cpu = ru.ru_maxrss, ru.ru_utime + ru.ru_stime
        if self.time_v:
            try:
                tv = open(log + ".time").read()
                m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", tv)
                rss_kb = int(m.group(1)) if m else 0
                cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", tv))
            except OSError:
                rss_kb = 0
        return {"wall": wall, "cpu": cpu, "rss": rss_kb, "rc": proc.returncode, "out": out, "err": log + ".err"}

    def checksum(self, work, name, out):
        """The checksum line of one output, cached by the output's md5."""
        if not os.path.exists(out):
            return None
        md5 = file_md5(out)
        if md5 not in self.sums:
            if work == "w2" and not name.startswith("leadvm"):
                self.sums[md5] = w2_peer_checksum(out)   # contact_id,max_day,hv,engaged
            else:
                args = ["--w2", out] if work == "w2" else [out]
                r = subprocess.run([sys.executable, os.path.join(self.sb, "checksum.py")] + args,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                self.sums[md5] = r.stdout.strip() if r.returncode == 0 else None
        return self.sums[md5]

    def measure(self, peers, runs):
        """Run every peer `runs` times, interleaved; one result row per peer."""
        res = [[] for _ in peers]
        for r in range(1, runs + 1):
            for p, xs in zip(peers, res):
                say(f"bench: {p['work']} run {r}/{runs} {p['name']} ...")
                x = self.run_once(p, r)
                x["sum"] = self.checksum(p["work"], p["name"], x["out"]) if x["rc"] == 0 else None
                xs.append(x)
        table = []
        for p, xs in zip(peers, res):
            name = p["name"]
            bad = [x for x in xs if x["rc"] != 0]
            wrong = [x for x in xs if x["rc"] == 0 and not matches(x["sum"], p["ref"])]
            if bad:
                tail = open(bad[0]["err"], errors="replace").read().strip().splitlines()[-1:]
                check = f"FAILED (exit {bad[0]['rc']}: {' '.join(tail)[:120]})"
            elif wrong:
                check = f"MISMATCH ({len(wrong)} of {len(xs)} runs: {wrong[0]['sum']})"
            else:
                check = "ok"
            if check != "ok" and name.startswith("leadvm"):
                self.failed = True
            good = [x for x in xs if x["rc"] == 0]
            wall = statistics.median(x["wall"] for x in good) if good else None
            cpu = statistics.median(x["cpu"] for x in good) if good else None
            table.append({"peer": name, "work": p["work"], "runs": len(xs), "wall": wall, "cpu": cpu,
                          "rows": p["rows"], "bytes": p["bytes"],
                          "rps": p["rows"] / wall if wall else None,
                          "mbs": p["bytes"] / 1e6 / wall if wall else None,
                          "rss": max(x["rss"] for x in xs) / 1024, "check": check})
        return table


# ------------------------------------------------------------------ helpers

def ncpu():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def file_md5(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def count_rows(path):
    """Data rows (lines - header): the reference files have no line break in a field."""
    n = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            n += chunk.count(b"\n")
    return n - 1


def warm(paths):
    """Read the inputs once, so that every run finds them in the page cache."""
    for p in paths:
        with open(p, "rb") as f:
            while f.read(1 << 22):
                pass


def duckdb_version(node_dir):
    """The @duckdb/node-api version the shared peers were measured with."""
    try:
        lock = json.load(open(os.path.join(node_dir, "package-lock.json")))
        return lock["packages"]["node_modules/@duckdb/node-api"]["version"]
    except (OSError, ValueError, KeyError):
        return "1.5.6-r.1"


def w2_peer_checksum(path):
    """checksum.py --w2's line for the peers' W2 output format."""
    eng = smx = shv = 0
    with open(path) as f:
        head = f.readline().strip()
        if head != "contact_id,max_day,hv,engaged":
            return None
        for line in f:
            _, mx, hv, e = line.rstrip("\n").split(",")
            eng += e == "1"
            smx += int(mx)
            shv += int(hv)
    return f"engaged={eng} sum_max_day={smx} sum_hv={shv}"


def matches(line, ref):
    """A full reference line must be equal; a shortened one (5M) a prefix."""
    if not line:
        return False
    return line == ref or (ref.count(" ") < 3 and line.startswith(ref + " "))


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def loadavg():
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def version(argv):
    try:
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=20)
        return r.stdout.strip().splitlines()[0] if r.stdout.strip() else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def human(x):
    if x is None:
        return "-"
    if x >= 1e6:
        return f"{x / 1e6:.2f}M"
    if x >= 1e3:
        return f"{x / 1e3:.0f}k"
    return f"{x:.0f}"


def print_table(title, unit, rows_n, nbytes, table, runs):
    print(f"\n### {title}\n")
    print(f"{rows_n:,} {unit}, {nbytes / 1e6:.1f} MB; median of {runs} interleaved runs "
          "(wall s and CPU s = user + system are medians, peak RSS the highest)\n")
    print(f"| peer | wall s | {unit}/s | MB/s | peak RSS MB | CPU s | checksum |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for t in table:
        wall = f"{t['wall']:.3f}" if t["wall"] else "-"
        mbs = f"{t['mbs']:.1f}" if t["mbs"] else "-"
        cpu = f"{t['cpu']:.2f}" if t["cpu"] is not None else "-"
        print(f"| {t['peer']} | {wall} | {human(t['rps'])} | {mbs} | {t['rss']:.0f} | {cpu} | {t['check']} |")


def print_ratios(table, n):
    w = {t["peer"]: t["wall"] for t in table if t["wall"] and t["check"] == "ok"}
    lines = []

    def ratio(a, b, text):
        if a in w and b in w:
            lines.append(f"- {text}: {w[b] / w[a]:.2f}x")
    ratio("leadvm-t1", "duckdb-t1", "leadvm vs DuckDB, 1 thread (DuckDB time / leadvm time)")
    if n > 1:
        ratio(f"leadvm-t{n}", f"duckdb-t{n}", f"leadvm vs DuckDB, {n} threads")
    ratio("leadvm-t1", "mawk", "leadvm 1 thread vs mawk (mawk time / leadvm time)")
    if n > 1:
        ratio(f"leadvm-t{n}", "mawk", f"leadvm {n} threads vs mawk")
        ratio(f"leadvm-t{n}", "leadvm-t1", f"leadvm speedup, {n} threads over 1")
        ratio(f"duckdb-t{n}", "duckdb-t1", f"DuckDB speedup, {n} threads over 1 (for comparison)")
    if lines:
        print("\n" + "\n".join(lines))


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, help="runs per peer (default BENCH_RUNS or 5)")
    ap.add_argument("--threads", type=int, help="N for the -tN peers (default BENCH_THREADS or nproc)")
    ap.add_argument("--scale", action="store_true", help="also W1 at 5M rows (BENCH_SCALE=1)")
    ap.add_argument("--only", choices=["w1", "w2"], help="one workload only (BENCH_ONLY)")
    ap.add_argument("--no-npm", action="store_true", help="do not npm install DuckDB (BENCH_NPM=0)")
    b = Bench(ap.parse_args())
    n = b.threads
    load0 = loadavg()
    try:
        if float(load0.split()[0]) > 0.5 * ncpu():
            say(f"bench: warning: load average {load0} on {ncpu()} cores: other processes are running, "
                "so wall times (and the -tN speedups most) will be noisy")
    except ValueError:
        pass
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    contacts, events = b.dataset(1000000, b.only != "w1")
    out = []  # (title, unit, rows, bytes, table)

    if b.only != "w2":
        warm([contacts])
        peers = b.peers_w1(contacts)
        out.append(("W1: w1.lead over the reference contacts", "rows", peers[0]["rows"], peers[0]["bytes"],
                    b.measure(peers, b.runs)))
    if b.only != "w1":
        warm([contacts, events])
        peers = b.peers_w2(contacts, events)
        out.append(("W2: w2.lead over the reference events (1M contacts, --events-per-contact 20)",
                    "events", peers[0]["rows"], peers[0]["bytes"], b.measure(peers, b.runs)))
    scale = None
    if b.scale:
        big, _ = b.dataset(5000000, False)
        small = b.peers_w1(contacts, leadvm_only=True, tag="1m")
        large = b.peers_w1(big, leadvm_only=True, tag="5m")
        warm([contacts, big])
        t = b.measure(small + large, b.runs)       # 1M and 5M interleaved too
        scale = (t[:len(small)], t[len(small):])

    print(f"## make bench, {started}\n")
    print(f"Machine: nproc = {ncpu()}, CPU \"{cpu_model()}\"; load average {load0} before the runs, "
          f"{loadavg()} after (other processes running show here).")
    vers = [f"leadvm: {version([b.leadvm, '--version'])}"]
    if b.mawk:
        vers.append(f"mawk: {version([b.mawk, '-W', 'version'])}")
    if b.duckdb:
        vers.append(f"node {version([b.duckdb, '--version'])}, @duckdb/node-api {b.duckdb_version}")
    print("Versions: " + "; ".join(vers) + ".")
    print(f"-tN peers use N = {n} threads. Inputs are warm in the page cache; times include process start-up.")
    for title, unit, rows, nbytes, table in out:
        print_table(title, unit, rows, nbytes, table, b.runs)
        print_ratios(table, n)
    if scale:
        s1, s5 = scale
        print(f"\n### Scaling: W1 at 1M and 5M rows (leadvm, median of {b.runs}, 1M and 5M runs interleaved)\n")
        print("Linear growth means a 5M/1M ratio of 5.0 and the same µs per row; the CPU columns are less "
              "disturbed by other processes than wall time.\n")
        print("| peer | wall s 1M | wall s 5M | 5M/1M wall | µs/row 1M | µs/row 5M | 5M/1M CPU "
              "| peak RSS MB 1M | 5M | checksum 1M | 5M |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
        for a, z in zip(s1, s5):
            if a["wall"] and z["wall"]:
                print(f"| {a['peer']} | {a['wall']:.3f} | {z['wall']:.3f} | {z['wall'] / a['wall']:.2f} | "
                      f"{a['wall'] / a['rows'] * 1e6:.3f} | {z['wall'] / z['rows'] * 1e6:.3f} | "
                      f"{z['cpu'] / a['cpu']:.2f} | {a['rss']:.0f} | {z['rss']:.0f} | {a['check']} | {z['check']} |")
            else:
                print(f"| {a['peer']} | - | - | - | - | - | - | {a['rss']:.0f} | {z['rss']:.0f} | {a['check']} "
                      f"| {z['check']} |")
        print(f"\nThe 5M reference in RESULTS.md is only `{b.ref_w1[5000000]} …`; the check compares that much.")
    print("\nReference checksums (../shared/bench/RESULTS.md):")
    if b.only != "w2":
        print(f"- W1 1M: `{b.ref_w1[1000000]}`")
    if b.only != "w1":
        print(f"- W2: `{b.ref_w2}`")
    for note in b.notes:
        print(f"- Note: {note}")
    say(f"bench: outputs in {b.data}/out, logs (with /usr/bin/time -v) in {b.data}/logs")
    sys.exit(1 if b.failed else 0)


if __name__ == "__main__":
    main()
