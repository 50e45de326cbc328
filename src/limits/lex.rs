//! The GraphQL lexer the scanner needs: punctuators, names, integers, and
//! everything else (strings, floats, stray bytes) as one opaque token each.
//! Strings and comments are skipped whole, so brackets inside them do not
//! count.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok<'a> {
    Punct(u8),
    Spread,
    Name(&'a str),
    Int(&'a str),
    Other,
}

/// The token starting at or after `i` (`None` for whitespace, commas and
/// comments), and where the next one starts.
pub fn lex(text: &str, i: usize) -> (Option<Tok<'_>>, usize) {
    let b = text.as_bytes();
    let c = b[i];
    let word = |from: usize, ok: fn(u8) -> bool| {
        let mut j = from;
        while j < b.len() && ok(b[j]) {
            j += 1;
        }
        j
    };
    match c {
        b' ' | b'\t' | b'\n' | b'\r' | b',' => (None, i + 1),
        b'#' => (None, word(i, |x| x != b'\n' && x != b'\r')),
        b'.' if b[i..].starts_with(b"...") => (Some(Tok::Spread), i + 3),
        b'"' if b[i..].starts_with(b"\"\"\"") => {
            let mut j = i + 3;
            while j < b.len() && !b[j..].starts_with(b"\"\"\"") {
                j += if b[j..].starts_with(b"\\\"\"\"") {
                    4
                } else {
                    1
                };
            }
            (Some(Tok::Other), (j + 3).min(b.len()))
        }
        b'"' => {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' && b[j] != b'\n' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            (Some(Tok::Other), (j + 1).min(b.len()))
        }
        b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
            let j = word(i, |x| x == b'_' || x.is_ascii_alphanumeric());
            (Some(Tok::Name(&text[i..j])), j)
        }
        b'-' | b'0'..=b'9' => {
            let j = word(i + 1, |x| x.is_ascii_digit());
            let k = word(j, |x| {
                x.is_ascii_alphanumeric() || matches!(x, b'.' | b'+' | b'-')
            });
            let tok = if k == j {
                Tok::Int(&text[i..j])
            } else {
                Tok::Other
            };
            (Some(tok), k)
        }
        b'!' | b'$' | b'&' | b'(' | b')' | b':' | b'=' | b'@' | b'[' | b']' | b'{' | b'|'
        | b'}' => (Some(Tok::Punct(c)), i + 1),
        // Anything else (a stray byte, a non-ASCII character) is one token
        // the parser will refuse; skip the whole UTF-8 sequence.
        _ => {
            let mut j = i + 1;
            while j < b.len() && (b[j] & 0xC0) == 0x80 {
                j += 1;
            }
            (Some(Tok::Other), j)
        }
    }
}
