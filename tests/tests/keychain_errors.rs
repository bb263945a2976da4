//! The window when the keychain is there but answers errors: a fake Secret Service on a
//! private bus (`fake-platforms --secret-service`) that opens sessions and answers searches
//! but refuses to store. Saving says the keychain answered an error and nothing was stored,
//! the banner offers Retry, and nothing reaches the index or the disk.
//!
//! Run with `make test`; see the crate docs for the environment these need.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use latchkey_e2e::fakes::fake_platforms_binary;
use latchkey_e2e::*;

/// The fake Secret Service on `bus`, ready; it stops when dropped (its stdin closes).
struct FailingKeychain(Child);

impl FailingKeychain {
    fn start(bus: &str) -> FailingKeychain {
        let mut child = Command::new(fake_platforms_binary())
            .args(["--secret-service", bus, "--refuse", "storage"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("fake-platforms runs (make build)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready", "the fake Secret Service did not start");
        FailingKeychain(child)
    }
}

impl Drop for FailingKeychain {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn k_keychain_answering_errors_is_explained_and_stores_nothing() {
    let bus = EmptyBus::start();
    let _keychain = FailingKeychain::start(&bus.address);
    let mut app = App::new("keychain_errors");
    app.set_env("DBUS_SESSION_BUS_ADDRESS", &bus.address);
    app.launch().await;
    // The keychain answers the start-up probe (a search), so there is no banner yet.
    assert!(!app.is_visible("keychain-banner").await, "no banner while the keychain answers");

    let secret = fake_secret("cvat-kcerror");
    app.fill_add_form(&TokenInput::token("cvat", "E2E keychain error", &secret)).await;
    let msg = app.save_expecting_error().await;
    assert!(
        msg.contains("The system keychain answered an error") && msg.contains("nothing was stored"),
        "the error says what happened: {msg:?}"
    );
    assert!(msg.contains("refuses CreateItem"), "and the keychain's own words: {msg:?}");
    app.click("form-cancel").await;
    app.wait_gone("token-form").await;
    assert!(app.rows().await.is_empty(), "no row for a token that was not stored");

    // The banner says so too, with Retry; retrying finds the keychain answering again.
    let banner = app.wait_text("keychain-banner", "the keychain error", |t| t.contains("answered an error")).await;
    app.screenshot("keychain-error-banner").await;
    assert!(app.is_visible("keychain-retry").await, "a Retry button next to: {banner:?}");
    app.click("keychain-retry").await;
    app.wait_gone("keychain-banner").await;

    assert!(!app.index_text().contains("E2E keychain error"), "no record without its secret");
    app.quit().await;
    assert!(app.leaks(&[&secret]).is_empty(), "{:?}", app.leaks(&[&secret]));
    drop(bus);
}
