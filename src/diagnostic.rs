//! The one diagnostic type every rule produces and every emitter reads.

use std::borrow::Cow;
use std::ops::Range;

/// Index of a file in the run's files (the report names them).
pub type FileId = usize;

/// How serious a finding is. Ordered: `Note < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Note,
    Warning,
    Error,
}

/// `--fail-on LEVEL`, most severe first.
impl clap::ValueEnum for Severity {
    fn value_variants<'a>() -> &'a [Self] {
        &[Severity::Error, Severity::Warning, Severity::Note]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A byte range in one file, with the text shown beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub file: FileId,
    pub range: Range<usize>,
    pub message: String,
}

impl Label {
    pub fn new(file: FileId, range: Range<usize>, message: impl Into<String>) -> Label {
        Label {
            file,
            range,
            message: message.into(),
        }
    }
}

/// One finding. Rules fill it in; the engine sets the final severity, sorts and filters;
/// emitters render it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    /// Notes and help are most often fixed text: borrowed then, not copied per finding.
    pub notes: Vec<Cow<'static, str>>,
    pub help: Option<Cow<'static, str>>,
    /// A change that certainly fixes it, applied by `--fix`. Boxed: most findings have none,
    /// and inline it made each 224 bytes instead of 184.
    pub fix: Option<Box<Fix>>,
    /// Part of one decision with other findings of its rule (the permissions of one role):
    /// after suppressions, the report makes them one diagnostic.
    pub group: Option<Box<Group>>,
}

/// Findings of one rule that are one decision: the report keeps the one of lowest rank as the
/// primary, labels the others at their places, and uses `message` (with `{n}` the number of
/// the others, `{s}` an `s` when that is not one) when there is more than one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// Unique in the run (a place: file id and offset), not only in the module.
    pub key: String,
    pub rank: u32,
    pub message: String,
    /// The help when there is more than one.
    pub help: String,
}

/// A machine-applicable fix: what it does, and the edits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// "remove `run.services.delete`"
    pub title: String,
    pub edits: Vec<Edit>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    /// Replace the text at `range`.
    Replace {
        file: FileId,
        range: Range<usize>,
        text: String,
    },
    /// Remove a list element at `range`, with its separator (and its line, when it has one to itself).
    RemoveElement { file: FileId, range: Range<usize> },
}

impl Diagnostic {
    pub fn new(
        rule: &'static str,
        severity: Severity,
        primary: Label,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            rule,
            severity,
            message: message.into(),
            primary,
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
            fix: None,
            group: None,
        }
    }

    /// The files its labels point into (the primary's first; may repeat).
    pub fn files(&self) -> impl Iterator<Item = FileId> + '_ {
        std::iter::once(self.primary.file).chain(self.secondary.iter().map(|l| l.file))
    }

    pub fn fix(mut self, fix: Fix) -> Diagnostic {
        self.fix = Some(Box::new(fix));
        self
    }

    pub fn secondary(mut self, label: Label) -> Diagnostic {
        self.secondary.push(label);
        self
    }

    pub fn note(mut self, note: impl Into<Cow<'static, str>>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    pub fn help(mut self, help: impl Into<Cow<'static, str>>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
}
