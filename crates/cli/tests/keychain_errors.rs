//! `latchkey` against a keychain that is there but answers errors: a fake Secret Service on a
//! private bus (`latchkey_fake_platforms::secret_service`) behind the real keyring code path.
//! Exit code 4, a message that says the keychain answered an error and nothing was stored, and
//! nothing lost or written in plaintext.

mod support;

use latchkey_fake_platforms::secret_service::{FakeSecretService, PrivateBus, Refuse};
use support::{fake, Sandbox};

#[test]
fn a_keychain_answering_errors_is_exit_4_with_its_reason_and_nothing_changes() {
    let sb = Sandbox::new();
    let kept = fake("kept");
    let id = sb.add("cvat", "there", &kept, &[]);
    let index_before = sb.index_text();

    let bus = PrivateBus::start();
    let ss = FakeSecretService::start(&bus.address, Refuse::Storage, &[&id]);
    let on_fake = |args: &[&str], stdin: Option<&str>| {
        let mut c = sb.cmd(args);
        c.env("DBUS_SESSION_BUS_ADDRESS", &bus.address);
        support::run_with_stdin(&mut c, stdin)
    };

    let new = fake("new");
    let add = on_fake(&["add", "supervisely", "--label", "refused"], Some(&new));
    assert_eq!(add.code, 4, "{add:?}");
    assert!(
        add.stderr.contains("The system keychain answered an error: fake Secret Service refuses CreateItem")
            && add.stderr.contains("nothing was stored or changed"),
        "{add:?}"
    );
    let get = on_fake(&["get", "there"], None);
    assert_eq!(get.code, 4, "{get:?}");
    assert!(get.stderr.contains("answered an error") && get.stderr.contains("refuses GetSecret"), "{get:?}");
    assert!(ss.calls().iter().any(|c| c == "CreateItem") && ss.calls().iter().any(|c| c == "GetSecret"));

    // The list still works from the index, unchanged; the real keychain still has the secret.
    let listed = on_fake(&["list", "--json"], None).ok().json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(sb.index_text(), index_before, "the index is as it was");
    assert_eq!(sb.keychain(&id).as_deref(), Some(kept.as_str()));
    for s in [&kept, &new] {
        assert!(!sb.index_text().contains(s.as_str()));
        for ran in [&add, &get] {
            assert!(!ran.all().contains(s.as_str()), "a secret in the output: {ran:?}");
        }
    }
}
