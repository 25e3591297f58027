//! A consistent copy of a whole store, taken while it is being written: what one redb
//! read transaction sees — every call acknowledged before it began, and nothing half
//! of a later one (each call is one redb commit) — copied table by table into a new
//! file, committed durably. Writers are not held up; the copy carries no journal.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use redb::{
    Database, Durability, Key, ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition,
    Value, WriteTransaction,
};

use super::{Corestore, StorageError, BLOCKS, BY_DISCOVERY_KEY, HEADS, META, NODES};

fn copy<K: Key + 'static, V: Value + 'static>(
    from: &ReadTransaction,
    to: &WriteTransaction,
    table: TableDefinition<K, V>,
) -> Result<u64, redb::Error> {
    let source = from.open_table(table)?;
    let mut target = to.open_table(table)?;
    let mut rows = 0;
    for row in source.iter()? {
        let (k, v) = row?;
        target.insert(k.value(), v.value())?;
        rows += 1;
    }
    Ok(rows)
}

impl Corestore {
    /// Writes a consistent copy of the whole store to the new file `dest` (owner-only:
    /// it holds signing seeds); the number of blocks copied.
    pub fn snapshot_to(&self, dest: &Path) -> Result<u64, StorageError> {
        let io = |e: &dyn std::fmt::Display| StorageError::Io {
            path: dest.to_owned(),
            message: e.to_string(),
        };
        let copy_all = || -> Result<u64, redb::Error> {
            let from = self.shared.db.begin_read()?;
            let out = Database::create(dest)?;
            std::fs::set_permissions(dest, std::fs::Permissions::from_mode(0o600))
                .map_err(redb::Error::Io)?;
            let mut to = out.begin_write()?;
            to.set_durability(Durability::Immediate)?;
            copy(&from, &to, META)?;
            copy(&from, &to, BY_DISCOVERY_KEY)?;
            copy(&from, &to, HEADS)?;
            copy(&from, &to, NODES)?;
            let blocks = copy(&from, &to, BLOCKS)?;
            to.commit()?;
            Ok(blocks)
        };
        copy_all().map_err(|e| io(&e))
    }
}
