#!/usr/bin/env python3
"""Writes bench/REPORT.md from the raw results bench/run leaves in its workspace.

usage: report.py WORKSPACE OUT.md
"""
import glob
import json
import os
import statistics
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import report_web  # the HTTPS section (bench/report_web.py, next to this file)

W, OUT = sys.argv[1], sys.argv[2]
RES = os.path.join(W, "res")
SYS = ["gatehouse", "proxyjump", "direct"]
NAMES = {"gatehouse": "Gatehouse", "proxyjump": "OpenSSH ProxyJump (baseline)", "direct": "direct (no bastion)"}


def read_tsv(name):
    path = os.path.join(RES, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


facts = {}
with open(os.path.join(RES, "facts.txt")) as f:
    for line in f:
        k, _, v = line.rstrip("\n").partition("=")
        facts[k] = v


def pct(values, p):
    v = sorted(values)
    if not v:
        return float("nan")
    k = (len(v) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def fmt(x, digits=1):
    if x is None or x != x:
        return "n/a"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:,.{digits}f}"


def ratio(a, b):
    if a is None or b is None or a != a or b != b or b == 0:
        return None
    return a / b


def verdict(r, limit, higher_is_better):
    if r is None:
        return "n/a"
    ok = r >= limit if higher_is_better else r <= limit
    return "**met**" if ok else "**missed**"


rows = []  # metric, gatehouse, proxyjump, direct, ratio, target, met


def add(metric, vals, higher_is_better=None, limit=None, target="", digits=1):
    g, p, d = (vals.get(s) for s in SYS)
    if g is None and p is None and d is None:
        return None  # the phase did not run (bench/run --cpu)
    r = ratio(g, p)
    met = verdict(r, limit, higher_is_better) if limit is not None else ""
    rows.append([metric, fmt(g, digits), fmt(p, digits), fmt(d, digits),
                 "n/a" if r is None else f"{r:.2f}×", target, met])
    return r


# ---- 1. set-up latency (hyperfine) ----
EXTRA = "gatehouse_c25519"  # Gatehouse with the client forcing curve25519 key exchange
setup = {s: [] for s in SYS + [EXTRA]}
setup_cpu = {s: [] for s in SYS + [EXTRA]}
for path in glob.glob(os.path.join(W, "hf", "setup-*.json")):
    s = os.path.basename(path).split("-")[1]
    with open(path) as f:
        res = json.load(f)["results"][0]
    setup[s].extend(t * 1000 for t in res["times"])
    setup_cpu[s].append((res["user"] + res["system"]) * 1000)
add("Connection set-up `ssh … true`, median (ms)", {s: statistics.median(v) if v else None for s, v in setup.items()},
    False, 1.2, "≤ 1.2× (aim 1.0×)")
add("Connection set-up, p90 (ms)", {s: pct(v, 90) if v else None for s, v in setup.items()})
if setup[EXTRA]:
    add("… Gatehouse with the client forcing `curve25519-sha256` KEX, median (ms)",
        {"gatehouse": statistics.median(setup[EXTRA]), "proxyjump": statistics.median(setup["proxyjump"]) if setup["proxyjump"] else None},
        target="(diagnostic: what sntrup761 in Java costs)")
add("… client CPU per set-up (ms, user+sys of ssh)", {s: statistics.mean(v) if v else None for s, v in setup_cpu.items()})

# ---- 2-4. transfers ----
results = read_tsv("results.tsv")


def rate(phase, variant="default"):
    out = {}
    for s in SYS:
        rs = [float(r[5]) / 1048576 / float(r[4]) for r in results if r[0] == phase and r[1] == s and r[2] == variant]
        out[s] = statistics.median(rs) if rs else None
    return out


def secs(phase, variant="default"):
    out = {}
    for s in SYS:
        rs = [float(r[4]) for r in results if r[0] == phase and r[1] == s and r[2] == variant]
        out[s] = statistics.median(rs) if rs else None
    return out


bulk = facts.get("bulk_mib", "?")
bulk_ratios = {}
for variant, label in (("default", "client default cipher"), ("aes", "aes128-gcm")):
    for phase in ("download", "upload"):
        bulk_ratios[(phase, variant)] = add(f"Bulk {phase} {bulk} MiB, {label} (MiB/s)", rate(phase, variant), True, 0.8,
                                            "≥ 0.8× (aim 1.0×)")
file_mib = facts.get("file_mib", "?")
for tool, label in (("scp", "scp (SFTP protocol)"), ("scp-O", "scp -O (legacy protocol)"), ("sftp", "sftp")):
    for d, dl in (("get", "download"), ("put", "upload")):
        add(f"{label} {dl} of a {file_mib} MiB file (MiB/s)", rate(f"{tool}-{d}"), True, 0.8, "≥ 0.8× (bulk budget)")
pty_secs = secs("pty")
pty_rate = rate("pty")
add(f"Interactive: pty shell printing base64 of {facts.get('pty_mib', '?')} MiB (MiB/s of terminal output)", pty_rate)
pty_ratio = add("… same, wall time (s), lower is better", pty_secs)
# recording on vs off: a second Gatehouse with recording.streams: false ran in the same rounds
norec_secs = [float(r[4]) for r in results if r[0] == "pty" and r[1] == "gatehouse_norec"]
norec_sec = statistics.median(norec_secs) if norec_secs else None
rec_wall = None
if norec_sec:
    add("… Gatehouse with recording off (`recording.streams: false`), wall time (s)",
        {"gatehouse": norec_sec, "proxyjump": pty_secs.get("proxyjump")})
    if pty_secs.get("gatehouse"):
        rec_wall = pty_secs["gatehouse"] / norec_sec
        rows.append(["Recording's cost: Gatehouse pty wall time (s), recording on ÷ off",
                     f"{fmt(pty_secs['gatehouse'])} on / {fmt(norec_sec)} off", "", "", f"{rec_wall:.2f}×", "< 1.10×", "**met**" if rec_wall < 1.10 else "**missed**"])
# ptycpu.tsv: system run relay-ms node-ms client-ms (each a process tree; relay 0 for direct)
ptycpu = read_tsv("ptycpu.tsv")
pty_cpu, pty_total = {}, {}
for s in ("gatehouse", "gatehouse_norec", "proxyjump", "direct"):
    rs = [r for r in ptycpu if r[0] == s]
    pty_cpu[s] = statistics.median(int(r[2]) for r in rs) / 1000 if rs else None
    pty_total[s] = statistics.median(sum(int(x) for x in r[2:5]) for r in rs) / 1000 if rs else None
rec_cpu = rec_share_cpu = None
if pty_cpu.get("gatehouse") and pty_cpu.get("gatehouse_norec"):
    rec_cpu = pty_cpu["gatehouse"] / pty_cpu["gatehouse_norec"]
    add("… relay CPU per pty run (s; gateway JVM vs bastion sshd tree), recording on",
        {"gatehouse": pty_cpu["gatehouse"], "proxyjump": pty_cpu.get("proxyjump")}, digits=2)
    add("… relay CPU per pty run (s), Gatehouse recording off",
        {"gatehouse": pty_cpu["gatehouse_norec"], "proxyjump": pty_cpu.get("proxyjump")}, digits=2)
    rows.append(["… gateway CPU per pty run (s), recording on ÷ off",
                 f"{fmt(pty_cpu['gatehouse'], 2)} on / {fmt(pty_cpu['gatehouse_norec'], 2)} off", "", "", f"{rec_cpu:.2f}×",
                 "(CPU the recorder adds to the gateway)", ""])
if pty_total.get("gatehouse") and pty_total.get("gatehouse_norec"):
    rec_share_cpu = 1 - pty_total["gatehouse_norec"] / pty_total["gatehouse"]
    rows.append(["Recording's share of a pty flood's CPU: (on − off) ÷ on, all processes of the flood (client, relay, node)",
                 f"{fmt(pty_total['gatehouse'], 2)} s on / {fmt(pty_total['gatehouse_norec'], 2)} s off", "", "",
                 f"{rec_share_cpu * 100:.1f} %", "< 10 %", "**met**" if rec_share_cpu < 0.10 else "**missed**"])

# ---- CPU per GiB relayed (cpugib.tsv: phase system cipher run relay-ms node-ms client-ms bytes) ----
cpugib = read_tsv("cpugib.tsv")


def per_gib(phase, col, variant="aes"):
    out = {}
    for s in SYS:
        v = [int(r[col]) / 1000 / (int(r[7]) / 2**30) for r in cpugib if r[0] == phase and r[1] == s and r[2] == variant]
        out[s] = statistics.median(v) if v else None
    return out


cpu_gib_ratios = {}
for phase in ("download", "upload"):
    relay = per_gib(phase, 4)
    relay["direct"] = None  # no bastion
    cpu_gib_ratios[phase] = add(f"CPU per GiB relayed, bulk {phase}, aes128-gcm on every leg (CPU-s/GiB; gateway JVM vs bastion sshd tree)",
                                relay, False, 1.0, "≤ 1.0×", digits=2)
    add(f"… the node's sshd tree per GiB, {phase} (CPU-s/GiB, for reference)", per_gib(phase, 5), digits=2)
    add(f"… the client side (ssh, head/wc) per GiB, {phase} (CPU-s/GiB, for reference)", per_gib(phase, 6), digits=2)
    whole = {s: None for s in SYS}
    for s in SYS:
        v = [sum(int(x) for x in r[4:7]) / 1000 / (int(r[7]) / 2**30) for r in cpugib if r[0] == phase and r[1] == s and r[2] == "aes"]
        whole[s] = statistics.median(v) if v else None
    add(f"… the whole path per GiB, {phase}: client + bastion + node (CPU-s/GiB; ProxyJump's client encrypts twice)", whole, digits=2)

# ---- 6. CPU per connection ----
cpu = read_tsv("cpu.tsv")
cpu_ms = {}
node_ms = {}
for s in ("gatehouse", "proxyjump", EXTRA):
    rs = [r for r in cpu if r[0] == s]
    n = sum(int(r[2]) for r in rs)
    cpu_ms[s] = sum(int(r[3]) for r in rs) / n if n else None
    node_ms[s] = sum(int(r[4]) for r in rs) / n if n else None
add("CPU per new connection on the bastion (ms; gateway JVM vs bastion sshd + children)", cpu_ms, target="no budget")
if cpu_ms.get(EXTRA) is not None:
    add("… Gatehouse with the client forcing `curve25519-sha256` KEX (ms)",
        {"gatehouse": cpu_ms[EXTRA], "proxyjump": cpu_ms["proxyjump"]}, target="(diagnostic)")
add("… the node's sshd CPU per connection, for reference (ms)", {s: node_ms.get(s) for s in SYS})

# ---- 5. concurrency ----
conc = read_tsv("concurrency.tsv")
gw_rows = [r for r in conc if r[0] == "gatehouse"]
base = next((r for r in gw_rows if r[1] == "0"), None)
stages = [r for r in gw_rows if r[1] != "0"]
bast = next((r for r in conc if r[0] == "bastion"), None)
bast_per = None
if bast:
    b_ok, b_pss, b_pss0 = int(bast[1]), int(bast[2]), int(bast[3])
    bast_per = (b_pss - b_pss0) / b_ok / 1024 if b_ok else None
conc_lines = []
target_2000 = None
for r in stages:
    n, rss, heap, rss_gc, ms, failed, threads, target = int(r[1]), int(r[2]), r[3], int(r[4]), int(r[5]), int(r[6]), r[7], r[8]
    per = (rss - int(base[2])) / n / 1024 if base and n else None
    per_gc = (rss_gc - int(base[2])) / n / 1024 if base and n else None
    conc_lines.append(f"| {target} | {n} ({failed} failed) | {ms / 1000:.1f} s ({n / (ms / 1000) if ms else 0:.0f}/s) | "
                      f"{rss / 1024:.0f} MiB | {rss_gc / 1024:.0f} MiB | {int(heap) / 1024 if heap else float('nan'):.0f} MiB | "
                      f"{fmt(per, 2)} MiB | {fmt(per_gc, 2)} MiB | {threads} |")
    if target == "2000" or (facts.get("mode") == "quick" and r is stages[-1]):
        target_2000 = (n, rss, int(target))
    rows.append([f"Idle pty sessions: {n} through Gatehouse, per-session memory (MiB; RSS growth / sessions)",
                 fmt(per, 2), fmt(bast_per, 2) + " (PSS)", "", "n/a" if ratio(per, bast_per) is None else f"{ratio(per, bast_per):.2f}×",
                 "", ""])
if target_2000:
    n, rss, t = target_2000
    ok = rss < 1024 * 1024 and n >= t
    rows.append([f"Gateway RSS with {n} idle sessions (MiB)", fmt(rss / 1024), "", "", "",
                 f"< 1024 MiB at 2,000 sessions" + ("" if t == 2000 else f" (quick run: {t} only)"),
                 "**met**" if ok and t == 2000 else ("**missed**" if t == 2000 else "n/a (quick)")])

# ---- 7. JMH ----
jmh = []
jpath = os.path.join(RES, "jmh.json")
if os.path.exists(jpath):
    with open(jpath) as f:
        jmh = json.load(f)


def jmh_score(name, **params):
    for b in jmh:
        if b["benchmark"].endswith(name) and all(b.get("params", {}).get(k) == v for k, v in params.items()):
            return b["primaryMetric"]["score"], b["primaryMetric"]["scoreUnit"]
    return None, None


jmh_rows = []


def jrow(label, name, derived=None, target="", limit=None, **params):
    score, unit = jmh_score(name, **params)
    if score is None:
        return None
    d = derived(score) if derived else ""
    met = ""
    if limit is not None:
        met = "**met**" if score >= limit else "**missed**"
    jmh_rows.append(f"| {label} | {fmt(score)} {unit} | {d} | {target} | {met} |")
    return score


ca = jrow("CA: sign one certificate (1 thread = per core)", "CertificateSigningBench.issue", None, "≥ 20,000/s/core", 20000)
jrow("… floor: one raw Ed25519 signature (MINA's EdDSA signer, 320-byte message)", "CertificateSigningBench.ed25519SignOnly")
jrow("… floor: one raw Ed25519 signature (Bouncy Castle's parameters, as the CA signs)", "CertificateSigningBench.ed25519BcSignOnly")
jrow("CA: ephemeral Ed25519 key + certificate (what each upstream login costs)", "CertificateSigningBench.keyAndIssue")
jrow("Policy: `decide` allow (1,000 users, 1,000 nodes)", "PolicyDecisionBench.standingAllow")
jrow("Policy: `decide` root refused", "PolicyDecisionBench.rootDenied")
jrow("Policy: `decide` with locks/grants state", "PolicyDecisionBench.withStateAllow")
sq = jrow("Audit store appends, SQLite, group commit (append ×10,000 + flush)", "StoreBench.appendAndFlush", None,
          "≥ 50,000/s", 50000, store="sqlite")
jrow("Audit store appends, PostgreSQL, group commit", "StoreBench.appendAndFlush", store="postgres")
rec_mem = jrow("Recorder output path, 4 KiB per op, in-memory fake store", "RecorderBench.recordOutput",
               lambda s: f"{s * 4096 / 1048576:,.0f} MiB/s", store="memory")
rec_sql = jrow("Recorder output path, 4 KiB per op, real SQLite store", "RecorderBench.recordOutput",
               lambda s: f"{s * 4096 / 1048576:,.0f} MiB/s", store="sqlite")
jrow("asciicast v2 export, 16 KiB chunk per op", "AsciicastBench.export", lambda s: f"{s * 16 / 1024:,.0f} MiB/s")
for name, label in (("aes128gcm", "JCE AES-128-GCM seal"), ("aes128gcmDecryptInPlace", "JCE AES-128-GCM open, in place"),
                    ("chacha20poly1305", "JCE ChaCha20-Poly1305 seal")):
    jrow(f"{label}, one 32 KiB SSH packet per op (fresh nonce)", "CipherBench." + name,
         lambda s: f"{s * 32 / 1024:,.0f} MiB/s per core")

# recorder's share of the interactive cost, estimated from its measured throughput
rec_share = None
if rec_sql and pty_secs.get("gatehouse") and pty_rate.get("gatehouse"):
    out_mib = pty_rate["gatehouse"] * pty_secs["gatehouse"]
    rec_share = (out_mib / (rec_sql * 4096 / 1048576)) / pty_secs["gatehouse"]

# ---- ciphers ----
ciphers = read_tsv("ciphers.tsv")
cipher_txt = []
kex = [f"{r[1]} ({r[2]} leg): `{r[3]}`" for r in ciphers if r[0] == "kex"]
if kex:
    cipher_txt.append("- key exchange negotiated: " + "; ".join(kex))
for variant in ("default", "aes"):
    parts = []
    for r in ciphers:
        if r[0] == variant:
            parts.append(f"{r[1]} ({r[2]} leg): `{r[3]}`")
    cipher_txt.append(f"- client config **{variant}**: " + "; ".join(parts))

# ---- write ----
L = []
L.append("# Gatehouse vs OpenSSH: benchmark report")
L.append("")
L.append(f"Generated by `bench/run` ({facts.get('mode')} mode) on {facts.get('date')}, commit `{facts.get('commit')}`. "
         "All three systems ran side by side on 127.0.0.1 in the same run, alternating run by run. "
         "**The clients, the servers and the load generators share the machine's cores, so absolute numbers "
         "vary from run to run — read the ratios** (the load average at the end is in the table below).")
L.append("")
L.append("## Machine")
L.append("")
L.append("| fact | value |")
L.append("|---|---|")
for k, label in (("cpu", "CPU"), ("cores", "cores"), ("mem_gib", "memory (GiB)"), ("jdk", "JDK"), ("openssh", "OpenSSH"),
                 ("kernel", "kernel"), ("load", "load average at the end")):
    L.append(f"| {label} | {facts.get(k, '?')} |")
L.append("")
WEB = report_web.section(W, "quick" if facts.get("quick") == "1" else facts.get("mode"))
if facts.get("mode") == "web":  # bench/run --web: the HTTPS phase alone
    L[0] = "# Gatehouse vs nginx (HTTPS app proxy): benchmark report"
    L[2] = (f"Generated by `bench/run --web` on {facts.get('date')}, commit `{facts.get('commit')}`. "
            "Gatehouse, nginx and the origin ran side by side on 127.0.0.1 in the same run, alternating round by round. "
            "**Clients, servers and the origin share the machine's cores: read the ratios.**")
    L.extend(WEB)
    L.append("## How to reproduce")
    L.append("")
    L.append("`sudo bench/run --web` (HTTPS only; `--quick` for tiny sizes). Raw results: `--keep` keeps the workspace "
             "(`res/web/`: wrk outputs, per-event SSE delays, download and CPU TSVs, WebSocket memory).")
    with open(OUT, "w") as f:
        f.write("\n".join(L) + "\n")
    sys.exit(0)
L.append("## Results")
L.append("")
L.append("Ratio = Gatehouse ÷ OpenSSH ProxyJump. Throughputs are medians over runs; set-up latency over "
         f"{facts.get('setup_samples')} samples per system (hyperfine, interleaved rounds). Gatehouse ran with recording on "
         "(SQLite store in the workspace) and its shipped JVM defaults (`java -jar gatehouse.jar serve`). "
         + ("CPU is measured per process tree: the gateway JVM, the bastion's sshd with all its children, the node's sshd "
            "with all its children, and the clients each ran in their own cgroup, read from `cpu.stat` before and after each run."
            if facts.get("cpu_method") == "cgroup" else
            "CPU is measured per process tree by summing /proc utime+stime (with reaped children) over the tree; no cgroup v2 "
            "was writable, so an sshd child reaped by init is missed and the bastion's figures are too low."))
L.append("")
L.append("| metric | Gatehouse | ProxyJump (baseline) | direct | ratio | target | met? |")
L.append("|---|---|---|---|---|---|---|")
for r in rows:
    L.append("| " + " | ".join(r) + " |")
L.append("")
L.append("### Idle interactive sessions (pty shells, one MINA client, 16 connecting in parallel)")
L.append("")
if base:
    L.append(f"Gateway before: RSS {int(base[2]) / 1024:.0f} MiB, heap used {int(base[3]) / 1024 if base[3] else 0:.0f} MiB, "
             f"{base[7]} threads (fresh JVM after 5 warm-up connections).")
    L.append("")
L.append("| stage | sessions | time to establish | gateway RSS | RSS after `GC.run` | heap used after GC | per session (RSS) | per session (after GC) | threads |")
L.append("|---|---|---|---|---|---|---|---|---|")
L.extend(conc_lines)
L.append("")
if bast:
    L.append(f"OpenSSH bastion baseline: {bast[1]} of {bast[8]} idle `ssh -tt -J` pty shells; PSS of the bastion's sshd "
             f"processes {int(bast[3]) / 1024:.1f} → {int(bast[2]) / 1024:.1f} MiB over {bast[4]} processes = "
             f"**{fmt(bast_per, 2)} MiB per session**; established in {int(bast[5]) / 1000:.1f} s "
             "(separate ssh processes started 20 at a time, so that time is not comparable).")
    L.append("")
L.extend(WEB)
L.append("### Micro-benchmarks (JMH 1.37)")
L.append("")
L.append("| what | score | derived | target | met? |")
L.append("|---|---|---|---|---|")
L.extend(jmh_rows)
L.append("")
L.append("## What the run says")
L.append("")
L.append("**Key exchange and ciphers negotiated** (client side from `ssh -v`; the gateway's upstream leg from the node's sshd log):")
L.append("")
L.extend(cipher_txt)
L.append("")
d_def, d_aes = rate("download", "default").get("gatehouse"), rate("download", "aes").get("gatehouse")
front = {r[0]: r[3] for r in ciphers if r[1] == "gatehouse" and r[2] == "client"}
if d_def and d_aes:
    if front.get("default") == front.get("aes"):
        L.append(f"- Gatehouse offers clients only AES-GCM, so both client configs negotiate `{front.get('default')}` with it "
                 f"(downloads {fmt(d_def)} vs {fmt(d_aes)} MiB/s: the same cipher, the difference is run-to-run noise). "
                 "ProxyJump and direct take chacha20-poly1305 by default.")
    else:
        L.append(f"- Gatehouse download with the client's default cipher: {fmt(d_def)} MiB/s; with aes128-gcm: {fmt(d_aes)} MiB/s.")
pj_def, pj_aes = rate("download", "default").get("proxyjump"), rate("download", "aes").get("proxyjump")
if pj_def and pj_aes:
    L.append(f"- ProxyJump: {fmt(pj_def)} MiB/s with chacha20-poly1305 vs {fmt(pj_aes)} MiB/s with aes128-gcm on both hops, "
             "so the baseline is fastest when the client is told to use AES-GCM.")
if rec_wall is not None:
    L.append(f"- Recording on vs off, in the same rounds: the pty run took {fmt(pty_secs['gatehouse'])} s with recording and "
             f"{fmt(norec_sec)} s with `recording.streams: false`, so recording adds **{(rec_wall - 1) * 100:.0f} %** of wall "
             "time (budget: < 10 %)" + (f"; the gateway's CPU per run was {fmt(pty_cpu['gatehouse'])} s vs "
             f"{fmt(pty_cpu['gatehouse_norec'])} s ({(rec_cpu - 1) * 100:.0f} % more)." if rec_cpu is not None else "."))
if rec_share is not None:
    L.append(f"- For reference, the recorder alone under JMH with the real SQLite store moves "
             f"{fmt(rec_sql * 4096 / 1048576)} MiB/s on one core, {rec_share * 100:.1f} % of the Gatehouse pty run's wall time.")
rec = facts.get("recorded", "? ?").split()
if len(rec) == 2 and rec[1].isdigit():
    L.append(f"- The store holds {rec[0]} terminal-output chunks, {int(rec[1]) / 1048576:,.0f} MiB, from the Gatehouse pty runs "
             "(evidence that every byte was recorded).")
L.append("")
def jfr_section(path, what):
    if not os.path.exists(path):
        return
    stacks, cur, in_stack = [], [], False
    with open(path) as f:
        for line in f:
            t = line.strip()
            if t.startswith("stackTrace = ["):
                in_stack, cur = True, []
            elif in_stack and t.startswith("]"):
                in_stack = False
                stacks.append(cur)
            elif in_stack and t and t != "...":
                cur.append(t.split(" line:")[0])
    cats = [("crypto (JCE/BC ciphers, MACs)", ("com.sun.crypto", "javax.crypto", "sun.security", "org.bouncycastle",
                                               "org.apache.sshd.common.cipher", "org.apache.sshd.common.mac")),
            ("recorder + audit store", ("dev.gatehouse.recorder", "org.sqlite", "com.zaxxer")),
            ("Gatehouse bridge (gateway.ssh)", ("dev.gatehouse.gateway",)),
            ("MINA SSHD (all, incl. crypto calls)", ("org.apache.sshd",)),
            ("NIO / socket I/O", ("sun.nio.ch", "java.nio")),
            ("logging", ("ch.qos.logback", "org.slf4j"))]
    if not stacks:
        return
    L.append(f"**JFR profile of the gateway during {what}** ({len(stacks)} execution samples, JFR `profile` settings; "
             "a sample counts for every category that appears anywhere in its stack, inlined frames included):")
    L.append("")
    L.append("| category | share of samples |")
    L.append("|---|---|")
    for name, prefixes in cats:
        n = sum(1 for st in stacks if any(fr.startswith(prefixes) for fr in st))
        L.append(f"| {name} | {100 * n / len(stacks):.0f} % |")
    L.append("")
    top = {}
    for st in stacks:
        if st:
            top[st[0]] = top.get(st[0], 0) + 1
    L.append("Top frames (self time):")
    L.append("")
    L.append("| samples | share | frame |")
    L.append("|---|---|---|")
    for fr, n in sorted(top.items(), key=lambda kv: -kv[1])[:10]:
        L.append(f"| {n} | {100 * n / len(stacks):.1f} % | `{fr}` |")
    L.append("")


jfr_section(os.path.join(RES, "jfr-bulk.txt"), "one bulk download (default client cipher)")
jfr_section(os.path.join(RES, "jfr-pty.txt"), "one interactive pty run (recording on)")
notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ANALYSIS.md")
if os.path.exists(notes) and facts.get("mode") == "full":
    with open(notes) as f:
        L.append(f.read().rstrip())
    L.append("")
L.append("## How to reproduce")
L.append("")
L.append("`sudo bench/run` (full, 15–25 min on 2 cores) or `sudo bench/run --quick` (smoke). It builds with `mvn -Pbench`, starts an "
         "OpenSSH node, an OpenSSH bastion and Gatehouse on 127.0.0.1 in a temp workspace, measures, stops everything "
         "and rewrites this file; its last phase runs the HTTPS benchmark against nginx (`sudo bench/run --web` runs that phase alone). "
         "Raw results: `--keep` keeps the workspace (hyperfine JSON, JMH JSON, JFR recording, logs, `res/web/`).")
with open(OUT, "w") as f:
    f.write("\n".join(L) + "\n")
