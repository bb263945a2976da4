//! `bench-validate`: how long "validate all" takes, measured through core.
//!
//! Tokens spread over the five platforms and over several fake servers (each fake is its own
//! host, `127.0.0.1:<port>`), every fake answering after a fixed latency (200 ms by default).
//! The checks run through `latchkey_core::check::Checker::validate_all` with jobs made by
//! `CheckJob::from_parts`, on the same HTTP client policy as the app — no vault and no
//! keychain, so what is measured is the checker: its concurrency bound (8) and its per-host
//! politeness (4 per server origin).
//!
//! Scenarios (each repeated `--runs` times; the median is reported):
//! - one round-trip: one Supervisely validation (one request);
//! - spread: `--tokens` tokens over 5 platforms × 5 hosts (25 hosts), so only the global bound
//!   binds; the same tokens one at a time (serial);
//! - one host per platform: the same tokens over 5 hosts (10 per host), with and without the
//!   per-host bound;
//! - one host: all tokens on one CVAT server, with and without the per-host bound.
//!
//! The floor of each scenario is computed from the number of requests each validation makes
//! (env0 makes three: the key check, its organizations, its key entry; the others one):
//! with every request taking one round-trip (RT), `max(⌈Σ/8⌉, max over hosts ⌈Σ_host/4⌉,
//! longest job)` RTs.
//!
//! Usage: `bench-validate [--tokens 50] [--latency-ms 200] [--runs 5] [--out bench/RESULTS.md]`.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant};

mod results;
use latchkey_core::check::{CheckJob, Checker};
use latchkey_core::platforms::http::{HttpClient, HttpConfig};
use latchkey_core::record::{TokenRecord, Validity};
use latchkey_fake_platforms::{Fake, FakeToken, Kind, TEST_KEY_PEM, TEST_KEY_PUBLIC_HEX};
use secrecy::SecretString;
use serde_json::json;

const GLOBAL: usize = 8;
const PER_HOST: usize = 4;

struct Opts {
    tokens: usize,
    latency_ms: u64,
    runs: usize,
    out: PathBuf,
}

fn opts() -> Opts {
    let args: Vec<String> = std::env::args().collect();
    let get = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("bench-validate [--tokens 50] [--latency-ms 200] [--runs 5] [--out bench/RESULTS.md]");
        std::process::exit(0);
    }
    Opts {
        tokens: get("--tokens").and_then(|v| v.parse().ok()).unwrap_or(50),
        latency_ms: get("--latency-ms").and_then(|v| v.parse().ok()).unwrap_or(200),
        runs: get("--runs").and_then(|v| v.parse().ok()).unwrap_or(5).max(1),
        out: get("--out").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("bench/RESULTS.md")),
    }
}

/// One token to check: its record and keychain payload, which host it lives on, and how many
/// requests its validation makes.
struct Spec {
    record: TokenRecord,
    payload: String,
    host: usize,
    requests: u32,
}

/// A set of fake hosts and the tokens on them.
struct Layout {
    hosts: Vec<Fake>,
    specs: Vec<Spec>,
}

fn hex(n: usize) -> String {
    let mut s = String::new();
    while s.len() < n {
        s.push_str(&uuid::Uuid::new_v4().simple().to_string());
    }
    s.truncate(n);
    s
}

fn record(kind: Kind, server: &str, public: serde_json::Value, n: usize) -> TokenRecord {
    let (platform, token_kind) = match kind {
        Kind::Supervisely => ("supervisely", "token"),
        Kind::Cvat => ("cvat", "token"),
        Kind::Roboflow => ("roboflow", "token"),
        Kind::Encord => ("encord", "ssh_key"),
        Kind::Env0 => ("env0", "key_pair"),
        Kind::Elsewhere => unreachable!("not a platform"),
    };
    serde_json::from_value(json!({
        "id": uuid::Uuid::new_v4(),
        "platform": platform,
        "kind": token_kind,
        "label": format!("bench {platform} {n}"),
        "server_url": server,
        "public": public,
        "hint": "0000",
        "created_at": chrono::Utc::now(),
    }))
    .expect("a bench record")
}

/// Teach `fake` a fresh valid token of its platform; the spec to check it.
fn token_on(fake: &Fake, host: usize, n: usize) -> Spec {
    let owner = "bench".to_string();
    let (secret, payload, public, requests, fake_token) = match fake.kind {
        Kind::Supervisely => {
            let s = format!("FAKEbench{}", hex(119));
            (s.clone(), s, json!({}), 1, FakeToken { secret: String::new(), ..Default::default() })
        }
        Kind::Cvat => {
            let s = format!("FAKEbnch.{}", hex(32));
            (s.clone(), s, json!({}), 1, FakeToken::default())
        }
        Kind::Roboflow => {
            let s = format!("FAKEbenchRob{}", hex(12));
            (s.clone(), s, json!({}), 1, FakeToken { workspace: "bench-ws".into(), ..Default::default() })
        }
        Kind::Encord => (
            String::new(),
            TEST_KEY_PEM.to_string(),
            json!({ "key_id": TEST_KEY_PUBLIC_HEX }),
            1,
            FakeToken { key_id: TEST_KEY_PUBLIC_HEX.into(), ..Default::default() },
        ),
        Kind::Env0 => {
            let id = format!("bench-key-{}", hex(8));
            let s = format!("FAKEbenchEnv0{}", hex(12));
            let payload = json!({ "key_id": id, "secret": s }).to_string();
            // The key check, its organizations, its own key entry: three round-trips.
            (
                s,
                payload,
                json!({ "key_id": id }),
                3,
                FakeToken { key_id: id, workspace: "bench org".into(), ..Default::default() },
            )
        }
        Kind::Elsewhere => unreachable!(),
    };
    let already = fake.kind == Kind::Encord && fake.tokens().iter().any(|t| t.key_id == TEST_KEY_PUBLIC_HEX);
    if !already {
        fake.add(FakeToken { secret, owner, ..fake_token });
    }
    Spec { record: record(fake.kind, &fake.url, public, n), payload, host, requests }
}

/// `tokens` tokens, platform by platform in turn; token `i` of a platform goes to that
/// platform's host `i % groups`. `only` puts every token on one platform.
async fn layout(tokens: usize, groups: usize, only: Option<Kind>, latency: Duration) -> Layout {
    let kinds: Vec<Kind> = only.map(|k| vec![k]).unwrap_or_else(|| Kind::PLATFORMS.to_vec());
    let mut hosts = vec![];
    let mut index: HashMap<(Kind, usize), usize> = HashMap::new();
    for &k in &kinds {
        for g in 0..groups {
            let f = Fake::start(k).await;
            f.set_latency(latency);
            index.insert((k, g), hosts.len());
            hosts.push(f);
        }
    }
    let mut specs = vec![];
    for i in 0..tokens {
        let k = kinds[i % kinds.len()];
        let g = (i / kinds.len()) % groups;
        let host = index[&(k, g)];
        specs.push(token_on(&hosts[host], host, i));
    }
    Layout { hosts, specs }
}

impl Layout {
    /// The least number of round-trips "validate all" can take with `global` at a time and
    /// `per_host` per host.
    fn floor_rts(&self, global: usize, per_host: usize) -> u32 {
        let total: u32 = self.specs.iter().map(|s| s.requests).sum();
        let mut by_host: BTreeMap<usize, u32> = BTreeMap::new();
        for s in &self.specs {
            *by_host.entry(s.host).or_default() += s.requests;
        }
        let host_floor = by_host.values().map(|r| r.div_ceil(per_host as u32)).max().unwrap_or(0);
        let longest = self.specs.iter().map(|s| s.requests).max().unwrap_or(0);
        total.div_ceil(global as u32).max(host_floor).max(longest)
    }

    /// Round-trips a scheduler takes for these jobs, simulated with every request one
    /// round-trip: jobs start in list order (longest first with `longest_first`), each as soon
    /// as a global slot and a slot at its host are free. (The checker itself starts them in
    /// whatever order its tasks first run, which is close to, but not exactly, list order.)
    fn schedule_rts(&self, global: usize, per_host: usize, longest_first: bool) -> u32 {
        let mut pending: Vec<(usize, u32)> = self.specs.iter().map(|s| (s.host, s.requests)).collect();
        if longest_first {
            pending.sort_by_key(|(_, r)| std::cmp::Reverse(*r));
        }
        let mut running: Vec<(u32, usize)> = vec![];
        let mut t = 0;
        loop {
            let mut i = 0;
            while i < pending.len() && running.len() < global {
                let (host, requests) = pending[i];
                if running.iter().filter(|(_, h)| *h == host).count() < per_host {
                    running.push((t + requests, host));
                    pending.remove(i);
                } else {
                    i += 1;
                }
            }
            let Some(next) = running.iter().map(|(end, _)| *end).min() else { return t };
            t = next;
            running.retain(|(end, _)| *end > t);
        }
    }

    fn jobs(&self) -> Vec<CheckJob> {
        self.specs
            .iter()
            .map(|s| CheckJob::from_parts(s.record.clone(), SecretString::from(s.payload.clone())))
            .collect()
    }

    fn max_in_flight_per_host(&self) -> usize {
        self.hosts.iter().map(Fake::max_in_flight).max().unwrap_or(0)
    }

    fn requests(&self) -> usize {
        self.hosts.iter().map(|h| h.requests().len()).sum()
    }
}

/// Validate every token once; panics unless every one is valid (a bench of failures
/// would measure the wrong thing).
async fn validate_all(checker: &Checker, layout: &Layout) -> Duration {
    let jobs = layout.jobs();
    let started = Instant::now();
    let mut bad = vec![];
    checker
        .validate_all(jobs, |d| match d.result {
            Ok(v) if v.validity == Validity::Valid => {}
            other => bad.push(format!("{}: {other:?}", d.record.label)),
        })
        .await;
    let took = started.elapsed();
    assert!(bad.is_empty(), "some bench tokens were not valid: {bad:#?}");
    took
}

struct Sample {
    runs: Vec<Duration>,
}

impl Sample {
    fn median(&self) -> Duration {
        let mut v = self.runs.clone();
        v.sort();
        v[v.len() / 2]
    }
    fn min(&self) -> Duration {
        *self.runs.iter().min().unwrap()
    }
    fn max(&self) -> Duration {
        *self.runs.iter().max().unwrap()
    }
    fn show(&self) -> String {
        if self.runs.len() == 1 {
            return secs(self.median());
        }
        format!("{} ({}–{})", secs(self.median()), secs(self.min()), secs(self.max()))
    }
}

fn secs(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

async fn repeat(runs: usize, checker: &Checker, layout: &Layout) -> Sample {
    let mut v = vec![];
    for _ in 0..runs {
        v.push(validate_all(checker, layout).await);
    }
    Sample { runs: v }
}

struct Row {
    figure: String,
    value: String,
    peer: String,
    ratio: String,
    goal: String,
    verdict: String,
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

fn main() {
    let o = opts();
    let latency = Duration::from_millis(o.latency_ms);
    let (nproc, cpu, load_before) = results::machine();
    eprintln!(
        "bench-validate: {} tokens, {} ms latency, {} runs per scenario ({nproc} cores, load {load_before})",
        o.tokens, o.latency_ms, o.runs
    );

    // The fakes on a runtime of their own, so serving them does not queue behind the checker.
    let fakes_rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let http = HttpClient::new(HttpConfig::default()).expect("HTTP client");
    let checker = Checker::new(http.clone());
    let serial = Checker::new(http.clone()).concurrency(1);
    let impolite = Checker::new(http).per_host(GLOBAL);

    let groups = 5;
    let started = Instant::now();
    let single = fakes_rt.block_on(layout(1, 1, Some(Kind::Supervisely), latency));
    let env0_one = fakes_rt.block_on(layout(1, 1, Some(Kind::Env0), latency));
    let spread = fakes_rt.block_on(layout(o.tokens, groups, None, latency));
    let per_platform = fakes_rt.block_on(layout(o.tokens, 1, None, latency));
    let per_platform_free = fakes_rt.block_on(layout(o.tokens, 1, None, latency));
    let one_host = fakes_rt.block_on(layout(o.tokens, 1, Some(Kind::Cvat), latency));
    let one_host_free = fakes_rt.block_on(layout(o.tokens, 1, Some(Kind::Cvat), latency));

    let (rt1, env0_rt, s_spread, s_serial, s_pp, s_pp_free, s_one, s_one_free) = rt.block_on(async {
        // Warm the client (TLS is not involved: loopback is plain http), then measure.
        let _ = validate_all(&checker, &single).await;
        let rt1 = repeat(o.runs.max(5), &checker, &single).await;
        let env0_rt = repeat(o.runs, &checker, &env0_one).await;
        eprintln!("  one round-trip: {}", rt1.show());
        let s_spread = repeat(o.runs, &checker, &spread).await;
        eprintln!("  spread over {} hosts: {}", spread.hosts.len(), s_spread.show());
        let s_serial = repeat(o.runs, &serial, &spread).await;
        eprintln!("  serial: {}", s_serial.show());
        let s_pp = repeat(o.runs, &checker, &per_platform).await;
        let s_pp_free = repeat(o.runs, &impolite, &per_platform_free).await;
        eprintln!("  one host per platform: {} (no per-host bound: {})", s_pp.show(), s_pp_free.show());
        let s_one = repeat(o.runs, &checker, &one_host).await;
        let s_one_free = repeat(o.runs, &impolite, &one_host_free).await;
        eprintln!("  one host: {} (no per-host bound: {})", s_one.show(), s_one_free.show());
        (rt1, env0_rt, s_spread, s_serial, s_pp, s_pp_free, s_one, s_one_free)
    });
    let (_, _, load_after) = results::machine();
    let one = rt1.median();
    let floor = |l: &Layout, g: usize, h: usize| l.floor_rts(g, h);
    let rt_of = |n: u32| one * n;

    let mut rows = vec![];
    rows.push(Row {
        figure: "One round-trip: validate 1 Supervisely token (1 request)".into(),
        value: rt1.show(),
        peer: format!("fake latency {} ms", o.latency_ms),
        ratio: format!("{:.2}×", ratio(one, latency)),
        goal: "≤ 1.10×".into(),
        verdict: verdict(ratio(one, latency) <= 1.10),
    });
    rows.push(Row {
        figure: "Validate 1 env0 key (3 sequential requests)".into(),
        value: env0_rt.show(),
        peer: format!("3 round-trips = {}", secs(rt_of(3))),
        ratio: format!("{:.2}×", ratio(env0_rt.median(), rt_of(3))),
        goal: "≤ 1.10×".into(),
        verdict: verdict(ratio(env0_rt.median(), rt_of(3)) <= 1.10),
    });
    let n = o.tokens;
    let f_spread = floor(&spread, GLOBAL, PER_HOST);
    rows.push(Row {
        figure: format!("Validate all, {n} tokens, 5 platforms × {groups} hosts ({} hosts)", spread.hosts.len()),
        value: s_spread.show(),
        peer: format!("one round-trip {}", secs(one)),
        ratio: format!("{:.1}×", ratio(s_spread.median(), one)),
        goal: "≤ 1.2×".into(),
        verdict: format!("not met — impossible with 8 at a time: the floor is {f_spread} round-trips"),
    });
    rows.push(Row {
        figure: "  same, against the theoretical floor".into(),
        value: s_spread.show(),
        peer: format!("floor {f_spread} RT = {}{}", secs(rt_of(f_spread)), sched(&spread, PER_HOST)),
        ratio: format!("{:.2}×", ratio(s_spread.median(), rt_of(f_spread))),
        goal: "≤ 1.2×".into(),
        verdict: verdict(ratio(s_spread.median(), rt_of(f_spread)) <= 1.2),
    });
    rows.push(Row {
        figure: "  same, against serial validation (1 at a time, same run)".into(),
        value: s_spread.show(),
        peer: format!("serial {}", s_serial.show()),
        ratio: format!(
            "{:.3}× ({:.1}× faster)",
            ratio(s_spread.median(), s_serial.median()),
            ratio(s_serial.median(), s_spread.median())
        ),
        goal: format!(
            "≤ {:.3}× (1.2 × floor ÷ serial)",
            rt_of(f_spread).as_secs_f64() * 1.2 / s_serial.median().as_secs_f64()
        ),
        verdict: verdict(
            ratio(s_spread.median(), s_serial.median())
                <= rt_of(f_spread).as_secs_f64() * 1.2 / s_serial.median().as_secs_f64(),
        ),
    });
    let f_pp = floor(&per_platform, GLOBAL, PER_HOST);
    let f_pp_free = floor(&per_platform_free, GLOBAL, GLOBAL);
    rows.push(Row {
        figure: format!("Validate all, {n} tokens, one host per platform ({} per host)", n / 5),
        value: s_pp.show(),
        peer: format!("floor {f_pp} RT = {}{}", secs(rt_of(f_pp)), sched(&per_platform, PER_HOST)),
        ratio: format!("{:.2}×", ratio(s_pp.median(), rt_of(f_pp))),
        goal: "≤ 1.2×".into(),
        verdict: verdict(ratio(s_pp.median(), rt_of(f_pp)) <= 1.2),
    });
    rows.push(Row {
        figure: "  cost of politeness (4 per host) here".into(),
        value: s_pp.show(),
        peer: format!("no per-host bound {} (floor {f_pp_free} RT)", s_pp_free.show()),
        ratio: format!("{:.2}×", ratio(s_pp.median(), s_pp_free.median())),
        goal: "info".into(),
        verdict: format!("politeness costs {:+.0}%", (ratio(s_pp.median(), s_pp_free.median()) - 1.0) * 100.0),
    });
    let f_one = floor(&one_host, GLOBAL, PER_HOST);
    let f_one_free = floor(&one_host_free, GLOBAL, GLOBAL);
    rows.push(Row {
        figure: format!("Validate all, {n} CVAT tokens on one host"),
        value: s_one.show(),
        peer: format!("floor {f_one} RT = {}{}", secs(rt_of(f_one)), sched(&one_host, PER_HOST)),
        ratio: format!("{:.2}×", ratio(s_one.median(), rt_of(f_one))),
        goal: "≤ 1.2×".into(),
        verdict: verdict(ratio(s_one.median(), rt_of(f_one)) <= 1.2),
    });
    rows.push(Row {
        figure: "  cost of politeness (4 per host) here".into(),
        value: s_one.show(),
        peer: format!("no per-host bound {} (floor {f_one_free} RT)", s_one_free.show()),
        ratio: format!("{:.2}×", ratio(s_one.median(), s_one_free.median())),
        goal: "info".into(),
        verdict: format!("politeness costs {:+.0}%", (ratio(s_one.median(), s_one_free.median()) - 1.0) * 100.0),
    });
    let per_host_max =
        [&spread, &per_platform, &one_host].iter().map(|l| l.max_in_flight_per_host()).max().unwrap_or(0);
    rows.push(Row {
        figure: "Most requests in flight at one host (fakes' own count)".into(),
        value: per_host_max.to_string(),
        peer: format!("per-host bound {PER_HOST}"),
        ratio: String::new(),
        goal: format!("= {PER_HOST}"),
        verdict: verdict(per_host_max == PER_HOST),
    });
    let global_max = one_host_free.max_in_flight_per_host();
    rows.push(Row {
        figure: "Most requests in flight overall (one host, no per-host bound)".into(),
        value: global_max.to_string(),
        peer: format!("global bound {GLOBAL}"),
        ratio: String::new(),
        goal: format!("= {GLOBAL}"),
        verdict: verdict(global_max == GLOBAL),
    });
    let facts = Facts {
        nproc,
        cpu,
        load_before,
        load_after,
        took: started.elapsed(),
        requests_sent: [&spread, &per_platform, &per_platform_free, &one_host, &one_host_free]
            .iter()
            .map(|l| l.requests())
            .sum(),
        spread_requests: spread.specs.iter().map(|s| s.requests).sum(),
        spread_max: spread.max_in_flight_per_host(),
        spread_hosts: spread.hosts.len(),
    };
    let md = render(&o, &rows, &facts);
    results::write_section(&o.out, &md).unwrap_or_else(|e| panic!("write {}: {e}", o.out.display()));
    println!("{md}");
    eprintln!("bench-validate: wrote {}", o.out.display());
    drop(fakes_rt);
}

/// " (longest first: N RT)": what starting the longest validations first would take,
/// simulated under the same bounds, when that differs from the floor.
fn sched(l: &Layout, per_host: usize) -> String {
    let longest = l.schedule_rts(GLOBAL, per_host, true);
    if longest == l.floor_rts(GLOBAL, per_host) {
        format!("; longest first reaches it (simulated {longest} RT)")
    } else {
        format!("; longest first: {longest} RT (simulated)")
    }
}

fn verdict(ok: bool) -> String {
    if ok { "met" } else { "NOT met" }.into()
}

/// What the report says besides the table.
struct Facts {
    nproc: String,
    cpu: String,
    load_before: String,
    load_after: String,
    took: Duration,
    /// Requests the fakes received in the validate-all scenarios.
    requests_sent: usize,
    /// Requests one "validate all" of the spread scenario makes.
    spread_requests: u32,
    spread_max: usize,
    spread_hosts: usize,
}

fn render(o: &Opts, rows: &[Row], f: &Facts) -> String {
    let Facts { nproc, cpu, load_before, load_after, took, requests_sent, spread_requests, spread_max, spread_hosts } =
        f;
    let mut md = String::new();
    md.push_str("## Validate all (platform checks)\n\n");
    md.push_str(&format!(
        "- Date: {}; commit {}\n- Machine: {nproc} cores, {cpu}; load average {load_before} before, {load_after} after \
         (the cores are shared with other builds, so figures can vary)\n\
         - Setup: {} tokens, fake servers answering after {} ms, {} runs per figure (median, min–max); \
         through `Checker::validate_all` (8 at a time, 4 per host) with `CheckJob::from_parts`, no keychain; \
         the bench took {} and the fakes answered {requests_sent} requests in the validate-all scenarios\n\n",
        chrono::Local::now().format("%Y-%m-%d %H:%M %Z"),
        results::commit(),
        o.tokens,
        o.latency_ms,
        o.runs,
        secs(*took),
    ));
    md.push_str("| Figure | Value | Peer | Ratio | Goal | Verdict |\n|---|---|---|---|---|---|\n");
    for r in rows {
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            r.figure.replace("  ", "↳ "),
            r.value,
            r.peer,
            r.ratio,
            r.goal,
            r.verdict
        ));
    }
    md.push_str(&format!(
        "\n### How to read this\n\n\
         - A round-trip (RT) is one validation request against a fake that waits {lat} ms; the measured one is the peer \
           of every floor below.\n\
         - Supervisely, CVAT, Roboflow and Encord validate with one request; env0 with three in a row (the key check, \
           `GET /organizations`, `GET /api-keys`), so {n} tokens spread evenly over the five platforms are \
           {spread_requests} requests, not {n}.\n\
         - The floor is the least time any scheduler could take under the bounds: \
           `max(⌈Σ requests / 8⌉, max over hosts ⌈Σ requests on the host / 4⌉, longest job)` round-trips. With only \
           one-request tokens it is ⌈{n}/8⌉ = {simple} RT; \"validate all within 1.2× one round-trip\" would need all \
           {n} requests in flight at once, which the bound of 8 forbids by design.\n\
         - The checker starts validations in no particular order (as its tasks first run), so env0's three-request \
           validations can land at the end and stretch the tail past the floor; starting the longest first would reach \
           the floor (simulated in the Peer column).\n\
         - \"No per-host bound\" runs the same tokens with the per-host limit raised to 8 (= the global bound) on fresh \
           fakes; the difference is what politeness costs. It matters only when many tokens share a server \
           (self-hosted instances, or one platform's public API).\n\
         - Spread over {spread_hosts} hosts, at most {spread_max} requests were ever in flight at one host.\n",
        lat = o.latency_ms,
        n = o.tokens,
        simple = o.tokens.div_ceil(GLOBAL),
    ));
    md
}
