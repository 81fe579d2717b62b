#!/usr/bin/env bash
# Renders `storm ui`'s topology page in headless Chromium (Debian's package, installed when
# missing) against a real cluster running the acked word count (`ui_demo_cluster`: ZooKeeper,
# Nimbus, a supervisor and the UI as processes), checks that the spout, bolt and worker tables
# hold the component names and live numbers and that the topology picture is drawn, and saves a
# screenshot (UI_PAGE_SHOT, default target/ui-page.png). The cluster is torn down by closing
# the demo's standard input, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

shot="$(realpath -m "${UI_PAGE_SHOT:-target/ui-page.png}")"

if ! command -v chromium >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
./scripts/install-zookeeper.sh
cargo build -q -p storm-integration --bins

work="$(mktemp -d)"
demo_pid=""
holder_pid=""
cleanup() {
    # Closing the demo's standard input makes it tear its cluster down by process id.
    [ -n "$holder_pid" ] && kill "$holder_pid" 2>/dev/null || true
    if [ -n "$demo_pid" ]; then
        for _ in $(seq 100); do kill -0 "$demo_pid" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$demo_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

mkfifo "$work/stdin"
target/debug/ui_demo_cluster <"$work/stdin" >"$work/out" 2>"$work/err" &
demo_pid=$!
sleep infinity >"$work/stdin" &
holder_pid=$!

for _ in $(seq 240); do
    grep -q '^TOPOLOGY_ID=' "$work/out" && break
    kill -0 "$demo_pid" 2>/dev/null || { cat "$work/err" >&2; echo "ui_demo_cluster exited" >&2; exit 1; }
    sleep 0.5
done
url="$(sed -n 's/^UI_URL=//p' "$work/out")"
id="$(sed -n 's/^TOPOLOGY_ID=//p' "$work/out")"
[ -n "$id" ] || { cat "$work/err" >&2; echo "the cluster did not come up" >&2; exit 1; }
page="$url/topology.html?id=$id"
echo "page: $page"

render() {
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,1300 \
        --virtual-time-budget=8000 "$@" "$page" 2>/dev/null
}

# The workers publish their numbers every few seconds: re-render until the tables show them.
ok=""
for attempt in $(seq 20); do
    render --dump-dom >"$work/dom.html" || true
    if python3 - "$work/dom.html" <<'EOF'
import sys
from html.parser import HTMLParser

class Tables(HTMLParser):
    """Cells of every table by its id, and whether the topology picture was drawn."""
    def __init__(self):
        super().__init__()
        self.tables, self.table, self.row, self.cell, self.svg = {}, None, None, None, False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.table = self.tables.setdefault(a.get("id", ""), [])
        elif tag == "tr" and self.table is not None:
            self.row = []
            self.table.append(self.row)
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""
        elif tag == "svg" and a.get("id") == "topology-picture":
            self.svg = True
    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        elif tag == "table":
            self.table = None
    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data

p = Tables()
p.feed(open(sys.argv[1], encoding="utf-8").read())

def rows(table):
    t = p.tables.get(table) or []
    if not t:
        sys.exit(f"no table {table!r}")
    header, body = t[0], t[1:]
    return [dict(zip(header, r)) for r in body]

spouts = {r["Id"]: r for r in rows("spouts")}
bolts = {r["Id"]: r for r in rows("bolts")}
workers = rows("workers")
problems = []
if "sentences" not in spouts:
    problems.append(f"spouts table lacks 'sentences': {spouts}")
elif int(spouts["sentences"]["Emitted"]) <= 0 or int(spouts["sentences"]["Acked"]) <= 0:
    problems.append(f"no live numbers yet: {spouts['sentences']}")
for bolt in ("split", "count", "sink"):
    if bolt not in bolts:
        problems.append(f"bolts table lacks {bolt!r}: {list(bolts)}")
    elif int(bolts[bolt]["Executed"]) <= 0:
        problems.append(f"{bolt} executed nothing yet: {bolts[bolt]}")
    else:
        float(bolts[bolt]["Capacity (last 10m)"])
if not workers or "Restarts" not in workers[0] or not workers[0]["Port"].isdigit():
    problems.append(f"worker table: {workers}")
if not p.svg:
    problems.append("no topology picture")
if problems:
    sys.exit("; ".join(problems))
print(f"tables ok: sentences emitted {spouts['sentences']['Emitted']}, acked {spouts['sentences']['Acked']}; "
      f"split executed {bolts['split']['Executed']}; {len(workers)} worker(s)")
EOF
    then
        ok=1
        break
    fi
    sleep 2
done
[ -n "$ok" ] || { echo "the topology page never showed the tables with live numbers" >&2; exit 1; }

mkdir -p "$(dirname "$shot")"
render --screenshot="$shot"
[ -s "$shot" ] || { echo "no screenshot written" >&2; exit 1; }
echo "screenshot: $shot"
echo "ui page check: ok"
