#!/usr/bin/env bash
# Run every cargo-fuzz target in fuzz/ (libFuzzer) for SECONDS each, one after the other:
# `make test` runs it with 20 s per target, `make bench` with 300 s and --results.
#
#   scripts/fuzz.sh SECONDS [--results FILE] [TARGET...]
#
# Needs the nightly toolchain (rustup toolchain install nightly); installs cargo-fuzz with
# `cargo install cargo-fuzz --locked` if `cargo fuzz` is missing. The build goes to
# fuzz/target (incremental between runs). Each target starts from its committed seeds
# (fuzz/seeds/<target>, fake inputs only) and the corpus earlier runs grew (fuzz/corpus/<target>,
# gitignored); new inputs are added to the latter. A crash (a panic, an out-of-memory or a
# timeout) is written to fuzz/artifacts/<target>/ and fails the run after the other targets ran;
# reproduce it with `cargo +nightly fuzz run <target> <artifact>`.
# Prints one summary line per target (executions, exec/s, corpus, coverage, crashes);
# --results FILE writes them as the "Fuzzing" section of FILE (bench/RESULTS.md).
# Environment: FUZZ_RSS_LIMIT_MB (default 2048), FUZZ_TIMEOUT_SECS for one input (default 10),
# FUZZ_LOG_DIR (default fuzz/target/fuzz-logs) for the full libFuzzer output of each target.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FUZZ="$ROOT/fuzz"
usage() { echo "usage: scripts/fuzz.sh SECONDS [--results FILE] [TARGET...]" >&2; exit 2; }

[[ "${1:-}" =~ ^[0-9]+$ && "$1" -gt 0 ]] || usage
secs=$1
shift
results=""
targets=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --results) [[ $# -ge 2 ]] || usage; results=$2; shift 2 ;;
        -*) usage ;;
        *) targets+=("$1"); shift ;;
    esac
done
[[ -z "$results" || "$results" == /* ]] || results="$PWD/$results"

export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export PATH="$CARGO_HOME/bin:$PATH"
command -v cargo >/dev/null || { echo "fuzz: cargo was not found; install Rust from https://rustup.rs" >&2; exit 2; }
if ! command -v rustup >/dev/null || ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    echo "fuzz: the nightly Rust toolchain is missing (cargo-fuzz needs it for libFuzzer's" >&2
    echo "      instrumentation); install it with: rustup toolchain install nightly" >&2
    exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz (cargo install cargo-fuzz --locked)"
    cargo install cargo-fuzz --locked
fi

cd "$FUZZ"
# One instrumented build of every target up front (incremental in fuzz/target), so the build
# time is not taken out of the first target's seconds and a build error stops here.
build_start=$(date +%s)
cargo +nightly fuzz build
echo "fuzz: build took $(($(date +%s) - build_start)) s"
if [[ ${#targets[@]} -eq 0 ]]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
[[ ${#targets[@]} -gt 0 ]] || { echo "fuzz: no fuzz targets found in $FUZZ" >&2; exit 2; }

logs=${FUZZ_LOG_DIR:-$FUZZ/target/fuzz-logs}
mkdir -p "$logs"
rss=${FUZZ_RSS_LIMIT_MB:-2048}
timeout_secs=${FUZZ_TIMEOUT_SECS:-10}
status=0
rows=()
crashed=()
for t in "${targets[@]}"; do
    corpus="$FUZZ/corpus/$t"
    mkdir -p "$corpus" "$FUZZ/artifacts/$t"
    seeds=()
    [[ -d "$FUZZ/seeds/$t" ]] && seeds=("$FUZZ/seeds/$t")
    log="$logs/$t.log"
    echo "fuzz: $t for $secs s (log: $log)"
    start=$(date +%s)
    rc=0
    # The corpus first: libFuzzer adds new inputs to the first folder only, never to the seeds.
    cargo +nightly fuzz run "$t" "$corpus" "${seeds[@]}" -- \
        -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb="$rss" -timeout="$timeout_secs" \
        >"$log" 2>&1 || rc=$?
    took=$(($(date +%s) - start))
    final_stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
    execs=$(final_stat number_of_executed_units)
    per_sec=$(final_stat average_exec_per_sec)
    peak_rss=$(final_stat peak_rss_mb)
    # Without final stats (a crash), the last status line says how far it got.
    last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    [[ -n "$execs" ]] || execs=$(sed -E 's/^#([0-9]+).*/\1/' <<<"$last")
    [[ -n "$per_sec" ]] || per_sec=$(sed -nE 's/.*exec\/s: ([0-9]+).*/\1/p' <<<"$last")
    cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
    corpus_files=$(find "$corpus" -type f | wc -l)
    corpus_kb=$(du -sk --apparent-size "$corpus" | cut -f1)
    artifact=$(sed -nE 's/.*Test unit written to (.*)$/\1/p' "$log" | tail -1)
    crashes=0
    if [[ $rc -ne 0 ]]; then
        crashes=1
        status=1
        echo "fuzz: $t FAILED (exit $rc); the end of its output:" >&2
        grep -v -E '^#[0-9]+|NEW_FUNC' "$log" | tail -40 >&2
        if [[ -n "$artifact" ]]; then
            echo "fuzz: $t crashed on $artifact" >&2
            echo "      reproduce: (cd fuzz && cargo +nightly fuzz run $t ${artifact#"$FUZZ/"})" >&2
            crashed+=("$t: $artifact")
        else
            crashed+=("$t: exit $rc, no artifact (see $log)")
        fi
    fi
    line=$(printf '%-14s %4s s  %11s execs  %7s exec/s  corpus %5s files (%s KiB)  cov %5s  peak RSS %4s MB  crashes %s' \
        "$t" "$took" "${execs:-?}" "${per_sec:-?}" "$corpus_files" "$corpus_kb" "${cov:-?}" "${peak_rss:-?}" "$crashes")
    echo "fuzz: $line"
    rows+=("$t|$took|${execs:-?}|${per_sec:-?}|$corpus_files|$corpus_kb|${cov:-?}|${peak_rss:-?}|$crashes|${artifact:-}")
done

echo
echo "fuzz summary ($secs s per target):"
for r in "${rows[@]}"; do
    IFS='|' read -r t took execs per_sec files kb cov rss_mb crashes _ <<<"$r"
    printf '  %-14s %11s execs  %7s exec/s  corpus %5s files  cov %5s  crashes %s\n' \
        "$t" "$execs" "$per_sec" "$files" "$cov" "$crashes"
done

if [[ -n "$results" ]]; then
    commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    dirty=$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo " (with uncommitted changes)" || true)
    section=$(
        echo "<!-- fuzz -->"
        echo "## Fuzzing (cargo-fuzz, libFuzzer)"
        echo
        echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $commit$dirty"
        echo "- Machine: $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg) after (the cores are shared with other builds, so exec/s can vary)"
        echo "- Setup: \`scripts/fuzz.sh $secs\`, $secs s per target one after the other, built by $(rustc +nightly --version) with AddressSanitizer and debug assertions (cargo fuzz's defaults), -rss_limit_mb=$rss, -timeout=$timeout_secs; each starts from fuzz/seeds and the corpus of earlier runs on this machine"
        echo
        echo "| Target | What it feeds | Seconds | Executions | exec/s | Corpus (files, KiB) | Coverage (edges) | Peak RSS | Crashes |"
        echo "|---|---|---|---|---|---|---|---|---|"
        for r in "${rows[@]}"; do
            IFS='|' read -r t took execs per_sec files kb cov rss_mb crashes artifact <<<"$r"
            case $t in
                index_parse) what="the index file (latchkey.json) parser" ;;
                secret_input) what="pasted secrets, every platform and kind; OpenSSH Ed25519 keys laid out every way (Encord)" ;;
                ipc_new_token) what="a new token as JSON over IPC, through \`NewToken::check\`" ;;
                importers) what="\`latchkey import\`'s sources and the leak scan's \"import it\"" ;;
                *) what="" ;;
            esac
            shown=$crashes
            [[ -n "$artifact" ]] && shown="$crashes (\`${artifact#"$ROOT/"}\`)"
            echo "| \`$t\` | $what | $took | $execs | $per_sec | $files, $kb | $cov | $rss_mb MB | $shown |"
        done
        echo
        echo "A crash fails \`make test\` (20 s per target) and \`make bench\`; it is fixed in the code with a regression test."
        echo "<!-- /fuzz -->"
    )
    python3 - "$results" "$section" <<'EOF'
import os, sys
path, section = sys.argv[1], sys.argv[2].rstrip() + "\n"
old = open(path).read() if os.path.exists(path) else "# Benchmarks\n\nWritten by `make bench` (release build). Do not edit by hand.\n"
start, end = old.find("<!-- fuzz -->"), old.find("<!-- /fuzz -->")
if start >= 0 and end > start:
    rest = old[end + len("<!-- /fuzz -->"):].lstrip("\n")
    new = old[:start] + section + ("\n" + rest if rest.strip() else "")
else:
    new = old.rstrip("\n") + "\n\n" + section
open(path, "w").write(new)
EOF
    echo "fuzz: wrote the Fuzzing section of $results"
fi

if [[ $status -ne 0 ]]; then
    echo "fuzz: FAILED, crashes in: ${crashed[*]}" >&2
fi
exit "$status"
