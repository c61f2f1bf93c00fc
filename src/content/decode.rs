//! Bytes of a source file → the text every later stage sees: UTF-8 (a BOM
//! dropped) or UTF-16 with a BOM, line endings normalised to `\n`. Articles,
//! includes and code samples that are neither are read as Windows-1252
//! ([`decode_lenient`]), what editors on Windows long saved by default.

/// Why a file could not be turned into text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub message: String,
    /// 1-based line of the first bad byte, when known.
    pub line: Option<u32>,
}

/// Decodes a source file. NUL bytes are refused (they mark a binary file or
/// a broken save); other C0 control characters, which no writer means and
/// which kbsite uses internally as markers, become U+FFFD.
pub fn decode(bytes: &[u8]) -> Result<String, DecodeError> {
    decode_with(bytes, false).map(|(text, _)| text)
}

/// As [`decode`], but bytes that are not UTF-8 (with no byte order mark)
/// are read as Windows-1252 rather than refused: the line of the first
/// byte that is not UTF-8 comes with the text then, for a warning.
pub fn decode_lenient(bytes: &[u8]) -> Result<(String, Option<u32>), DecodeError> {
    decode_with(bytes, true)
}

fn decode_with(bytes: &[u8], lenient: bool) -> Result<(String, Option<u32>), DecodeError> {
    let mut fallback = None;
    let text = if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        utf16(rest, u16::from_le_bytes)?
    } else if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        utf16(rest, u16::from_be_bytes)?
    } else {
        let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
        match std::str::from_utf8(bytes) {
            Ok(s) => s.to_string(),
            Err(e) if lenient => {
                fallback = Some(line_of(&bytes[..e.valid_up_to()]));
                let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
                text.into_owned()
            }
            Err(e) => {
                let line = line_of(&bytes[..e.valid_up_to()]);
                return Err(DecodeError {
                    message: "file is not valid UTF-8".into(),
                    line: Some(line),
                });
            }
        }
    };
    if let Some(pos) = text.find('\0') {
        return Err(DecodeError {
            message: "file contains NUL bytes (is it a binary file?)".into(),
            line: Some(line_of(&text.as_bytes()[..pos])),
        });
    }
    Ok((normalise(&text), fallback))
}

fn utf16(bytes: &[u8], read: fn([u8; 2]) -> u16) -> Result<String, DecodeError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(DecodeError {
            message: "file has a UTF-16 byte order mark but an odd number of bytes".into(),
            line: None,
        });
    }
    let units: Vec<u16> = bytes.chunks_exact(2).map(|c| read([c[0], c[1]])).collect();
    String::from_utf16(&units).map_err(|_| DecodeError {
        message: "file has a UTF-16 byte order mark but is not valid UTF-16".into(),
        line: None,
    })
}

fn line_of(prefix: &[u8]) -> u32 {
    prefix.iter().filter(|&&b| b == b'\n').count() as u32 + 1
}

/// `\r\n` and lone `\r` → `\n`; stray control characters → U+FFFD.
fn normalise(text: &str) -> String {
    let clean = |c: char| c == '\n' || c == '\t' || !c.is_control() || c > '\u{7f}';
    // Fast path, byte-wise: almost every file has nothing to change.
    let plain = |b: &u8| *b >= 0x20 && *b != 0x7f || *b == b'\n' || *b == b'\t';
    if text.as_bytes().iter().all(plain) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            c if clean(c) => out.push(c),
            _ => out.push('\u{fffd}'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_bom_and_crlf() {
        assert_eq!(decode(b"\xEF\xBB\xBFa\r\nb\rc\n").unwrap(), "a\nb\nc\n");
    }

    #[test]
    fn utf16_both_orders() {
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("hé\r\n".encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        assert_eq!(decode(&le).unwrap(), "hé\n");
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("hé".encode_utf16().flat_map(|u| u.to_be_bytes()))
            .collect();
        assert_eq!(decode(&be).unwrap(), "hé");
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let e = decode(b"ok\nok\nbad \xff here\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("UTF-8"));
    }

    #[test]
    fn lenient_reads_windows_1252_and_names_the_line() {
        // "café – naïve" as Windows-1252, on line 2; CRLF normalised.
        let (text, line) = decode_lenient(b"ok\r\ncaf\xe9 \x96 na\xefve\r\n").unwrap();
        assert_eq!(text, "ok\ncafé – naïve\n");
        assert_eq!(line, Some(2));
        assert_eq!(
            decode_lenient("été".as_bytes()).unwrap(),
            ("été".into(), None)
        );
        // A binary file is still refused.
        assert!(decode_lenient(b"\xff\0\x01").is_err());
    }

    #[test]
    fn nul_is_refused_other_controls_replaced() {
        assert_eq!(decode(b"a\n\0").unwrap_err().line, Some(2));
        assert_eq!(decode(b"a\x01b\x1bc\td").unwrap(), "a\u{fffd}b\u{fffd}c\td");
    }
}
