//! The one error type of glif-io: every message names the file (when there
//! is one), the place in it (JSON path, line, array index) and the problem.

use std::fmt;
use std::path::{Path, PathBuf};

use glif_core::RunError;

/// Everything that can go wrong reading, building, running or writing.
///
/// `Display` gives one line: `<file> (model <id>): <what>`, with the file and
/// model id left out when there are none.
#[derive(Debug)]
pub struct Error {
    /// The file the problem is in, if any.
    pub file: Option<PathBuf>,
    /// The neuronal model id, for configs keyed by id.
    pub model_id: Option<String>,
    /// What went wrong.
    pub kind: ErrorKind,
}

/// What would fix an error, which each front end words in its own terms (a
/// command-line flag, a keyword argument); the library's message states
/// only the problem, and the front end appends its hint after it.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Fix {
    /// Name the column of a table that holds the current.
    ChooseColumn,
    /// Name the array of a `.npz` archive that holds the stimulus.
    ChooseNpzKey,
    /// Use this time step (s): the stimulus table's time column steps by it.
    UseDt(f64),
    /// Write an exp table for this config and time step.
    WriteExpTable,
    /// Start a generated stimulus before its end, or make it longer.
    StartBeforeEnd,
    /// Make a generated stimulus at least one sample of this time step
    /// (s) long (or check the time step).
    OneSampleLong(f64),
}

/// What went wrong. JSON paths are dotted from the config object, e.g.
/// `threshold_dynamics_method.params.b_voltage` or `asc_tau_array[1]`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading or writing a file failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The text is not valid JSON.
    #[error("JSON syntax error at line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's description.
        message: String,
    },
    /// A required field is absent.
    #[error("{path}: missing field")]
    Missing {
        /// JSON path of the field.
        path: String,
    },
    /// A field has the wrong type or an out-of-range value.
    #[error("{path}: found {found}, expected {expected}")]
    Invalid {
        /// JSON path of the field.
        path: String,
        /// The value found, as written.
        found: String,
        /// What it should be.
        expected: String,
    },
    /// An argument of a run (not a field of a file) has an out-of-range
    /// value; `name` is the argument's name in the library (a NEST run's
    /// `model`, `resolution`, `duration`, `dc`), which a front end words as
    /// its own option.
    #[error("{name}: found {found}, expected {expected}")]
    Setting {
        /// The argument's name.
        name: &'static str,
        /// The value found.
        found: String,
        /// What it should be.
        expected: String,
    },
    /// A per-current array does not have one value per after-spike current.
    #[error("{path}: has {found} values, expected {expected} (one per after-spike current, as asc_tau_array)")]
    WrongLength {
        /// JSON path of the array.
        path: String,
        /// Its length.
        found: usize,
        /// The number of after-spike currents.
        expected: usize,
    },
    /// A method name is not one of the rules of its family.
    #[error("{path}: unknown method name {name:?}; valid names: {}", valid.join(", "))]
    UnknownMethod {
        /// JSON path, e.g. `threshold_dynamics_method.name`.
        path: String,
        /// The name found.
        name: String,
        /// The valid names.
        valid: &'static [&'static str],
    },
    /// A method's params do not fit its rule (an unexpected parameter).
    #[error("{path}: unexpected parameter for rule {rule:?}; it takes {}", if expected.is_empty() { "no parameters".to_string() } else { expected.join(", ") })]
    UnexpectedParam {
        /// JSON path of the parameter.
        path: String,
        /// The rule's name.
        rule: &'static str,
        /// The parameters the rule takes.
        expected: &'static [&'static str],
    },
    /// Two rules that cannot work together.
    #[error("{path}: {problem}")]
    IncompatibleRules {
        /// JSON path of the rule that cannot run.
        path: String,
        /// Why.
        problem: String,
    },
    /// The file holds several models keyed by id and none was chosen.
    #[error("the file holds {} models; choose one of the neuronal model ids: {}", ids.len(), ids.join(", "))]
    AmbiguousModel {
        /// The ids in the file.
        ids: Vec<String>,
    },
    /// The chosen model id is not in the file.
    #[error("model id {id:?} not found; the file holds: {}", if ids.is_empty() { "a bare config with no id".to_string() } else { ids.join(", ") })]
    ModelNotFound {
        /// The id asked for.
        id: String,
        /// The ids in the file (empty for a bare config).
        ids: Vec<String>,
    },
    /// A stimulus is unusable.
    #[error("{location}: {problem}")]
    Stimulus {
        /// Where: `line 12`, `[3]`, `sample 7`, or a parameter name.
        location: String,
        /// What.
        problem: String,
        /// What would fix it, if the library knows.
        fix: Option<Fix>,
    },
    /// An exp table has no value for an argument the model needs.
    #[error("exp table: found no value for exp({}), expected a table written for this config and dt", sci(*argument))]
    ExpTableMissing {
        /// The argument of `exp` the table lacks.
        argument: f64,
    },
    /// A `.npy` or `.npz` file is malformed or of an unsupported type.
    #[error("{0}")]
    Npy(String),
    /// A result file is malformed.
    #[error("{location}: {problem}")]
    Results {
        /// Where.
        location: String,
        /// What.
        problem: String,
    },
    /// A list of configs (a folder, a `.jsonl` file or one of its lines)
    /// cannot be read.
    #[error("{location}: {problem}")]
    ConfigList {
        /// The folder, file, or `file:line`.
        location: String,
        /// What is wrong.
        problem: String,
    },
    /// A file's name has an extension the library does not write or read
    /// there (the message says which it does).
    #[error("{problem}")]
    Extension {
        /// What is wrong and what was expected.
        problem: String,
    },
    /// The output file exists and overwriting was not asked for.
    #[error("already exists; not overwriting it (ask for overwrite to replace it)")]
    Exists,
    /// A run stopped with an error.
    #[error("{0}")]
    Run(#[from] RunError),
    /// The caller asked the run to stop (its stop flag was set) before it
    /// ended: nothing of it is returned.
    #[error("stopped before the end, as the caller asked")]
    Stopped,
}

impl Error {
    /// An error with no file.
    pub fn new(kind: ErrorKind) -> Self {
        Error {
            file: None,
            model_id: None,
            kind,
        }
    }

    /// What would fix the error, if the library knows (see [`Fix`]).
    pub fn fix(&self) -> Option<Fix> {
        match &self.kind {
            ErrorKind::Stimulus { fix, .. } => *fix,
            ErrorKind::ExpTableMissing { .. } => Some(Fix::WriteExpTable),
            _ => None,
        }
    }

    /// Says what would fix a stimulus error (other kinds say it themselves).
    pub(crate) fn with_fix(mut self, fix: Fix) -> Self {
        if let ErrorKind::Stimulus { fix: f, .. } = &mut self.kind {
            *f = Some(fix);
        }
        self
    }

    /// Attaches the file (keeps an existing one).
    pub fn in_file(mut self, file: impl AsRef<Path>) -> Self {
        if self.file.is_none() {
            self.file = Some(file.as_ref().to_path_buf());
        }
        self
    }

    /// The problem.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    pub(crate) fn missing(path: impl Into<String>) -> Self {
        Error::new(ErrorKind::Missing { path: path.into() })
    }

    pub(crate) fn invalid(
        path: impl Into<String>,
        found: impl Into<String>,
        expected: impl Into<String>,
    ) -> Self {
        Error::new(ErrorKind::Invalid {
            path: path.into(),
            found: found.into(),
            expected: expected.into(),
        })
    }

    pub(crate) fn setting(
        name: &'static str,
        found: impl Into<String>,
        expected: impl Into<String>,
    ) -> Self {
        Error::new(ErrorKind::Setting {
            name,
            found: found.into(),
            expected: expected.into(),
        })
    }

    pub(crate) fn stimulus(location: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::new(ErrorKind::Stimulus {
            location: location.into(),
            problem: problem.into(),
            fix: None,
        })
    }

    pub(crate) fn extension(path: &Path, problem: impl Into<String>) -> Self {
        Error::new(ErrorKind::Extension {
            problem: problem.into(),
        })
        .in_file(path)
    }

    pub(crate) fn npy(problem: impl Into<String>) -> Self {
        Error::new(ErrorKind::Npy(problem.into()))
    }

    pub(crate) fn results(location: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::new(ErrorKind::Results {
            location: location.into(),
            problem: problem.into(),
        })
    }

    pub(crate) fn io(file: &Path, e: std::io::Error) -> Self {
        Error::new(ErrorKind::Io(e)).in_file(file)
    }

    pub(crate) fn syntax(e: &serde_json::Error) -> Self {
        let message = e.to_string();
        // serde_json appends " at line L column C"; the variant says it already.
        let message = match message.rfind(" at line ") {
            Some(i) => message[..i].to_string(),
            None => message,
        };
        Error::new(ErrorKind::Syntax {
            line: e.line(),
            column: e.column(),
            message,
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}: ", file.display())?;
        }
        if let Some(id) = &self.model_id {
            write!(f, "model {id}: ")?;
        }
        write!(f, "{}", self.kind)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Io(e) => Some(e),
            ErrorKind::Run(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::new(kind)
    }
}

impl From<RunError> for Error {
    fn from(e: RunError) -> Self {
        Error::new(ErrorKind::Run(e))
    }
}

/// Result with glif-io's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A number for a message, to 4 significant digits without trailing zeros:
/// positional between 0.001 and 10,000 (`0.25`, `1`, `2500`), scientific
/// notation elsewhere (`5e-6`, `-1.235e300`), so an extreme value prints
/// as a few characters, not hundreds of digits. `0`, `NaN`, `inf` as such.
pub fn sci(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let trim = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    let magnitude = x.abs();
    if (1e-3..1e4).contains(&magnitude) {
        let decimals = (3 - magnitude.log10().floor() as i32).max(0) as usize;
        let s = format!("{x:.decimals$}");
        // Rounding may reach the next power of ten (9999.7 -> "10000"),
        // still at most 4 significant digits.
        return trim(&s);
    }
    let s = format!("{x:.3e}");
    match s.split_once('e') {
        Some((mantissa, exponent)) => format!("{}e{exponent}", trim(mantissa)),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::sci;

    #[test]
    fn sci_is_short() {
        assert_eq!(sci(5e-6), "5e-6");
        assert_eq!(sci(-1.23456e300), "-1.235e300");
        assert_eq!(sci(0.0), "0");
        assert_eq!(sci(1.5), "1.5");
        assert_eq!(sci(-1.0), "-1");
        assert_eq!(sci(0.001), "0.001");
        assert_eq!(sci(1.0 / 3.0), "0.3333");
        assert_eq!(sci(2500.0), "2500");
        assert_eq!(sci(12346.0), "1.235e4");
        assert_eq!(sci(-5e-6), "-5e-6");
        assert_eq!(sci(1e300 / 3.0), "3.333e299");
        assert_eq!(sci(f64::NAN), "NaN");
        assert_eq!(sci(f64::NEG_INFINITY), "-inf");
    }
}
