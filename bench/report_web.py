"""The HTTPS section of bench/REPORT.md (issue 11): Gatehouse's app proxy vs nginx, from the raw
results bench/web.sh leaves in WORKSPACE/res/web. Called by report.py; returns Markdown lines.

Budgets (DESIGN.md "Performance budgets"): at least 0.8x nginx's requests/s and bulk throughput,
p99 latency at most 1.5x nginx's, under 1 ms added per server-sent event, under 256 MiB of gateway
memory with 1,000 open WebSockets.

Tests: cd bench && python3 -B -m unittest test_report_web
"""
import glob
import os
import re
import statistics

SYS = ["gatehouse", "gatehouse_lan", "nginx", "direct"]
HEAD = ["Gatehouse (SSH tunnel, default)", "Gatehouse (direct http target)", "nginx (baseline)", "origin direct (plain http)"]


def _tsv(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def _facts(path):
    out = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                out[k] = v
    return out


def _ms(text):
    """wrk's latency text (`635.00us`, `1.23ms`, `2.01s`) in milliseconds."""
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text.strip())
    if not m:
        return None
    v, unit = float(m.group(1)), m.group(2)
    return v * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(path):
    """(requests/s, p50 ms, p99 ms, requests) from one `wrk --latency` output."""
    rps = p50 = p99 = reqs = None
    with open(path) as f:
        for line in f:
            t = line.split()
            if line.startswith("Requests/sec:"):
                rps = float(t[1])
            elif len(t) == 2 and t[0] == "50%":
                p50 = _ms(t[1])
            elif len(t) == 2 and t[0] == "99%":
                p99 = _ms(t[1])
            elif len(t) > 3 and t[1] == "requests" and t[2] == "in":
                reqs = int(t[0])
    return rps, p50, p99, reqs


def _pct(values, p):
    v = sorted(values)
    if not v:
        return None
    k = (len(v) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def _fmt(x, digits=1):
    if x is None or x != x:
        return "n/a"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:,.{digits}f}"


def _ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def section(W, machine_mode):
    R = os.path.join(W, "res", "web")
    if not os.path.isdir(R):
        return []
    facts = _facts(os.path.join(R, "facts.txt"))
    ran = facts.get("systems", "").split()
    rows = []

    def add(metric, vals, higher=None, limit=None, target="", digits=1, judge=("gatehouse", "gatehouse_lan")):
        if all(vals.get(s) is None for s in SYS):
            return
        cells = [_fmt(vals.get(s), digits) for s in SYS]
        ratios, verdicts = [], []
        for s in judge:
            r = _ratio(vals.get(s), vals.get("nginx"))
            ratios.append("n/a" if r is None else f"{r:.2f}×")
            if limit is not None and r is not None:
                verdicts.append("**met**" if (r >= limit if higher else r <= limit) else "**missed**")
            elif limit is not None:
                verdicts.append("n/a")
        rows.append([metric] + cells + ratios + [target, " / ".join(verdicts)])

    # ---- wrk on /1k ----
    wrk = {s: [] for s in SYS}
    for path in sorted(glob.glob(os.path.join(R, "wrk-*-*.txt"))):
        s = os.path.basename(path)[4:].rsplit("-", 1)[0]
        if s in wrk:
            wrk[s].append(parse_wrk(path))
    med = lambda xs: statistics.median(xs) if xs else None
    rps = {s: med([w[0] for w in v if w[0] is not None]) for s, v in wrk.items()}
    p50 = {s: med([w[1] for w in v if w[1] is not None]) for s, v in wrk.items()}
    p99 = {s: med([w[2] for w in v if w[2] is not None]) for s, v in wrk.items()}
    d = facts.get("wrk_duration", "?")
    add(f"`wrk -t2 -c64 -d{d}` on a 1 KiB response, keep-alive: requests/s (median of rounds)", rps, True, 0.8, "≥ 0.8×")
    add("… latency p50 (ms)", p50, digits=2)
    add("… latency p99 (ms)", p99, False, 1.5, "≤ 1.5×", digits=2)

    closes = _tsv(os.path.join(R, "closes.tsv"))
    if closes:
        add("… connections the proxy closed during the run (TIME-WAIT on its port; 0 = keep-alive held)",
            {s: med([max(0, int(r[2])) for r in closes if r[0] == s]) for s in SYS}, digits=0, judge=())

    # ---- CPU (cpu.tsv: phase system run relay-ms node-ms origin-ms client-ms units) ----
    cpu = _tsv(os.path.join(R, "cpu.tsv"))

    def cpu_per(phase, col, scale):
        out = {}
        for s in SYS:
            v = [int(r[col]) / (int(r[7]) / scale) for r in cpu if r[0] == phase and r[1] == s and int(r[7]) > 0]
            out[s] = med(v)
        return out

    relay_req = cpu_per("wrk", 3, 10000)
    relay_req["direct"] = None
    add("… proxy CPU per 10,000 requests (CPU-ms; gateway JVM vs nginx master + workers)", relay_req)
    node_req = cpu_per("wrk", 4, 10000)
    if node_req.get("gatehouse"):
        add("… node sshd CPU per 10,000 requests (CPU-ms; the tunnel's extra leg, Gatehouse default path only)",
            {"gatehouse": node_req.get("gatehouse"), "gatehouse_lan": node_req.get("gatehouse_lan")}, judge=())

    # ---- download ----
    dl = _tsv(os.path.join(R, "download.tsv"))
    mib = int(facts.get("dl_bytes", "0") or 0) // 1048576
    speed = {s: med([float(r[4]) / 1048576 for r in dl if r[0] == s]) for s in SYS}
    add(f"Download of {mib:,} MiB with curl (HTTP/1.1, chunked), MiB/s (median of runs)", speed, True, 0.8, "≥ 0.8×")
    relay_gib = cpu_per("download", 3, 2**30)
    relay_gib["direct"] = None
    add("… proxy CPU per GiB (CPU-ms/GiB)", relay_gib, digits=0)
    node_gib = cpu_per("download", 4, 2**30)
    if node_gib.get("gatehouse"):
        add("… node sshd CPU per GiB (CPU-ms/GiB; the tunnel's extra leg)",
            {"gatehouse": node_gib.get("gatehouse"), "gatehouse_lan": node_gib.get("gatehouse_lan")}, judge=())
    client_gib = cpu_per("download", 6, 2**30)
    add("… client CPU per GiB (curl's TLS; CPU-ms/GiB, for reference)", client_gib, digits=0, judge=())

    # ---- server-sent events ----
    sse = {s: [] for s in SYS}
    for path in glob.glob(os.path.join(R, "sse-*-*.txt")):
        s = os.path.basename(path)[4:].rsplit("-", 1)[0]
        if s in sse:
            with open(path) as f:
                sse[s].extend(int(x) / 1000 for x in f if x.strip())
    sse_med = {s: (statistics.median(v) if v else None) for s, v in sse.items()}
    sse_p99 = {s: _pct(v, 99) for s, v in sse.items()}
    n_ev = facts.get("sse_n", "?")
    add(f"Server-sent events ({n_ev} per stream, every {facts.get('sse_gap_ms', '?')} ms): delay origin → client, median (ms)",
        sse_med, digits=3, judge=())
    add("… delay p99 (ms)", sse_p99, digits=3, judge=())
    sse_rows = []
    base_med, base_p99 = sse_med.get("direct"), sse_p99.get("direct")
    for s in ("gatehouse", "gatehouse_lan", "nginx"):
        if sse_med.get(s) is None or base_med is None:
            continue
        added_med, added_p99 = sse_med[s] - base_med, sse_p99[s] - base_p99
        ok = added_med < 1.0
        verdict = ("**met**" if ok else "**missed**") if s.startswith("gatehouse") else ""
        sse_rows.append(f"| {dict(zip(SYS, HEAD))[s]} | {added_med:.3f} ms | {added_p99:.3f} ms | < 1 ms (median) | {verdict} |")

    # ---- WebSockets ----
    ws = _tsv(os.path.join(R, "ws.tsv"))
    ws_lines = []
    for r in ws:
        s, ok, failed, ms, rss0, rss = r[0], int(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5])
        rss_gc = int(r[6]) if r[6] else None
        heap = int(r[7]) if r[7] else None
        pss0, pss, procs = int(r[8]), int(r[9]), r[10]
        per = (rss - rss0) / ok if ok else None
        verdict = ""
        n_target = int(facts.get("ws_n", "0") or 0)
        if s == "gatehouse":
            good = rss < 256 * 1024 and ok == n_target and n_target >= 1000
            verdict = "**met**" if good else ("**missed**" if n_target >= 1000 else "n/a (quick: fewer than 1,000)")
        ws_lines.append(f"| {dict(zip(SYS, HEAD))[s]} ({procs} process{'es' if procs != '1' else ''}) | {ok} ({failed} failed) in {ms / 1000:.1f} s | "
                        f"{rss0 / 1024:.0f} → {rss / 1024:.0f} MiB | {'n/a' if rss_gc is None else f'{rss_gc / 1024:.0f} MiB'} | "
                        f"{'n/a' if heap is None else f'{heap / 1024:.0f} MiB'} | {pss0 / 1024:.0f} → {pss / 1024:.0f} MiB | "
                        f"{'n/a' if per is None else f'{per:.1f} KiB'} | {verdict} |")

    tls = {r[0]: r[1] for r in _tsv(os.path.join(R, "tls.tsv"))}
    keepalive = {r[0]: r[1] for r in _tsv(os.path.join(R, "keepalive.tsv"))}

    # ---- write ----
    L = ["## HTTPS: Gatehouse's app proxy vs nginx (issue 11)", ""]
    if machine_mode not in ("full", "web"):
        L += [f"**{machine_mode} mode: sizes are tiny and the machine is shared; these numbers show that the "
              "benchmark runs end to end, not how fast anything is.**", ""]
    L += ["Both proxies terminate TLS 1.3 on 127.0.0.1 and forward HTTP/1.1 to the same origin "
          "(`dev.gatehouse.bench.WebOrigin`, Netty, 2 event-loop threads, its own cgroup). "
          f"nginx ({facts.get('nginx', '?')}) runs {facts.get('nginx_workers', '?')} workers, one per core of this machine, "
          "the cores the gateway's event loops also use; `proxy_pass` with a keep-alive upstream pool, "
          "`proxy_buffering off`, WebSocket upgrade headers, access log off. "
          "Gatehouse runs with its shipped defaults and the audit trail on (every request is an `app.request` event); "
          f"its TLS: {facts.get('gw_tls') or '?'}. "
          "Its default path to an app is an SSH tunnel (`direct-tcpip`) through the node's sshd, an encrypted leg nginx "
          "does not pay (its CPU is shown as the node sshd's); the second Gatehouse column is an app whose `target` is "
          "an `http://` address on the machine's network, reached directly, which is what nginx does. "
          f"Systems measured in this run: {', '.join(ran) or 'none'}. "
          f"Rounds alternate between systems; `wrk` ran {facts.get('wrk_rounds', '?')} round(s), the download "
          f"{facts.get('dl_runs', '?')} run(s), SSE {facts.get('sse_rounds', '?')} round(s) per system.", ""]
    if tls:
        L += ["TLS 1.3 suites negotiated (`openssl s_client`): " + "; ".join(f"{s}: `{c}`" for s, c in tls.items()) + ".", ""]
    if keepalive:
        L += ["HTTP/1.1 keep-alive, three requests on one connection (connections curl opened per request; "
              "`1 0 0` = reused): " + "; ".join(f"{s}: `{v}`" for s, v in keepalive.items()) + "."
              + ("" if all(v == "1 0 0" for v in keepalive.values()) else
                 " **A system that closes kept-alive connections makes `wrk` reconnect and pay a TLS handshake "
                 "per request, so its requests/s and latency measure handshakes, not proxying.**"), ""]
    if "gatehouse" not in ran:
        L += ["**Gatehouse was not measured in this run**: its HTTPS listener or login flow did not work (see the "
              "run's log); the nginx and direct columns stand alone.", ""]
    L.append("| metric | " + " | ".join(HEAD) + " | ratio (tunnel ÷ nginx) | ratio (direct target ÷ nginx) | target | met? (tunnel / direct target) |")
    L.append("|---|" + "---|" * (len(HEAD) + 4))
    for r in rows:
        while len(r) < 1 + len(SYS) + 4:
            r.insert(-2, "")
        L.append("| " + " | ".join(r) + " |")
    L.append("")
    if sse_rows:
        L += ["**Added latency per server-sent event** (proxy's delay − direct delay, same run; the origin stamps each "
              "event with its wall clock in µs and `SseProbe` subtracts that from its own clock on arrival):", "",
              "| system | added, median | added, p99 | target | met? |", "|---|---|---|---|---|"] + sse_rows + [""]
    if ws_lines:
        L += [f"**{facts.get('ws_n', '?')} open WebSockets** (`WsHold`: each socket's handshake answered 101 and one "
              "message came back echoed; held while memory is read; the gateway measured first on a fresh JVM after "
              "`GC.run`). RSS is VmRSS, summed over nginx's master and workers; PSS shares nginx's common pages fairly.", "",
              "| system | open | RSS before → with sockets | RSS after `GC.run` | heap used after GC | PSS before → with | per socket (RSS) | < 256 MiB RSS? |",
              "|---|---|---|---|---|---|---|---|"] + ws_lines + [""]
    return L
