//! [`Tokens`] for callers without an async runtime (the command line): the work runs on
//! core's own small runtime and the caller waits on a channel (never `block_on`), as with
//! the blocking check wrappers in `crate::check`.

use std::future::Future;

use super::Tokens;
use crate::error::Result;

impl Tokens {
    /// Run `f` (given a clone of these tokens) on core's runtime and wait for it here, e.g.
    /// `tokens.blocking(|t| async move { t.validate(&target).await })`. Safe from any thread
    /// that does not hold the vault's lock.
    pub fn blocking<T, Fut>(&self, f: impl FnOnce(Tokens) -> Fut) -> Result<T>
    where
        T: Send + 'static,
        Fut: Future<Output = Result<T>> + Send + 'static,
    {
        crate::check::blocking::wait(f(self.clone()))?
    }
}
