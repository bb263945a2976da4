//! `latchkey validate` and `latchkey revoke` against the fake platform servers (in-process on
//! 127.0.0.1), through the same core checker as the app.

mod support;

use latchkey_fake_platforms::{Behaviour, FakePlatforms, FakeToken, CVAT_PASSWORD};
use support::{by_label, fake, Sandbox};

/// The fakes run on their own runtime for as long as the test holds this.
struct Fakes {
    all: FakePlatforms,
    _rt: tokio::runtime::Runtime,
}

fn fakes() -> Fakes {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let all = rt.block_on(FakePlatforms::start());
    Fakes { all, _rt: rt }
}

/// CVAT tokens have a shape (8-character prefix, dot, 32 characters); the fake checks it.
fn cvat_secret() -> String {
    format!("FAKEcv00.{}", uuid::Uuid::new_v4().simple())
}

fn token(secret: &str, behaviour: Behaviour) -> FakeToken {
    FakeToken {
        secret: secret.into(),
        behaviour,
        owner: "alice".into(),
        workspace: "acme-ws".into(),
        ..Default::default()
    }
}

#[test]
fn validate_one_and_all_with_exit_codes_by_outcome() {
    let f = fakes();
    let sb = Sandbox::new();
    let good = cvat_secret();
    let bad = fake("sly-bad");
    f.all.cvat.add(token(&good, Behaviour::Valid));
    f.all.supervisely.add(token(&bad, Behaviour::Revoked));
    sb.add("cvat", "good", &good, &["--server", &f.all.cvat.url]);
    sb.add("supervisely", "bad", &bad, &["--server", &f.all.supervisely.url]);

    let one = sb.run(&["validate", "good"], None).ok();
    assert!(one.stdout.contains("cvat/good: valid"), "{one:?}");
    assert!(one.stdout.contains("alice"), "the owner the platform reported: {one:?}");
    let list = sb.list();
    assert_eq!(by_label(&list, "good")["identity"]["owner"], "alice");
    assert_eq!(by_label(&list, "good")["last_validation"]["result"], "valid", "{list:#?}");

    let refused = sb.run(&["validate", "bad"], None).code(5);
    assert!(refused.stdout.contains("INVALID"), "{refused:?}");
    assert!(!refused.all().contains(&bad));

    // --all: the worst outcome decides the code; --json has one line per token.
    let all = sb.run(&["validate", "--all", "--json"], None).code(5);
    let lines = all.json();
    assert_eq!(lines.as_array().unwrap().len(), 2, "{lines:#}");
    assert!(!all.all().contains(&good) && !all.all().contains(&bad));

    // A platform that cannot be asked: 7, and the stored verdict stays.
    let down = fake("cvat-down");
    sb.add("cvat", "down", &down, &["--server", "http://127.0.0.1:9"]);
    sb.run(&["validate", "down"], None).code(7);
    sb.run(&["validate", "nothing"], None).code(3);

    // Each check is in the access log with its outcome (one, --all, unreachable).
    let log = sb.run(&["log", "--json"], None).ok().json();
    let mut checks: Vec<String> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "validate" && e["where"] == "cli")
        .map(|e| format!("{}: {}", e["label"].as_str().unwrap(), e["detail"].as_str().unwrap()))
        .collect();
    checks.sort();
    let expected = ["bad: refused by the platform", "bad: refused by the platform", "down: could not check"];
    assert_eq!(checks, [&expected[..], &["good: valid", "good: valid"]].concat(), "{log:#}");
}

#[test]
fn run_refuses_a_token_the_platform_refused() {
    let f = fakes();
    let sb = Sandbox::new();
    let bad = fake("sly-refused");
    f.all.supervisely.add(token(&bad, Behaviour::Revoked));
    sb.add("supervisely", "bad", &bad, &["--server", &f.all.supervisely.url]);
    let script = "printf ran";
    // Not checked yet: nothing is known against it.
    assert_eq!(sb.run(&["run", "-t", "bad", "--", "sh", "-c", script], None).ok().stdout, "ran");
    sb.run(&["validate", "bad"], None).code(5);
    let refused = sb.run(&["run", "-t", "bad", "--", "sh", "-c", script], None).code(5);
    assert!(!refused.stdout.contains("ran"), "the command did not start: {refused:?}");
    assert!(
        refused.stderr.contains("supervisely/bad was refused by Supervisely")
            && refused.stderr.contains("latchkey rotate supervisely/bad")
            && refused.stderr.contains("--allow-invalid"),
        "{refused:?}"
    );
    assert!(!refused.all().contains(&bad));
    let forced = sb.run(&["run", "-t", "bad", "--allow-invalid", "--", "sh", "-c", script], None).ok();
    assert_eq!(forced.stdout, "ran");
    assert!(forced.stderr.contains("warning"), "{forced:?}");
}

#[test]
fn revoke_through_the_api_removes_the_secret() {
    let f = fakes();
    let sb = Sandbox::new();
    let key = fake("rf-admin");
    f.all.roboflow.add(FakeToken { admin: true, ..token(&key, Behaviour::Valid) });
    let id = sb.add("roboflow", "admin", &key, &["--server", &f.all.roboflow.url]);
    // Roboflow needs the workspace, which a validation teaches.
    sb.run(&["validate", "admin"], None).ok();

    let out = sb.run(&["revoke", "admin", "--json"], None).ok();
    assert_eq!(out.json()["how"], "revoked", "{out:?}");
    assert_eq!(
        out.json()["reason"],
        "Revoked through Roboflow's API; revocation confirmed by Roboflow (401)",
        "{out:?}"
    );
    assert_eq!(sb.keychain(&id), None);
    assert!(f.all.roboflow.tokens().iter().any(|t| t.secret == key && t.revoked_by_api));
    // The old key was validated after the delete.
    let reqs = f.all.roboflow.requests();
    let delete = reqs.iter().position(|r| r.method == "DELETE").expect("a DELETE");
    assert!(reqs[delete + 1..].iter().any(|r| r.method == "POST" && r.path == "/"), "{reqs:#?}");
    let rec = sb.list().into_iter().find(|r| r["id"] == id.as_str()).unwrap();
    assert!(rec["revoked"]["reason"].as_str().unwrap().contains("revocation confirmed by Roboflow (401)"), "{rec}");
    sb.run(&["get", "admin"], None).code(5);
}

#[test]
fn a_revoke_the_platform_ignored_leaves_the_token_and_says_so() {
    let f = fakes();
    let sb = Sandbox::new();
    let key = fake("rf-sticky");
    f.all.roboflow.add(FakeToken { admin: true, revoke_ignored: true, ..token(&key, Behaviour::Valid) });
    let id = sb.add("roboflow", "sticky", &key, &["--server", &f.all.roboflow.url]);
    sb.run(&["validate", "sticky"], None).ok();

    let out = sb.run(&["revoke", "sticky"], None).code(8);
    assert!(out.stderr.contains("Roboflow still accepts this token; the revoke did not take effect"), "{out:?}");
    assert_eq!(sb.keychain(&id).as_deref(), Some(key.as_str()), "the secret stays for a retry");
    let rec = sb.list().into_iter().find(|r| r["id"] == id.as_str()).unwrap();
    assert!(rec["revoked"].is_null(), "{rec}");
    // Marking it anyway works.
    sb.run(&["revoke", "sticky", "--mark-revoked"], None).ok();
    assert_eq!(sb.keychain(&id), None);
}

#[test]
fn a_guided_revoke_changes_nothing_until_confirmed() {
    let f = fakes();
    let sb = Sandbox::new();
    let secret = cvat_secret();
    f.all.cvat.add(token(&secret, Behaviour::Valid));
    let id = sb.add("cvat", "laptop", &secret, &["--server", &f.all.cvat.url]);

    let guided = sb.run(&["revoke", "laptop"], None).code(8);
    assert!(guided.stdout.contains(&f.all.cvat.url), "the settings page on the record's server: {guided:?}");
    assert!(guided.stderr.contains("--mark-revoked"), "{guided:?}");
    assert_eq!(sb.keychain(&id).as_deref(), Some(secret.as_str()), "nothing changed");

    let json = sb.run(&["revoke", "laptop", "--json"], None).code(8).json();
    assert!(json["steps"].as_array().is_some_and(|s| !s.is_empty()), "{json}");

    // "Done" while CVAT still accepts it: nothing changes.
    let early = sb.run(&["revoke", "laptop", "--yes", "--reason", "left on a shared box"], None).code(8);
    assert!(early.stderr.contains("CVAT still accepts this token"), "{early:?}");
    assert_eq!(sb.keychain(&id).as_deref(), Some(secret.as_str()), "nothing changed");

    // Revoked on the website: confirmed by CVAT's 401.
    assert!(f.all.cvat.set_behaviour(&secret, Behaviour::Revoked));
    sb.run(&["revoke", "laptop", "--yes", "--reason", "left on a shared box"], None).ok();
    assert_eq!(sb.keychain(&id), None);
    let rec = sb.list().into_iter().find(|r| r["id"] == id.as_str()).unwrap();
    assert_eq!(rec["revoked"]["reason"], "left on a shared box; revocation confirmed by CVAT (401)");
}

#[test]
fn list_says_a_validated_cvat_token_is_stale_according_to_cvat() {
    let f = fakes();
    let sb = Sandbox::new();
    let secret = cvat_secret();
    let days_ago = |d: i64| (chrono::Utc::now() - chrono::Duration::days(d)).to_rfc3339();
    f.all.cvat.add(FakeToken {
        last_used_at: Some(days_ago(400)),
        created_at: Some(days_ago(500)),
        ..token(&secret, Behaviour::Valid)
    });
    sb.add("cvat", "old", &secret, &["--server", &f.all.cvat.url]);
    // Stored just now: Latchkey alone would not call it stale.
    let before = sb.run(&["list"], None).ok();
    assert!(!before.stdout.contains("according to CVAT"), "{before:?}");
    sb.run(&["validate", "old"], None).ok();
    let after = sb.run(&["list"], None).ok();
    assert!(after.stdout.contains("stale"), "{after:?}");
    assert!(after.stdout.contains("unused for 400 days according to CVAT"), "{after:?}");
    assert!(after.stdout.contains("CVAT refuses it since"), "{after:?}");
    let rec = by_label(&sb.list(), "old").clone();
    assert_eq!(rec["status"]["unused_source"], "platform_last_use", "{rec:#}");
    assert!(rec["platform_last_used_at"].is_string() && rec["platform_created_at"].is_string(), "{rec:#}");
    assert!(rec.get("last_used_at").is_none(), "a check is not a use through Latchkey: {rec:#}");
}

/// A Roboflow key that may manage the workspace's keys, stored as `label`.
fn rotatable(f: &Fakes, sb: &Sandbox, label: &str, extra: FakeToken) -> (String, String) {
    let old = fake("rf-rot");
    f.all.roboflow.add(FakeToken { admin: true, name: label.into(), ..FakeToken { secret: old.clone(), ..extra } });
    let id = sb.add("roboflow", label, &old, &["--server", &f.all.roboflow.url]);
    (old, id)
}

#[test]
fn rotate_makes_a_new_roboflow_key_then_revokes_the_old_one() {
    let f = fakes();
    let sb = Sandbox::new();
    let (old, id) = rotatable(&f, &sb, "ci", token("", Behaviour::Valid));
    let out = sb.run(&["rotate", "ci"], None).ok();
    assert!(out.stdout.contains("Rotated roboflow/ci"), "{out:?}");
    assert!(out.stdout.contains("revocation confirmed by Roboflow (401)"), "{out:?}");
    let tokens = f.all.roboflow.tokens();
    let new = tokens.iter().find(|t| t.key_id.starts_with("key-new")).expect("Roboflow made a key");
    assert!(new.name.starts_with("ci (rotated 20"), "the old key's name and the day: {new:?}");
    assert!(!out.all().contains(&old) && !out.all().contains(&new.secret), "no secret printed: {out:?}");
    assert_eq!(sb.keychain(&id).as_deref(), Some(new.secret.as_str()), "the new key is the token's secret");
    assert_eq!(sb.keychain(&format!("{id}.rotation-new")), None);
    assert_eq!(sb.keychain(&format!("{id}.rotation-old")), None, "the old secret is gone once refused");
    assert!(tokens.iter().any(|t| t.secret == old && t.revoked_by_api), "the old key was revoked: {tokens:#?}");
    // Revoked with the new key, after the new key was checked.
    let reqs = f.all.roboflow.requests();
    let delete = reqs.iter().find(|r| r.method == "DELETE").expect("a DELETE");
    assert!(delete.contains(&new.secret) && !delete.contains(&old), "{delete:?}");
    let rec = by_label(&sb.list(), "ci").clone();
    assert!(rec["pending"].is_null(), "{rec:#}");
    assert_eq!(rec["last_validation"]["result"], "valid", "{rec:#}");
    assert_eq!(rec["rotations"][0]["how"], "api", "{rec:#}");
    assert!(rec["rotations"][0]["outcome"].as_str().unwrap().contains("old key revoked"), "{rec:#}");
    assert!(!sb.index_text().contains(&new.secret) && !sb.index_text().contains(&old));
    let ran = sb.run(&["run", "--no-mask", "-t", "ci", "--", "sh", "-c", "printf %s \"$ROBOFLOW_API_KEY\""], None).ok();
    assert_eq!(ran.stdout, new.secret);
    let log = sb.run(&["log", "ci", "--json"], None).ok().json();
    assert_eq!(log[1]["action"], "rotate", "{log:#}");
    assert_eq!(log[1]["detail"], "finished", "{log:#}");
}

#[test]
fn a_rotation_the_platform_refuses_changes_nothing() {
    let f = fakes();
    let sb = Sandbox::new();
    // A key that may not manage keys.
    let old = fake("rf-reader");
    f.all.roboflow.add(token(&old, Behaviour::Valid));
    let id = sb.add("roboflow", "reader", &old, &["--server", &f.all.roboflow.url]);
    let tokens = f.all.roboflow.tokens();
    let out = sb.run(&["rotate", "reader"], None).code(8);
    assert!(
        out.stderr.contains("Roboflow did not make a new key") && out.stderr.contains("Nothing was changed"),
        "{out:?}"
    );
    assert_eq!(f.all.roboflow.tokens().len(), tokens.len(), "no key was made");
    assert_eq!(sb.keychain(&id).as_deref(), Some(old.as_str()));
    let rec = by_label(&sb.list(), "reader").clone();
    assert!(rec["pending"].is_null() && rec["rotations"].is_null(), "{rec:#}");

    // A platform whose API cannot make keys: said before anything changes.
    let sly = fake("sly-rot");
    f.all.supervisely.add(token(&sly, Behaviour::Valid));
    sb.add("supervisely", "laptop", &sly, &["--server", &f.all.supervisely.url]);
    let out = sb.run(&["rotate", "laptop"], None).code(8);
    assert!(out.stderr.contains("Supervisely's API cannot make keys"), "{out:?}");
    assert!(by_label(&sb.list(), "laptop")["pending"].is_null());
}

#[test]
fn a_rotation_whose_old_key_still_works_is_finished_by_rotating_again() {
    let f = fakes();
    let sb = Sandbox::new();
    // The delete answers 200 but the key keeps working (a revoke that takes time to apply).
    let (old, id) = rotatable(&f, &sb, "slow", FakeToken { revoke_ignored: true, ..token("", Behaviour::Valid) });
    let out = sb.run(&["rotate", "slow"], None).code(8);
    assert!(out.stdout.contains("still accepts the old one (revocation pending)"), "{out:?}");
    assert!(out.stderr.contains("latchkey rotate roboflow/slow"), "{out:?}");
    let new = f.all.roboflow.tokens().into_iter().find(|t| t.key_id.starts_with("key-new")).unwrap();
    assert_eq!(sb.keychain(&id).as_deref(), Some(new.secret.as_str()), "the new key is in use");
    assert_eq!(
        sb.keychain(&format!("{id}.rotation-old")).as_deref(),
        Some(old.as_str()),
        "the old one kept until refused"
    );
    assert_eq!(by_label(&sb.list(), "slow")["pending"]["stage"], "swapped");
    // Meanwhile the record is not replaced or deleted behind the rotation's back.
    let refused = sb.run(&["revoke", "slow", "--mark-revoked"], None);
    assert_ne!(refused.code, 0, "{refused:?}");
    assert_eq!(sb.keychain(&id).as_deref(), Some(new.secret.as_str()));

    // The old key stops working (the revoke took effect): rotating again finishes.
    assert!(f.all.roboflow.set_behaviour(&old, Behaviour::Revoked));
    let out = sb.run(&["rotate", "slow"], None).ok();
    assert!(out.stdout.contains("Rotated roboflow/slow"), "{out:?}");
    assert_eq!(sb.keychain(&format!("{id}.rotation-old")), None);
    let rec = by_label(&sb.list(), "slow").clone();
    assert!(rec["pending"].is_null() && rec["rotations"].as_array().unwrap().len() == 1, "{rec:#}");
    // Both runs are in the access log: not finished, then finished.
    let log = sb.run(&["log", "slow", "--json"], None).ok().json();
    let rotations: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "rotate")
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert_eq!(rotations, ["finished", "new key in use; the old one not refused yet"], "{log:#}");
}

#[test]
fn rotate_makes_a_new_env0_key_pair_with_the_old_role() {
    let f = fakes();
    let sb = Sandbox::new();
    let secret = fake("e0-rot");
    let key_id = format!("e0old{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    f.all.env0.add(FakeToken {
        key_id: key_id.clone(),
        admin: true,
        role: "Admin".into(),
        name: "deploy".into(),
        ..token(&secret, Behaviour::Valid)
    });
    let id = sb.add("env0", "deploy", &secret, &["--key-id", &key_id, "--server", &f.all.env0.url]);
    let out = sb.run(&["rotate", "deploy", "--json"], None).ok();
    assert_eq!(out.json()["finished"], true, "{out:?}");
    let tokens = f.all.env0.tokens();
    let new = tokens.iter().find(|t| t.key_id.starts_with("e0new")).expect("env0 made a key");
    assert_eq!((new.role.as_str(), new.name.starts_with("deploy (rotated ")), ("Admin", true), "{new:?}");
    assert!(tokens.iter().any(|t| t.key_id == key_id && t.revoked_by_api), "{tokens:#?}");
    let stored: serde_json::Value = serde_json::from_str(&sb.keychain(&id).unwrap()).unwrap();
    assert_eq!(
        (stored["key_id"].as_str(), stored["secret"].as_str()),
        (Some(new.key_id.as_str()), Some(new.secret.as_str()))
    );
    assert!(!out.all().contains(&new.secret) && !out.all().contains(&secret));
    let rec = by_label(&sb.list(), "deploy").clone();
    assert_eq!(rec["public"]["key_id"], new.key_id.as_str(), "{rec:#}");
    let ran = sb.run(&["run", "-t", "deploy", "--", "sh", "-c", "printf %s \"$ENV0_API_KEY\""], None).ok();
    assert_eq!(ran.stdout, new.key_id);
}

#[test]
fn a_guided_rotation_checks_the_new_secret_and_keeps_the_old_until_it_is_refused() {
    let f = fakes();
    let sb = Sandbox::new();
    let old = fake("sly-old");
    let new = fake("sly-new");
    let wrong = fake("sly-wrong");
    f.all.supervisely.add(token(&old, Behaviour::Valid)).add(token(&new, Behaviour::Valid));
    f.all.supervisely.add(token(&wrong, Behaviour::Revoked));
    let id = sb.add("supervisely", "laptop", &old, &["--server", &f.all.supervisely.url]);

    // A new secret the platform refuses is not put in place.
    let refused = sb.run(&["rotate", "laptop", "--new-secret"], Some(&wrong)).code(8);
    assert!(refused.stderr.contains("refused when checked"), "{refused:?}");
    assert_eq!(sb.keychain(&id).as_deref(), Some(old.as_str()));
    assert_eq!(sb.keychain(&format!("{id}.rotation-new")), None);
    assert!(by_label(&sb.list(), "laptop")["pending"].is_null());
    // Nor is the current one.
    sb.run(&["rotate", "laptop", "--new-secret"], Some(&old)).code(2);

    // A good one is checked and put in place; Supervisely cannot revoke by API, so the old one
    // waits in its own entry, and the website is named.
    let out = sb.run(&["rotate", "laptop", "--new-secret"], Some(&new)).code(8);
    assert!(out.stdout.contains("Revoke it at: "), "{out:?}");
    assert!(!out.all().contains(&new) && !out.all().contains(&old));
    assert_eq!(sb.keychain(&id).as_deref(), Some(new.as_str()));
    assert_eq!(sb.keychain(&format!("{id}.rotation-old")).as_deref(), Some(old.as_str()));
    // Not refused yet: still pending.
    sb.run(&["rotate", "laptop"], None).code(8);
    assert!(f.all.supervisely.set_behaviour(&old, Behaviour::Revoked));
    let done = sb.run(&["rotate", "laptop"], None).ok();
    assert!(done.stdout.contains("Rotated supervisely/laptop"), "{done:?}");
    assert_eq!(sb.keychain(&format!("{id}.rotation-old")), None);
    let rec = by_label(&sb.list(), "laptop").clone();
    assert_eq!(rec["rotations"][0]["how"], "guided", "{rec:#}");
    assert!(rec["pending"].is_null(), "{rec:#}");
}

/// A CVAT token of `alice` with a 30-day lifetime, stored as `label`.
fn cvat_rotatable(f: &Fakes, sb: &Sandbox, label: &str) -> (String, String) {
    cvat_rotatable_with(f, sb, label, token("", Behaviour::Valid))
}

fn cvat_rotatable_with(f: &Fakes, sb: &Sandbox, label: &str, extra: FakeToken) -> (String, String) {
    let old = cvat_secret();
    let created = chrono::Utc::now() - chrono::Duration::days(10);
    f.all.cvat.add(FakeToken {
        name: "laptop".into(),
        read_only: true,
        created_at: Some(created.to_rfc3339()),
        expires_at: Some((created + chrono::Duration::days(30)).to_rfc3339()),
        ..FakeToken { secret: old.clone(), ..extra }
    });
    let id = sb.add("cvat", label, &old, &["--server", &f.all.cvat.url]);
    (old, id)
}

#[test]
fn rotate_makes_a_new_cvat_token_with_the_password_then_revokes_the_old_one() {
    let f = fakes();
    let sb = Sandbox::new();
    let (old, id) = cvat_rotatable(&f, &sb, "labels");
    let password = format!("{CVAT_PASSWORD}\n");
    let out = sb.run(&["rotate", "labels", "--password-stdin"], Some(&password)).ok();
    assert!(out.stdout.contains("Rotated cvat/labels"), "{out:?}");
    let tokens = f.all.cvat.tokens();
    let new = tokens.iter().find(|t| t.secret.starts_with("FAKEn")).expect("CVAT made a token");
    assert!(new.name.starts_with("laptop (rotated 20"), "the old token's name and the day: {new:?}");
    assert!(new.read_only, "the old token's read-only flag: {new:?}");
    // The old token's 30-day lifetime, from now.
    let expiry = chrono::DateTime::parse_from_rfc3339(new.expires_at.as_deref().unwrap()).unwrap();
    let days = (expiry.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_days();
    assert!((29..=30).contains(&days), "{new:?}");
    assert!(tokens.iter().any(|t| t.secret == old && t.revoked_by_api), "the old token was revoked: {tokens:#?}");
    // Created, then the old one (id 1, the first token of the fake) deleted: both with Basic.
    let reqs = f.all.cvat.requests();
    let manage: Vec<_> = reqs.iter().filter(|r| r.method != "GET").collect();
    assert_eq!(manage.len(), 2, "{manage:#?}");
    assert_eq!((manage[0].method.as_str(), manage[0].path.as_str()), ("POST", "/api/auth/access_tokens"));
    assert_eq!((manage[1].method.as_str(), manage[1].path.as_str()), ("DELETE", "/api/auth/access_tokens/1"));
    for r in &manage {
        assert!(r.headers.iter().any(|(k, v)| k == "authorization" && v.starts_with("Basic ")), "{r:?}");
    }
    let (post, delete) = (reqs.iter().position(|r| r.method == "POST"), reqs.iter().position(|r| r.method == "DELETE"));
    assert!(post < delete, "the new token is made before the old one is deleted");
    let secrets = [old.as_str(), new.secret.as_str(), CVAT_PASSWORD];
    assert!(secrets.iter().all(|s| !out.all().contains(s)), "nothing secret printed: {out:?}");
    assert!(secrets.iter().all(|s| !sb.index_text().contains(s)), "nothing secret in the index");
    assert_eq!(sb.keychain(&id).as_deref(), Some(new.secret.as_str()), "the new token is the secret");
    assert_eq!(sb.keychain(&format!("{id}.rotation-old")), None, "the old secret is gone once refused");
    let got = sb.run(&["get", "labels"], None).ok();
    assert_eq!(got.stdout.trim(), new.secret);
    let rec = by_label(&sb.list(), "labels").clone();
    assert!(rec["pending"].is_null(), "{rec:#}");
    assert_eq!(rec["rotations"][0]["how"], "api", "{rec:#}");
    assert!(rec["rotations"][0]["outcome"].as_str().unwrap().contains("old key revoked"), "{rec:#}");
    let log = sb.run(&["log", "labels", "--json"], None).ok().json();
    assert!(!log.to_string().contains(CVAT_PASSWORD));
}

#[test]
fn a_cvat_rotation_with_a_wrong_or_no_password_changes_nothing() {
    let f = fakes();
    let sb = Sandbox::new();
    let (old, id) = cvat_rotatable(&f, &sb, "labels");
    let before = f.all.cvat.tokens();

    let wrong = sb.run(&["rotate", "labels", "--password-stdin"], Some("not-the-password\n")).code(8);
    assert!(wrong.stderr.contains("CVAT refused the username and password (HTTP 401)"), "{wrong:?}");
    assert!(wrong.stderr.contains("Nothing was changed") && wrong.stderr.contains("--new-secret"), "{wrong:?}");
    assert!(!wrong.all().contains("not-the-password"), "{wrong:?}");
    // No password: said before anything is asked of CVAT.
    let none = sb.run(&["rotate", "labels"], None).code(8);
    assert!(none.stderr.contains("--password-stdin") && none.stderr.contains("--new-secret"), "{none:?}");

    assert_eq!(f.all.cvat.tokens(), before, "no token made or revoked");
    assert!(f.all.cvat.requests().iter().all(|r| r.method != "DELETE"));
    assert_eq!(sb.keychain(&id).as_deref(), Some(old.as_str()), "the old secret still in the keychain");
    assert_eq!(sb.keychain(&format!("{id}.rotation-new")), None);
    let rec = by_label(&sb.list(), "labels").clone();
    assert!(rec["pending"].is_null() && rec["rotations"].is_null(), "{rec:#}");
    // --password-stdin is for CVAT only.
    let sly = fake("sly-pw");
    f.all.supervisely.add(token(&sly, Behaviour::Valid));
    sb.add("supervisely", "laptop", &sly, &["--server", &f.all.supervisely.url]);
    sb.run(&["rotate", "laptop", "--password-stdin"], Some("x\n")).code(2);
}

#[test]
fn a_cvat_rotation_resumed_without_the_password_says_it_is_needed() {
    let f = fakes();
    let sb = Sandbox::new();
    // The delete answers 204 but the token keeps working for now.
    let (old, id) =
        cvat_rotatable_with(&f, &sb, "labels", FakeToken { revoke_ignored: true, ..token("", Behaviour::Valid) });
    let password = format!("{CVAT_PASSWORD}\n");
    let out = sb.run(&["rotate", "labels", "--password-stdin"], Some(&password)).code(8);
    assert!(out.stdout.contains("revocation pending"), "{out:?}");
    assert_eq!(by_label(&sb.list(), "labels")["pending"]["stage"], "swapped");
    assert_eq!(sb.keychain(&format!("{id}.rotation-old")).as_deref(), Some(old.as_str()));

    // Resumed without the password: the old token cannot be deleted; it says how to finish.
    let deletes = |f: &Fakes| f.all.cvat.requests().iter().filter(|r| r.method == "DELETE").count();
    let before = deletes(&f);
    let out = sb.run(&["rotate", "labels"], None).code(8);
    assert!(out.stdout.contains("--password-stdin") && out.stdout.contains("Revoke it at: "), "{out:?}");
    assert_eq!(deletes(&f), before, "nothing deleted without the password");
    assert_eq!(by_label(&sb.list(), "labels")["pending"]["stage"], "swapped");

    // The old token is refused now: rotating again (no password needed) finishes.
    assert!(f.all.cvat.set_behaviour(&old, Behaviour::Revoked));
    let done = sb.run(&["rotate", "labels"], None).ok();
    assert!(done.stdout.contains("Rotated cvat/labels"), "{done:?}");
    assert_eq!(sb.keychain(&format!("{id}.rotation-old")), None);
}
