//! Reading a file as a stream of UTF-8-ish bytes: binary files are recognised and skipped,
//! UTF-16 files (with a byte-order mark, or mostly-ASCII text without one) are decoded to
//! UTF-8 as they stream, everything else is passed through as it is (matching works on
//! bytes, so Latin-1 or broken UTF-8 around a token does not matter).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// How much of the start of a file decides whether it is text.
pub const SNIFF_LEN: usize = 8 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// UTF-8, ASCII or anything else without NUL bytes: matched as bytes.
    Bytes,
    Utf16Le,
    Utf16Be,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sniff {
    Text { encoding: Encoding, bom: usize },
    Binary,
}

/// Decide from the first bytes of a file how to read it.
pub(crate) fn sniff(head: &[u8]) -> Sniff {
    match head {
        [0xFF, 0xFE, ..] => return Sniff::Text { encoding: Encoding::Utf16Le, bom: 2 },
        [0xFE, 0xFF, ..] => return Sniff::Text { encoding: Encoding::Utf16Be, bom: 2 },
        [0xEF, 0xBB, 0xBF, ..] => return Sniff::Text { encoding: Encoding::Bytes, bom: 3 },
        _ => {}
    }
    if !head.contains(&0) {
        return Sniff::Text { encoding: Encoding::Bytes, bom: 0 };
    }
    // UTF-16 without a mark: mostly-ASCII text has a NUL in every other byte, on one side.
    let pairs = head.len() / 2;
    if pairs >= 4 {
        let even = head.iter().step_by(2).filter(|&&b| b == 0).count();
        let odd = head.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
        if odd * 10 >= pairs * 7 && even == 0 {
            return Sniff::Text { encoding: Encoding::Utf16Le, bom: 0 };
        }
        if even * 10 >= pairs * 7 && odd == 0 {
            return Sniff::Text { encoding: Encoding::Utf16Be, bom: 0 };
        }
    }
    Sniff::Binary
}

/// A file opened for scanning, read in chunks.
pub(crate) struct Reader {
    file: File,
    encoding: Encoding,
    /// Bytes read but not yet handed out (the sniffed head; an odd byte of UTF-16).
    pending: Vec<u8>,
    /// A UTF-16 high surrogate waiting for its pair.
    high: Option<u16>,
    raw: Vec<u8>,
    eof: bool,
    /// Bytes read from the file so far.
    pub(crate) raw_read: u64,
}

impl Reader {
    /// Open `path`; `None` when it is binary.
    pub(crate) fn open(path: &Path) -> io::Result<Option<Reader>> {
        Reader::from_file(File::open(path)?)
    }

    /// Read `file` from where it is; `None` when it is binary.
    pub(crate) fn from_file(mut file: File) -> io::Result<Option<Reader>> {
        let mut head = vec![0u8; SNIFF_LEN];
        let n = read_full(&mut file, &mut head)?;
        head.truncate(n);
        let (encoding, bom) = match sniff(&head) {
            Sniff::Binary => return Ok(None),
            Sniff::Text { encoding, bom } => (encoding, bom),
        };
        head.drain(..bom);
        Ok(Some(Reader {
            file,
            encoding,
            pending: head,
            high: None,
            raw: vec![],
            eof: n < SNIFF_LEN,
            raw_read: n as u64,
        }))
    }

    #[cfg(test)]
    pub(crate) fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Append about `want` bytes of text to `out`. Returns true at the end of the file (the
    /// bytes appended in that call, if any, are the last ones).
    pub(crate) fn fill(&mut self, out: &mut Vec<u8>, want: usize) -> io::Result<bool> {
        match self.encoding {
            Encoding::Bytes => {
                let take = self.pending.len().min(want);
                out.extend_from_slice(&self.pending[..take]);
                self.pending.drain(..take);
                let left = want - take;
                if left > 0 && !self.eof {
                    let start = out.len();
                    out.resize(start + left, 0);
                    let n = read_full(&mut self.file, &mut out[start..])?;
                    out.truncate(start + n);
                    self.raw_read += n as u64;
                    self.eof = n < left;
                }
                Ok(self.eof && self.pending.is_empty())
            }
            Encoding::Utf16Le | Encoding::Utf16Be => {
                // Raw UTF-16 is at most twice the size of the same ASCII in UTF-8.
                let target = out.len() + want;
                while out.len() < target {
                    if self.pending.len() < 2 && !self.eof {
                        self.raw.resize(want.max(4096), 0);
                        let n = read_full(&mut self.file, &mut self.raw)?;
                        self.raw_read += n as u64;
                        if n < self.raw.len() {
                            self.eof = true;
                        }
                        self.pending.extend_from_slice(&self.raw[..n]);
                    }
                    if self.pending.len() < 2 {
                        break;
                    }
                    let usable = self.pending.len() & !1;
                    let units: Vec<u8> = self.pending.drain(..usable).collect();
                    self.decode(&units, out);
                }
                let done = self.eof && self.pending.len() < 2;
                if done && self.high.take().is_some() {
                    push_char(out, char::REPLACEMENT_CHARACTER);
                }
                Ok(done)
            }
        }
    }

    fn decode(&mut self, bytes: &[u8], out: &mut Vec<u8>) {
        let le = self.encoding == Encoding::Utf16Le;
        for pair in bytes.chunks_exact(2) {
            let unit = if le { u16::from_le_bytes([pair[0], pair[1]]) } else { u16::from_be_bytes([pair[0], pair[1]]) };
            match (self.high.take(), unit) {
                (None, 0xD800..=0xDBFF) => self.high = Some(unit),
                (Some(hi), 0xDC00..=0xDFFF) => {
                    let c = 0x10000 + (((hi as u32) - 0xD800) << 10) + ((unit as u32) - 0xDC00);
                    push_char(out, char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
                }
                (Some(_), u) => {
                    push_char(out, char::REPLACEMENT_CHARACTER);
                    if (0xD800..=0xDBFF).contains(&u) {
                        self.high = Some(u);
                    } else {
                        push_char(out, char::from_u32(u as u32).unwrap_or(char::REPLACEMENT_CHARACTER));
                    }
                }
                (None, u) => push_char(out, char::from_u32(u as u32).unwrap_or(char::REPLACEMENT_CHARACTER)),
            }
        }
    }
}

/// A text handed out in pieces: a file being read, or one already in memory.
pub(crate) trait Fill {
    /// Append about `want` bytes of text to `out`; true at the end.
    fn fill(&mut self, out: &mut Vec<u8>, want: usize) -> io::Result<bool>;
}

impl Fill for Reader {
    fn fill(&mut self, out: &mut Vec<u8>, want: usize) -> io::Result<bool> {
        Reader::fill(self, out, want)
    }
}

/// A whole text already in memory (a small file read in one go).
pub(crate) struct Memory<'a>(pub(crate) &'a [u8]);

impl Fill for Memory<'_> {
    fn fill(&mut self, out: &mut Vec<u8>, want: usize) -> io::Result<bool> {
        let take = want.min(self.0.len());
        out.extend_from_slice(&self.0[..take]);
        self.0 = &self.0[take..];
        Ok(self.0.is_empty())
    }
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut tmp = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
}

/// Read until `buf` is full or the file ends; returns how much was read.
pub(crate) fn read_full(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str, bom: bool) -> Vec<u8> {
        let mut v = if bom { vec![0xFF, 0xFE] } else { vec![] };
        for u in s.encode_utf16() {
            v.extend_from_slice(&u.to_le_bytes());
        }
        v
    }

    #[test]
    fn sniffing() {
        assert_eq!(sniff(b"plain text"), Sniff::Text { encoding: Encoding::Bytes, bom: 0 });
        assert_eq!(sniff(b""), Sniff::Text { encoding: Encoding::Bytes, bom: 0 });
        assert_eq!(sniff(&utf16le("héllo", true)), Sniff::Text { encoding: Encoding::Utf16Le, bom: 2 });
        assert_eq!(sniff(&utf16le("hello world", false)), Sniff::Text { encoding: Encoding::Utf16Le, bom: 0 });
        assert_eq!(sniff(b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00"), Sniff::Binary);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), Sniff::Binary);
    }

    #[test]
    fn utf16_is_decoded_across_chunks_with_surrogates() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!("{}\r\nkey=FAKE-ünïcode-😀-token\r\n", "x".repeat(SNIFF_LEN + 3));
        let path = dir.path().join("u16.txt");
        std::fs::write(&path, utf16le(&text, true)).unwrap();
        let mut r = Reader::open(&path).unwrap().unwrap();
        assert_eq!(r.encoding(), Encoding::Utf16Le);
        let mut out = vec![];
        while !r.fill(&mut out, 7).unwrap() {}
        assert_eq!(String::from_utf8(out).unwrap(), text);
    }

    #[test]
    fn bytes_stream_in_pieces() {
        let dir = tempfile::tempdir().unwrap();
        let text: Vec<u8> = (0..(SNIFF_LEN * 3 + 5)).map(|i| b'a' + (i % 26) as u8).collect();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, &text).unwrap();
        let mut r = Reader::open(&path).unwrap().unwrap();
        let mut out = vec![];
        while !r.fill(&mut out, 1000).unwrap() {}
        assert_eq!(out, text);
        assert_eq!(r.raw_read, text.len() as u64);
    }
}
