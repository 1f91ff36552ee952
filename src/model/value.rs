//! Values of Terraform expressions, re-exported from the evaluation layer ([`crate::eval`]).

pub use crate::eval::{Binding, Loc, MAX_ITEMS, Part, Ref, Scope, Src, Str, Val, Value};
