//! What can go wrong with a request, worded for people, never carrying a query string or a
//! credential.

use super::HttpConfig;

/// Why a request got no usable answer. Its Display is the "cannot check" reason users see.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    #[error("{host} did not answer within {secs} s")]
    Timeout { host: String, secs: u64 },
    #[error("could not connect to {host} ({detail})")]
    Connect { host: String, detail: String },
    #[error("the secure connection to {host} failed ({detail})")]
    Tls { host: String, detail: String },
    #[error("{host} redirected to another host ({to}); Latchkey does not send credentials there")]
    RedirectedAway { host: String, to: String },
    #[error("{host} redirected too many times")]
    TooManyRedirects { host: String },
    #[error("{host} is rate limiting requests (429){}", wait_hint(.retry_after_secs))]
    RateLimited { host: String, retry_after_secs: Option<u64> },
    #[error("{host} had a server error ({status})")]
    Server { host: String, status: u16 },
    #[error("{0}")]
    NotAllowed(String),
    #[error("the request to {host} failed ({detail})")]
    Other { host: String, detail: String },
}

fn wait_hint(secs: &Option<u64>) -> String {
    match secs {
        Some(s) => format!("; it asks to wait {s} s, try again later"),
        None => "; try again later".into(),
    }
}

pub(super) fn map_error(e: &reqwest::Error, host: &str, config: &HttpConfig) -> HttpError {
    let host = host.to_string();
    if e.is_timeout() {
        let secs = if e.is_connect() { config.connect_timeout } else { config.timeout }.as_secs().max(1);
        return HttpError::Timeout { host, secs };
    }
    let detail = root_cause(e);
    if is_tls_error(e) {
        return HttpError::Tls { host, detail };
    }
    if e.is_connect() {
        return HttpError::Connect { host, detail };
    }
    HttpError::Other { host, detail }
}

fn is_tls_error(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if err.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        // tokio-rustls wraps rustls errors in io::Error (sometimes twice), and io::Error's
        // `source()` skips the wrapped error itself, so look inside with `get_ref()`.
        let mut io = err.downcast_ref::<std::io::Error>();
        while let Some(inner) = io.and_then(|i| i.get_ref()) {
            if inner.downcast_ref::<rustls::Error>().is_some() {
                return true;
            }
            io = inner.downcast_ref::<std::io::Error>();
        }
        let text = err.to_string().to_lowercase();
        if text.contains("certificate") || text.contains("handshake") || text.contains("tls") {
            return true;
        }
        cur = err.source();
    }
    false
}

/// The innermost error's text (the useful part: "Connection refused", "invalid peer
/// certificate: …"), with any URL query removed and cut to a readable length.
pub(super) fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    let text = redact_urls(&cur.to_string());
    if text.chars().count() > 160 {
        text.chars().take(160).collect::<String>() + "…"
    } else {
        text
    }
}

/// Remove query strings and fragments from every URL in `text`.
pub fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = ["http://", "https://"].iter().filter_map(|p| rest.find(p)).min() {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail.find(|c: char| c.is_whitespace() || matches!(c, ')' | '"' | '\'' | '>')).unwrap_or(tail.len());
        let url = &tail[..end];
        out.push_str(url.split(['?', '#']).next().unwrap_or(url));
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_in_text_lose_their_queries() {
        assert_eq!(
            redact_urls("error sending request for url (https://api.roboflow.com/?api_key=FAKEKEY123): boom"),
            "error sending request for url (https://api.roboflow.com/): boom"
        );
        assert_eq!(
            redact_urls("see http://127.0.0.1:9/x?a=1#f and https://h/y"),
            "see http://127.0.0.1:9/x and https://h/y"
        );
        assert_eq!(redact_urls("no url here"), "no url here");
    }
}
