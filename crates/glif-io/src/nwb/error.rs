//! The one error type of the NWB layer.

use std::fmt;
use std::path::{Path, PathBuf};

/// What went wrong while reading or writing an NWB file, with the file and the HDF5
/// object it concerns.
///
/// `Display` prints `FILE: /hdf5/path: problem`, which is meant to be shown to the user as
/// it is.
#[derive(Debug)]
pub struct NwbError {
    file: PathBuf,
    object: Option<String>,
    kind: NwbErrorKind,
}

/// The kind of HDF5 object a missing-object error is about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ObjectKind {
    /// An HDF5 group.
    Group,
    /// An HDF5 dataset.
    Dataset,
    /// An attribute with this name, on the object the error names.
    Attribute(String),
}

/// The problem an [`NwbError`] reports.
#[derive(Debug)]
#[non_exhaustive]
pub enum NwbErrorKind {
    /// The HDF5 library could not open the file (not HDF5, unreadable, locked...).
    Open(String),
    /// The file is HDF5 but not in the Allen NWB 1.x layout.
    NotNwb1(String),
    /// An object the layout requires is absent. `first_missing` is the first path component
    /// that does not exist, which may be a parent of the object the error names.
    Missing {
        /// What kind of object was expected.
        what: ObjectKind,
        /// The shortest prefix of the requested path that does not exist.
        first_missing: String,
    },
    /// The stimulus unit is not one this layer accepts (AllenSDK accepts units starting with
    /// `A` or `V`; current-clamp simulation needs `A`).
    WrongUnit {
        /// The unit attribute as stored.
        found: String,
        /// What was expected, for the message.
        expected: &'static str,
    },
    /// A value has the wrong type, shape or range.
    Invalid(String),
    /// A series to write does not fit the stored dataset.
    LengthMismatch {
        /// The length the stored dataset has.
        stored: usize,
        /// The length of the series after padding.
        given: usize,
    },
    /// A write was asked of a file opened read-only.
    ReadOnly,
    /// The HDF5 library reported an error.
    Hdf5(String),
    /// A file-system operation failed.
    Io(std::io::Error),
    /// The output file exists and overwriting was not asked for.
    OutputExists,
    /// The output path names the input file itself.
    SameFile,
    /// `ephys_sweeps.json` could not be parsed.
    Json(String),
}

impl NwbError {
    pub(crate) fn new(file: &Path, object: Option<&str>, kind: NwbErrorKind) -> Self {
        Self {
            file: file.to_path_buf(),
            object: object.map(str::to_owned),
            kind,
        }
    }

    pub(crate) fn at(file: &Path, object: &str, kind: NwbErrorKind) -> Self {
        Self::new(file, Some(object), kind)
    }

    pub(crate) fn hdf5(file: &Path, object: &str, err: &hdf5::Error) -> Self {
        Self::at(file, object, NwbErrorKind::Hdf5(err.to_string()))
    }

    pub(crate) fn invalid(file: &Path, object: &str, problem: impl Into<String>) -> Self {
        Self::at(file, object, NwbErrorKind::Invalid(problem.into()))
    }

    /// The file the error concerns (the NWB file, or `ephys_sweeps.json`).
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The HDF5 path of the object the error concerns, if any (for example
    /// `/epochs/Sweep_3/stimulus/timeseries/data`).
    pub fn object(&self) -> Option<&str> {
        self.object.as_deref()
    }

    /// The problem itself.
    pub fn kind(&self) -> &NwbErrorKind {
        &self.kind
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Group => f.write_str("group"),
            Self::Dataset => f.write_str("dataset"),
            Self::Attribute(name) => write!(f, "attribute `{name}`"),
        }
    }
}

impl fmt::Display for NwbErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Open(msg) => write!(f, "cannot open as HDF5: {msg}"),
            Self::NotNwb1(why) => write!(f, "not an Allen NWB 1.x file: {why}"),
            Self::Missing {
                what: what @ ObjectKind::Attribute(_),
                ..
            } => write!(f, "{what} is missing"),
            Self::Missing {
                what,
                first_missing,
            } => write!(f, "{what} is missing ({first_missing} does not exist)"),
            Self::WrongUnit { found, expected } => {
                write!(f, "unit is {found:?}, expected {expected}")
            }
            Self::Invalid(problem) => f.write_str(problem),
            Self::LengthMismatch { stored, given } => write!(
                f,
                "stored dataset has {stored} samples but {given} were given (after zero padding)"
            ),
            Self::ReadOnly => f.write_str("file was opened read-only"),
            Self::Hdf5(msg) => write!(f, "HDF5 error: {msg}"),
            Self::Io(err) => write!(f, "{err}"),
            Self::OutputExists => f.write_str("output file exists (pass overwrite to replace it)"),
            Self::SameFile => f.write_str("output is the input file itself"),
            Self::Json(msg) => write!(f, "invalid ephys_sweeps.json: {msg}"),
        }
    }
}

impl fmt::Display for NwbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(object) = &self.object {
            write!(f, ": {object}")?;
            if let NwbErrorKind::Missing {
                what,
                first_missing,
            } = &self.kind
            {
                if first_missing == object {
                    return write!(f, ": {what} is missing");
                }
            }
        }
        write!(f, ": {}", self.kind)
    }
}

impl std::error::Error for NwbError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            NwbErrorKind::Io(err) => Some(err),
            _ => None,
        }
    }
}
