//! Packed bytes: what `serve` keeps of a big site between rebuilds (body
//! HTML, search text, rendered pages) is held compressed with zstd at a
//! fast level, and unpacked when read. A site's pages share their header,
//! navigation and footer: packed with a [`Dictionary`] trained on some of
//! them, a page takes a fifth of its size rather than a third.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use zstd::zstd_safe::{CCtx, CDict, DCtx, DDict};

/// zstd's level: fast enough that packing every page of a first build
/// costs a small part of rendering it.
const LEVEL: i32 = 1;

/// Size of a trained dictionary: a site's pages share more than their
/// header and footer (the sidebar of a folder, the same notes and
/// listings), and 256 KiB of it keeps them smaller than 64 KiB did.
const DICTIONARY_SIZE: usize = 256 * 1024;

/// Fewest samples a dictionary is trained on: with fewer there is too
/// little to learn from (and a small site has little to save).
pub const MIN_SAMPLES: usize = 16;

thread_local! {
    static CCTX: RefCell<CCtx<'static>> = RefCell::new(CCtx::create());
    static DCTX: RefCell<DCtx<'static>> = RefCell::new(DCtx::create());
}

/// `bytes`, compressed. (Each thread keeps its zstd context: making one
/// costs more than packing a page.)
pub fn pack(bytes: &[u8]) -> Box<[u8]> {
    let mut out = Vec::with_capacity(zstd::zstd_safe::compress_bound(bytes.len()));
    CCTX.with(|c| c.borrow_mut().compress(&mut out, bytes, LEVEL))
        .expect("compressing bytes in memory cannot fail");
    out.into_boxed_slice()
}

/// The bytes `packed` was made from by [`pack`].
pub fn unpack(packed: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content_size(packed));
    DCTX.with(|d| d.borrow_mut().decompress(&mut out, packed))
        .expect("packed by `pack`");
    out
}

/// `bytes`, compressed with `dictionary` if there is one, else alone.
pub fn pack_with(bytes: &[u8], dictionary: Option<&Dictionary>) -> Box<[u8]> {
    match dictionary {
        Some(d) => d.pack(bytes),
        None => pack(bytes),
    }
}

/// The bytes `packed` was made from by [`pack_with`] (the same
/// `dictionary`).
pub fn unpack_with(packed: &[u8], dictionary: Option<&Dictionary>) -> Vec<u8> {
    match dictionary {
        Some(d) => d.unpack(packed),
        None => unpack(packed),
    }
}

/// How many bytes a packed frame unpacks to (it says so in its header).
fn content_size(packed: &[u8]) -> usize {
    zstd::zstd_safe::get_frame_content_size(packed)
        .ok()
        .flatten()
        .unwrap_or(0) as usize
}

/// A zstd dictionary trained on samples of what it will pack.
pub struct Dictionary {
    /// Tells dictionaries apart (two trained on the same samples pack the
    /// same bytes differently from any other).
    id: u64,
    compress: CDict<'static>,
    decompress: DDict<'static>,
}

impl std::fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Dictionary({})", self.id)
    }
}

impl PartialEq for Dictionary {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for Dictionary {}

impl Dictionary {
    /// A dictionary trained on `samples`; `None` when there are fewer
    /// than [`MIN_SAMPLES`] or zstd cannot learn from them.
    pub fn train(samples: &[&[u8]]) -> Option<Dictionary> {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        if samples.len() < MIN_SAMPLES {
            return None;
        }
        let bytes = zstd::dict::from_samples(samples, DICTIONARY_SIZE).ok()?;
        Some(Dictionary {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
            compress: CDict::try_create(&bytes, LEVEL)?,
            decompress: DDict::try_create(&bytes)?,
        })
    }

    /// `bytes`, compressed with this dictionary.
    pub fn pack(&self, bytes: &[u8]) -> Box<[u8]> {
        let mut out = Vec::with_capacity(zstd::zstd_safe::compress_bound(bytes.len()));
        CCTX.with(|c| {
            c.borrow_mut()
                .compress_using_cdict(&mut out, bytes, &self.compress)
        })
        .expect("compressing bytes in memory cannot fail");
        out.into_boxed_slice()
    }

    /// The bytes `packed` was made from by this dictionary's [`pack`].
    ///
    /// [`pack`]: Dictionary::pack
    pub fn unpack(&self, packed: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(content_size(packed));
        DCTX.with(|d| {
            d.borrow_mut()
                .decompress_using_ddict(&mut out, packed, &self.decompress)
        })
        .expect("packed with this dictionary");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for text in ["", "a", &"<p>Some HTML, repeated.</p>\n".repeat(1000)] {
            let packed = pack(text.as_bytes());
            assert_eq!(unpack(&packed), text.as_bytes());
        }
        let big = "<li>x</li>".repeat(10_000);
        assert!(pack(big.as_bytes()).len() < big.len() / 10);
    }

    #[test]
    fn a_dictionary_packs_pages_alike_smaller() {
        let page = |n: usize| {
            format!(
                "<html><head><title>Page {n}</title><link rel=stylesheet href=style.css></head>\
                 <body><nav>{}</nav><main><h1>Article {n}</h1><p>{}</p></main>\
                 <footer>Knowledge base footer, the same on every page.</footer></body></html>",
                (0..40)
                    .map(|k| format!("<a href=\"s{k}/index.html\">Section {k}</a>"))
                    .collect::<String>(),
                format!("Text of article {n}. ").repeat(n % 7 + 1),
            )
        };
        let pages: Vec<String> = (0..64).map(page).collect();
        let samples: Vec<&[u8]> = pages.iter().map(|p| p.as_bytes()).collect();
        assert!(Dictionary::train(&samples[..MIN_SAMPLES - 1]).is_none());
        let dict = Dictionary::train(&samples).expect("trained");
        let other = page(1000);
        let with = dict.pack(other.as_bytes());
        assert_eq!(dict.unpack(&with), other.as_bytes());
        let without = pack(other.as_bytes()).len();
        assert!(with.len() * 3 / 2 < without, "{} vs {without}", with.len());
        assert_eq!(dict.unpack(&dict.pack(b"")), b"");
        // The thread's contexts serve plain packing again after a dictionary.
        assert_eq!(unpack(&pack(other.as_bytes())), other.as_bytes());
    }
}
