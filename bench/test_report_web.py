"""Tests for report_web.py (the HTTPS section of REPORT.md): run with `cd bench && python3 -m unittest test_report_web`."""
import os
import tempfile
import unittest

import report_web

WRK = """Running 10s test @ https://origin--gpu-node-1.apps.localhost:8443/1k
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.10ms    2.00ms  40.00ms   90.00%
    Req/Sec     8.00k   500.00    9.00k    70.00%
  Latency Distribution
     50%  {p50}
     75%    4.50ms
     90%    6.00ms
     99%   {p99}
  {n} requests in 10.00s, 20.00MB read
Requests/sec:  {rps}
Transfer/sec:      2.00MB
"""


def workspace(d, gw_rps, gw_p99, gw_sse_ms, gw_ws_rss_mib, ws_n=1000):
    r = os.path.join(d, "res", "web")
    os.makedirs(r)
    with open(os.path.join(r, "facts.txt"), "w") as f:
        f.write(f"systems=nginx direct gatehouse\nws_n={ws_n}\ndl_bytes=1073741824\nwrk_duration=10s\n")
    for s, rps, p99 in (("gatehouse", gw_rps, gw_p99), ("nginx", "10000.00", "2.00ms"), ("direct", "20000.00", "1.00ms")):
        with open(os.path.join(r, f"wrk-{s}-1.txt"), "w") as f:
            f.write(WRK.format(p50="635.00us", p99=p99, n=100000, rps=rps))
    for s, ms in (("gatehouse", gw_sse_ms), ("nginx", 0.3), ("direct", 0.0)):
        with open(os.path.join(r, f"sse-{s}-1.txt"), "w") as f:
            f.write("".join(f"{int(1000 + ms * 1000)}\n" for _ in range(100)))
    with open(os.path.join(r, "ws.tsv"), "w") as f:
        f.write(f"gatehouse\t{ws_n}\t0\t5000\t{100 * 1024}\t{gw_ws_rss_mib * 1024}\t\t\t{90 * 1024}\t{gw_ws_rss_mib * 1024}\t1\n")
    with open(os.path.join(r, "download.tsv"), "w") as f:
        f.write("gatehouse\t1\t1073741824\t4.0\t268435456\nnginx\t1\t1073741824\t2.0\t536870912\n")


def row(lines, start):
    return next(line for line in lines if line.startswith("| " + start))


class ReportWebTest(unittest.TestCase):
    def test_wrk_latency_units_are_read_in_milliseconds(self):
        import tempfile as t
        with t.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write(WRK.format(p50="635.00us", p99="1.50s", n=12345, rps="8123.45"))
        try:
            rps, p50, p99, n = report_web.parse_wrk(f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual((rps, n), (8123.45, 12345))
        self.assertAlmostEqual(p50, 0.635)
        self.assertAlmostEqual(p99, 1500.0)

    def test_verdicts_follow_the_budgets(self):
        # 0.9x requests/s meets >= 0.8x; p99 2.5x misses <= 1.5x; half the throughput misses >= 0.8x;
        # 0.5 ms added per event meets < 1 ms; 300 MiB with 1,000 sockets misses < 256 MiB
        with tempfile.TemporaryDirectory() as d:
            workspace(d, "9000.00", "5.00ms", 0.5, 300)
            lines = report_web.section(d, "full")
        self.assertIn("0.90×", row(lines, "`wrk"))
        self.assertIn("**met**", row(lines, "`wrk"))
        self.assertIn("**missed**", row(lines, "… latency p99"))
        self.assertIn("**missed**", row(lines, "Download"))
        self.assertIn("0.500 ms", row(lines, "Gatehouse (SSH tunnel"))
        self.assertIn("**met**", row(lines, "Gatehouse (SSH tunnel"))
        self.assertIn("**missed**", row(lines, "Gatehouse (SSH tunnel, default) (1 process)"))

    def test_a_quick_run_never_claims_the_websocket_budget(self):
        with tempfile.TemporaryDirectory() as d:
            workspace(d, "9000.00", "2.00ms", 2.0, 100, ws_n=100)
            lines = report_web.section(d, "quick")
        self.assertIn("n/a (quick", row(lines, "Gatehouse (SSH tunnel, default) (1 process)"))
        self.assertIn("**missed**", row(lines, "Gatehouse (SSH tunnel, default) |"))  # 2 ms added per event
        self.assertTrue(any("quick mode" in line for line in lines))

    def test_no_web_results_no_section(self):
        with tempfile.TemporaryDirectory() as d:
            self.assertEqual(report_web.section(d, "full"), [])


if __name__ == "__main__":
    unittest.main()
