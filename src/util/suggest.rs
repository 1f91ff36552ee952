//! "Did you mean ...?": the closest of a set of names to a misspelt one.

/// The unique candidate at the smallest edit distance, if that distance is small for the name.
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 8).clamp(1, 3);
    let mut best: Option<(usize, &str)> = None;
    let mut tie = false;
    for candidate in candidates {
        if candidate.len().abs_diff(name.len()) > limit {
            continue;
        }
        let Some(d) = edit_distance(name, candidate, limit) else {
            continue;
        };
        match best {
            Some((bd, _)) if d > bd => {}
            Some((bd, _)) if d == bd => tie = true,
            _ => {
                best = Some((d, candidate));
                tie = false;
            }
        }
    }
    match best {
        Some((_, c)) if !tie => Some(c),
        _ => None,
    }
}

/// Optimal-string-alignment distance (a transposition counts as one edit), or `None` when it
/// exceeds `limit`. Only the diagonal band of width `2 * limit + 1` is computed, so the cost is
/// O(len * limit).
pub fn edit_distance(a: &str, b: &str, limit: usize) -> Option<usize> {
    // Byte lengths bound character lengths from above by 4x: a cheap first cut, before allocating.
    if a.is_ascii() && b.is_ascii() && a.len().abs_diff(b.len()) > limit {
        return None;
    }
    if a == b {
        return Some(0);
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let big = limit + 1;
    let width = b.len() + 1;
    // Three rows: i-2, i-1, i. Cells outside the band stay "too far".
    let mut rows = vec![vec![big; width]; 3];
    for (j, cell) in rows[1].iter_mut().enumerate().take(limit + 1) {
        *cell = j;
    }
    for i in 1..=a.len() {
        let lo = i.saturating_sub(limit).max(1);
        let hi = (i + limit).min(b.len());
        rows[2].iter_mut().for_each(|c| *c = big);
        if i <= limit {
            rows[2][0] = i;
        }
        let mut row_min = rows[2][0];
        for j in lo..=hi {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (rows[1][j] + 1)
                .min(rows[2][j - 1] + 1)
                .min(rows[1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(rows[0][j - 2] + 1);
            }
            let v = v.min(big);
            rows[2][j] = v;
            row_min = row_min.min(v);
        }
        if row_min > limit {
            return None;
        }
        rows.rotate_left(1);
    }
    let d = rows[1][b.len()];
    (d <= limit).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("abc", "acb", 3), Some(1));
        assert_eq!(edit_distance("kitten", "sitting", 3), Some(3));
        assert_eq!(edit_distance("kitten", "sitting", 2), None);
        assert_eq!(edit_distance("", "ab", 3), Some(2));
        assert_eq!(
            edit_distance("run.services.lsit", "run.services.list", 3),
            Some(1)
        );
        assert_eq!(edit_distance("abcdef", "abcdef", 0), Some(0));
        assert_eq!(edit_distance("abcdef", "abcdxf", 0), None);
        // The band agrees with the full computation on every pair here.
        let words = [
            "kitten", "sitting", "kitchen", "mitten", "sit", "", "ttenki", "kitten!",
        ];
        for a in words {
            for b in words {
                let full = naive(a, b);
                for limit in 0..5 {
                    assert_eq!(
                        edit_distance(a, b, limit),
                        (full <= limit).then_some(full),
                        "{a} {b} {limit}"
                    );
                }
            }
        }
    }

    fn naive(a: &str, b: &str) -> usize {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut d = vec![vec![0; b.len() + 1]; a.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                d[i][j] = (d[i - 1][j] + 1)
                    .min(d[i][j - 1] + 1)
                    .min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
                }
            }
        }
        d[a.len()][b.len()]
    }

    #[test]
    fn closest_is_unique_and_near() {
        assert_eq!(
            closest("severty", ["severity", "exclude"].into_iter()),
            Some("severity")
        );
        assert_eq!(closest("zzz", ["severity", "exclude"].into_iter()), None);
        assert_eq!(closest("ab", ["ac", "ad"].into_iter()), None);
    }
}
