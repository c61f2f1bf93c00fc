//! Packed bytes: what `serve` keeps of a big site between rebuilds (body
//! HTML, search text, rendered pages) is held compressed with zstd at a
//! fast level, a third of its size, and unpacked when read.

/// zstd's level: fast enough that packing every page of a first build
/// costs a small part of rendering it.
const LEVEL: i32 = 1;

/// `bytes`, compressed.
pub fn pack(bytes: &[u8]) -> Box<[u8]> {
    zstd::bulk::compress(bytes, LEVEL)
        .expect("compressing bytes in memory cannot fail")
        .into_boxed_slice()
}

/// The bytes `packed` was made from.
pub fn unpack(packed: &[u8]) -> Vec<u8> {
    let size = zstd::zstd_safe::get_frame_content_size(packed)
        .ok()
        .flatten()
        .unwrap_or(0) as usize;
    zstd::bulk::decompress(packed, size).expect("packed by `pack`")
}

/// The text `packed` was made from (packed from a `str`).
pub fn unpack_str(packed: &[u8]) -> String {
    String::from_utf8(unpack(packed)).expect("packed from text")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for text in ["", "a", &"<p>Some HTML, repeated.</p>\n".repeat(1000)] {
            let packed = pack(text.as_bytes());
            assert_eq!(unpack_str(&packed), text);
        }
        let big = "<li>x</li>".repeat(10_000);
        assert!(pack(big.as_bytes()).len() < big.len() / 10);
    }
}
