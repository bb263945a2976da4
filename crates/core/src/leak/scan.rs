//! One file: find every needle and pattern in one pass, then — only for the rare file with a
//! hit — a second pass that turns byte offsets into line, column and a masked excerpt.
//!
//! Small files (at most one chunk: nearly all of a source tree) are read whole with one read
//! into a buffer the thread keeps, and both passes work there. Larger ones are streamed: the
//! file is read in 256 KiB chunks (small enough to stay in the CPU cache
//! while the automaton and the patterns go over it). Each window keeps the last
//! `overlap` bytes of the previous one (the longest needle or pattern, plus one byte of
//! left context), and a match is taken by the window in which it *starts*, so a token
//! split across a chunk boundary is found exactly once and memory stays constant however
//! large the file. Lines are not counted in the first pass at all (a scanner that counts
//! every newline of every file is slower than one that only searches).

use std::fs::File;
use std::io::{self, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use aho_corasick::Input;

use super::needles::{fingerprint_bytes, NeedleForm, NeedleSet};
use super::patterns::{FileContext, PatternHit, Patterns, CONTEXT_TRIGGERS, MAX_PATTERN_LEN};
use super::source::{read_full, sniff, Encoding, Fill, Memory, Reader, Sniff, SNIFF_LEN};
use super::{Finding, FindingKind};

pub(crate) const CHUNK: usize = 256 * 1024;
/// Bytes of context on each side of a match in an excerpt (before masking and trimming).
const CONTEXT: usize = 60;
/// Longest excerpt shown, in characters.
const EXCERPT_MAX: usize = 120;

/// A match in a file: byte offsets in the (decoded) text.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub(crate) start: u64,
    pub(crate) end: u64,
    pub(crate) what: What,
}

#[derive(Debug, Clone)]
pub(crate) enum What {
    Stored {
        needle: usize,
    },
    Revoked {
        token: usize,
    },
    /// `exact` false: the hit marks a place (a PEM header), not the token's own text.
    Unknown {
        platform: crate::record::Platform,
        reason: &'static str,
        exact: bool,
    },
}

/// More matches than this in one file are not reported one by one.
pub(crate) const MAX_HITS_PER_FILE: usize = 1000;

pub(crate) enum Outcome {
    Binary,
    /// The file's findings (possibly none); `complete` false when cancelled midway;
    /// `truncated` when it had more than [`MAX_HITS_PER_FILE`] (the scan of it stopped there).
    Scanned {
        findings: Vec<Finding>,
        complete: bool,
        truncated: bool,
    },
}

/// What every file of a scan is searched for, and where the bytes read are counted.
pub(crate) struct Job<'a> {
    pub(crate) needles: &'a NeedleSet,
    pub(crate) patterns: Option<&'a Patterns>,
    pub(crate) cancel: &'a AtomicBool,
    pub(crate) bytes: &'a AtomicU64,
}

/// A thread's buffers, kept from file to file (most files are small: allocating and
/// faulting in a fresh 256 KiB buffer for each would cost more than searching it).
#[derive(Default)]
pub(crate) struct Scratch {
    buf: Vec<u8>,
    found: Vec<PatternHit>,
}

/// Both passes over one open file of `len` bytes (`modified_at` from its metadata). A file
/// of at most one chunk — nearly every file of a source tree — is read whole with one read
/// into the thread's buffer, searched there and, only if it has a hit, located there too; a
/// larger, empty-looking or UTF-16 one is streamed. Errors are messages for the report.
pub(crate) fn scan_file(
    mut file: File,
    len: u64,
    path: &Path,
    modified_at: Option<chrono::DateTime<chrono::Utc>>,
    job: &Job,
    scratch: &mut Scratch,
    tick: &dyn Fn(),
) -> Result<Outcome, String> {
    let unreadable = |e: io::Error| format!("could not be read: {e}");
    let relocate = |e: io::Error| format!("could not be read again to locate a match: {e}");
    if len > 0 && len <= CHUNK as u64 {
        let buf = &mut scratch.buf;
        buf.clear();
        buf.resize(len as usize, 0);
        let n = read_full(&mut file, buf).map_err(unreadable)?;
        buf.truncate(n);
        match sniff(&buf[..n.min(SNIFF_LEN)]) {
            Sniff::Binary => return Ok(Outcome::Binary),
            Sniff::Text { encoding: Encoding::Bytes, bom } => {
                job.bytes.fetch_add(n as u64, Ordering::Relaxed);
                let text = &buf[bom..];
                let mut search = Search::new(job, path);
                search.window(text, 0, 0, text.len(), &mut scratch.found);
                let (hits, truncated) = search.finish();
                let findings = if hits.is_empty() {
                    vec![]
                } else {
                    locate(&mut Memory(text), &hits, job.needles, path, modified_at).map_err(relocate)?
                };
                return Ok(Outcome::Scanned { findings, complete: true, truncated });
            }
            // UTF-16: decoded while streaming, from the start.
            Sniff::Text { .. } => {
                file.seek(SeekFrom::Start(0)).map_err(unreadable)?;
            }
        }
    }
    let Some(mut reader) = Reader::from_file(file).map_err(unreadable)? else {
        return Ok(Outcome::Binary);
    };
    let (hits, complete, truncated) =
        find_hits(&mut reader, Search::new(job, path), job, &mut scratch.found, tick).map_err(unreadable)?;
    let findings = if hits.is_empty() {
        vec![]
    } else {
        let again = Reader::open(path).map_err(relocate)?;
        let mut again = again.ok_or_else(|| relocate(io::Error::other("it is binary now")))?;
        locate(&mut again, &hits, job.needles, path, modified_at).map_err(relocate)?
    };
    Ok(Outcome::Scanned { findings, complete, truncated })
}

/// Every stored secret (all forms) and, with `patterns`, every unknown token in `text`, held in
/// memory — the added lines of a commit, not a file on disk. `path` names where the text comes
/// from (the patterns read context from it: an Encord file, Roboflow's config). Lines and columns
/// are those of `text`; excerpts are masked as a scan's are.
pub fn scan_text(needles: &NeedleSet, patterns: Option<&Patterns>, path: &Path, text: &[u8]) -> Vec<Finding> {
    let (cancel, bytes) = (AtomicBool::new(false), AtomicU64::new(0));
    let job = Job { needles, patterns, cancel: &cancel, bytes: &bytes };
    let mut search = Search::new(&job, path);
    let mut found = vec![];
    search.window(text, 0, 0, text.len(), &mut found);
    let (hits, _) = search.finish();
    if hits.is_empty() {
        return vec![];
    }
    // Reading from memory cannot fail.
    locate(&mut Memory(text), &hits, needles, path, None).unwrap_or_default()
}

/// The search of one file, window by window.
struct Search<'a> {
    needles: &'a NeedleSet,
    patterns: Option<&'a Patterns>,
    ctx: FileContext,
    /// End of the last needle match, per automaton.
    ac_done: Vec<u64>,
    /// Where the patterns' trigger words are in the current window (found with the needles).
    triggers: Vec<usize>,
    hits: Vec<Hit>,
}

impl<'a> Search<'a> {
    fn new(job: &Job<'a>, path: &Path) -> Search<'a> {
        let ctx = if job.patterns.is_some() { FileContext::of(path) } else { FileContext::default() };
        Search { needles: job.needles, patterns: job.patterns, ctx, ac_done: vec![], triggers: vec![], hits: vec![] }
    }

    /// The longest text a match can span, so the overlap a window keeps of the previous one.
    fn longest(&self) -> usize {
        self.needles.max_len().max(if self.patterns.is_some() { MAX_PATTERN_LEN } else { 0 })
    }

    /// Every needle and pattern match that starts in `from..to` of `buf` (the text from
    /// `base`; the rest of `buf` is context).
    fn window(&mut self, buf: &[u8], base: u64, from: usize, to: usize, found: &mut Vec<PatternHit>) {
        // With patterns, the automata also find the patterns' trigger words (pattern ids after
        // the needles'): one pass for both.
        let groups = match self.patterns {
            Some(_) => self.needles.automata_with(&CONTEXT_TRIGGERS),
            None => self.needles.automata(),
        };
        let needles = self.needles.len();
        self.ac_done.resize(groups.len(), 0);
        self.triggers.clear();
        for ((first, ac), done) in groups.iter().zip(self.ac_done.iter_mut()) {
            // Resume after the last match taken (it may reach into this window), so matches
            // never overlap, exactly as in one pass over the whole file.
            let ac_from = from.max(done.saturating_sub(base) as usize);
            for m in ac.find_iter(Input::new(buf).range(ac_from..)) {
                if m.start() >= to {
                    break;
                }
                *done = base + m.end() as u64;
                let needle = first + m.pattern().as_usize();
                if needle >= needles {
                    self.triggers.push(m.start());
                    continue;
                }
                self.hits.push(Hit { start: base + m.start() as u64, end: *done, what: What::Stored { needle } });
            }
        }
        if let Some(p) = self.patterns {
            found.clear();
            p.find(buf, from, to, self.ctx, Some(&self.triggers), found);
            pattern_hits(found, buf, base, self.needles, &mut self.hits);
        }
    }

    fn too_many(&self) -> bool {
        self.hits.len() > MAX_HITS_PER_FILE
    }

    /// The hits, sorted, without duplicates; true if there were too many.
    fn finish(mut self) -> (Vec<Hit>, bool) {
        let truncated = self.too_many();
        self.hits.truncate(MAX_HITS_PER_FILE);
        drop_overlapping_unknowns(&mut self.hits);
        (self.hits, truncated)
    }
}

/// Pass 1 over a streamed file: every needle and pattern, chunk by chunk. `job.bytes`
/// counts raw bytes read as it goes. Returns the hits, whether the file was read to its end
/// (false when cancelled), and whether it had too many hits.
fn find_hits(
    reader: &mut Reader,
    mut search: Search,
    job: &Job,
    found: &mut Vec<PatternHit>,
    tick: &dyn Fn(),
) -> io::Result<(Vec<Hit>, bool, bool)> {
    let overlap = search.longest() + 1;
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + overlap);
    let mut base: u64 = 0; // offset of buf[0] in the text
    let mut accepted: u64 = 0; // matches starting before this are done
    let mut read_before = 0;
    loop {
        if job.cancel.load(Ordering::Relaxed) {
            return Ok((search.finish().0, false, false));
        }
        let eof = reader.fill(&mut buf, CHUNK)?;
        job.bytes.fetch_add(reader.raw_read - read_before, Ordering::Relaxed);
        read_before = reader.raw_read;
        tick();
        let end = base + buf.len() as u64;
        let accept_to = if eof { end } else { end.saturating_sub(overlap as u64) };
        if accept_to > accepted {
            search.window(&buf, base, (accepted - base) as usize, (accept_to - base) as usize, found);
            accepted = accept_to;
        }
        if search.too_many() {
            return Ok((search.finish().0, true, true));
        }
        if eof {
            break;
        }
        // Keep the overlap, plus one byte of left context for the patterns' boundaries.
        let keep_from = ((accepted - base) as usize).saturating_sub(1);
        buf.drain(..keep_from);
        base += keep_from as u64;
    }
    Ok((search.finish().0, true, false))
}

/// The pattern matches of one window as hits: a stored token is already reported by its
/// needle, a revoked one is said to be revoked, the rest are unknown tokens.
fn pattern_hits(found: &[PatternHit], buf: &[u8], base: u64, needles: &NeedleSet, hits: &mut Vec<Hit>) {
    for h in found {
        let text = &buf[h.start..h.end];
        if h.exact && needles.is_needle(text) {
            continue; // a stored token, already reported as such
        }
        let revoked = if h.exact { needles.revoked_position(&fingerprint_bytes(text)) } else { None };
        let what = match revoked {
            Some(token) => What::Revoked { token },
            None => What::Unknown { platform: h.platform, reason: h.reason, exact: h.exact },
        };
        hits.push(Hit { start: base + h.start as u64, end: base + h.end as u64, what });
    }
}

/// An unknown-token hit overlapping a stored-token hit is the same token seen twice. A hit
/// that only marks a place (the header of an SSH key) counts as overlapping when a stored
/// key's lines follow within [`PEM_REACH`] bytes.
///
/// Needles of different automata (see `needles::GROUP`) that overlap — distinct random secrets
/// never do — are resolved as one automaton over all would: the leftmost, then longest.
fn drop_overlapping_unknowns(hits: &mut Vec<Hit>) {
    hits.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
    let mut stored_end = 0;
    hits.retain(|h| {
        if !matches!(h.what, What::Stored { .. }) {
            return true;
        }
        let keep = h.start >= stored_end;
        stored_end = stored_end.max(h.end);
        keep
    });
    let stored: Vec<(u64, u64)> =
        hits.iter().filter(|h| matches!(h.what, What::Stored { .. })).map(|h| (h.start, h.end)).collect();
    hits.retain(|h| {
        let end = match h.what {
            What::Stored { .. } => return true,
            What::Unknown { exact: false, .. } => h.end + PEM_REACH,
            _ => h.end,
        };
        // Stored hits are sorted by start and (almost always) disjoint: look at the few
        // that start before this one ends.
        let before = stored.partition_point(|&(s, _)| s < end);
        !stored[before.saturating_sub(4)..before].iter().any(|&(s, e)| h.start < e && s < end)
    });
}

/// How far after an SSH key's header its first searched line may start (the skipped first
/// body line, line breaks, perhaps `\n` escapes).
const PEM_REACH: u64 = 200;

/// Pass 2: line, column and masked excerpt of each hit (sorted by start) in the text of
/// `reader`, the file at `path`.
pub(crate) fn locate(
    reader: &mut dyn Fill,
    hits: &[Hit],
    needles: &NeedleSet,
    path: &Path,
    modified_at: Option<chrono::DateTime<chrono::Utc>>,
) -> io::Result<Vec<Finding>> {
    let mut out = Vec::with_capacity(hits.len());
    let tail = (needles.max_len().max(MAX_PATTERN_LEN) + CONTEXT + 1) as u64;
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + 2 * tail as usize);
    let mut base: u64 = 0;
    let mut counted: u64 = 0; // newlines counted up to here
    let mut line: u64 = 1;
    let mut line_start: u64 = 0;
    let mut next = 0;
    loop {
        let eof = reader.fill(&mut buf, CHUNK)?;
        let end = base + buf.len() as u64;
        while next < hits.len() {
            let h = &hits[next];
            if !eof && h.end + CONTEXT as u64 + 1 > end {
                break;
            }
            let start = h.start.min(end);
            let upto = start.max(counted);
            count_to(&buf, base, &mut counted, upto, &mut line, &mut line_start);
            let excerpt = excerpt(&buf, base, line_start, h, hits, needles);
            let column = start.saturating_sub(line_start) + 1;
            out.push(finding(h, needles, path, line, column, excerpt, modified_at));
            next += 1;
        }
        if next == hits.len() || eof {
            break;
        }
        // Count up to where the next hit's context may begin, then drop what is behind.
        let upto = hits[next].start.saturating_sub(CONTEXT as u64).min(end.saturating_sub(tail)).max(counted);
        count_to(&buf, base, &mut counted, upto, &mut line, &mut line_start);
        let keep_from = counted.saturating_sub(CONTEXT as u64).max(base);
        buf.drain(..(keep_from - base) as usize);
        base = keep_from;
    }
    Ok(merge_pem_lines(out))
}

/// Count the newlines of `buf` (which starts at `base`) from `counted` up to `to`.
fn count_to(buf: &[u8], base: u64, counted: &mut u64, to: u64, line: &mut u64, line_start: &mut u64) {
    let slice = &buf[(*counted - base) as usize..(to - base) as usize];
    for nl in memchr::memchr_iter(b'\n', slice) {
        *line += 1;
        *line_start = *counted + nl as u64 + 1;
    }
    *counted = to;
}

fn finding(
    h: &Hit,
    needles: &NeedleSet,
    path: &Path,
    line: u64,
    column: u64,
    excerpt: String,
    modified_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Finding {
    let kind = match &h.what {
        What::Stored { needle } => {
            let n = needles.needle(*needle);
            let t = needles.token(n.token);
            FindingKind::Stored { token_id: t.token_id, platform: t.platform, label: t.label.clone(), form: n.form }
        }
        What::Revoked { token } => {
            let t = needles.revoked_token(*token);
            FindingKind::Revoked { token_id: t.token_id, platform: t.platform, label: t.label.clone() }
        }
        What::Unknown { platform, reason, .. } => {
            FindingKind::Unknown { platform: *platform, reason: reason.to_string() }
        }
    };
    Finding { kind, path: path.display().to_string(), line, column, excerpt, modified_at, allowed: false, lines: 1 }
}

/// Consecutive lines of one SSH key in one file are one finding.
fn merge_pem_lines(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    for f in findings {
        if let (Some(prev), FindingKind::Stored { form: NeedleForm::PemLines, token_id, .. }) =
            (out.last_mut(), &f.kind)
        {
            if matches!(prev.kind, FindingKind::Stored { form: NeedleForm::PemLines, token_id: t, .. } if t == *token_id)
                && f.line == prev.line + u64::from(prev.lines)
            {
                prev.lines += 1;
                continue;
            }
        }
        out.push(f);
    }
    out
}

/// The line around `h`, every match in it masked, at most [`EXCERPT_MAX`] characters.
fn excerpt(buf: &[u8], base: u64, line_start: u64, h: &Hit, all: &[Hit], needles: &NeedleSet) -> String {
    let end_of = |x: u64| (x - base) as usize;
    let lo = line_start.max(h.start.saturating_sub(CONTEXT as u64)).max(base);
    let buf_end = base + buf.len() as u64;
    let after = &buf[end_of(h.end.min(buf_end))..end_of((h.end + CONTEXT as u64).min(buf_end))];
    let line_end = h.end.min(buf_end) + memchr::memchr(b'\n', after).unwrap_or(after.len()) as u64;
    let hi = line_end.min(h.end + CONTEXT as u64);
    let mut pieces: Vec<String> = vec![];
    let mut at = lo;
    let mut before = String::new();
    let mut after_text = String::new();
    let mut marker = String::new();
    for o in all.iter().filter(|o| o.start < hi && o.end > lo) {
        if o.start > at {
            pieces.push(clean(&buf[end_of(at)..end_of(o.start)]));
        }
        let is_main = std::ptr::eq(o, h);
        if is_main {
            before = pieces.concat();
            pieces.clear();
            marker = format!("••••{}", hint(h, needles));
        } else {
            pieces.push("••••".into());
        }
        at = at.max(o.end);
    }
    if hi > at {
        pieces.push(clean(&buf[end_of(at)..end_of(hi)]));
    }
    after_text.push_str(&pieces.concat());
    let after_text = after_text.trim_end_matches(['\r', ' ']).to_string();
    let room = EXCERPT_MAX.saturating_sub(marker.chars().count()) / 2;
    let before = shorten_left(&before, room);
    let after_text = shorten_right(&after_text, room);
    let mut s = format!("{before}{marker}{after_text}");
    if lo > line_start {
        s.insert(0, '…');
    }
    if hi < line_end {
        s.push('…');
    }
    s.trim().to_string()
}

fn hint(h: &Hit, needles: &NeedleSet) -> String {
    match &h.what {
        What::Stored { needle } => {
            let n = needles.needle(*needle);
            match n.form {
                // The hint is the end of the secret itself; in another form it would mislead.
                NeedleForm::AsIs => needles.token(n.token).hint.clone(),
                _ => String::new(),
            }
        }
        _ => String::new(),
    }
}

/// Text for display: invalid UTF-8 replaced, control characters (tabs, CR) as spaces.
fn clean(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

fn shorten_left(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let kept: String = s.chars().skip(n - max + 1).collect();
    format!("…{kept}")
}

fn shorten_right(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let kept: String = s.chars().take(max.saturating_sub(1)).collect();
    format!("{kept}…")
}
