//! References instead of values: `latchkey://<platform>/<label>[#<id>]` stands for a stored
//! secret in a file or an environment variable, so what is committed holds no secret. The
//! command line resolves them (`latchkey run`, `latchkey inject`); the leak panel writes them
//! (“Replace with a reference”); this is the one formatter both use, so what one writes the
//! other reads.

use uuid::Uuid;

use crate::leak::url_encode;
use crate::record::{Platform, TokenRecord};

/// What every reference starts with.
pub const SCHEME: &str = "latchkey://";

/// The reference for a token: the label URL-encoded (RFC 3986 unreserved characters kept),
/// `#<id>` added when `id` is given.
pub fn format(platform: Platform, label: &str, id: Option<Uuid>) -> String {
    let mut s = format!("{SCHEME}{}/{}", platform.id(), url_encode(label.trim(), true).as_str());
    if let Some(id) = id {
        s.push('#');
        s.push_str(&id.to_string());
    }
    s
}

/// The reference for `record` among `records`: with its id only when another token of the same
/// platform has the same label (compared as the resolver compares them: trimmed, any case).
pub fn for_record(records: &[TokenRecord], record: &TokenRecord) -> String {
    let key = |r: &TokenRecord| (r.platform, r.label.trim().to_lowercase());
    let ambiguous = records.iter().any(|r| r.id != record.id && key(r) == key(record));
    format(record.platform, &record.label, ambiguous.then_some(record.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_url_encoded_and_the_id_added_on_request() {
        assert_eq!(format(Platform::Roboflow, "E2E ref", None), "latchkey://roboflow/E2E%20ref");
        assert_eq!(format(Platform::Cvat, " ci/bot ", None), "latchkey://cvat/ci%2Fbot");
        let id = Uuid::nil();
        assert_eq!(format(Platform::Env0, "k", Some(id)), "latchkey://env0/k#00000000-0000-0000-0000-000000000000");
    }
}
