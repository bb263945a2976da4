//! "Validate all": every live token asked of its platform (8 at once, at most 4 per server),
//! each result stored and reported as it finishes. The command, the tray and the start-up
//! (validate on start) all run this one.

use std::sync::atomic::Ordering;

use latchkey_core::accesslog::Event;
use latchkey_core::check::{CheckJob, CheckProgress, CheckSummary};
use latchkey_core::Error;
use tauri::{AppHandle, Manager};
use uuid::Uuid;

use crate::events;
use crate::state::AppState;

/// Validate every token that can be validated, reporting each as it finishes. One run at a time.
pub async fn validate_all(app: &AppHandle) -> Result<CheckSummary, Error> {
    let state = app.state::<AppState>();
    if state.platform.validating_all.swap(true, Ordering::SeqCst) {
        return Err(Error::invalid("A check of all tokens is already running."));
    }
    let result = run(app, &state).await;
    state.platform.validating_all.store(false, Ordering::SeqCst);
    result
}

async fn run(app: &AppHandle, state: &AppState) -> Result<CheckSummary, Error> {
    let checker = state.tokens.checker()?;
    let (jobs, failed) = jobs(state).await?;
    let total = (jobs.len() + failed.len()) as u32;
    let mut summary = CheckSummary { total, ..Default::default() };
    let mut done = 0u32;
    for (id, error) in failed {
        done += 1;
        summary.failed += 1;
        events::validate_progress(app, CheckProgress { id, done, total, record: None, error: Some(error.payload()) });
    }
    tracing::info!(tokens = total, "checking all tokens");

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let runner = tauri::async_runtime::spawn(async move {
        checker
            .validate_all(jobs, |d| {
                let _ = tx.send(d);
            })
            .await;
    });
    let mut logged = vec![];
    while let Some(d) = rx.recv().await {
        done += 1;
        let (record, at, result) = (d.record, d.at, d.result);
        let id = record.id;
        let stored = state.write(move |v| v.record_validation(&record, &result?, at)).await;
        if let Ok(r) = &stored {
            logged.push(Event::validated(r));
        }
        summary.count(stored.as_ref().ok());
        let (record, error) = match stored {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(e.payload())),
        };
        events::validate_progress(app, CheckProgress { id, done, total, record, error });
    }
    let _ = runner.await;
    // One append for all of them (one lock, one flush), as the app.
    let log = state.lock_vault().access_log();
    let _ = crate::state::blocking(move || {
        log.record(logged);
        Ok(())
    })
    .await;
    tracing::info!(?summary, "all tokens checked");
    Ok(summary)
}

/// A job for each live token; the tokens whose job could not be made (secret unreadable…).
async fn jobs(state: &AppState) -> Result<(Vec<CheckJob>, Vec<(Uuid, Error)>), Error> {
    state
        .read(|v| {
            let mut jobs = vec![];
            let mut failed = vec![];
            for r in v.records()?.into_iter().filter(|r| r.revoked.is_none()) {
                match v.check_job(r.id) {
                    Ok(job) => jobs.push(job),
                    Err(e) => failed.push((r.id, e)),
                }
            }
            Ok((jobs, failed))
        })
        .await
}
