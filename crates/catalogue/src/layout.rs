//! Where the index lives on disk.
//!
//! The index directory (`data/index`) holds a lock file, `CURRENT` (the name of the live generation) and
//! the generations themselves (`gen-<n>`, each a whole tantivy index). A rebuild writes a new generation
//! beside the live one and then points `CURRENT` at it with one atomic rename, so a crash at any moment
//! leaves either the old or the new generation live, never a mix; the old one is deleted after.
//!
//! The lock is held by the process that opened the index, so a second server or a `finmart reindex` on the
//! same directory is refused instead of writing under the first one's feet.

use crate::CatalogueError;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

const LOCK: &str = ".lock";
const CURRENT: &str = "CURRENT";
const PREFIX: &str = "gen-";

/// What `CURRENT` says.
#[derive(Debug)]
pub(crate) enum Current {
    /// No generation was ever made here.
    None,
    /// The live generation's directory (which may be missing or damaged).
    Named(PathBuf),
    /// `CURRENT` cannot be read or names no generation.
    Unreadable(String),
}

/// The index directory, locked by this process.
#[derive(Debug)]
pub(crate) struct Root {
    dir: PathBuf,
    _lock: File,
}

impl Root {
    /// Creates the directory if need be and takes its lock.
    ///
    /// # Errors
    /// The directory cannot be created or written, or another process holds it.
    pub(crate) fn open(dir: &Path) -> Result<Self, CatalogueError> {
        std::fs::create_dir_all(dir)?;
        let lock = OpenOptions::new().create(true).write(true).truncate(false).open(dir.join(LOCK))?;
        match lock.try_lock() {
            Ok(()) => Ok(Self { dir: dir.to_owned(), _lock: lock }),
            Err(TryLockError::WouldBlock) => Err(CatalogueError::Busy(dir.display().to_string())),
            Err(TryLockError::Error(e)) => Err(e.into()),
        }
    }

    pub(crate) fn current(&self) -> Current {
        let name = match std::fs::read_to_string(self.dir.join(CURRENT)) {
            Ok(name) => name,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Current::None,
            Err(e) => return Current::Unreadable(format!("{CURRENT}: {e}")),
        };
        let name = name.trim();
        if generation_number(name).is_none() {
            return Current::Unreadable(format!(
                "{CURRENT} names no generation ({:?})",
                name.chars().take(40).collect::<String>()
            ));
        }
        Current::Named(self.dir.join(name))
    }

    /// Whether the directory holds an index of the layout before generations (tantivy's files directly in it).
    pub(crate) fn has_unversioned_index(&self) -> bool {
        self.dir.join("meta.json").exists()
    }

    /// A new, empty generation directory, numbered after every one there and the one `CURRENT` names.
    ///
    /// # Errors
    /// The directory cannot be read or written.
    pub(crate) fn new_generation(&self) -> Result<PathBuf, CatalogueError> {
        let mut last = match self.current() {
            Current::Named(dir) => dir.file_name().and_then(|n| n.to_str()).and_then(generation_number).unwrap_or(0),
            Current::None | Current::Unreadable(_) => 0,
        };
        for entry in std::fs::read_dir(&self.dir)? {
            if let Some(n) = entry?.file_name().to_str().and_then(generation_number) {
                last = last.max(n);
            }
        }
        let dir = self.dir.join(format!("{PREFIX}{}", last + 1));
        std::fs::create_dir(&dir)?;
        Ok(dir)
    }

    /// Makes `generation` the live one: `CURRENT` is written beside and renamed over, then the directory is
    /// synced, so the switch survives a crash whole or not at all.
    ///
    /// # Errors
    /// The directory cannot be written.
    pub(crate) fn point_to(&self, generation: &Path) -> Result<(), CatalogueError> {
        let name = generation
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| CatalogueError::Corrupt(format!("not a generation: {}", generation.display())))?;
        let staged = self.dir.join(format!("{CURRENT}.new"));
        let mut file = File::create(&staged)?;
        file.write_all(name.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&staged, self.dir.join(CURRENT))?;
        File::open(&self.dir)?.sync_all()?;
        Ok(())
    }

    /// Removes everything but the lock, `CURRENT` and `keep`: generations no longer live, a half-built one
    /// left by a crash, the files of the layout before generations. Nothing there is precious (the database is
    /// the source of truth); a failure is logged and tried again at the next switch.
    pub(crate) fn remove_all_but(&self, keep: Option<&Path>) {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) => {
                tracing::warn!(dir = %self.dir.display(), error = %e, "index directory could not be listed for cleaning");
                return;
            }
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if name == LOCK || name == CURRENT || keep.is_some_and(|k| k == path) {
                continue;
            }
            let removed = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
            if let Err(e) = removed {
                tracing::warn!(path = %path.display(), error = %e, "old index files could not be removed");
            }
        }
    }
}

fn generation_number(name: &str) -> Option<u64> {
    name.strip_prefix(PREFIX)?.parse().ok()
}
