//! Masking for `latchkey run`: every form of every injected secret in the command's output is
//! replaced by `<latchkey:label>`, also when the output arrives split across reads.
//!
//! One Aho-Corasick automaton (leftmost-longest) holds all forms: the secret as it is, its
//! URL-encoded form (upper- and lower-case hex) when that differs, env0's HTTP Basic form
//! (base64 of `key_id:secret`, padded and not), and the body lines of a multi-line secret (an
//! SSH key printed line by line). With a few dozen patterns the crate searches with its SIMD
//! prefilter (Teddy) at several GB/s, so output without secrets costs little more than the
//! copy.
//!
//! Streaming ([`Stream`]): after each read, only a trailing start of a secret (the end of
//! the read equals the first bytes of some form, at most `max_len - 1` of them) is kept back
//! for the next read; everything before it is final (no match can start earlier and still
//! grow, so leftmost-longest has decided it) and is written at once, runs without secrets
//! directly from the read buffer, without a copy. A line or prompt without a secret is
//! therefore never delayed.
//!
//! The patterns are secret bytes: they live in [`Zeroizing`] buffers here; the automaton's own
//! copy (the crate does not zeroise it) lives as long as the run. `Debug` shows counts only.

use std::io::{self, Read, Write};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use base64::Engine;
use latchkey_core::leak::url_encode;
use zeroize::Zeroizing;

/// Forms shorter than this are not masked: they would match ordinary output by chance.
pub const MIN_LEN: usize = 8;
/// Body lines of a multi-line secret (a PEM key) shorter than this are not masked.
const MIN_LINE: usize = 40;
/// Bytes read at once. Large reads keep the per-read cost (a syscall, a search start-up)
/// small against the copy itself.
pub const READ_SIZE: usize = 256 * 1024;

/// Collects the secrets to mask, each with the label it is replaced by.
#[derive(Default)]
pub struct Builder {
    patterns: Vec<Zeroizing<Vec<u8>>>,
    labels: Vec<usize>,
    names: Vec<String>,
}

impl Builder {
    fn label(&mut self, label: &str) -> usize {
        if let Some(i) = self.names.iter().position(|n| n == label) {
            return i;
        }
        self.names.push(label.to_string());
        self.names.len() - 1
    }

    fn push(&mut self, label: usize, bytes: &[u8]) {
        if bytes.len() < MIN_LEN || self.patterns.iter().any(|p| p.as_slice() == bytes) {
            return;
        }
        self.patterns.push(Zeroizing::new(bytes.to_vec()));
        self.labels.push(label);
    }

    /// A secret: as it is, URL-encoded (both hex cases), and line by line when it has
    /// several lines (an SSH key): the lines that carry key material, not the
    /// `-----BEGIN …-----` frame.
    pub fn secret(&mut self, label: &str, secret: &str) -> &mut Self {
        let l = self.label(label);
        self.push(l, secret.as_bytes());
        for upper in [true, false] {
            self.push(l, url_encode(secret, upper).as_bytes());
        }
        if secret.trim().contains('\n') {
            for line in secret.lines().map(str::trim) {
                if line.len() >= MIN_LINE && !line.starts_with("-----") {
                    self.push(l, line.as_bytes());
                }
            }
        }
        self
    }

    /// env0: the base64 of `key_id:secret` that HTTP Basic auth sends, padded and not.
    pub fn basic(&mut self, label: &str, key_id: &str, secret: &str) -> &mut Self {
        let l = self.label(label);
        let pair = Zeroizing::new(format!("{key_id}:{secret}"));
        let b64 = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(pair.as_bytes()));
        self.push(l, b64.as_bytes());
        self.push(l, b64.trim_end_matches('=').as_bytes());
        self
    }

    pub fn build(self) -> Masker {
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(self.patterns.iter().map(|p| p.as_slice()))
            .expect("the masking automaton is small");
        let max_len = self.patterns.iter().map(|p| p.len()).max().unwrap_or(0);
        let replacements = self.names.iter().map(|n| format!("<latchkey:{n}>").into_bytes()).collect();
        let mut first = [false; 256];
        for p in &self.patterns {
            first[p[0] as usize] = true;
        }
        Masker { ac, labels: self.labels, replacements, max_len, patterns: self.patterns, first }
    }
}

/// The built automaton and the replacement of each pattern.
pub struct Masker {
    ac: AhoCorasick,
    labels: Vec<usize>,
    replacements: Vec<Vec<u8>>,
    max_len: usize,
    /// The patterns again, to tell a trailing start of a secret (zeroised on drop).
    patterns: Vec<Zeroizing<Vec<u8>>>,
    /// Bytes a pattern starts with.
    first: [bool; 256],
}

impl std::fmt::Debug for Masker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Masker")
            .field("patterns", &self.labels.len())
            .field("labels", &self.replacements.len())
            .finish()
    }
}

impl Masker {
    /// Bytes kept back between reads: a secret split across two reads is still found.
    fn keep(&self) -> usize {
        self.max_len.saturating_sub(1)
    }

    /// The first position from `from` (at most `keep` bytes before the end) where the rest
    /// of `buf` is the start of a pattern but not a whole one: a secret that may go on in
    /// the next read. `buf.len()` if there is none.
    fn partial_from(&self, buf: &[u8], from: usize) -> usize {
        let start = from.max(buf.len().saturating_sub(self.keep()));
        (start..buf.len())
            .find(|&i| {
                self.first[buf[i] as usize] && {
                    let rest = &buf[i..];
                    self.patterns.iter().any(|p| p.len() > rest.len() && p.starts_with(rest))
                }
            })
            .unwrap_or(buf.len())
    }

    /// Writes `buf` masked up to the point that later bytes cannot change, and returns that
    /// point: everything but a trailing start of a secret (so a prompt or a short line is
    /// not held back). With `last`, everything is final.
    fn write_final(&self, buf: &[u8], last: bool, out: &mut impl Write) -> io::Result<usize> {
        let hold = |done: usize| if last { buf.len() } else { self.partial_from(buf, done) };
        let mut done = 0;
        for m in self.ac.find_iter(buf) {
            // A match that starts where a longer secret may still go on is not final yet;
            // neither is anything after it.
            if m.start() >= hold(done) {
                break;
            }
            if m.start() > done {
                out.write_all(&buf[done..m.start()])?;
            }
            out.write_all(&self.replacements[self.labels[m.pattern().as_usize()]])?;
            done = m.end();
        }
        let upto = hold(done);
        if upto > done {
            out.write_all(&buf[done..upto])?;
        }
        Ok(upto.max(done))
    }

    /// Masks a whole byte string.
    #[cfg(test)]
    pub fn mask(&self, input: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(input.len());
        self.write_final(input, true, &mut out).expect("writing to a Vec");
        out
    }

    /// A streaming masker for one output.
    pub fn stream(&self) -> Stream<'_> {
        Stream { masker: self, buf: vec![0; READ_SIZE + self.keep()], held: 0 }
    }
}

/// One output stream being masked: feed it reads, then [`Stream::finish`].
pub struct Stream<'a> {
    masker: &'a Masker,
    /// The bytes held back from the previous read at the front, the next read after them.
    buf: Vec<u8>,
    held: usize,
}

impl Stream<'_> {
    /// Masks `chunk` (any size) into `out`, holding back what could start a secret.
    #[cfg(test)]
    pub fn push(&mut self, mut chunk: &[u8], out: &mut impl Write) -> io::Result<()> {
        while !chunk.is_empty() {
            let room = self.buf.len() - self.held;
            let n = room.min(chunk.len());
            self.buf[self.held..self.held + n].copy_from_slice(&chunk[..n]);
            chunk = &chunk[n..];
            self.filled(self.held + n, out)?;
        }
        Ok(())
    }

    /// `buf[..len]` holds data: write what is final, keep the rest at the front.
    fn filled(&mut self, len: usize, out: &mut impl Write) -> io::Result<()> {
        let upto = self.masker.write_final(&self.buf[..len], false, out)?;
        self.buf.copy_within(upto..len, 0);
        self.held = len - upto;
        Ok(())
    }

    /// Writes what was held back (the input ended).
    pub fn finish(&mut self, out: &mut impl Write) -> io::Result<()> {
        self.masker.write_final(&self.buf[..self.held], true, out)?;
        self.held = 0;
        out.flush()
    }

    /// Copies `input` to `out` masked until `input` ends (or fails: a pty's master reports
    /// EIO once the command and everything it started have closed the terminal, which is
    /// its end here). Reads straight into the buffer after the held-back bytes: no copy
    /// beyond those. Flushes after every read so a prompt without a newline shows at once.
    pub fn copy(&mut self, input: &mut impl Read, out: &mut impl Write) -> io::Result<()> {
        loop {
            let n = match input.read(&mut self.buf[self.held..]) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.raw_os_error() == Some(5) => break, // EIO: the pty was closed
                Err(e) => return Err(e),
            };
            let len = self.held + n;
            self.filled(len, out)?;
            out.flush()?;
        }
        self.finish(out)
    }
}

impl Drop for Stream<'_> {
    fn drop(&mut self) {
        // The buffer held output that may have contained secrets.
        zeroize::Zeroize::zeroize(&mut self.buf[..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "FAKE-cvat-token-0123456789";

    fn masker() -> Masker {
        let mut b = Builder::default();
        b.secret("cvat/ci", SECRET);
        b.secret("roboflow/ci", "FAKE rf key/with+chars=");
        b.basic("env0/ci", "kid-001", "FAKEenv0secret0001");
        b.secret("env0/ci", "FAKEenv0secret0001");
        b.build()
    }

    fn streamed(m: &Masker, input: &[u8], cuts: &[usize]) -> Vec<u8> {
        let mut out = vec![];
        let mut s = m.stream();
        let mut at = 0;
        for &c in cuts {
            let c = c.clamp(at, input.len());
            s.push(&input[at..c], &mut out).unwrap();
            at = c;
        }
        s.push(&input[at..], &mut out).unwrap();
        s.finish(&mut out).unwrap();
        out
    }

    #[test]
    fn every_form_is_replaced_by_its_label() {
        let m = masker();
        let b64 = base64::engine::general_purpose::STANDARD.encode("kid-001:FAKEenv0secret0001");
        let input = format!(
            "token={SECRET}\n\x1b[31m{SECRET}\x1b[0m\nq=FAKE%20rf%20key%2Fwith%2Bchars%3D&x=FAKE%20rf%20key%2fwith%2bchars%3d\nAuthorization: Basic {b64}\nsecret FAKEenv0secret0001.\n"
        );
        let out = String::from_utf8(m.mask(input.as_bytes())).unwrap();
        assert_eq!(
            out,
            "token=<latchkey:cvat/ci>\n\x1b[31m<latchkey:cvat/ci>\x1b[0m\nq=<latchkey:roboflow/ci>&x=<latchkey:roboflow/ci>\nAuthorization: Basic <latchkey:env0/ci>\nsecret <latchkey:env0/ci>.\n"
        );
    }

    #[test]
    fn unpadded_basic_form_is_replaced_too() {
        let m = masker();
        let b64 = base64::engine::general_purpose::STANDARD.encode("kid-001:FAKEenv0secret0001");
        let bare = b64.trim_end_matches('=');
        assert_ne!(bare, b64, "the test needs a padded form");
        assert_eq!(m.mask(format!("x{bare}y").as_bytes()), b"x<latchkey:env0/ci>y");
    }

    #[test]
    fn output_without_secrets_passes_unchanged() {
        let m = masker();
        let input: Vec<u8> = (0..=255u8).cycle().take(3 * READ_SIZE + 17).collect();
        assert_eq!(streamed(&m, &input, &[1, READ_SIZE, READ_SIZE + 5]), input);
        assert_eq!(m.mask(b""), b"");
    }

    #[test]
    fn short_secrets_are_not_masked() {
        let mut b = Builder::default();
        b.secret("x", "short");
        assert_eq!(b.build().mask(b"a short b"), b"a short b");
    }

    #[test]
    fn ssh_key_lines_are_masked_one_by_one() {
        let line1 = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2";
        let line2 = "FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE0001";
        let pem = format!("-----BEGIN OPENSSH PRIVATE KEY-----\n{line1}\n{line2}\n-----END OPENSSH PRIVATE KEY-----\n");
        let mut b = Builder::default();
        b.secret("encord/ssh", &pem);
        let m = b.build();
        assert_eq!(m.mask(format!("> {line2}\n").as_bytes()), b"> <latchkey:encord/ssh>\n");
        assert_eq!(m.mask(pem.as_bytes()), b"<latchkey:encord/ssh>");
    }

    #[test]
    fn a_secret_split_at_every_point_is_still_masked() {
        let m = masker();
        let input = format!("abc {SECRET} def");
        for cut in 0..=input.len() {
            assert_eq!(streamed(&m, input.as_bytes(), &[cut]), b"abc <latchkey:cvat/ci> def", "cut at {cut}");
        }
        // One byte at a time.
        let cuts: Vec<usize> = (0..input.len()).collect();
        assert_eq!(streamed(&m, input.as_bytes(), &cuts), b"abc <latchkey:cvat/ci> def");
    }

    #[test]
    fn only_a_trailing_start_of_a_secret_is_held_back() {
        let m = masker();
        let mut out = vec![];
        let mut s = m.stream();
        s.push(b"ready\n", &mut out).unwrap();
        assert_eq!(out, b"ready\n", "nothing that could start a secret: written at once");
        s.push(b"x FAKE-cv", &mut out).unwrap();
        assert_eq!(out, b"ready\nx ", "the start of a secret waits");
        s.push(b"at-token-0123456789 y", &mut out).unwrap();
        assert_eq!(out, b"ready\nx <latchkey:cvat/ci> y");
        // A whole secret at the end that no longer form starts with: final at once.
        s.push(b"FAKE-cvat-token-0123456789", &mut out).unwrap();
        assert_eq!(out, b"ready\nx <latchkey:cvat/ci> y<latchkey:cvat/ci>");
        // The unpadded Basic form is the start of the padded one: it waits.
        let b64 = base64::engine::general_purpose::STANDARD.encode("kid-001:FAKEenv0secret0001");
        s.push(format!(" {}", b64.trim_end_matches('=')).as_bytes(), &mut out).unwrap();
        assert_eq!(out, b"ready\nx <latchkey:cvat/ci> y<latchkey:cvat/ci> ");
        s.finish(&mut out).unwrap();
        assert_eq!(out, b"ready\nx <latchkey:cvat/ci> y<latchkey:cvat/ci> <latchkey:env0/ci>");
    }

    #[test]
    fn a_prefix_of_a_secret_at_the_end_is_written_at_the_end() {
        let m = masker();
        let input = &SECRET.as_bytes()[..SECRET.len() - 1];
        assert_eq!(streamed(&m, input, &[3]), input);
    }

    #[test]
    fn copy_masks_a_reader_split_into_small_reads() {
        /// A reader that returns at most 7 bytes per read.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = buf.len().min(7).min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let m = masker();
        let input = format!("{SECRET}{SECRET}\n{SECRET}");
        let mut out = vec![];
        m.stream().copy(&mut Trickle(input.as_bytes()), &mut out).unwrap();
        assert_eq!(out, b"<latchkey:cvat/ci><latchkey:cvat/ci>\n<latchkey:cvat/ci>");
    }

    mod random {
        use super::*;
        use proptest::prelude::*;

        /// Output built of noise, secrets in their forms and near-misses (a secret's prefix).
        fn pieces() -> impl Strategy<Value = Vec<(u8, Vec<u8>)>> {
            proptest::collection::vec((0u8..4, proptest::collection::vec(any::<u8>(), 0..40)), 0..20)
        }

        fn assemble(pieces: &[(u8, Vec<u8>)]) -> (Vec<u8>, Vec<u8>) {
            let b64 = base64::engine::general_purpose::STANDARD.encode("kid-001:FAKEenv0secret0001");
            let (mut input, mut expected) = (vec![], vec![]);
            for (kind, noise) in pieces {
                // Noise that cannot complete or start a secret: punctuation only.
                let noise: Vec<u8> = noise.iter().map(|b| b % 16 + b' ').filter(|b| *b != b'%').collect();
                input.extend_from_slice(&noise);
                expected.extend_from_slice(&noise);
                match kind {
                    0 => {
                        input.extend_from_slice(SECRET.as_bytes());
                        expected.extend_from_slice(b"<latchkey:cvat/ci>");
                    }
                    1 => {
                        input.extend_from_slice(b64.as_bytes());
                        expected.extend_from_slice(b"<latchkey:env0/ci>");
                    }
                    2 => {
                        input.extend_from_slice(b"FAKE%20rf%20key%2Fwith%2Bchars%3D");
                        expected.extend_from_slice(b"<latchkey:roboflow/ci>");
                    }
                    _ => {
                        let near = &SECRET.as_bytes()[..SECRET.len() - 2];
                        input.extend_from_slice(near);
                        expected.extend_from_slice(near);
                    }
                }
            }
            (input, expected)
        }

        proptest! {
            #[test]
            fn random_splits_never_let_a_secret_through(
                pieces in pieces(),
                cuts in proptest::collection::vec(0usize..2000, 0..12),
            ) {
                let m = masker();
                let (input, expected) = assemble(&pieces);
                let mut cuts = cuts;
                cuts.sort_unstable();
                let out = streamed(&m, &input, &cuts);
                prop_assert_eq!(&out, &expected);
                prop_assert_eq!(m.mask(&input), expected);
            }
        }
    }
}
