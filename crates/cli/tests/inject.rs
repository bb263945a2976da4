//! `latchkey inject`: templates with `latchkey://` references, the real binary against the
//! real keychain of the test session.

mod support;

use support::{fake, Sandbox};

#[test]
fn a_template_is_written_with_the_secrets_and_mode_0600() {
    let sb = Sandbox::new();
    let cvat = fake("cvat");
    let env0 = fake("env0");
    sb.add("cvat", "ci bot", &cvat, &["--server", "http://127.0.0.1:9"]);
    sb.add("env0", "deploy", &env0, &["--key-id", "kid-public-3"]);
    let dir = tempfile::tempdir().unwrap();
    let tpl = dir.path().join("config.tpl");
    let out = dir.path().join("config");
    std::fs::write(
        &tpl,
        "cvat: latchkey://cvat/ci%20bot\nenv0_key: kid-public-3\nenv0_secret: \"latchkey://env0/deploy\"\nagain=latchkey://cvat/ci%20bot;\n",
    )
    .unwrap();
    let ran = sb.run(&["inject", "-i", tpl.to_str().unwrap(), "-o", out.to_str().unwrap()], None).ok();
    assert!(!ran.all().contains(&cvat) && !ran.all().contains(&env0), "{ran:?}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        format!("cvat: {cvat}\nenv0_key: kid-public-3\nenv0_secret: \"{env0}\"\nagain={cvat};\n")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
        // An existing output file is replaced, and ends up 0600 too.
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
        sb.run(&["inject", "-i", tpl.to_str().unwrap(), "-o", out.to_str().unwrap()], None).ok();
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // No temporary file left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 2, "{names:?}");

    // To stdout (not a terminal here).
    let piped = sb.run(&["inject", "-i", tpl.to_str().unwrap(), "-o", "-"], None).ok();
    assert!(piped.stdout.starts_with(&format!("cvat: {cvat}\n")), "{piped:?}");
}

#[test]
fn an_unknown_reference_is_named_and_nothing_is_written() {
    let sb = Sandbox::new();
    sb.add("cvat", "ci", &fake("cvat"), &["--server", "http://127.0.0.1:9"]);
    let dir = tempfile::tempdir().unwrap();
    let tpl = dir.path().join("t.tpl");
    let out = dir.path().join("t");
    std::fs::write(&tpl, "a=latchkey://cvat/ci\nb=latchkey://roboflow/missing\nc=latchkey://nosuch/x\n").unwrap();
    let ran = sb.run(&["inject", "-i", tpl.to_str().unwrap(), "-o", out.to_str().unwrap()], None).code(3);
    assert!(ran.stderr.contains("latchkey://roboflow/missing"), "{ran:?}");
    assert!(ran.stderr.contains("latchkey://nosuch/x"), "{ran:?}");
    assert!(!out.exists());

    // The template itself is never overwritten.
    std::fs::write(&tpl, "a=latchkey://cvat/ci\n").unwrap();
    sb.run(&["inject", "-i", tpl.to_str().unwrap(), "-o", tpl.to_str().unwrap()], None).code(2);
    assert_eq!(std::fs::read_to_string(&tpl).unwrap(), "a=latchkey://cvat/ci\n");
    // A missing template: not found.
    sb.run(&["inject", "-i", dir.path().join("nope").to_str().unwrap(), "-o", out.to_str().unwrap()], None).code(3);
}
