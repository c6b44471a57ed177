# free_port: prints a port of 127.0.0.1 that nothing listens on, for a local server to bind a
# moment later. Chosen at random *below* the kernel's ephemeral range (ip_local_port_range), so
# that no client socket or port-0 listener (another server's JVM, a dbt connection) is handed it
# by the kernel in the seconds before our server binds it; sourced by pg_local.sh and
# spark_server.sh.
free_port() {
    "${PYTHON:-python3}" - <<'PY'
import random, socket
try:
    low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except OSError:
    low = 32768
for _ in range(200):
    port = random.randrange(10000, max(low, 10001))
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
    print(port)
    break
else:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])
PY
}
