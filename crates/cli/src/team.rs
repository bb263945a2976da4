//! Team tokens on the command line: `list` shows them beside local ones (marked
//! `team:<name>`), and `get`, `copy` and `run` find them when no local token matches. A team
//! vault that cannot be asked is reported on stderr; local tokens keep working.

use latchkey_core::team::{TeamClient, TeamProblem, TeamToken, TeamVaultConfig};
use latchkey_core::{Error, TokenRecord, TokenTarget, Vault};

use crate::exit::{code_of, Failure};

/// One team token with the vault it lives in.
pub struct TeamRow {
    pub config: TeamVaultConfig,
    pub token: TeamToken,
}

/// What the connected team vaults hold, and what could not be read.
#[derive(Default)]
pub struct Teams {
    pub tokens: Vec<TeamRow>,
    /// Whole vaults that could not be asked (unreachable, sealed, bad Vault token).
    pub down: Vec<(TeamVaultConfig, Error)>,
    /// Single entries that could not be read (a 403 on their path, say).
    pub problems: Vec<(TeamVaultConfig, TeamProblem)>,
}

/// `team:<name>`: how a team token's vault is shown.
pub fn marker(config: &TeamVaultConfig) -> String {
    format!("team:{}", config.name)
}

/// Ask every connected team vault (all at once); nothing when none is connected.
pub fn load(vault: &mut Vault) -> Teams {
    let mut teams = Teams::default();
    for (config, listing) in vault.team_listings() {
        match listing {
            Ok(listing) => {
                teams.problems.extend(listing.problems.into_iter().map(|p| (config.clone(), p)));
                teams.tokens.extend(listing.tokens.into_iter().map(|token| TeamRow { config: config.clone(), token }));
            }
            Err(e) => teams.down.push((config, e)),
        }
    }
    teams
}

impl Teams {
    /// Say on stderr which vaults and entries could not be read.
    pub fn warn(&self) {
        for (config, e) in &self.down {
            eprintln!("latchkey: warning: {}: {e}", marker(config));
        }
        for (config, p) in &self.problems {
            eprintln!("latchkey: warning: {}: {}: {}", marker(config), p.path, p.error.message);
        }
    }

    /// The team token `query` names (label, platform/label, id or id prefix), or why not.
    pub fn find(&self, query: &str) -> Result<&TeamRow, Failure> {
        let records: Vec<TokenRecord> = self.tokens.iter().map(|t| t.token.record.clone()).collect();
        match crate::resolve::find(&records, query) {
            Ok(r) => Ok(self.tokens.iter().find(|t| t.token.record.id == r.id).expect("found among them")),
            Err(f) => match (f.code, self.down.first()) {
                // Not found here, and a team vault could not be asked: that is the news.
                (crate::exit::Code::NotFound, Some((config, e))) => Err(Failure::new(
                    code_of(e.kind()),
                    format!(
                        "No local token matches “{}”, and {} could not be asked: {e}",
                        query.trim(),
                        marker(config)
                    ),
                )),
                _ => Err(f),
            },
        }
    }
}

/// A token a user named: in the local vault, or in a team vault (with its client).
pub enum Found {
    Local(TokenRecord),
    Team(TokenRecord, TeamClient),
}

impl Found {
    pub fn record(&self) -> &TokenRecord {
        match self {
            Found::Local(r) | Found::Team(r, _) => r,
        }
    }

    /// A use of this token for the access log (with its team vault, for a team token).
    pub fn used(&self, action: latchkey_core::accesslog::Action) -> latchkey_core::accesslog::Event {
        latchkey_core::accesslog::Event::new(self.record(), action).team(self.target().vault_id())
    }

    /// Where the token lives, for core's `Tokens`.
    pub fn target(&self) -> TokenTarget {
        match self {
            Found::Local(r) => TokenTarget::Local { id: r.id },
            Found::Team(r, client) => TokenTarget::Team { vault_id: client.config().id, id: r.id },
        }
    }
}

/// The local token `query` names; else, when team vaults are connected, the team token.
pub fn resolve(vault: &mut Vault, query: &str) -> Result<Found, Failure> {
    let records = vault.records()?;
    resolve_in(vault, &records, query, &mut None)
}

/// [`resolve`] against local `records` read already; the team listing is loaded at most once
/// into `teams` (for `run`, which names several tokens).
pub fn resolve_in(
    vault: &mut Vault,
    records: &[TokenRecord],
    query: &str,
    teams: &mut Option<Teams>,
) -> Result<Found, Failure> {
    match crate::resolve::find(records, query) {
        Ok(r) => Ok(Found::Local(r.clone())),
        Err(f) if f.code == crate::exit::Code::NotFound && !vault.team_vaults().is_empty() => {
            let teams = teams.get_or_insert_with(|| load(vault));
            let row = teams.find(query)?;
            let client = vault.team_client(row.config.id)?;
            Ok(Found::Team(row.token.record.clone(), client))
        }
        Err(f) => Err(f),
    }
}
