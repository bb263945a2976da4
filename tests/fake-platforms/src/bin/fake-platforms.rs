//! Serve all five fake platforms (and the "elsewhere" host) on random 127.0.0.1 ports.
//!
//! Prints one JSON line with their addresses and the seeded test tokens, then serves until the
//! process is stopped (or, with `--until-stdin-closes`, until its stdin closes). More tokens
//! can be added through each fake's `POST /__fake/tokens`.
//! Usage: `fake-platforms [--latency-ms N] [--until-stdin-closes]`.
//!
//! `fake-platforms --secret-service BUS_ADDRESS --refuse storage|everything [--present ACCOUNT]…`
//! instead serves a fake Secret Service that answers errors on that bus
//! (`latchkey_fake_platforms::secret_service`), prints `ready`, and runs until stdin closes.

use std::io::Read;
use std::time::Duration;

use latchkey_fake_platforms::{Behaviour, FakePlatforms, FakeToken, Kind, TEST_KEY_PEM, TEST_KEY_PUBLIC_HEX};
use serde_json::json;

fn token(secret: &str, owner: &str) -> FakeToken {
    FakeToken { secret: secret.into(), owner: owner.into(), workspace: "fake-workspace".into(), ..Default::default() }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--secret-service") {
        return secret_service(&args, &args[i + 1]);
    }
    let latency = args
        .iter()
        .position(|a| a == "--latency-ms")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    let fakes = FakePlatforms::start().await;
    for f in fakes.platforms() {
        f.set_latency(Duration::from_millis(latency));
    }
    // A valid and a revoked token on every platform; all values are fake.
    let sly_ok = format!("FAKEsly{}", "0".repeat(121));
    let sly_bad = format!("FAKEsly{}", "1".repeat(121));
    fakes.supervisely.add(token(&sly_ok, "alice"));
    fakes.supervisely.add(FakeToken { behaviour: Behaviour::Revoked, ..token(&sly_bad, "alice") });
    let cvat_ok = "FAKEcvat.0000000000000000000000000000fake";
    let cvat_bad = "FAKEcvat.1111111111111111111111111111fake";
    fakes.cvat.add(FakeToken {
        expires_at: Some("2030-01-01T00:00:00Z".into()),
        last_used_at: Some("2026-01-01T00:00:00Z".into()),
        name: "ci".into(),
        ..token(cvat_ok, "alice")
    });
    fakes.cvat.add(FakeToken { behaviour: Behaviour::Revoked, ..token(cvat_bad, "alice") });
    fakes.roboflow.add(FakeToken { admin: true, name: "ci".into(), ..token("FAKEroboflowkey0000", "alice") });
    fakes.roboflow.add(FakeToken { behaviour: Behaviour::Revoked, ..token("FAKEroboflowkey1111", "alice") });
    fakes.encord.add(FakeToken { key_id: TEST_KEY_PUBLIC_HEX.into(), ..token("", "alice") });
    fakes.encord.add(FakeToken {
        resource_id: "fake-project-0001".into(),
        name: "ci".into(),
        ..token("FAKEencordkey0000", "alice")
    });
    fakes.env0.add(FakeToken {
        key_id: "fake-key-id-0".into(),
        admin: true,
        role: "Admin".into(),
        ..token("FAKEenv0secret0000", "alice")
    });
    fakes.env0.add(FakeToken {
        key_id: "fake-key-id-1".into(),
        behaviour: Behaviour::Revoked,
        ..token("FAKEenv0secret1111", "alice")
    });

    let mut urls = fakes.urls();
    urls["tokens"] = json!({
        "supervisely": {"valid": sly_ok, "revoked": sly_bad},
        "cvat": {"valid": cvat_ok, "revoked": cvat_bad},
        "roboflow": {"valid": "FAKEroboflowkey0000", "revoked": "FAKEroboflowkey1111"},
        "encord": {"ssh_key": TEST_KEY_PEM, "legacy": {"resource_id": "fake-project-0001", "api_key": "FAKEencordkey0000"}},
        "env0": {"valid": {"key_id": "fake-key-id-0", "secret": "FAKEenv0secret0000"}, "revoked": {"key_id": "fake-key-id-1", "secret": "FAKEenv0secret1111"}},
    });
    urls["kinds"] = json!(Kind::PLATFORMS);
    println!("{urls}");

    if args.iter().any(|a| a == "--until-stdin-closes") {
        tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
        })
        .await
        .ok();
    } else {
        std::future::pending::<()>().await;
    }
}

fn secret_service(args: &[String], bus: &str) {
    use latchkey_fake_platforms::secret_service::{FakeSecretService, Refuse};
    let refuse = match args.iter().position(|a| a == "--refuse").and_then(|i| args.get(i + 1)).map(String::as_str) {
        Some("everything") => Refuse::Everything,
        Some("storage") | None => Refuse::Storage,
        Some(other) => panic!("--refuse storage|everything, not {other}"),
    };
    let present: Vec<String> = args.windows(2).filter(|w| w[0] == "--present").map(|w| w[1].clone()).collect();
    let bus = bus.to_string();
    // Outside tokio's worker: zbus's blocking API runs its own executor.
    let _fake = std::thread::spawn(move || {
        FakeSecretService::start(&bus, refuse, &present.iter().map(String::as_str).collect::<Vec<_>>())
    })
    .join()
    .unwrap();
    println!("ready");
    let mut sink = vec![];
    let _ = std::io::stdin().read_to_end(&mut sink);
}
