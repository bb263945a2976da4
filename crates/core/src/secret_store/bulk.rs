//! Every secret of one service from a Secret Service in one pipelined exchange (Linux).
//!
//! Item by item, dbus-secret-service asks for each item's attributes and then its secret and
//! waits for each answer: 400 round trips through the bus daemon and gnome-keyring for 200
//! tokens, ~150 ms on a loaded machine — too slow for a commit hook that reads them all on
//! every commit. Here one connection opens the same encrypted session keyring uses
//! (`dh-ietf1024-sha256-aes128-cbc-pkcs7`: Diffie-Hellman over the IETF 1024-bit group,
//! HKDF-SHA256, AES-128-CBC with PKCS#7), searches the items, then sends `GetSecrets` for all
//! of them and every item's `Attributes` without waiting for answers in between (at most
//! [`IN_FLIGHT`] at a time: dbus-daemon allows 128 pending replies per connection), and
//! decrypts the secrets here. Secrets never cross the bus in clear, as with keyring.
//! Anything unexpected is an error; the caller then reads the slow way.
//!
//! A few secrets (`latchkey run -t a -t b`) are read the same way but found by account: one
//! search per account and one `GetSecrets`, in one session instead of keyring's one connection
//! and one encrypted session per secret (~7 ms each, most of `latchkey run`'s start-up). The
//! searches need no session: they go right behind the request for it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use dbus::arg::{cast, RefArg, Variant};
use dbus::blocking::Connection;
use dbus::{Message, Path};
use num_bigint::BigUint;
use secrecy::SecretString;
use zeroize::Zeroizing;

const DEST: &str = "org.freedesktop.secrets";
const SERVICE_PATH: &str = "/org/freedesktop/secrets";
const SERVICE: &str = "org.freedesktop.Secret.Service";
const ALGORITHM: &str = "dh-ietf1024-sha256-aes128-cbc-pkcs7";
/// Requests awaiting an answer at most.
const IN_FLIGHT: usize = 64;

/// The IETF 1024-bit MODP group (RFC 2409, second Oakley group), generator 2.
const PRIME: [u8; 128] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xC9, 0x0F, 0xDA, 0xA2, 0x21, 0x68, 0xC2, 0x34, 0xC4, 0xC6, 0x62,
    0x8B, 0x80, 0xDC, 0x1C, 0xD1, 0x29, 0x02, 0x4E, 0x08, 0x8A, 0x67, 0xCC, 0x74, 0x02, 0x0B, 0xBE, 0xA6, 0x3B, 0x13,
    0x9B, 0x22, 0x51, 0x4A, 0x08, 0x79, 0x8E, 0x34, 0x04, 0xDD, 0xEF, 0x95, 0x19, 0xB3, 0xCD, 0x3A, 0x43, 0x1B, 0x30,
    0x2B, 0x0A, 0x6D, 0xF2, 0x5F, 0x14, 0x37, 0x4F, 0xE1, 0x35, 0x6D, 0x6D, 0x51, 0xC2, 0x45, 0xE4, 0x85, 0xB5, 0x76,
    0x62, 0x5E, 0x7E, 0xC6, 0xF4, 0x4C, 0x42, 0xE9, 0xA6, 0x37, 0xED, 0x6B, 0x0B, 0xFF, 0x5C, 0xB6, 0xF4, 0x06, 0xB7,
    0xED, 0xEE, 0x38, 0x6B, 0xFB, 0x5A, 0x89, 0x9F, 0xA5, 0xAE, 0x9F, 0x24, 0x11, 0x7C, 0x4B, 0x1F, 0xE6, 0x49, 0x28,
    0x66, 0x51, 0xEC, 0xE6, 0x53, 0x81, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
];

type Secrets = HashMap<Path<'static>, (Path<'static>, Vec<u8>, Vec<u8>, String)>;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The DH private exponent's size. 256 bits: a discrete log in the 1024-bit group costs about
/// 2^80 whatever the exponent, and an exponent of twice that strength (NIST SP 800-56A's rule,
/// RFC 3526's advice) loses nothing against the best attacks on short exponents (2^128). A full
/// 1024-bit exponent made each of our two modular exponentiations four times slower: ~1 ms
/// apiece, paid before every `latchkey run`.
const PRIVATE_BYTES: usize = 32;

/// A connection with an encrypted Secret Service session open on it.
struct Session {
    conn: Connection,
    path: Path<'static>,
    key: Zeroizing<[u8; 16]>,
}

impl Session {
    /// Connects and opens a `dh-ietf1024-sha256-aes128-cbc-pkcs7` session, sending `calls`
    /// (which need no session) right behind the request for it, without waiting in between:
    /// their answers come with the session.
    fn open_with(timeout: Duration, calls: Vec<Message>) -> Result<(Session, Vec<Message>), String> {
        let deadline = Instant::now() + timeout;
        let conn = Connection::new_session().map_err(err)?;
        let prime = BigUint::from_bytes_be(&PRIME);
        let mut private = Zeroizing::new([0u8; PRIVATE_BYTES]);
        getrandom::fill(private.as_mut()).map_err(err)?;
        let private = BigUint::from_bytes_be(private.as_ref());
        let public = BigUint::from(2u8).modpow(&private, &prime);
        let open = Message::new_method_call(DEST, SERVICE_PATH, SERVICE, "OpenSession")?
            .append2(ALGORITHM, Variant(Box::new(public.to_bytes_be()) as Box<dyn RefArg>));
        let mut answers = pipelined(&conn, std::iter::once(open).chain(calls).collect(), deadline)?;
        let (output, path): (Variant<Box<dyn RefArg>>, Path<'static>) =
            answers.remove(0).as_result().map_err(err)?.read2().map_err(err)?;
        let theirs = cast::<Vec<u8>>(&output.0).ok_or("the Secret Service sent no public key")?;
        let key = shared_key(&BigUint::from_bytes_be(theirs).modpow(&private, &prime));
        Ok((Session { conn, path, key }, answers))
    }

    /// The secret of `path` from a `GetSecrets` answer, decrypted; `None` if it is not there.
    fn secret(&self, secrets: &Secrets, path: &Path<'static>) -> Result<Option<Zeroizing<Vec<u8>>>, String> {
        let Some((_, iv, value, _)) = secrets.get(path) else { return Ok(None) };
        Ok(Some(Zeroizing::new(decrypt(&self.key, iv, value)?)))
    }
}

impl Drop for Session {
    /// Closes the session without waiting for the answer.
    fn drop(&mut self) {
        if let Ok(close) = Message::new_method_call(DEST, &self.path, "org.freedesktop.Secret.Session", "Close") {
            let _ = self.conn.channel().send(close);
            self.conn.channel().flush();
        }
    }
}

/// (account, secret) of every unlocked item of `service` made by keyring (target `default`);
/// items without an account or whose secret is not UTF-8 are left out (for `get` to explain).
pub(super) fn read_all(service: &str, timeout: Duration) -> Result<Vec<(String, SecretString)>, String> {
    let deadline = Instant::now() + timeout;
    let search = Message::new_method_call(DEST, SERVICE_PATH, SERVICE, "SearchItems")?
        .append1(HashMap::from([("service", service), ("target", "default")]));
    let (session, mut found) = Session::open_with(timeout, vec![search])?;
    let (unlocked, _locked): (Vec<Path<'static>>, Vec<Path<'static>>) =
        found.remove(0).as_result().map_err(err)?.read2().map_err(err)?;
    let (accounts, secrets) = exchange(&session.conn, &unlocked, &session.path, deadline)?;
    let mut out = Vec::with_capacity(unlocked.len());
    for (path, account) in unlocked.iter().zip(accounts) {
        let Some(account) = account else { continue };
        let Some(clear) = session.secret(&secrets, path)? else { continue };
        if let Ok(text) = std::str::from_utf8(&clear) {
            out.push((account, SecretString::from(text.to_string())));
        }
    }
    Ok(out)
}

/// The secrets of a few `accounts` of `service`, in their order, in one session and two
/// rounds: the session's opening with a search for each account's item behind it, then one
/// `GetSecrets` for all. `None` for an account this does not settle (no item, a locked one,
/// two items, a secret that is not UTF-8): `get` reads it and says what is wrong.
pub(super) fn read_accounts(
    service: &str,
    accounts: &[String],
    timeout: Duration,
) -> Result<Vec<Option<SecretString>>, String> {
    let deadline = Instant::now() + timeout;
    let searches = accounts
        .iter()
        .map(|a| {
            let attributes = HashMap::from([("service", service), ("username", a.as_str()), ("target", "default")]);
            Ok(Message::new_method_call(DEST, SERVICE_PATH, SERVICE, "SearchItems")?.append1(attributes))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let (session, found) = Session::open_with(timeout, searches)?;
    // The one unlocked item of each account, if that is what there is.
    let paths: Vec<Option<Path<'static>>> = found
        .into_iter()
        .map(|mut reply| {
            let (unlocked, locked): (Vec<Path<'static>>, Vec<Path<'static>>) =
                reply.as_result().map_err(err)?.read2().map_err(err)?;
            Ok(match (unlocked.as_slice(), locked.as_slice()) {
                ([one], []) => Some(one.clone()),
                _ => None,
            })
        })
        .collect::<Result<_, String>>()?;
    let found: Vec<Path<'static>> = paths.iter().flatten().cloned().collect();
    if found.is_empty() {
        return Ok(vec![None; accounts.len()]);
    }
    let get = Message::new_method_call(DEST, SERVICE_PATH, SERVICE, "GetSecrets")?.append2(found, session.path.clone());
    let mut reply = pipelined(&session.conn, vec![get], deadline)?.remove(0);
    let secrets: Secrets = reply.as_result().map_err(err)?.read1().map_err(err)?;
    paths
        .iter()
        .map(|path| {
            let Some(path) = path else { return Ok(None) };
            let Some(clear) = session.secret(&secrets, path)? else { return Ok(None) };
            Ok(std::str::from_utf8(&clear).ok().map(|text| SecretString::from(text.to_string())))
        })
        .collect()
}

/// Sends `calls` without waiting in between (at most [`IN_FLIGHT`] unanswered) and returns
/// their answers in order (error answers among them).
fn pipelined(conn: &Connection, calls: Vec<Message>, deadline: Instant) -> Result<Vec<Message>, String> {
    let channel = conn.channel();
    let mut answers: Vec<Option<Message>> = (0..calls.len()).map(|_| None).collect();
    let mut waiting: HashMap<u32, usize> = HashMap::new();
    let mut queue = calls.into_iter().enumerate();
    loop {
        while waiting.len() < IN_FLIGHT {
            let Some((i, msg)) = queue.next() else { break };
            waiting.insert(channel.send(msg).map_err(|()| "could not send to the Secret Service")?, i);
        }
        if waiting.is_empty() {
            break;
        }
        channel.flush();
        let left =
            deadline.checked_duration_since(Instant::now()).ok_or("the Secret Service did not answer in time")?;
        let Some(reply) = channel.blocking_pop_message(left).map_err(err)? else { continue };
        let Some(i) = reply.get_reply_serial().and_then(|s| waiting.remove(&s)) else { continue };
        answers[i] = Some(reply);
    }
    Ok(answers.into_iter().flatten().collect())
}

/// `GetSecrets` for all items, then `Attributes` of each, pipelined; each item's account.
fn exchange(
    conn: &Connection,
    items: &[Path<'static>],
    session: &Path<'static>,
    deadline: Instant,
) -> Result<(Vec<Option<String>>, Secrets), String> {
    let mut calls = Vec::with_capacity(items.len() + 1);
    calls.push(
        Message::new_method_call(DEST, SERVICE_PATH, SERVICE, "GetSecrets")?.append2(items.to_vec(), session.clone()),
    );
    for path in items {
        let get = Message::new_method_call(DEST, path, "org.freedesktop.DBus.Properties", "Get")?
            .append2("org.freedesktop.Secret.Item", "Attributes");
        calls.push(get);
    }
    let mut answers = pipelined(conn, calls, deadline)?.into_iter();
    let mut first = answers.next().ok_or("the Secret Service sent no secrets")?;
    let secrets: Secrets = first.as_result().map_err(err)?.read1().map_err(err)?;
    let accounts = answers
        .map(|mut reply| {
            // An item removed meanwhile answers an error: left to `get`.
            let attributes = reply.as_result().ok()?.read1::<Variant<HashMap<String, String>>>().ok()?;
            attributes.0.get("username").cloned()
        })
        .collect();
    Ok((accounts, secrets))
}

/// HKDF-SHA256 (no salt, no info) of the shared secret, padded to the group's 128 bytes.
fn shared_key(shared: &BigUint) -> Zeroizing<[u8; 16]> {
    let bytes = Zeroizing::new(shared.to_bytes_be());
    let mut ikm = Zeroizing::new(vec![0u8; 128usize.saturating_sub(bytes.len())]);
    ikm.extend_from_slice(&bytes);
    let mut key = Zeroizing::new([0u8; 16]);
    hkdf::Hkdf::<sha2::Sha256>::new(None, &ikm).expand(&[], key.as_mut()).expect("16 bytes is a valid HKDF length");
    key
}

fn decrypt(key: &[u8; 16], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, String> {
    use aes::cipher::block_padding::Pkcs7;
    use aes::cipher::{BlockDecryptMut, KeyIvInit};
    let dec = cbc::Decryptor::<aes::Aes128>::new_from_slices(key, iv).map_err(|_| "a secret came with a bad IV")?;
    dec.decrypt_padded_vec_mut::<Pkcs7>(data).map_err(|_| "a secret could not be decrypted".to_string())
}
