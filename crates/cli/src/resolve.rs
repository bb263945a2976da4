//! Finding the token a user means by `<label|id>`: an exact id, else a label (trimmed,
//! case-insensitive), optionally qualified by its platform as `platform/label`, else a unique
//! id prefix of at least 6 characters.

use latchkey_core::{Platform, TokenRecord};

use crate::exit::{Code, Failure};

pub fn find<'a>(records: &'a [TokenRecord], query: &str) -> Result<&'a TokenRecord, Failure> {
    let q = query.trim();
    if q.is_empty() {
        return Err(Failure::usage("Name a token by its label or id."));
    }
    if let Ok(id) = q.parse::<uuid::Uuid>() {
        if let Some(r) = records.iter().find(|r| r.id == id) {
            return Ok(r);
        }
    }
    let by_label: Vec<&TokenRecord> = records.iter().filter(|r| label_matches(r, None, q)).collect();
    let by_label = if by_label.is_empty() {
        // `platform/label`; a label may itself contain '/', so this is only tried second.
        match q.split_once('/') {
            Some((p, label)) => match crate::cli::platform(p) {
                Ok(p) => records.iter().filter(|r| label_matches(r, Some(p), label)).collect(),
                Err(_) => by_label,
            },
            None => by_label,
        }
    } else {
        by_label
    };
    match by_label.as_slice() {
        [one] => return Ok(one),
        [] => {}
        many => {
            let names: Vec<String> = many.iter().map(|r| format!("  {}  (id {})", qualified(r), r.id)).collect();
            return Err(Failure::usage(format!(
                "More than one token is labelled “{q}”; say which one as platform/label or by id:\n{}",
                names.join("\n")
            )));
        }
    }
    let lower = q.to_lowercase();
    if lower.len() >= 6 && lower.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        let by_prefix: Vec<&TokenRecord> = records.iter().filter(|r| r.id.to_string().starts_with(&lower)).collect();
        if let [one] = by_prefix.as_slice() {
            return Ok(one);
        }
    }
    Err(Failure::new(
        Code::NotFound,
        format!("No token is labelled “{q}” or has that id. `latchkey list` shows them all."),
    ))
}

fn label_matches(r: &TokenRecord, platform: Option<Platform>, label: &str) -> bool {
    platform.is_none_or(|p| p == r.platform) && r.label.trim().to_lowercase() == label.trim().to_lowercase()
}

/// `platform/label`, the unambiguous name.
pub fn qualified(r: &TokenRecord) -> String {
    format!("{}/{}", r.platform.id(), r.label)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(platform: Platform, label: &str) -> TokenRecord {
        let json = serde_json::json!({
            "id": uuid::Uuid::new_v4(), "platform": platform, "kind": "token", "label": label,
            "hint": "", "created_at": "2026-01-01T00:00:00Z"
        });
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn id_label_platform_label_and_prefix() {
        let rs = vec![rec(Platform::Cvat, "CI"), rec(Platform::Roboflow, "ci"), rec(Platform::Supervisely, "Laptop")];
        assert_eq!(find(&rs, &rs[0].id.to_string()).unwrap().id, rs[0].id);
        assert_eq!(find(&rs, "  laptop ").unwrap().id, rs[2].id);
        let e = find(&rs, "ci").unwrap_err();
        assert_eq!(e.code, Code::Usage);
        assert!(e.message.contains("cvat/CI") && e.message.contains("roboflow/ci"), "{}", e.message);
        assert_eq!(find(&rs, "roboflow/CI").unwrap().id, rs[1].id);
        assert_eq!(find(&rs, &rs[2].id.to_string()[..8]).unwrap().id, rs[2].id);
        assert_eq!(find(&rs, "nothing").unwrap_err().code, Code::NotFound);
        assert_eq!(find(&rs, "env0/ci").unwrap_err().code, Code::NotFound);
    }
}
