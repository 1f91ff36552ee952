//! The evaluation layer: static values of Terraform expressions ([`value`]), the scope of a
//! module (locals, variables, inputs, iterators) and expression evaluation ([`scope`]), and the
//! built-in functions ([`functions`]).
//!
//! What cannot be known statically is [`Value::Unknown`] (or an unknown part of a string);
//! rules never guess about unknowns. This layer knows nothing of IAM: `model` uses it, never
//! the reverse.

pub mod budget;
pub mod files;
pub mod functions;
pub mod scope;
pub mod types;
pub mod value;
mod yaml;

pub use files::{DataFiles, Files};
pub use scope::{Binding, LazyBody, MAX_ITEMS, Scope};
pub(crate) use value::PartsBuilder;
pub use value::{Loc, Part, Ref, Src, Str, Text, Val, Value};
