//! How a secret is attached to a request. Applied again for every attempt and every
//! same-origin redirect; header values are marked sensitive so they never show in Debug.

use base64::Engine;
use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION};
use secrecy::{ExposeSecret, SecretString};

use super::HttpError;

/// How a platform wants its secret attached. Called again for every attempt and every
/// same-origin redirect (a signature covers the path, so it must be made for each URL).
pub trait Credential: Send + Sync {
    fn apply(&self, request: &mut reqwest::Request) -> Result<(), HttpError>;
}

/// No credential (used by tests of the client itself).
pub struct NoCredential;
impl Credential for NoCredential {
    fn apply(&self, _: &mut reqwest::Request) -> Result<(), HttpError> {
        Ok(())
    }
}

/// A header carrying the secret, e.g. `x-api-key: …` or `Authorization: Bearer …`.
pub struct HeaderCredential {
    pub name: HeaderName,
    /// The whole header value, prefix included.
    pub value: SecretString,
}

impl HeaderCredential {
    pub fn bearer(token: &SecretString) -> Self {
        HeaderCredential { name: AUTHORIZATION, value: SecretString::from(format!("Bearer {}", token.expose_secret())) }
    }
}

impl Credential for HeaderCredential {
    fn apply(&self, request: &mut reqwest::Request) -> Result<(), HttpError> {
        let mut value = HeaderValue::from_str(self.value.expose_secret())
            .map_err(|_| HttpError::NotAllowed("the token contains characters an HTTP header cannot carry".into()))?;
        value.set_sensitive(true);
        request.headers_mut().insert(self.name.clone(), value);
        Ok(())
    }
}

/// HTTP Basic with a user name and a secret password (env0: key id and key secret).
pub struct BasicCredential {
    pub user: String,
    pub password: SecretString,
}

impl Credential for BasicCredential {
    fn apply(&self, request: &mut reqwest::Request) -> Result<(), HttpError> {
        let raw = SecretString::from(format!("{}:{}", self.user, self.password.expose_secret()));
        let encoded = base64::engine::general_purpose::STANDARD.encode(raw.expose_secret().as_bytes());
        HeaderCredential { name: AUTHORIZATION, value: SecretString::from(format!("Basic {encoded}")) }.apply(request)
    }
}

/// A query parameter carrying the secret (Roboflow's `?api_key=`).
pub struct QueryCredential {
    pub name: &'static str,
    pub value: SecretString,
}

impl Credential for QueryCredential {
    fn apply(&self, request: &mut reqwest::Request) -> Result<(), HttpError> {
        request.url_mut().query_pairs_mut().append_pair(self.name, self.value.expose_secret());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Method;
    use url::Url;

    #[test]
    fn credentials_are_sensitive_headers() {
        let mut req = reqwest::Request::new(Method::GET, Url::parse("https://x.example/").unwrap());
        HeaderCredential::bearer(&SecretString::from("FAKEtok".to_string())).apply(&mut req).unwrap();
        let v = req.headers().get(AUTHORIZATION).unwrap();
        assert!(v.is_sensitive());
        assert!(!format!("{:?}", req.headers()).contains("FAKEtok"));
        BasicCredential { user: "kid".into(), password: SecretString::from("FAKEsec".to_string()) }
            .apply(&mut req)
            .unwrap();
        assert_eq!(req.headers().get(AUTHORIZATION).unwrap().to_str().unwrap(), "Basic a2lkOkZBS0VzZWM=");
    }
}
