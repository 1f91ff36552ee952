//! Matching text.

/// Shell-style match where `*` matches any run of characters, dots included. Allocates nothing.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let Some(star) = pattern.find('*') else {
        return pattern == text;
    };
    let (first, rest) = (&pattern[..star], &pattern[star + 1..]);
    let Some(mut text) = text.strip_prefix(first) else {
        return false;
    };
    // The part after the last `*` must end the text; the parts between match leftmost.
    let (middle, last) = match rest.rfind('*') {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => ("", rest),
    };
    if text.len() < last.len() || !text.ends_with(last) {
        return false;
    }
    text = &text[..text.len() - last.len()];
    for part in middle.split('*').filter(|p| !p.is_empty()) {
        match text.find(part) {
            Some(i) => text = &text[i + part.len()..],
            None => return false,
        }
    }
    true
}
