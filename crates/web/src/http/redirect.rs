//! Where a visitor may be sent after signing in: the `next` of `/login?next=…`, taken only when it is a
//! path on this site however a browser reads it.
//!
//! A browser normalises a `Location` before following it: it drops tabs, CR and LF anywhere, reads `\` as
//! `/`, and takes `//host` (or `/\host`) as another site. Servers and proxies on the way may also decode
//! `%2F`, `%5C`, `%09` once more. So rather than clean a doubtful value, refuse it: the caller falls back to
//! the role's home page.

/// The longest `next` taken (longer is no page of this site).
const MAX_LEN: usize = 2048;

/// `next` when it is a path of this site, else `None`.
///
/// Accepted: printable ASCII only (no space, tab, CR, LF or other control, no non-ASCII), starting with one
/// `/` and not `//` or `/\`, with no `\` or `@` anywhere, and the same holding after percent-decoding (as
/// often as it decodes to something new, so `%252F` is caught too).
#[must_use]
pub fn local_path(next: &str) -> Option<&str> {
    if next.len() > MAX_LEN {
        return None;
    }
    let mut text = next.as_bytes().to_vec();
    // Each round decodes one level; a value that still changes after a few rounds is refused outright.
    for round in 0..4 {
        if !plain_local(&text, round == 0) {
            return None;
        }
        let decoded = percent_decode(&text);
        if decoded == text {
            return Some(next);
        }
        text = decoded;
    }
    None
}

/// One level's rule (see [`local_path`]). Decoded levels may hold spaces and UTF-8 (a Chinese search term
/// in the query string); the value as given may not, since it goes into a header.
fn plain_local(path: &[u8], raw: bool) -> bool {
    path.first() == Some(&b'/')
        && !matches!(path.get(1), Some(b'/' | b'\\'))
        && path
            .iter()
            .all(|&b| (b.is_ascii_graphic() || (!raw && (b == b' ' || b >= 0x80))) && !matches!(b, b'\\' | b'@'))
}

/// `%XX` decoded; a `%` not followed by two hex digits stays as it is.
fn percent_decode(text: &[u8]) -> Vec<u8> {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'%'
            && let (Some(hi), Some(lo)) = (text.get(i + 1).and_then(|&b| hex(b)), text.get(i + 2).and_then(|&b| hex(b)))
            && let Ok(byte) = u8::try_from(hi * 16 + lo)
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(text[i]);
            i += 1;
        }
    }
    out
}

/// Forms of `next` that a browser (or a proxy decoding once more) would take off-site, or that cannot be
/// put in a `Location` header at all: the unit test below and the end-to-end sign-in test try each.
pub const ATTACK_FORMS: &[&str] = &[
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/\t/evil.example/phish",
    "/%09/evil.example/phish",
    "/\r\n/evil.example/",
    "/%0d%0aSet-Cookie:%20x=1",
    "/%0A/evil.example",
    "/\n/evil.example",
    "/%2F/evil.example/",
    "/%2f%2fevil.example/",
    "%2F%2Fevil.example/",
    "/%5Cevil.example/",
    "/%5cevil.example/",
    "/%252F/evil.example/",
    "/%25252F%25252Fevil.example/",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "data:text/html,x",
    "evil.example",
    "",
    " /sme",
    "/ /evil.example",
    "/@evil.example",
    "/x@evil.example",
    "/%40evil.example",
    "/%00",
    "/\u{7f}",
    "/é",
    "/\u{3000}/evil.example",
];

#[cfg(test)]
mod tests {
    use super::{ATTACK_FORMS, local_path};

    #[test]
    fn attack_forms_fall_back_to_home() {
        for attack in ATTACK_FORMS {
            assert_eq!(local_path(attack), None, "{attack:?} must not be followed");
        }
        assert_eq!(local_path(&format!("/{}", "a".repeat(3000))), None, "over-long");
    }

    #[test]
    fn site_paths_are_kept() {
        for path in
            ["/", "/sme/applications", "/search?q=%E8%B4%B7%E6%AC%BE&page=2", "/bank/products/3#x", "/a%20b", "/100%"]
        {
            assert_eq!(local_path(path), Some(path), "{path}");
        }
    }
}
