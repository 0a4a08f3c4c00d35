//! Errors of the `glif` command and their exit status.

use std::fmt;

/// What kind of failure, which decides the exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Bad usage or a bad input file (exit status 2).
    Input,
    /// Anything else: writing, running (exit status 1).
    Other,
}

/// An error to print (one message, naming the file and field) and exit with.
#[derive(Debug)]
pub struct CliError {
    /// Exit status class.
    pub kind: Kind,
    /// The message.
    pub message: String,
}

impl CliError {
    /// Bad usage or a bad input file: exit status 2.
    pub fn input(message: impl Into<String>) -> Self {
        CliError {
            kind: Kind::Input,
            message: message.into(),
        }
    }
    /// Another failure: exit status 1.
    pub fn other(message: impl Into<String>) -> Self {
        CliError {
            kind: Kind::Other,
            message: message.into(),
        }
    }
    /// A glif-io error reading an input (a config or stimulus file): exit
    /// status 2. Its message names the file and the field.
    pub fn reading(e: glif_io::Error) -> Self {
        CliError::input(Self::reading_message(&e))
    }
    /// The message of [`CliError::reading`].
    pub fn reading_message(e: &glif_io::Error) -> String {
        match e.kind() {
            // glif-io's message says "choose one of the ids: ..."; here
            // the flag is named once instead of appended to that.
            glif_io::ErrorKind::AmbiguousModel { ids } => {
                let file = file_prefix(e);
                format!(
                    "{file}the file holds {} models (ids {}); choose one with --model-id",
                    ids.len(),
                    ids.join(", ")
                )
            }
            // A run's argument: the library names it, the command line
            // has a flag of the same name.
            glif_io::ErrorKind::Setting {
                name,
                found,
                expected,
            } => {
                let file = file_prefix(e);
                format!(
                    "{file}--{}: found {found}, expected {expected}",
                    name.replace('_', "-")
                )
            }
            // A folder given where a file belongs: say so instead of the
            // system's "Is a directory (os error 21)".
            glif_io::ErrorKind::Io(_) if e.file.as_deref().is_some_and(|f| f.is_dir()) => {
                format!(
                    "{}: is a folder; expected a file",
                    e.file
                        .as_deref()
                        .map(|f| f.display().to_string())
                        .unwrap_or_default()
                )
            }
            _ => format!("{e}{}", Self::hint(e)),
        }
    }
    /// The command line's way to fix a glif-io error (its flag), appended
    /// after glif-io's message, which says only what is wrong.
    pub fn hint(e: &glif_io::Error) -> String {
        match e.fix() {
            Some(glif_io::Fix::ChooseColumn) => " (glif: --column NAME)".into(),
            Some(glif_io::Fix::ChooseNpzKey) => " (glif: --key NAME)".into(),
            Some(glif_io::Fix::UseDt(dt)) => {
                format!("; give --dt {} (every row is one sample)", glif_io::sci(dt))
            }
            Some(glif_io::Fix::WriteExpTable) => " (glif info --exp-arguments --dt DT)".into(),
            Some(glif_io::Fix::StartBeforeEnd) => {
                "; give a --start before --duration, or a longer --duration".into()
            }
            Some(glif_io::Fix::OneSampleLong(dt)) => glif_io::run::dt_slip(dt)
                .map(|s| format!(" (--dt: {s})"))
                .unwrap_or_default(),
            _ => String::new(),
        }
    }
    /// A glif-io error writing `path`: exit status 1, or 2 when the file
    /// exists and --force was not given.
    pub fn writing(e: glif_io::Error, path: &std::path::Path) -> Self {
        match e.kind() {
            glif_io::ErrorKind::Exists => CliError::input(format!(
                "{}: the file exists; give --force to replace it",
                e.file.as_deref().unwrap_or(path).display()
            )),
            _ => CliError::other(e.in_file(path).to_string()),
        }
    }
    /// The exit status.
    pub fn code(&self) -> u8 {
        match self.kind {
            Kind::Input => 2,
            Kind::Other => 1,
        }
    }
}

/// `"FILE: "` for an error in a file, else nothing.
fn file_prefix(e: &glif_io::Error) -> String {
    e.file
        .as_deref()
        .map(|f| format!("{}: ", f.display()))
        .unwrap_or_default()
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}
