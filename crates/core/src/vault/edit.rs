//! Changing the vault: add, edit, replace the secret, delete, read a secret, settings.
//! Each two-store change is journalled (see `journal.rs`).

use super::journal::{clear_mark, set_mark};
use super::*;
use crate::error::Field;

const LABEL_MAX: usize = 80;
const TAG_MAX: usize = 32;
const NOTES_MAX: usize = 4000;

/// A new token's record and prepared secret, from what the form or the command line gave:
/// every field cleaned and checked, the secret parsed, and refused if it appears in a text
/// field. Shared by the local vault and team vaults (`team/edit.rs`).
pub(crate) fn new_record(new: NewToken, now: DateTime<Utc>) -> Result<(TokenRecord, PreparedSecret)> {
    let platform = new.platform;
    let label = clean_label(&new.label)?;
    let server_url = clean_server(platform, new.server_url.as_deref())?;
    let tags = clean_tags(&new.tags)?;
    let notes = clean_notes(&new.notes)?;
    let check = clean_check(platform, new.check, server_url.as_deref())?;
    let rotate_before_days = clean_rotate_before(new.rotate_before_days)?;
    let identity = Identity { owner: clean_opt(new.owner), workspace: clean_opt(new.workspace), ..Default::default() };
    let prepared = new.secret.prepare(platform)?;
    refuse_secret_in_text(
        &prepared,
        [&label, &notes, identity.owner.as_deref().unwrap_or(""), identity.workspace.as_deref().unwrap_or("")]
            .into_iter()
            .chain(tags.iter().map(String::as_str)),
    )?;
    let record = TokenRecord {
        id: Uuid::new_v4(),
        platform,
        kind: prepared.kind,
        label,
        server_url,
        public: prepared.public.clone(),
        hint: prepared.hint.clone(),
        created_at: now,
        expires_at: new.expires_at,
        expiry_source: Default::default(),
        user_expires_at: None,
        last_used_at: None,
        platform_created_at: None,
        platform_last_used_at: None,
        stale_period_days: None,
        rotate_before_days,
        last_validation: None,
        last_verdict: None,
        identity,
        tags,
        notes,
        rotated_at: vec![],
        rotations: vec![],
        revoked: None,
        revoked_secrets: vec![],
        check,
        alerts_sent: vec![],
        snoozed_until: None,
        pending: Pending::None,
        pending_since: None,
        extra: Default::default(),
    };
    Ok((record, prepared))
}

/// A [`MetaUpdate`] with every field cleaned and checked, ready to apply to a record. Shared
/// by the local vault and team vaults (`team/edit.rs`).
pub(crate) struct CleanUpdate {
    pub(crate) label: String,
    server_url: Option<String>,
    expires_at: Option<DateTime<Utc>>,
    owner: Option<String>,
    workspace: Option<String>,
    tags: Vec<String>,
    notes: String,
    check: Option<CheckSettings>,
    stale_period_days: Option<u32>,
    rotate_before_days: Option<u32>,
}

impl CleanUpdate {
    pub(crate) fn new(platform: Platform, update: MetaUpdate) -> Result<CleanUpdate> {
        let server_url = clean_server(platform, update.server_url.as_deref())?;
        Ok(CleanUpdate {
            label: clean_label(&update.label)?,
            check: clean_check(platform, update.check, server_url.as_deref())?,
            server_url,
            expires_at: update.expires_at,
            owner: clean_opt(update.owner),
            workspace: clean_opt(update.workspace),
            tags: clean_tags(&update.tags)?,
            notes: clean_notes(&update.notes)?,
            stale_period_days: clean_stale_period(platform, update.stale_period_days)?,
            rotate_before_days: clean_rotate_before(update.rotate_before_days)?,
        })
    }

    pub(crate) fn apply_to(self, r: &mut TokenRecord) {
        r.label = self.label;
        r.server_url = self.server_url;
        // An expiry the user changes is theirs again; one sent back unchanged stays the
        // platform's.
        if self.expires_at != r.expires_at {
            r.expiry_source = ExpirySource::User;
            r.user_expires_at = None;
        }
        r.expires_at = self.expires_at;
        r.check = self.check;
        r.identity.owner = self.owner;
        r.identity.workspace = self.workspace;
        r.tags = self.tags;
        r.notes = self.notes;
        r.stale_period_days = self.stale_period_days;
        r.rotate_before_days = self.rotate_before_days;
    }
}

/// "Rotate before expiry": a whole number of days, from 1 to 365.
fn clean_rotate_before(days: Option<u32>) -> Result<Option<u32>> {
    match days {
        None => Ok(None),
        Some(d) if (1..=365).contains(&d) => Ok(Some(d)),
        Some(_) => Err(Error::invalid_field(
            Field::RotateBefore,
            "Give how many days before expiry to rotate, from 1 to 365 (or turn it off).",
        )),
    }
}

/// A server's own inactivity period: CVAT only, a whole number of days up to ten years.
fn clean_stale_period(platform: Platform, days: Option<u32>) -> Result<Option<u32>> {
    match days {
        None => Ok(None),
        Some(_) if !crate::platforms::drops_unused(platform) => Err(Error::invalid_field(
            Field::StalePeriod,
            format!("{platform} does not drop unused tokens; an inactivity period applies to CVAT servers only."),
        )),
        Some(d) if (1..=3650).contains(&d) => Ok(Some(d)),
        Some(_) => Err(Error::invalid_field(
            Field::StalePeriod,
            "Give the server's inactivity period in days, from 1 to 3650 (its CVAT_ACCESS_TOKEN_STALE_PERIOD).",
        )),
    }
}

impl Vault {
    pub fn add(&mut self, new: NewToken, now: DateTime<Utc>) -> Result<TokenRecord> {
        let allow_revoked = new.allow_revoked == Some(true);
        let (mut record, prepared) = new_record(new, now)?;
        self.check_writable()?;
        if !allow_revoked {
            self.refuse_revoked(&prepared)?;
        }
        record.pending = Pending::Adding;
        record.pending_since = Some(now);
        let platform = record.platform;
        let id = record.id;
        let staged = record.clone();
        self.mutate(move |idx| {
            ensure_unique_label(idx, platform, &staged.label, None)?;
            idx.records.push(staged);
            Ok(())
        })?;
        let put = self.secrets.put_labeled(&id.to_string(), &keychain_label(&record), &prepared.payload);
        // Take the staged record back out (if even that fails, repair does it).
        self.keychain_or_undo(put, |idx| idx.records.retain(|r| r.id != id))?;
        self.mutate(|idx| {
            let r = find_mut(idx, id).ok_or(Error::NotFound(id))?;
            clear_mark(r);
            Ok(r.clone())
        })
    }

    pub fn update(&mut self, id: Uuid, update: MetaUpdate) -> Result<TokenRecord> {
        let current = self.get(id)?;
        let update = CleanUpdate::new(current.platform, update)?;
        self.mutate(move |idx| {
            ensure_unique_label(idx, current.platform, &update.label, Some(id))?;
            let r = find_mut(idx, id).ok_or(Error::NotFound(id))?;
            update.apply_to(r);
            Ok(r.clone())
        })
    }

    /// Rotate: store a new secret for the same record. Keeps when, never the old secret.
    pub fn replace_secret(&mut self, id: Uuid, input: SecretInput, now: DateTime<Utc>) -> Result<TokenRecord> {
        let current = self.get(id)?;
        super::rotate::refuse_if_rotating(&current)?;
        let prepared = prepare_replacement(&current, input)?;
        // A revoked record takes a replacement (it is no longer revoked then), never its
        // own or another revoked secret back.
        self.refuse_revoked(&prepared)?;
        refuse_secret_in_record(&prepared, &current)?;
        self.check_writable()?;
        let (hint, public) = (prepared.hint.clone(), prepared.public.clone());
        self.mutate(|idx| {
            let r = find_mut(idx, id).ok_or(Error::NotFound(id))?;
            set_mark(r, Pending::Replacing { hint, public }, now);
            Ok(())
        })?;
        let put = self.secrets.put_labeled(&id.to_string(), &keychain_label(&current), &prepared.payload);
        self.keychain_or_undo(put, |idx| unmark(idx, id))?;
        self.mutate(|idx| {
            let r = find_mut(idx, id).ok_or(Error::NotFound(id))?;
            take_replacement(r, &prepared, now);
            clear_mark(r);
            Ok(r.clone())
        })
    }

    /// The keychain's answer `r` to a staged change; when it failed, `undo` the staging (if
    /// even that fails, repair does it) — unless the call was abandoned: it may still land,
    /// so the staging stays and repair decides later.
    fn keychain_or_undo<T>(&mut self, r: Result<T>, undo: impl FnOnce(&mut IndexFile)) -> Result<T> {
        let r = self.keychain_result(r);
        if let Err(e) = &r {
            if !matches!(e, Error::KeychainTimeout { .. }) {
                let _ = self.mutate(|idx| {
                    undo(idx);
                    Ok(())
                });
            }
        }
        r
    }

    /// Refuse a secret that was revoked before (recognised by its fingerprint).
    pub(super) fn refuse_revoked(&mut self, prepared: &PreparedSecret) -> Result<()> {
        let usable = usable_secret(prepared.kind, prepared.payload.clone())?;
        let fingerprint = crate::leak::fingerprint(usable.expose_secret());
        match self.records()?.into_iter().find(|r| r.revoked_secrets.contains(&fingerprint)) {
            Some(r) => Err(Error::RevokedSecret { label: r.label }),
            None => Ok(()),
        }
    }

    /// Delete the record and its keychain entry.
    pub fn delete(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<()> {
        super::rotate::refuse_if_rotating(&self.get(id)?)?;
        self.check_writable()?;
        self.mutate(|idx| {
            let r = find_mut(idx, id).ok_or(Error::NotFound(id))?;
            set_mark(r, Pending::Deleting, now);
            Ok(())
        })?;
        let deleted = self.secrets.delete(&id.to_string());
        // Undo the mark so the token stays usable; nothing was removed. An abandoned call
        // keeps the mark: the user asked for deletion, repair completes it.
        self.keychain_or_undo(deleted, |idx| unmark(idx, id))?;
        self.mutate(|idx| {
            idx.records.retain(|r| r.id != id);
            Ok(())
        })
    }

    /// Take a token's usable secret out of the keychain. A copy counts as a use.
    pub fn secret(&mut self, id: Uuid, purpose: Use, now: DateTime<Utc>) -> Result<SecretString> {
        let record = self.get(id)?;
        let got = self.secrets.get(&id.to_string());
        let payload = self.keychain_result(got)?.ok_or_else(|| Error::SecretMissing { label: record.label.clone() })?;
        let secret = usable_secret(record.kind, payload)
            .map_err(|e| Error::SecretUnreadable { label: record.label.clone(), detail: e.to_string() })?;
        if purpose == Use::Copy {
            self.record_use(id, now);
        }
        Ok(secret)
    }

    pub fn update_settings(&mut self, settings: Settings) -> Result<Settings> {
        if settings.clipboard_clear_secs == 0 || settings.clipboard_clear_secs > 3600 {
            return Err(Error::invalid_field(
                Field::ClipboardClearSecs,
                "Clear the clipboard after 1 to 3600 seconds.",
            ));
        }
        let p = &settings.policy;
        if !(1..=365).contains(&p.expiring_soon_days) {
            return Err(Error::invalid_field(Field::ExpiringSoonDays, "“Expiring soon” must be 1 to 365 days."));
        }
        for (days, field) in [(p.stale_days, Field::StaleDays), (p.rotate_after_days, Field::RotateAfterDays)] {
            if !(1..=3650).contains(&days) {
                return Err(Error::invalid_field(field, "The stale and rotation periods must be 1 to 3650 days."));
            }
        }
        let leads = &settings.alerts.lead_times_secs;
        if leads.len() > 10 || leads.iter().any(|l| !(0..=366 * 86_400).contains(l)) {
            return Err(Error::invalid_field(
                Field::LeadTimes,
                "Alert lead times must be at most 10, each between 0 and 366 days before expiry.",
            ));
        }
        let mut settings = settings;
        settings.leak = super::leak::clean_leak(settings.leak)?;
        self.mutate(|idx| {
            // Team vaults change only through add/remove_team_vault (their tokens are in
            // the keychain): a settings form never adds or drops one.
            let team_vaults = std::mem::take(&mut idx.settings.team_vaults);
            idx.settings = settings;
            idx.settings.team_vaults = team_vaults;
            Ok(idx.settings.clone())
        })
    }
}

fn ensure_unique_label(idx: &IndexFile, platform: Platform, label: &str, except: Option<Uuid>) -> Result<()> {
    let clash = idx.records.iter().any(|r| Some(r.id) != except && r.same_label(platform, label));
    if clash {
        return Err(Error::DuplicateLabel { platform: platform.name().into(), label: label.trim().into() });
    }
    Ok(())
}

pub(crate) fn clean_label(label: &str) -> Result<String> {
    let label = label.trim();
    if label.is_empty() {
        return Err(Error::invalid_field(Field::Label, "Give the token a label, such as “CI runner” or “my laptop”."));
    }
    if label.chars().count() > LABEL_MAX {
        return Err(Error::invalid_field(Field::Label, format!("Keep the label under {LABEL_MAX} characters.")));
    }
    if label.chars().any(char::is_control) {
        return Err(Error::invalid_field(
            Field::Label,
            "The label must not contain line breaks or control characters.",
        ));
    }
    Ok(label.to_string())
}

pub(crate) fn clean_server(platform: Platform, server: Option<&str>) -> Result<Option<String>> {
    match server.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => normalise_server_url(s).map(Some),
        None => Ok(platforms::info(platform).default_server),
    }
}

pub(crate) fn clean_check(
    platform: Platform,
    check: Option<CheckSettings>,
    server: Option<&str>,
) -> Result<Option<CheckSettings>> {
    match check {
        Some(c) if platform == Platform::Other => c.clean(server).map(Some),
        Some(_) => Err(Error::invalid_field(
            Field::CheckUrl,
            format!("{} tokens are checked the platform's own way; no check URL is needed.", platform.name()),
        )),
        None => Ok(None),
    }
}

pub(crate) fn clean_tags(tags: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = vec![];
    for t in tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if t.chars().count() > TAG_MAX || t.chars().any(|c| c.is_control() || c == ',') {
            return Err(Error::invalid_field(
                Field::Tags,
                format!("Tags are short words (up to {TAG_MAX} characters, no commas)."),
            ));
        }
        if !out.iter().any(|o| o.eq_ignore_ascii_case(t)) {
            out.push(t.to_string());
        }
    }
    Ok(out)
}

pub(crate) fn clean_notes(notes: &str) -> Result<String> {
    let notes = notes.trim();
    if notes.chars().count() > NOTES_MAX {
        return Err(Error::invalid_field(Field::Notes, format!("Keep notes under {NOTES_MAX} characters.")));
    }
    Ok(notes.to_string())
}

pub(crate) fn clean_opt(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Labels, tags and notes live in the plain index file: refuse them if they hold the secret.
/// Clear the mark of record `id`, if it is still there.
fn unmark(idx: &mut IndexFile, id: Uuid) {
    if let Some(r) = find_mut(idx, id) {
        clear_mark(r);
    }
}

/// The replacement `input` for `record`'s secret, prepared: refused unless of the same kind.
/// Shared by the local vault and team vaults.
pub(crate) fn prepare_replacement(record: &TokenRecord, input: SecretInput) -> Result<PreparedSecret> {
    if input.kind() != record.kind {
        return Err(Error::invalid_field(
            Field::Secret,
            "The new secret must be of the same kind as the old one (for example, a key id and secret for env0).",
        ));
    }
    input.prepare(record.platform)
}

/// [`refuse_secret_in_text`] over the record's label, notes and tags.
pub(crate) fn refuse_secret_in_record(prepared: &PreparedSecret, record: &TokenRecord) -> Result<()> {
    refuse_secret_in_text(
        prepared,
        [record.label.as_str(), record.notes.as_str()].into_iter().chain(record.tags.iter().map(String::as_str)),
    )
}

/// The record takes the replacement secret `prepared` at `now`: a new secret has not been
/// checked or used yet, nor revoked.
pub(crate) fn take_replacement(r: &mut TokenRecord, prepared: &PreparedSecret, now: DateTime<Utc>) {
    r.hint = prepared.hint.clone();
    r.public = prepared.public.clone();
    r.expires_at = successor_expiry(r, now);
    r.expiry_source = ExpirySource::User;
    r.user_expires_at = None;
    r.rotated_at.push(now);
    r.last_validation = None;
    r.last_verdict = None;
    r.last_used_at = None;
    // What the platform said was about the old secret.
    r.platform_created_at = None;
    r.platform_last_used_at = None;
    r.revoked = None;
}

/// The old secret's expiry is not the new one's. One the platform reported is learnt again at
/// the new secret's first check. One entered by hand is the user's rhythm ("a new key every 90
/// days"): the new secret gets the same lifetime, counted from now.
fn successor_expiry(r: &TokenRecord, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if !r.expiry_source.is_user() {
        return None;
    }
    let expires = r.expires_at?;
    let born = r.rotated_at.last().copied().unwrap_or(r.created_at);
    let lifetime = expires - born;
    (lifetime > chrono::Duration::zero()).then(|| now + lifetime)
}

pub(crate) fn refuse_secret_in_text<'a>(
    prepared: &PreparedSecret,
    texts: impl IntoIterator<Item = &'a str>,
) -> Result<()> {
    let payload = prepared.payload.expose_secret();
    let needles: Vec<&str> = match prepared.kind {
        // The key pair payload is JSON; look for the secret part's tail instead.
        TokenKind::KeyPair => vec![],
        TokenKind::SshKey => payload.lines().filter(|l| l.len() >= 40 && !l.starts_with("-----")).collect(),
        _ => vec![payload],
    };
    for text in texts {
        if needles.iter().any(|n| n.len() >= 8 && text.contains(n)) {
            return Err(Error::invalid_field(
                Field::Label,
                "The label, tags or notes contain the secret itself. Those are stored unencrypted; remove it from them.",
            ));
        }
    }
    Ok(())
}

/// How the keychain entry is named in keychain managers (no secret in it).
pub(super) fn keychain_label(record: &TokenRecord) -> String {
    format!("Latchkey: {} “{}”", record.platform.name(), record.label)
}
