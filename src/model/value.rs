//! Values of Terraform expressions, re-exported from the evaluation layer ([`crate::eval`]).

pub(crate) use crate::eval::PartsBuilder;
pub use crate::eval::{Binding, Loc, MAX_ITEMS, Part, Ref, Scope, Src, Str, Text, Val, Value};
