# shellcheck shell=bash
# The HTTPS phase of bench/run (issue 11): Gatehouse's app proxy vs nginx as a TLS reverse proxy,
# side by side, to one origin (dev.gatehouse.bench.WebOrigin on 127.0.0.1). Sourced by bench/run
# after the gateway and the node's sshd are up; uses its helpers (log, die, cg_join, cpu_ms, cli,
# start_gateway, ...) and writes raw results under $W/res/web/, which bench/report.py reads.
#
# Systems (rotated round by round, like the SSH phases):
#   nginx          nginx-light from Debian, TLS 1.3, proxy_pass to the origin with keep-alive upstream
#   gatehouse      the app `origin` (target http://127.0.0.1:ORIGIN): an SSH tunnel (direct-tcpip)
#                  through the node's sshd, the default path; one more encrypted leg than nginx
#   gatehouse_lan  the app `origin-lan` (target http://LAN_IP:ORIGIN): direct over the network,
#                  when the machine has a non-loopback IPv4 address
#   direct         the origin itself, plain http (reference for latency; not a proxy)
#
# Measures: wrk -t2 -c64 --latency on /1k (requests/s, p50, p99); a curl download of /bytes
# (throughput, CPU of each system's cgroup); per-event delay of server-sent events (SseProbe;
# added latency = proxy − direct); RSS with WS_N open WebSockets (WsHold).

web_phase() {
  local WR=$W/res/web
  mkdir -p "$WR" "$W/web" "$W/nginx/tmp" "$W/nginx/logs"
  chmod 0777 "$W/nginx/tmp"
  cg_join client $$
  if [ "$QUICK" -eq 1 ]; then
    WRK_D=3s; WRK_WARM=5s; WRK_ROUNDS=1; DL_BYTES=$((64 * 1048576)); DL_RUNS=1; SSE_N=50; SSE_GAP=10; SSE_ROUNDS=1; WS_N=100
  else
    WRK_D=10s; WRK_WARM=5s; WRK_ROUNDS=3; DL_BYTES=$((1024 * 1048576)); DL_RUNS=3; SSE_N=500; SSE_GAP=10; SSE_ROUNDS=2; WS_N=1000
  fi
  {
    echo "wrk_duration=$WRK_D"; echo "wrk_rounds=$WRK_ROUNDS"; echo "dl_bytes=$DL_BYTES"; echo "dl_runs=$DL_RUNS"
    echo "sse_n=$SSE_N"; echo "sse_gap_ms=$SSE_GAP"; echo "sse_rounds=$SSE_ROUNDS"; echo "ws_n=$WS_N"
    echo "nginx_workers=$NGINX_WORKERS"; echo "nginx=$(nginx -v 2>&1 | sed 's/^nginx version: //')"
    echo "wrk=$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"; echo "curl=$(curl --version | head -1 | cut -d' ' -f1-2)"
    echo "lan_ip=${LAN_IP:-none}"
    # the gateway logs its TLS implementation once at start (web.tls_provider)
    echo "gw_tls=$(grep -ho 'HTTPS TLS: .*' "$W"/gw/gateway-*.log 2>/dev/null | tail -1 | sed 's/^HTTPS TLS: //')"
  } > "$WR/facts.txt"

  # ---- the origin (started before the gateway: the policy names its port) ----
  [ -n "$ORIGIN_PID" ] && kill -0 "$ORIGIN_PID" 2>/dev/null || die "the web origin is not running: $(tail -5 "$W/web/origin.log")"

  # ---- nginx: TLS 1.3 with a throwaway ECDSA P-256 certificate (like the gateway's), workers = cores ----
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost -keyout "$W/nginx/key.pem" -out "$W/nginx/cert.pem" 2>/dev/null \
    || die "openssl could not make nginx's certificate"
  NGINX_PORT=$(free_port)
  cat > "$W/nginx/nginx.conf" <<EOF
# written by bench/run --web: nginx as a TLS reverse proxy to the same origin as Gatehouse
daemon off;
master_process on;
user nobody nogroup;
worker_processes $NGINX_WORKERS;
worker_rlimit_nofile 16384;
pid $W/nginx/nginx.pid;
error_log $W/nginx/logs/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $W/nginx/tmp/body;
  proxy_temp_path $W/nginx/tmp/proxy;
  fastcgi_temp_path $W/nginx/tmp/fastcgi;
  uwsgi_temp_path $W/nginx/tmp/uwsgi;
  scgi_temp_path $W/nginx/tmp/scgi;
  keepalive_requests 1000000;
  upstream origin {
    server 127.0.0.1:$ORIGIN_PORT;
    keepalive 128;
  }
  map \$http_upgrade \$connection_upgrade { default upgrade; '' ''; }
  server {
    listen 127.0.0.1:$NGINX_PORT ssl;
    server_name localhost;
    ssl_certificate $W/nginx/cert.pem;
    ssl_certificate_key $W/nginx/key.pem;
    ssl_protocols TLSv1.3;
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Host \$host;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      # unbuffered (server-sent events must pass at once); nginx then relays through one buffer of
      # proxy_buffer_size per request, 4 KiB by default: 64 KiB, as the origin's and the gateway's
      # chunks, so that the 1 GiB download is not held back by 4 KiB reads (measured: 52 vs ~300 MiB/s)
      proxy_buffering off;
      proxy_buffer_size 64k;
      proxy_buffers 4 64k;  # unused unbuffered; nginx checks busy buffers (2 x 64k) against them
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
    }
  }
}
EOF
  nginx -t -c "$W/nginx/nginx.conf" -p "$W/nginx/" -e "$W/nginx/logs/error.log" >"$W/nginx/t.log" 2>&1 \
    || die "nginx -t rejected $W/nginx/nginx.conf: $(cat "$W/nginx/t.log")"
  # join the cgroup before exec, so that the workers nginx forks at once are counted with it
  ( cg_join nginx "$BASHPID"; exec nginx -c "$W/nginx/nginx.conf" -p "$W/nginx/" -e "$W/nginx/logs/error.log" ) \
    </dev/null >"$W/nginx/out.log" 2>&1 &
  NGINX_PID=$!
  PIDS+=("$NGINX_PID")
  wait_port "$NGINX_PORT" 15 || die "nginx did not listen on $NGINX_PORT: $(tail -5 "$W/nginx/logs/error.log")"
  log "web: origin on 127.0.0.1:$ORIGIN_PORT, nginx on 127.0.0.1:$NGINX_PORT ($NGINX_WORKERS workers)"

  # wrk resolves the URL's host with the C library, which does not know *.localhost: dial 127.0.0.1,
  # keep the name for SNI and Host (as curl and browsers do for *.localhost)
  cat > "$W/web/resolve.lua" <<'EOF'
wrk.resolve = function(host, service)
  wrk.addrs = wrk.lookup("127.0.0.1", service)
end
EOF

  # ---- how each system is reached: base URL, CA to trust, cookie ----
  declare -gA WEB_URL WEB_CA WEB_COOKIE
  WEB_URL[direct]=http://127.0.0.1:$ORIGIN_PORT; WEB_CA[direct]=""; WEB_COOKIE[direct]=""
  WEB_URL[nginx]=https://localhost:$NGINX_PORT; WEB_CA[nginx]=$W/nginx/cert.pem; WEB_COOKIE[nginx]=""
  WEB_SYSTEMS=(nginx direct)
  if [ -n "$WEB_PORT" ]; then
    cli ca show tls > "$W/web/gw-ca.pem" || die "gatehouse ca show tls failed"
    local app
    for app in origin origin-lan; do
      local s=gatehouse; [ "$app" = origin-lan ] && s=gatehouse_lan
      [ "$app" = origin-lan ] && [ -z "$LAN_IP" ] && continue
      if web_login "$app" "$s"; then
        WEB_SYSTEMS+=("$s")
      elif [ "$s" = gatehouse ]; then
        log "web: the Gatehouse half could not log in (above); measuring nginx and direct only"
      fi
    done
  else
    log "web: the gateway has no HTTPS listener (no 'gatehouse: web listening on' line); measuring nginx and direct only"
  fi
  echo "systems=${WEB_SYSTEMS[*]}" >> "$WR/facts.txt"

  # ---- sanity: every system serves /1k (1,024 bytes) and /bytes; record the TLS 1.3 suite ----
  local s
  for s in "${WEB_SYSTEMS[@]}"; do
    local got
    got=$(web_curl "$s" -o /dev/null -w '%{http_code} %{size_download}' "${WEB_URL[$s]}/1k") || die "web $s: curl failed"
    [ "$got" = "200 1024" ] || die "web $s: /1k answered '$got', not '200 1024'"
    # keep-alive (RFC 9112 section 9.3): three requests over one HTTP/1.1 connection; curl prints the
    # connections each transfer opened (-w applies to every transfer), "1 0 0" when the first was reused
    got=$(web_curl "$s" --http1.1 -w '%{num_connects} ' -o /dev/null "${WEB_URL[$s]}/1k" \
      -o /dev/null "${WEB_URL[$s]}/1k" -o /dev/null "${WEB_URL[$s]}/1k") || die "web $s: curl failed"
    got=${got% }
    printf '%s\t%s\n' "$s" "$got" >> "$WR/keepalive.tsv"
    [ "$got" = "1 0 0" ] || log "web $s: HTTP/1.1 keep-alive broken: three requests opened '$got' connections (expected '1 0 0')"
    if [ -n "${WEB_CA[$s]}" ]; then
      local host=${WEB_URL[$s]#https://}; host=${host%:*}; local port=${WEB_URL[$s]##*:}
      local suite
      suite=$(openssl s_client -connect "127.0.0.1:$port" -servername "$host" -tls1_3 </dev/null 2>/dev/null \
        | sed -n 's/^New, TLSv1.3, Cipher is \(.*\)/\1/p' | head -1)
      printf '%s\t%s\n' "$s" "${suite:-?}" >> "$WR/tls.tsv"
    fi
  done
  log "web: systems ${WEB_SYSTEMS[*]} serve /1k; TLS: $(tr '\t\n' ' ;' < "$WR/tls.tsv" 2>/dev/null)"

  # ---- 1,000 WebSockets first, on the fresh gateway: RSS before, open, after, after GC ----
  log "web: $WS_N open WebSockets through each proxy (memory)"
  : > "$WR/ws.tsv"   # system  open  failed  millis  rss0-kib  rss-kib  rss-gc-kib  heap-kib  pss0-kib  pss-kib  procs
  for s in "${WEB_SYSTEMS[@]}"; do
    [ "$s" = direct ] || [ "$s" = gatehouse_lan ] && continue
    web_ws_one "$s"
  done

  # ---- wrk: requests/s and latency on /1k ----
  log "web: wrk -t2 -c64 -d$WRK_D --latency on /1k, $WRK_ROUNDS rounds"
  : > "$WR/closes.tsv"   # system  round  connections the server closed during the run
  : > "$WR/cpu.tsv"   # phase  system  run  relay-ms  node-ms  origin-ms  client-ms  units (requests or bytes)
  # warm-up, unmeasured: JIT for the gateway, connection pools for everyone
  # (a cold gateway JVM needs seconds: its first TLS handshakes and requests run interpreted)
  for s in "${WEB_SYSTEMS[@]}"; do web_wrk "$s" "$WRK_WARM" "$W/web/warm-$s.txt" warm; done
  local r
  for r in $(seq 1 "$WRK_ROUNDS"); do
    for s in $(web_rotate "$r"); do
      local c0 c1 tw0 tw1
      c0=$(web_cpu "$s"); tw0=$(web_server_closes "$s")
      web_wrk "$s" "$WRK_D" "$WR/wrk-$s-$r.txt"
      c1=$(web_cpu "$s"); tw1=$(web_server_closes "$s")
      printf '%s\t%s\t%s\n' "$s" "$r" $((tw1 - tw0)) >> "$WR/closes.tsv"
      local reqs
      reqs=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$WR/wrk-$s-$r.txt")
      web_cpu_row wrk "$s" "$r" "$c0" "$c1" "${reqs:-0}"
      log "   $s round $r: $(grep -E 'Requests/sec' "$WR/wrk-$s-$r.txt" | tr -s ' ')"
    done
  done

  # one more Gatehouse wrk run under JFR (full run only; not counted): where the gateway's CPU goes
  if [ "$JFR" -eq 1 ] && [ -n "${WEB_COOKIE[gatehouse]:-}" ]; then
    jcmd "$GW_PID" JFR.start name=web settings=profile filename="$WR/wrk-gatehouse.jfr" >/dev/null
    web_wrk gatehouse "$WRK_D" "$W/web/wrk-jfr.txt" warm
    jcmd "$GW_PID" JFR.stop name=web >/dev/null
  fi

  # ---- bulk download through each system (HTTP/1.1, like wrk) ----
  log "web: download of $((DL_BYTES / 1048576)) MiB, $DL_RUNS runs per system"
  : > "$WR/download.tsv"   # system  run  bytes  seconds  speed-bytes/s
  for r in $(seq 1 "$DL_RUNS"); do
    for s in $(web_rotate "$r"); do
      local c0 c1 out size speed secs
      c0=$(web_cpu "$s")
      out=$(web_curl "$s" --http1.1 -o /dev/null -w '%{http_code} %{size_download} %{speed_download} %{time_total}' \
        "${WEB_URL[$s]}/bytes?n=$DL_BYTES") || die "web $s: download failed"
      c1=$(web_cpu "$s")
      read -r code size speed secs <<< "$out"
      [ "$code" = 200 ] && [ "$size" = "$DL_BYTES" ] || die "web $s: download answered $code with $size of $DL_BYTES bytes"
      printf '%s\t%s\t%s\t%s\t%s\n' "$s" "$r" "$size" "$secs" "$speed" >> "$WR/download.tsv"
      web_cpu_row download "$s" "$r" "$c0" "$c1" "$size"
      log "   $s run $r: $(python3 -c "print(f'{$speed / 1048576:.0f} MiB/s')")"
    done
  done

  # ---- server-sent events: per-event delay, direct and through each proxy ----
  log "web: $SSE_N server-sent events every $SSE_GAP ms, $SSE_ROUNDS rounds per system"
  for r in $(seq 1 "$SSE_ROUNDS"); do
    for s in $(web_rotate "$r"); do
      local args=("${WEB_URL[$s]}/sse?n=$SSE_N&gap_ms=$SSE_GAP" "$WR/sse-$s-$r.txt")
      [ -n "${WEB_CA[$s]}" ] && args+=(--ca "${WEB_CA[$s]}")
      [ -n "${WEB_COOKIE[$s]}" ] && args+=(--cookie "${WEB_COOKIE[$s]}")
      local summary
      summary=$(java -XX:+UseSerialGC -Xmx128m -cp "$BENCH_JAR" dev.gatehouse.bench.SseProbe "${args[@]}" 2>"$W/web/sse-$s-$r.err") \
        || die "web $s: SSE probe failed: $(tail -3 "$W/web/sse-$s-$r.err")"
      log "   $s round $r: $summary"
    done
  done
}

# web_login APP SYSTEM: ssh web-login -> the one-time URL -> console cookie -> launch hand-over to the
# app host -> the app cookie, kept in WEB_COOKIE[SYSTEM]. Returns 1 (after logging why) when a step fails.
web_login() {
  local app=$1 s=$2 host="$1--gpu-node-1.apps.localhost" jar="$W/web/jar-$2.txt" url out code
  out=$(ssh -F "$CFG_default" -l alice gatehouse web-login 2>"$W/web/login-$s.err") \
    || { log "web: ssh web-login failed: $(tail -3 "$W/web/login-$s.err")"; return 1; }
  url=$(printf '%s\n' "$out" | grep -o 'https://[^ ]*' | tail -1)
  [ -n "$url" ] || { log "web: web-login printed no URL: $out"; return 1; }
  rm -f "$jar"
  code=$(curl -sS --cacert "$W/web/gw-ca.pem" -c "$jar" -b "$jar" -o /dev/null -w '%{http_code}' "$url" 2>>"$W/web/login-$s.err") \
    || { log "web: the login URL failed: $(tail -3 "$W/web/login-$s.err")"; return 1; }
  # the app host without an app cookie redirects to the console's /launch, which hands over to the
  # app host's /.gatehouse/launch, which sets the app cookie and redirects to the path
  code=$(curl -sS -L --max-redirs 5 --cacert "$W/web/gw-ca.pem" -c "$jar" -b "$jar" -o "$W/web/login-$s.body" \
    -w '%{http_code} %{num_redirects}' "https://$host:$WEB_PORT/1k" 2>>"$W/web/login-$s.err") \
    || { log "web: the launch flow for $app failed: $(tail -3 "$W/web/login-$s.err")"; return 1; }
  local cookie
  cookie=$(awk -v h="$host" -F'\t' '($1 == h || $1 == "#HttpOnly_" h) && $6 == "__Host-gatehouse-app" { print $7 }' "$jar" | tail -1)
  if [ -z "$cookie" ] || [ "${code%% *}" != 200 ]; then
    log "web: no app cookie for $host (last answer $code): $(head -c 300 "$W/web/login-$s.body" 2>/dev/null)"
    return 1
  fi
  WEB_URL[$s]=https://$host:$WEB_PORT; WEB_CA[$s]=$W/web/gw-ca.pem; WEB_COOKIE[$s]="__Host-gatehouse-app=$cookie"
  log "web: logged in to $app through the launch flow ($code redirects)"
}

web_rotate() { # round -> the web systems in rotated order
  local r=$1 n=${#WEB_SYSTEMS[@]} i
  for i in $(seq 0 $((n - 1))); do echo "${WEB_SYSTEMS[$(( (i + r) % n ))]}"; done
}

web_curl() { # system curl-args...
  local s=$1; shift
  local a=(-sS --max-time 600)
  [ -n "${WEB_CA[$s]}" ] && a+=(--cacert "${WEB_CA[$s]}")
  [ -n "${WEB_COOKIE[$s]}" ] && a+=(-H "Cookie: ${WEB_COOKIE[$s]}")
  curl "${a[@]}" "$@"
}

web_wrk() { # system duration out [warm]: one wrk run; a warm-up run is not checked
  local s=$1 a=(-t2 -c64 -d"$2" --latency --timeout 10s -s "$W/web/resolve.lua")
  [ -n "${WEB_COOKIE[$s]}" ] && a+=(-H "Cookie: ${WEB_COOKIE[$s]}")
  wrk "${a[@]}" "${WEB_URL[$s]}/1k" > "$3" 2>&1 || die "web $s: wrk failed: $(tail -5 "$3")"
  [ "${4:-}" = warm ] && return 0
  # a run whose answers were not all 200 measured something else (a login page, an error); wrk
  # counts only 4xx/5xx as errors, so a redirect to the login shows as fewer bytes than 1 KiB per answer
  python3 - "$3" <<'PY' || die "web $s: wrk's answers were not the 1 KiB page: $(grep -E 'requests in' "$3")"
import re, sys
m = re.search(r"(\d+) requests in [^,]+, ([0-9.]+)([KMGT]?B) read", open(sys.argv[1]).read())
n, size = int(m.group(1)), float(m.group(2)) * 1024 ** "BKMGT".index(m.group(3)[0])
sys.exit(0 if n == 0 or size / n >= 1024 else 1)  # none answered in time: a result (0/s), reported
PY
  if grep -qE 'Non-2xx or 3xx responses|Socket errors' "$3"; then
    grep -q 'Non-2xx' "$3" && die "web $s: wrk saw non-2xx answers: $(grep -E 'Non-2xx|Socket errors' "$3")"
    log "   $s: $(grep 'Socket errors' "$3" | tr -s ' ')"
  fi
}

# CPU milliseconds so far of the relay (nginx or the gateway JVM), the node's sshd, the origin and
# the client side (this script, wrk, curl), each its cgroup (or /proc tree): "relay node origin client"
web_cpu() {
  local rg rp
  case "$1" in
    nginx) rg=nginx; rp=$NGINX_PID ;;
    gatehouse|gatehouse_lan) rg=gw; rp=$GW_PID ;;
    *) rg=""; rp="" ;;
  esac
  echo "$([ -n "$rg" ] && cpu_ms "$rg" "$rp" || echo 0) $(cpu_ms node "$NODE_PID") $(cpu_ms origin "$ORIGIN_PID") $(cpu_ms client $$)"
}
web_cpu_row() { # phase system run "before" "after" units
  local a b
  read -ra a <<< "$4"; read -ra b <<< "$5"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" $((b[0] - a[0])) $((b[1] - a[1])) $((b[2] - a[2])) $((b[3] - a[3])) "$6" \
    >> "$W/res/web/cpu.tsv"
}

# Connections the server side closed first and that are still in TIME-WAIT (60 s on Linux): the
# closer keeps TIME-WAIT, so during a keep-alive wrk run this counts the proxy's own closes
web_server_closes() {
  local port=${WEB_URL[$1]##*:}
  ss -Htan state time-wait "( sport = :$port )" 2>/dev/null | wc -l
}

web_rss_kib() { # pids... -> sum of VmRSS
  local t=0 p v
  for p in "$@"; do v=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || true); t=$((t + ${v:-0})); done
  echo "$t"
}
web_pss_kib() {
  local t=0 p v
  for p in "$@"; do v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || true); t=$((t + ${v:-0})); done
  echo "$t"
}

web_ws_one() { # system: hold WS_N WebSockets through it, memory before and after
  local s=$1 dir="$W/web/ws-$1" pids rss0 pss0 rss pss rss_gc="" heap="" 
  mkdir -p "$dir"
  if [ "$s" = nginx ]; then mapfile -t pids < <(descendants "$NGINX_PID"); else pids=("$GW_PID"); fi
  [ "$s" = nginx ] || { jcmd "$GW_PID" GC.run >/dev/null 2>&1 || true; sleep 1; }
  rss0=$(web_rss_kib "${pids[@]}"); pss0=$(web_pss_kib "${pids[@]}")
  local args=("${WEB_URL[$s]/https:/wss:}/ws" "$WS_N" 32 "$dir")
  [ -n "${WEB_CA[$s]}" ] && args+=(--ca "${WEB_CA[$s]}")
  [ -n "${WEB_COOKIE[$s]}" ] && args+=(--cookie "${WEB_COOKIE[$s]}")
  java -XX:+UseSerialGC -Xmx512m -cp "$BENCH_JAR" dev.gatehouse.bench.WsHold "${args[@]}" >"$dir/out.log" 2>&1 &
  local hold=$!
  PIDS+=("$hold")
  local i
  for i in $(seq 1 3000); do
    [ -f "$dir/open.json" ] && break
    kill -0 "$hold" 2>/dev/null || die "web $s: WsHold died: $(tail -5 "$dir/out.log")"
    sleep 0.2
  done
  [ -f "$dir/open.json" ] || die "web $s: WsHold opened nothing in 10 minutes"
  sleep 3
  if [ "$s" = nginx ]; then mapfile -t pids < <(descendants "$NGINX_PID"); fi
  rss=$(web_rss_kib "${pids[@]}"); pss=$(web_pss_kib "${pids[@]}")
  if [ "$s" != nginx ]; then
    jcmd "$GW_PID" GC.run >/dev/null 2>&1 || true; sleep 2
    rss_gc=$(web_rss_kib "$GW_PID")
    heap=$(jcmd "$GW_PID" GC.heap_info 2>/dev/null | sed -n 's/.*total [0-9]*K, used \([0-9]*\)K.*/\1/p' | head -1)
  fi
  local got
  got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["open"], d["failed"], d["millis"], d["error"] or "-")' "$dir/open.json")
  read -r ok failed ms err <<< "$got"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$ok" "$failed" "$ms" "$rss0" "$rss" "${rss_gc:-}" "${heap:-}" \
    "$pss0" "$pss" "${#pids[@]}" >> "$W/res/web/ws.tsv"
  [ "$err" = - ] && err=""
  log "   $s: $ok open ($failed failed${err:+, first: $err}) in $ms ms; RSS $((rss0 / 1024)) -> $((rss / 1024)) MiB${rss_gc:+, after GC $((rss_gc / 1024)) MiB}"
  touch "$dir/continue"
  for i in $(seq 1 300); do kill -0 "$hold" 2>/dev/null || break; sleep 0.2; done
  kill "$hold" 2>/dev/null || true
}
