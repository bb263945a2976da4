//! Dropping clean file pages from this process's page tables (Linux).
//!
//! The browser engine's libraries stay mapped after the window and its processes are gone:
//! ~100 MiB of code and read-only data that the tray, alerts and scans never run, counted in
//! Latchkey's resident memory for as long as it sits in the tray. Those pages are exact copies
//! of files, so giving them up loses nothing: `madvise(MADV_DONTNEED)` removes them from this
//! process's page tables, the kernel keeps them in its page cache (or reclaims them), and the
//! next access — a new window — faults them back in from there.
//!
//! Only pages that are still the file's own are dropped. A private mapping's page that was
//! written (a library's relocated read-only data, a debugger's breakpoint) has become anonymous
//! memory, and dropping it would bring the file's unmodified bytes back; `/proc/self/pagemap`
//! tells the two apart (bit 61: "file page or shared anonymous"), so such pages are kept.
//! `MADV_PAGEOUT` would need no such care but does nothing for files the user may not write
//! (every system library, for anyone but root).

use std::fs::File;
use std::os::unix::fs::FileExt;

/// pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst).
const PRESENT: u64 = 1 << 63;
const FILE_PAGE: u64 = 1 << 61;
/// Pages whose pagemap entries are read at once.
const CHUNK: u64 = 4096;

/// Drop every resident page of this process's private, read-only file mappings that is still
/// the file's own; the bytes dropped.
pub fn release_file_pages() -> u64 {
    let (Ok(maps), Ok(pagemap)) = (std::fs::read_to_string("/proc/self/maps"), File::open("/proc/self/pagemap")) else {
        return 0;
    };
    let page = page_size();
    maps.lines().filter_map(read_only_file_mapping).map(|(start, end)| release_range(&pagemap, start, end, page)).sum()
}

/// `start..end` of a mapping of a regular file that is private and neither writable nor
/// (for safety) anything special: devices, deleted files and memfds are left alone.
fn read_only_file_mapping(line: &str) -> Option<(u64, u64)> {
    let mut fields = line.split_whitespace();
    let (range, perms) = (fields.next()?, fields.next()?.as_bytes());
    let inode = fields.nth(2)?;
    let path = fields.collect::<Vec<_>>().join(" ");
    let plain_file = path.starts_with('/')
        && !path.starts_with("/dev/")
        && !path.starts_with("/memfd:")
        && !path.ends_with("(deleted)");
    if !plain_file || inode == "0" || perms.len() < 4 || perms[1] != b'-' || perms[3] != b'p' {
        return None;
    }
    let (a, b) = range.split_once('-')?;
    Some((u64::from_str_radix(a, 16).ok()?, u64::from_str_radix(b, 16).ok()?))
}

/// Drop the resident file pages of `start..end` (page-aligned), in runs; the bytes dropped.
fn release_range(pagemap: &File, start: u64, end: u64, page: u64) -> u64 {
    let mut released = 0;
    let mut first = start / page;
    let last = end / page;
    let mut entries = vec![0u8; (CHUNK * 8) as usize];
    while first < last {
        let n = (last - first).min(CHUNK);
        let buf = &mut entries[..(n * 8) as usize];
        if pagemap.read_exact_at(buf, first * 8).is_err() {
            return released;
        }
        let mut run: Option<u64> = None;
        for i in 0..=n {
            let drop = i < n && {
                let e = u64::from_le_bytes(buf[(i * 8) as usize..][..8].try_into().expect("8 bytes"));
                e & PRESENT != 0 && e & FILE_PAGE != 0
            };
            match (drop, run) {
                (true, None) => run = Some(first + i),
                (false, Some(r)) => {
                    released += dont_need(r * page, (first + i - r) * page);
                    run = None;
                }
                _ => {}
            }
        }
        first += n;
    }
    released
}

/// `madvise(MADV_DONTNEED)` on `len` bytes at `addr`; `len` when it was taken, else 0.
fn dont_need(addr: u64, len: u64) -> u64 {
    // SAFETY: the range lies in a private mapping that is not writable, and holds only pages
    // that are the file's own (pagemap said so just now): dropping them changes no byte the
    // process can read, the next read faults the same bytes back in from the file.
    let rc = unsafe { libc::madvise(addr as *mut libc::c_void, len as usize, libc::MADV_DONTNEED) };
    if rc == 0 {
        len
    } else {
        0
    }
}

fn page_size() -> u64 {
    // SAFETY: sysconf reads a constant of the system.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 {
        n as u64
    } else {
        4096
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Whether the page at `addr` is in this process's page tables.
    fn resident(addr: *const u8) -> bool {
        let pagemap = File::open("/proc/self/pagemap").unwrap();
        let mut e = [0u8; 8];
        pagemap.read_exact_at(&mut e, addr as u64 / page_size() * 8).unwrap();
        u64::from_le_bytes(e) & PRESENT != 0
    }

    /// A private mapping of `len` bytes of a temp file, read-only.
    fn map_file(bytes: &[u8]) -> (*mut u8, tempfile::NamedTempFile) {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        f.flush().unwrap();
        use std::os::fd::AsRawFd;
        // SAFETY: a fresh mapping of a file we own, unmapped by no one during the test.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                bytes.len(),
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                f.as_file().as_raw_fd(),
                0,
            )
        };
        assert_ne!(p, libc::MAP_FAILED);
        (p.cast(), f)
    }

    #[test]
    fn clean_file_pages_are_dropped_and_read_back_the_same() {
        let page = page_size() as usize;
        let bytes: Vec<u8> = (0..4 * page).map(|i| (i % 251) as u8).collect();
        let (p, _file) = map_file(&bytes);
        // SAFETY: p maps bytes.len() readable bytes.
        let mapped = unsafe { std::slice::from_raw_parts(p, bytes.len()) };
        assert_eq!(mapped, &bytes[..]);
        assert!(resident(p), "a page just read is resident");

        let released = release_file_pages();
        assert!(released >= bytes.len() as u64, "released {released} bytes");
        assert!(!resident(p) && !resident(p.wrapping_add(3 * page)), "the file's pages were dropped");
        assert_eq!(mapped, &bytes[..], "and read back the same");
    }

    #[test]
    fn a_written_page_of_a_private_file_mapping_is_kept() {
        // What the dynamic linker does to a library's relocated read-only data: write it,
        // then make it read-only. Its pages are no longer the file's.
        let page = page_size() as usize;
        let (p, _file) = map_file(&vec![b'f'; 2 * page]);
        // SAFETY: p maps 2 pages of our own file; made writable, written, made read-only again.
        unsafe {
            assert_eq!(libc::mprotect(p.cast(), 2 * page, libc::PROT_READ | libc::PROT_WRITE), 0);
            std::ptr::write_bytes(p, b'w', page);
            assert_eq!(libc::mprotect(p.cast(), 2 * page, libc::PROT_READ), 0);
        }
        release_file_pages();
        // SAFETY: p still maps 2 readable pages.
        let mapped = unsafe { std::slice::from_raw_parts(p, 2 * page) };
        assert!(mapped[..page].iter().all(|&b| b == b'w'), "the written page kept what was written");
        assert!(mapped[page..].iter().all(|&b| b == b'f'));
    }

    #[test]
    fn only_private_read_only_file_mappings_are_taken() {
        let m = |l: &str| read_only_file_mapping(l);
        assert_eq!(m("7f00-7f10 r-xp 00000000 08:01 1234 /usr/lib/libwebkit2gtk-4.1.so.0"), Some((0x7f00, 0x7f10)));
        assert_eq!(m("7f00-7f10 r--p 00000000 08:01 1234 /opt/a b/lib.so"), Some((0x7f00, 0x7f10)));
        assert_eq!(m("7f00-7f10 rw-p 00000000 08:01 1234 /usr/lib/lib.so"), None, "writable");
        assert_eq!(m("7f00-7f10 r--s 00000000 08:01 1234 /usr/lib/lib.so"), None, "shared");
        assert_eq!(m("7f00-7f10 r--p 00000000 00:00 0 [vvar]"), None);
        assert_eq!(m("7f00-7f10 r--p 00000000 00:00 0"), None, "anonymous");
        assert_eq!(m("7f00-7f10 r--p 00000000 00:05 99 /dev/dri/card0"), None);
        assert_eq!(m("7f00-7f10 r--p 00000000 00:01 99 /memfd:wayland (deleted)"), None);
    }
}
