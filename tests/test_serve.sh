#!/bin/sh
# sbr serve end to end on loopback: every endpoint with curl, bad inputs, replay --verify against
# sbr eval --recs (0 differences), two servers sharing sessions through a real redis-server,
# SIGHUP reload, SIGTERM exit 0. Everything started here is stopped by the trap.
# Usage: test_serve.sh SBR FIXTURES
set -u
SBR=$1
FIX=$2
dir=$(mktemp -d)
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM
. "$(dirname "$0")/checks.sh"
has() { grep -q -- "$2" "$1"; }
C="curl -s -m 5"

# wait_port FILE: the port a server wrote once ready (up to 10 s)
wait_port() {
    i=0
    while [ ! -s "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    cat "$1"
}

train=$FIX/sessions-small.tsv
"$SBR" fit --train "$train" --algo sr --save "$dir/m.sbrm" >/dev/null || exit 1
echo "secret-token-1" >"$dir/tok"
printf '11\n12\n13\n' >"$dir/allow"
printf '10\tshoes\n11\tshoes\n12\tshoes\n13\thats\n' >"$dir/cats"

"$SBR" serve --model "$dir/m.sbrm" --listen 127.0.0.1:0 --port-file "$dir/p1" \
    --admin-token-file "$dir/tok" --allow "$dir/allow" --categories "$dir/cats" \
    --max-body 1024 --timeout 2 2>"$dir/s1.log" &
s1=$!
pids="$pids $s1"
P=$(wait_port "$dir/p1")
U=http://127.0.0.1:$P
$C $U/healthz >"$dir/o" && check "healthz answers ok" has "$dir/o" '"status":"ok"'
$C -d '{"session": 1, "item": 10, "time": 1}' $U/v1/events >"$dir/o"
check "events answers items" has "$dir/o" '"items":\[11'
$C -d '{"session": 1, "item": 777777}' $U/v1/events >"$dir/o"
check "unknown item ignored" has "$dir/o" '"unknown_item":true'
$C -d '{"session": 1, "per_category": 1}' $U/v1/recommend >"$dir/o"
check "per-category cap" sh -c "! grep -q '\"items\":\[11,12' $dir/o"
$C -d '{"items": [10], "available": false}' $U/v1/recommend >"$dir/o"
check "stateless recommend" has "$dir/o" '"items":\['
$C $U/v1/model >"$dir/o"
check "model endpoint" has "$dir/o" '"algorithm":"sr"'
code=$($C -o "$dir/o" -w '%{http_code}' -d '{"session": 1, "item":' $U/v1/events)
check "malformed JSON -> 400 with reason" [ "$code" = 400 ]
check "  reason given" has "$dir/o" 'malformed JSON'
head -c 5000 /dev/zero | tr '\0' ' ' >"$dir/big"
code=$($C -o "$dir/o" -w '%{http_code}' --data-binary @"$dir/big" $U/v1/events)
check "body over limit -> 413" [ "$code" = 413 ]
code=$($C -o /dev/null -w '%{http_code}' -XPOST $U/admin/reload)
check "reload without token -> 401" [ "$code" = 401 ]
code=$($C -o /dev/null -w '%{http_code}' -XPOST -H "Authorization: Bearer secret-token-1" \
    $U/admin/reload)
check "reload with token -> 200" [ "$code" = 200 ]
kill -HUP $s1
sleep 0.5
$C $U/healthz >"$dir/o"
check "SIGHUP reloads (version 3)" has "$dir/o" '"version":3'
# a slow client: opens a request and never finishes it; the server must stay up
(printf 'POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{' |
    timeout 4 curl -s -m 4 telnet://127.0.0.1:$P >/dev/null 2>&1) &
sleep 3
$C $U/metrics >"$dir/o"
check "metrics in Prometheus text" has "$dir/o" 'sbr_request_duration_seconds_bucket{le="+Inf"}'
check "  errors by kind" has "$dir/o" 'sbr_errors_total{kind="too_large"} 1'
check "  slow client timed out" has "$dir/o" 'sbr_errors_total{kind="timeout"} 1'
kill -TERM $s1
wait $s1
check "SIGTERM exits 0" [ $? = 0 ]

# replay --verify against sbr eval --recs on the same model
"$SBR" eval --model "$dir/m.sbrm" --test "$train" --recs "$dir/recs.csv" --no-latency >/dev/null
"$SBR" serve --model "$dir/m.sbrm" --listen 127.0.0.1:0 --port-file "$dir/p2" 2>"$dir/s2.log" &
s2=$!
pids="$pids $s2"
P=$(wait_port "$dir/p2")
timeout 30 "$SBR" replay --url http://127.0.0.1:$P --events "$train" --max --concurrency 2 \
    --verify "$dir/recs.csv" >"$dir/o" 2>&1
check "replay --verify: 0 differences" has "$dir/o" ' 0 differences'
timeout 30 "$SBR" replay --offline --model "$dir/m.sbrm" --events "$train" \
    --verify "$dir/recs.csv" >"$dir/o" 2>&1
check "replay --offline --verify: 0 differences" has "$dir/o" ' 0 differences'
kill -TERM $s2
wait $s2

# two servers sharing sessions through a real redis-server on a free loopback port
if command -v redis-server >/dev/null 2>&1; then
    rport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 16379)
    redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
        --daemonize no >"$dir/redis.log" 2>&1 &
    rp=$!
    pids="$pids $rp"
    i=0
    until redis-cli -p "$rport" ping >/dev/null 2>&1 || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
    for k in a b; do
        "$SBR" serve --model "$dir/m.sbrm" --listen 127.0.0.1:0 --port-file "$dir/r$k" \
            --redis 127.0.0.1:$rport 2>"$dir/r$k.log" &
        pids="$pids $!"
        eval "pid_$k=$!"
    done
    PA=$(wait_port "$dir/ra")
    PB=$(wait_port "$dir/rb")
    $C -d '{"session": "shared", "item": 10}' http://127.0.0.1:$PA/v1/events >/dev/null
    $C -d '{"session": "shared", "item": 11}' http://127.0.0.1:$PB/v1/events >"$dir/o"
    check "redis: second server sees the first's click" has "$dir/o" '"length":2'
    $C -d '{"session": "shared"}' http://127.0.0.1:$PA/v1/recommend >"$dir/o"
    check "redis: first server sees the second's click" has "$dir/o" '"length":2'
    kill -TERM $pid_a $pid_b
    wait $pid_a
    ra=$?
    wait $pid_b
    rb=$?
    check "redis servers exit 0" [ "$ra$rb" = 00 ]
    kill $rp
    wait $rp 2>/dev/null
else
    echo "skip redis: redis-server not installed"
fi

[ $fails -eq 0 ] || { echo "$fails checks failed"; cat "$dir"/*.log; exit 1; }
echo "all serve checks passed"
