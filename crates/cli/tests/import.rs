//! `latchkey import` from ~/supervisely.env, Roboflow's config file and the environment:
//! masked in what it shows, asks (or needs --yes), skips duplicates and revoked tokens.

mod support;

use support::{fake, Sandbox};

fn actions(report: &serde_json::Value) -> Vec<(String, String)> {
    report
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["platform"].as_str().unwrap().to_string(), r["action"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn import_finds_shows_masked_stores_and_skips_what_it_knows() {
    let mut sb = Sandbox::new();
    let sly = fake("sly");
    let rf = fake("rf");
    let cvat = fake("cvat");
    let env0 = fake("env0");
    std::fs::write(
        sb.home().join("supervisely.env"),
        format!("# from the Supervisely docs\nSERVER_ADDRESS=\"https://sly.example.invalid\"\nAPI_TOKEN={sly}\n"),
    )
    .unwrap();
    let rf_dir = sb.home().join(".config/roboflow");
    std::fs::create_dir_all(&rf_dir).unwrap();
    let rf_config = serde_json::json!({"workspaces": {"acme": {"name": "Acme", "url": "acme", "apiKey": rf}}});
    std::fs::write(rf_dir.join("config.json"), rf_config.to_string()).unwrap();
    sb.env.push(("CVAT_ACCESS_TOKEN".into(), cvat.clone()));
    sb.env.push(("ENV0_API_KEY".into(), "kid-public-9".into()));
    sb.env.push(("ENV0_API_SECRET".into(), env0.clone()));
    // The same Supervisely token in the environment too: reported once.
    sb.env.push(("API_TOKEN".into(), sly.clone()));
    let secrets = [&sly, &rf, &cvat, &env0];

    // No terminal to ask on, and neither --yes nor --dry-run: refuse.
    sb.run(&["import"], None).code(2);

    let dry = sb.run(&["import", "--dry-run"], None).ok();
    for s in secrets {
        assert!(!dry.all().contains(s.as_str()), "masked: {dry:?}");
    }
    assert!(dry.stdout.contains(&format!("…{}", &cvat[cvat.len() - 4..])), "the hint shows: {dry:?}");
    assert!(dry.stdout.contains("~/supervisely.env") && dry.stdout.contains("$CVAT_ACCESS_TOKEN"), "{dry:?}");
    assert!(sb.list().is_empty(), "a dry run stores nothing");

    let stored = sb.run(&["import", "--yes", "--json"], None).ok();
    let mut got = actions(&stored.json());
    got.sort();
    let want: Vec<(String, String)> =
        ["cvat", "env0", "roboflow", "supervisely"].iter().map(|p| (p.to_string(), "stored".to_string())).collect();
    assert_eq!(got, want, "{stored:?}");
    for s in secrets {
        assert!(!stored.all().contains(s.as_str()));
    }
    let list = sb.list();
    assert_eq!(list.len(), 4);
    let sly_rec = list.iter().find(|r| r["platform"] == "supervisely").unwrap();
    assert_eq!(sly_rec["server_url"], "https://sly.example.invalid");
    assert_eq!(sb.keychain(sly_rec["id"].as_str().unwrap()).as_deref(), Some(sly.as_str()));
    let rf_rec = list.iter().find(|r| r["platform"] == "roboflow").unwrap();
    assert_eq!(sb.keychain(rf_rec["id"].as_str().unwrap()).as_deref(), Some(rf.as_str()));

    // Again: everything is already stored.
    let again = sb.run(&["import", "--yes", "--json"], None).ok();
    assert!(actions(&again.json()).iter().all(|(_, a)| a == "duplicate"), "{again:?}");
    assert_eq!(sb.list().len(), 4);

    // A revoked token is not brought back.
    let cvat_id = list.iter().find(|r| r["platform"] == "cvat").unwrap()["id"].as_str().unwrap().to_string();
    sb.run(&["revoke", &cvat_id, "--mark-revoked"], None).ok();
    let after = sb.run(&["import", "--yes", "--json"], None).ok().json();
    let cvat_line = after.as_array().unwrap().iter().find(|r| r["platform"] == "cvat").unwrap();
    assert_eq!(cvat_line["action"], "revoked", "{after:#}");
    assert_eq!(sb.list().len(), 4);
}
