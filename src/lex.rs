//! A small lexer over Terraform text that knows only what is needed without a parse tree:
//! where comments are, and where top-level blocks start. It understands strings (with `${ }`
//! and `%{ }`), heredocs and the three comment styles, and never fails: on malformed input it
//! gives up on the construct at the end of the line.

use std::ops::Range;

/// What the lexer found.
#[derive(Debug, Default)]
pub struct Scan {
    /// Byte offsets of lines that start a top-level block (see [`split_top_level`]).
    pub top_level_starts: Vec<usize>,
    /// Every comment: `# ...` and `// ...` up to the end of the line, `/* ... */` whole.
    pub comments: Vec<Range<usize>>,
}

/// Splits a file into top-level pieces. A piece starts at a line that begins, in column 0 and
/// outside any string, heredoc or comment, with a top-level block keyword followed by a label
/// or `{`. Everything before the first such line is left out (it holds no block).
pub fn split_top_level(text: &str) -> Vec<Range<usize>> {
    let starts = scan(text).top_level_starts;
    let mut pieces = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        pieces.push(start..end);
    }
    pieces
}

const TOP_LEVEL: &[&str] = &[
    "check",
    "data",
    "import",
    "locals",
    "module",
    "moved",
    "output",
    "provider",
    "removed",
    "resource",
    "terraform",
    "variable",
];

#[derive(Clone, Debug)]
enum Frame {
    /// Top level, or inside `${ }` / `%{ }` (then `interp` is true); `depth` counts open braces.
    Code {
        interp: bool,
        depth: usize,
    },
    Str,
    Heredoc {
        delim: String,
    },
}

pub fn scan(text: &str) -> Scan {
    let b = text.as_bytes();
    let mut starts = Vec::new();
    let mut comments = Vec::new();
    let mut stack = vec![Frame::Code {
        interp: false,
        depth: 0,
    }];
    let mut i = 0;
    let mut line_start = true;
    while i < b.len() {
        let at_line_start = std::mem::replace(&mut line_start, false);
        let frame = stack.last().cloned().unwrap_or(Frame::Code {
            interp: false,
            depth: 0,
        });
        match frame {
            Frame::Code { interp, depth } => {
                if at_line_start && !interp && stack.len() == 1 && starts_block(&b[i..]) {
                    starts.push(i);
                    stack = vec![Frame::Code {
                        interp: false,
                        depth: 0,
                    }];
                }
                match b[i] {
                    b'\n' => {
                        line_start = true;
                        i += 1;
                    }
                    b'#' => {
                        let end = skip_line(b, i);
                        comments.push(i..end);
                        i = end;
                    }
                    b'/' if b.get(i + 1) == Some(&b'/') => {
                        let end = skip_line(b, i);
                        comments.push(i..end);
                        i = end;
                    }
                    b'/' if b.get(i + 1) == Some(&b'*') => {
                        let end = match find(b, i + 2, b"*/") {
                            Some(end) => end + 2,
                            None => b.len(),
                        };
                        comments.push(i..end);
                        i = end;
                    }
                    b'"' => {
                        stack.push(Frame::Str);
                        i += 1;
                    }
                    b'<' if b.get(i + 1) == Some(&b'<') => match heredoc_start(b, i) {
                        Some((delim, body_start)) => {
                            stack.push(Frame::Heredoc { delim });
                            i = body_start;
                            line_start = true;
                        }
                        None => i += 2,
                    },
                    b'{' => {
                        set_depth(&mut stack, depth + 1);
                        i += 1;
                    }
                    b'}' => {
                        if interp && depth == 0 {
                            stack.pop();
                        } else {
                            set_depth(&mut stack, depth.saturating_sub(1));
                        }
                        i += 1;
                    }
                    _ => i += 1,
                }
            }
            Frame::Str => match b[i] {
                b'\\' => i += 2,
                b'"' => {
                    stack.pop();
                    i += 1;
                }
                b'\n' => {
                    // An unterminated string: give up on it at the end of the line.
                    stack.pop();
                    line_start = true;
                    i += 1;
                }
                b'$' | b'%' if b.get(i + 1) == Some(&b'$') || b.get(i + 1) == Some(&b'%') => i += 2,
                b'$' | b'%' if b.get(i + 1) == Some(&b'{') => {
                    stack.push(Frame::Code {
                        interp: true,
                        depth: 0,
                    });
                    i += 2;
                }
                _ => i += 1,
            },
            Frame::Heredoc { ref delim } => {
                if at_line_start {
                    let end = b[i..]
                        .iter()
                        .position(|&c| c == b'\n')
                        .map_or(b.len(), |p| i + p);
                    let line = String::from_utf8_lossy(&b[i..end]);
                    if line.trim() == delim {
                        stack.pop();
                        i = end;
                        continue;
                    }
                }
                match b[i] {
                    b'\n' => {
                        line_start = true;
                        i += 1;
                    }
                    b'$' | b'%' if b.get(i + 1) == Some(&b'$') || b.get(i + 1) == Some(&b'%') => {
                        i += 2
                    }
                    b'$' | b'%' if b.get(i + 1) == Some(&b'{') => {
                        stack.push(Frame::Code {
                            interp: true,
                            depth: 0,
                        });
                        i += 2;
                    }
                    _ => i += 1,
                }
            }
        }
    }
    Scan {
        top_level_starts: starts,
        comments,
    }
}

fn set_depth(stack: &mut [Frame], new_depth: usize) {
    if let Some(Frame::Code { depth, .. }) = stack.last_mut() {
        *depth = new_depth;
    }
}

fn skip_line(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| i + p)
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

/// `<<EOT` or `<<-EOT` followed by a newline: returns the delimiter and where the body starts.
fn heredoc_start(b: &[u8], i: usize) -> Option<(String, usize)> {
    let mut j = i + 2;
    if b.get(j) == Some(&b'-') {
        j += 1;
    }
    let start = j;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'-') {
        j += 1;
    }
    if j == start {
        return None;
    }
    let delim = String::from_utf8_lossy(&b[start..j]).into_owned();
    if b.get(j) == Some(&b'\r') {
        j += 1;
    }
    if b.get(j) != Some(&b'\n') {
        return None;
    }
    Some((delim, j + 1))
}

fn starts_block(rest: &[u8]) -> bool {
    TOP_LEVEL.iter().any(|kw| {
        let kw = kw.as_bytes();
        if !rest.starts_with(kw) {
            return false;
        }
        let after = &rest[kw.len()..];
        let trimmed = after
            .iter()
            .position(|c| *c != b' ' && *c != b'\t')
            .map_or(&after[after.len()..], |p| &after[p..]);
        let spaced = trimmed.len() < after.len();
        match trimmed.first() {
            Some(b'"') | Some(b'{') => true,
            Some(c) if spaced && (c.is_ascii_alphabetic() || *c == b'_') => true,
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_comments_outside_strings_and_heredocs() {
        let text = "# one\na = \"# not\" // two\nb = <<EOT\n# not\nEOT\n/* three\n */ c = 1\n";
        let found: Vec<&str> = scan(text)
            .comments
            .iter()
            .map(|r| &text[r.clone()])
            .collect();
        assert_eq!(found, ["# one", "// two", "/* three\n */"]);
    }
}
