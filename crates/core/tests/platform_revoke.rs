//! Revocation through the platforms' APIs or guided steps, and "validate all" bounds.

mod support;

use std::time::Duration;

use latchkey_core::check::{CheckDone, CheckJob};
use latchkey_core::platforms::RevokeOutcome;
use latchkey_core::record::Validity;
use latchkey_fake_platforms::{Behaviour, FakePlatforms};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_uses_the_api_where_allowed_and_guides_otherwise() {
    let fakes = FakePlatforms::start().await;
    let c = checker();
    // Roboflow: list keys, find ours by prefix, DELETE it.
    let rf = make(&fakes, Subject::Roboflow, 1, Behaviour::Valid, |t| t.name = "ci".into());
    make(&fakes, Subject::Roboflow, 2, Behaviour::Valid, |_| {}); // another key in the workspace
    assert_eq!(c.revoke(&rf.job).await.unwrap(), RevokeOutcome::Revoked);
    let gone: Vec<_> = fakes.roboflow.tokens().into_iter().filter(|t| t.revoked_by_api).collect();
    assert_eq!(gone.len(), 1);
    assert_eq!(rf.secrets[0], gone[0].secret);
    assert!(matches!(validate(&rf).await.validity, Validity::Invalid { .. }), "a revoked key is refused afterwards");
    // A protected key: 409 territory, so guided, with the settings page on the record's server.
    let protected = make(&fakes, Subject::Roboflow, 3, Behaviour::Valid, |t| t.protected = true);
    match c.revoke(&protected.job).await.unwrap() {
        RevokeOutcome::Guided { settings_url, note, steps } => {
            assert_eq!(settings_url, format!("{}/settings/api", fakes.roboflow.url));
            assert!(note.unwrap().contains("protected"));
            assert!(!steps.is_empty());
        }
        other => panic!("{other:?}"),
    }
    // env0: an admin key deletes itself; a non-admin one is guided.
    let admin = make(&fakes, Subject::Env0, 4, Behaviour::Valid, |_| {});
    assert_eq!(c.revoke(&admin.job).await.unwrap(), RevokeOutcome::Revoked);
    let user = make(&fakes, Subject::Env0, 5, Behaviour::Valid, |t| t.admin = false);
    assert!(
        matches!(c.revoke(&user.job).await.unwrap(), RevokeOutcome::Guided { note: Some(n), .. } if n.contains("admin"))
    );
    // Guided platforms: the page is on the record's own server.
    for (s, suffix) in [(Subject::Cvat, "/profile#security"), (Subject::Supervisely, ""), (Subject::EncordSsh, "")] {
        let made = make(&fakes, s, 6, Behaviour::Valid, |_| {});
        match c.revoke(&made.job).await.unwrap() {
            RevokeOutcome::Guided { settings_url, .. } => {
                assert_eq!(settings_url, format!("{}{suffix}", fakes.get(s.fake_kind()).url))
            }
            other => panic!("{s:?}: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validate_all_respects_the_bounds_and_reports_every_token() {
    let fakes = FakePlatforms::start().await;
    fakes.cvat.set_latency(Duration::from_millis(150));
    let jobs: Vec<CheckJob> = (0..20).map(|n| make(&fakes, Subject::Cvat, n, Behaviour::Valid, |_| {}).job).collect();
    let ids: std::collections::HashSet<_> = jobs.iter().map(|j| j.record.id).collect();
    let mut seen = vec![];
    checker().concurrency(8).per_host(8).validate_all(jobs, |d: CheckDone| seen.push(d)).await;
    assert_eq!(seen.len(), 20);
    assert_eq!(seen.iter().map(|d| d.record.id).collect::<std::collections::HashSet<_>>(), ids);
    assert!(seen.iter().all(|d| matches!(&d.result, Ok(v) if v.validity == Validity::Valid)));
    let max = fakes.cvat.max_in_flight();
    assert!((2..=8).contains(&max), "max in flight {max}");

    // Per-host politeness: at most 2 at once on this host.
    let polite = FakePlatforms::start().await;
    polite.cvat.set_latency(Duration::from_millis(100));
    let jobs: Vec<CheckJob> = (0..8).map(|n| make(&polite, Subject::Cvat, n, Behaviour::Valid, |_| {}).job).collect();
    let mut count = 0;
    checker().concurrency(8).per_host(2).validate_all(jobs, |_| count += 1).await;
    assert_eq!(count, 8);
    assert_eq!(polite.cvat.max_in_flight(), 2);
}
