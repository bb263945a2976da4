use super::*;

fn new(address: &str, mount: Option<&str>, prefix: Option<&str>) -> NewTeamVault {
    NewTeamVault {
        name: " Platform team ".into(),
        address: address.into(),
        mount: mount.map(Into::into),
        prefix: prefix.map(Into::into),
        token: "s.fake-team-token".into(),
    }
}

#[test]
fn defaults_and_normalisation() {
    let (c, token) = TeamVaultConfig::from_new(&new(" https://vault.example:8200/ ", None, Some("  "))).unwrap();
    assert_eq!(c.name, "Platform team");
    assert_eq!(c.address, "https://vault.example:8200");
    assert_eq!(c.mount, "secret");
    assert_eq!(c.prefix, "latchkey");
    assert_eq!(token.expose_secret(), "s.fake-team-token");
    let (c, _) = TeamVaultConfig::from_new(&new("vault.example", Some("/kv/"), Some("/team/ml/"))).unwrap();
    assert_eq!(c.address, "https://vault.example");
    assert_eq!(c.mount, "kv");
    assert_eq!(c.prefix, "team/ml");
    let (c, _) = TeamVaultConfig::from_new(&new("http://127.0.0.1:8200", None, None)).unwrap();
    assert_eq!(c.address, "http://127.0.0.1:8200");
}

#[test]
fn bad_input_is_refused_clearly() {
    let err = |n: NewTeamVault| TeamVaultConfig::from_new(&n).unwrap_err().to_string();
    assert!(err(new("http://vault.example", None, None)).contains("https"));
    assert!(err(new("", None, None)).contains("address"));
    assert!(err(new("https://user:pw@vault.example", None, None)).contains("Leave user names"));
    assert!(err(new("https://vault.example/?x=1", None, None)).contains("? or #"));
    assert!(err(new("ftp://vault.example", None, None)).contains("not supported"));
    assert!(err(new("https://vault.example", Some("a/../b"), None)).contains("mount"));
    assert!(err(new("https://vault.example", None, Some("a b"))).contains("path prefix"));
    let mut n = new("https://vault.example", None, None);
    n.name = "  ".into();
    assert!(err(n).contains("name"));
    let mut n = new("https://vault.example", None, None);
    n.token = "   ".into();
    assert!(err(n).contains("Vault token"));
    let mut n = new("https://vault.example", None, None);
    n.token = "two words".into();
    let msg = err(n);
    assert!(msg.contains("one line") && !msg.contains("two words"), "{msg}");
}

#[test]
fn debug_of_the_form_hides_the_token() {
    let n = new("https://vault.example", None, None);
    assert!(!format!("{n:?}").contains("fake-team-token"));
}
