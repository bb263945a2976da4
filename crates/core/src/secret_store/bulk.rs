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

use std::collections::{HashMap, VecDeque};
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

/// (account, secret) of every unlocked item of `service` made by keyring (target `default`);
/// items without an account or whose secret is not UTF-8 are left out (for `get` to explain).
pub(super) fn read_all(service: &str, timeout: Duration) -> Result<Vec<(String, SecretString)>, String> {
    let deadline = Instant::now() + timeout;
    let conn = Connection::new_session().map_err(err)?;
    let proxy = conn.with_proxy(DEST, SERVICE_PATH, timeout);

    let prime = BigUint::from_bytes_be(&PRIME);
    let mut private = Zeroizing::new([0u8; 128]);
    getrandom::fill(private.as_mut()).map_err(err)?;
    let private = BigUint::from_bytes_be(private.as_ref());
    let public = BigUint::from(2u8).modpow(&private, &prime);
    let (output, session): (Variant<Box<dyn RefArg>>, Path<'static>) = proxy
        .method_call(SERVICE, "OpenSession", (ALGORITHM, Variant(Box::new(public.to_bytes_be()) as Box<dyn RefArg>)))
        .map_err(err)?;
    let theirs = cast::<Vec<u8>>(&output.0).ok_or("the Secret Service sent no public key")?;
    let key = shared_key(&BigUint::from_bytes_be(theirs).modpow(&private, &prime));

    let (unlocked, _locked): (Vec<Path<'static>>, Vec<Path<'static>>) = proxy
        .method_call(SERVICE, "SearchItems", (HashMap::from([("service", service), ("target", "default")]),))
        .map_err(err)?;
    let result = exchange(&conn, &unlocked, &session, deadline);
    // Close the session without waiting for the answer.
    if let Ok(close) = Message::new_method_call(DEST, &session, "org.freedesktop.Secret.Session", "Close") {
        let _ = conn.channel().send(close);
        conn.channel().flush();
    }
    let (accounts, secrets) = result?;
    let mut out = Vec::with_capacity(unlocked.len());
    for (path, account) in unlocked.iter().zip(accounts) {
        let (Some(account), Some((_, iv, value, _))) = (account, secrets.get(path)) else { continue };
        let clear = Zeroizing::new(decrypt(&key, iv, value)?);
        if let Ok(text) = std::str::from_utf8(&clear) {
            out.push((account, SecretString::from(text.to_string())));
        }
    }
    Ok(out)
}

/// `GetSecrets` for all items, then `Attributes` of each, pipelined; each item's account.
fn exchange(
    conn: &Connection,
    items: &[Path<'static>],
    session: &Path<'static>,
    deadline: Instant,
) -> Result<(Vec<Option<String>>, Secrets), String> {
    let channel = conn.channel();
    let mut queue: VecDeque<(Option<usize>, Message)> = VecDeque::with_capacity(items.len() + 1);
    queue.push_back((
        None,
        Message::new_method_call(DEST, SERVICE_PATH, SERVICE, "GetSecrets")?.append2(items.to_vec(), session.clone()),
    ));
    for (i, path) in items.iter().enumerate() {
        let get = Message::new_method_call(DEST, path, "org.freedesktop.DBus.Properties", "Get")?
            .append2("org.freedesktop.Secret.Item", "Attributes");
        queue.push_back((Some(i), get));
    }
    let mut waiting: HashMap<u32, Option<usize>> = HashMap::new();
    let mut accounts: Vec<Option<String>> = vec![None; items.len()];
    let mut secrets: Option<Secrets> = None;
    loop {
        while waiting.len() < IN_FLIGHT {
            let Some((what, msg)) = queue.pop_front() else { break };
            let serial = channel.send(msg).map_err(|()| "could not send to the Secret Service")?;
            waiting.insert(serial, what);
        }
        if waiting.is_empty() {
            break;
        }
        channel.flush();
        let left =
            deadline.checked_duration_since(Instant::now()).ok_or("the Secret Service did not answer in time")?;
        let Some(mut reply) = channel.blocking_pop_message(left).map_err(err)? else { continue };
        let Some(what) = reply.get_reply_serial().and_then(|s| waiting.remove(&s)) else { continue };
        match what {
            None => {
                reply.as_result().map_err(err)?;
                secrets = Some(reply.read1::<Secrets>().map_err(err)?);
            }
            // An item removed meanwhile answers an error: left to `get`.
            Some(i) => {
                if reply.as_result().is_ok() {
                    let attributes = reply.read1::<Variant<HashMap<String, String>>>().map_err(err)?;
                    accounts[i] = attributes.0.get("username").cloned();
                }
            }
        }
    }
    Ok((accounts, secrets.ok_or("the Secret Service sent no secrets")?))
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
