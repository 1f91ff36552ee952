//! Evaluation budgets: how large one value may grow and how much work the evaluation of one
//! module may do. They are counted as evaluation proceeds; a value past a budget is
//! [`Value::Unknown`] (never an error, never a guess), and how many values hit one is counted
//! for `--stats`.
//!
//! A few kilobytes of Terraform can describe values of gigabytes: locals that double at each
//! level (`a1 = concat(local.a0, local.a0)`), or nested `for` expressions. The caps are far
//! above what real IAM configuration needs (a custom role holds at most 3,000 permissions).

use super::value::Value;
use std::cell::Cell;

/// The most elements (list and object elements at any depth, the value itself included, and
/// the parts of a string after its first) one value may have.
pub const MAX_ELEMENTS: usize = 50_000;

/// The most bytes of known text (strings, numbers, object keys) one value may hold.
pub const MAX_STRING_BYTES: usize = 1 << 20;

/// The work every module may do, whatever its size: one unit per expression evaluated and per
/// element of a value copied or measured.
pub const WORK_BASE: u64 = 2_000_000;

/// The work a module may do on top of [`WORK_BASE`], per byte of its source.
pub const WORK_PER_BYTE: u64 = 16;

/// The size of a value: its elements at any depth, and the bytes of its known text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Size {
    pub elements: usize,
    pub bytes: usize,
}

impl Size {
    pub fn plus(self, o: Size) -> Size {
        Size {
            elements: self.elements.saturating_add(o.elements),
            bytes: self.bytes.saturating_add(o.bytes),
        }
    }
}

/// The size of `value`, measured only as far as `limit` (elements, bytes): past it, `None`.
/// Iterative, so a deeply nested value cannot overflow the stack.
pub fn measure(value: &Value, limit: Size) -> Option<Size> {
    let mut size = Size::default();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        size.elements += 1;
        match v {
            Value::Null | Value::Bool(_) | Value::Unknown => {}
            Value::Number(n) => size.bytes += n.len(),
            Value::Str(s) => {
                // Parts other than text (references, unknowns) count as elements.
                size.elements += s.parts().len().saturating_sub(1);
                for part in s.parts() {
                    if let super::value::Part::Lit(l) = part {
                        size.bytes += l.len();
                    }
                }
            }
            Value::List(items) => stack.extend(items.iter().map(|i| &i.value)),
            Value::Object(entries) => {
                for (k, v) in entries {
                    size.bytes += k.len();
                    stack.push(&v.value);
                }
            }
        }
        if size.elements > limit.elements || size.bytes > limit.bytes {
            return None;
        }
    }
    Some(size)
}

/// The caps of [`measure`]: one value's budget.
pub const VALUE_LIMIT: Size = Size {
    elements: MAX_ELEMENTS,
    bytes: MAX_STRING_BYTES,
};

/// The work done by one module's evaluation, and the values that hit a budget.
#[derive(Debug)]
pub struct Budget {
    work: Cell<u64>,
    limit: Cell<u64>,
    hits: Cell<usize>,
    exhausted: Cell<bool>,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            work: Cell::new(0),
            limit: Cell::new(WORK_BASE),
            hits: Cell::new(0),
            exhausted: Cell::new(false),
        }
    }
}

impl Budget {
    /// The work limit of a module with `source_bytes` bytes of source.
    pub fn set_source_bytes(&self, source_bytes: usize) {
        self.limit
            .set(WORK_BASE.saturating_add(WORK_PER_BYTE.saturating_mul(source_bytes as u64)));
    }

    /// Spends `units` of work; `false` once the module's work is spent (counted as one hit,
    /// the first time).
    pub fn spend(&self, units: u64) -> bool {
        if self.exhausted.get() {
            return false;
        }
        let work = self.work.get().saturating_add(units);
        self.work.set(work);
        if work > self.limit.get() {
            self.exhausted.set(true);
            self.hit();
            return false;
        }
        true
    }

    /// Notes a value that was made unknown by a budget.
    pub fn hit(&self) {
        self.hits.set(self.hits.get() + 1);
    }

    /// How many values hit a budget.
    pub fn hits(&self) -> usize {
        self.hits.get()
    }

    /// Whether the work budget is spent: every evaluation from now on is unknown.
    pub fn exhausted(&self) -> bool {
        self.exhausted.get()
    }

    /// The work done so far.
    pub fn work(&self) -> u64 {
        self.work.get()
    }

    /// The work left, for a nested evaluation (`templatefile`) that must stay within it.
    pub fn remaining(&self) -> u64 {
        self.limit.get().saturating_sub(self.work.get())
    }

    /// A budget for a nested evaluation, with the work left here as its limit.
    pub fn nested(&self) -> Budget {
        let b = Budget::default();
        b.limit.set(self.remaining());
        b
    }

    /// Charges the work and the hits of a nested evaluation made with [`Budget::nested`].
    pub fn absorb(&self, nested: &Budget) {
        self.spend(nested.work());
        self.hits.set(self.hits.get() + nested.hits());
    }

    /// `value` measured against one value's caps, charging the elements measured as work:
    /// `true` when it fits. A value that does not fit is counted as a hit.
    pub fn admit(&self, value: &Value) -> bool {
        match measure(value, VALUE_LIMIT) {
            Some(size) => self.spend(size.elements as u64),
            None => {
                self.spend(MAX_ELEMENTS as u64);
                self.hit();
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::value::{Loc, Str, Val};

    fn list(n: usize) -> Value {
        let loc = Loc {
            file: 0,
            range: 0..0,
        };
        Value::List(
            (0..n)
                .map(|_| Val {
                    value: Value::Str(Str::literal("abc")),
                    loc: loc.clone(),
                })
                .collect(),
        )
    }

    #[test]
    fn measures_elements_and_bytes_up_to_a_limit() {
        assert_eq!(
            measure(&list(3), VALUE_LIMIT),
            Some(Size {
                elements: 4,
                bytes: 9
            })
        );
        assert_eq!(measure(&list(MAX_ELEMENTS), VALUE_LIMIT), None);
        let budget = Budget::default();
        assert!(budget.admit(&list(10)));
        assert!(!budget.admit(&list(MAX_ELEMENTS)));
        assert_eq!(budget.hits(), 1);
    }

    #[test]
    fn work_runs_out_once() {
        let budget = Budget::default();
        budget.limit.set(10);
        assert!(budget.spend(10));
        assert!(!budget.spend(1));
        assert!(!budget.spend(1));
        assert_eq!(budget.hits(), 1, "an exhausted budget counts one hit");
        assert!(budget.exhausted());
    }
}
