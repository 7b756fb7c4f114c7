//! The index's ordered key-value trees: sled's, on disk, or an in-memory map with the same
//! ordering (bytewise, as sled's) for an index that lives only as long as one process.
//!
//! A store opened read-only indexes its whole journal on every open ([`super::Store::open_read_only`])
//! and throws the index away when it closes: sled pays several microseconds for every insert
//! (about three quarters of a read-only `show` of a 100,000-entry store went into it), a map
//! a fraction of one. Both answer every query the index makes alike, so everything above
//! this module is the same code for both.

use std::collections::BTreeMap;
use std::ops::{Bound, RangeBounds};
use std::sync::{Arc, RwLock};

/// A key or value as the trees hand it out.
pub(super) type Bytes = sled::IVec;

type Map = BTreeMap<Vec<u8>, Bytes>;

/// One tree of the index.
#[derive(Clone)]
pub(super) enum Tree {
    Sled(sled::Tree),
    Memory(Arc<RwLock<Map>>),
}

/// Changes applied to one tree at once ([`Tree::apply_batch`]): atomically in sled.
#[derive(Default)]
pub(super) struct Batch {
    ops: Vec<(Vec<u8>, Option<Bytes>)>,
}

impl Batch {
    pub(super) fn insert(&mut self, key: &[u8], value: &[u8]) {
        self.ops.push((key.to_vec(), Some(Bytes::from(value))));
    }

    pub(super) fn remove(&mut self, key: impl AsRef<[u8]>) {
        self.ops.push((key.as_ref().to_vec(), None));
    }
}

/// What [`Tree::range`], [`Tree::scan_prefix`] and [`Tree::iter`] go through, in key order.
pub(super) enum Iter {
    Sled(Box<sled::Iter>),
    Memory(std::vec::IntoIter<(Bytes, Bytes)>),
}

impl Iterator for Iter {
    type Item = Result<(Bytes, Bytes), sled::Error>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Sled(i) => i.next(),
            Iter::Memory(i) => i.next().map(Ok),
        }
    }
}

impl DoubleEndedIterator for Iter {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Sled(i) => i.next_back(),
            Iter::Memory(i) => i.next_back().map(Ok),
        }
    }
}

impl Iter {
    /// The keys alone.
    pub(super) fn keys(self) -> impl DoubleEndedIterator<Item = Result<Bytes, sled::Error>> {
        self.map(|r| r.map(|(k, _)| k))
    }

    /// The values alone.
    pub(super) fn values(self) -> impl DoubleEndedIterator<Item = Result<Bytes, sled::Error>> {
        self.map(|r| r.map(|(_, v)| v))
    }
}

/// A poisoned lock only means another thread panicked while holding it; the map itself is
/// whole after every single call below, so it is read on.
fn read(m: &RwLock<Map>) -> std::sync::RwLockReadGuard<'_, Map> {
    m.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write(m: &RwLock<Map>) -> std::sync::RwLockWriteGuard<'_, Map> {
    m.write().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn pair((k, v): (&Vec<u8>, &Bytes)) -> (Bytes, Bytes) {
    (Bytes::from(k.as_slice()), v.clone())
}

fn owned(b: Bound<&[u8]>) -> Bound<Vec<u8>> {
    match b {
        Bound::Included(k) => Bound::Included(k.to_vec()),
        Bound::Excluded(k) => Bound::Excluded(k.to_vec()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

impl Tree {
    /// A new, empty tree in memory.
    pub(super) fn memory() -> Tree {
        Tree::Memory(Arc::new(RwLock::new(Map::new())))
    }

    pub(super) fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>, sled::Error> {
        match self {
            Tree::Sled(t) => t.get(key),
            Tree::Memory(m) => Ok(read(m).get(key.as_ref()).cloned()),
        }
    }

    pub(super) fn contains_key(&self, key: impl AsRef<[u8]>) -> Result<bool, sled::Error> {
        match self {
            Tree::Sled(t) => t.contains_key(key),
            Tree::Memory(m) => Ok(read(m).contains_key(key.as_ref())),
        }
    }

    pub(super) fn insert(
        &self,
        key: impl AsRef<[u8]>,
        value: impl Into<Bytes>,
    ) -> Result<Option<Bytes>, sled::Error> {
        match self {
            Tree::Sled(t) => t.insert(key, value),
            Tree::Memory(m) => Ok(write(m).insert(key.as_ref().to_vec(), value.into())),
        }
    }

    pub(super) fn apply_batch(&self, batch: Batch) -> Result<(), sled::Error> {
        match self {
            Tree::Sled(t) => {
                let mut b = sled::Batch::default();
                for (k, v) in batch.ops {
                    match v {
                        Some(v) => b.insert(k, v),
                        None => b.remove(k),
                    }
                }
                t.apply_batch(b)
            }
            Tree::Memory(m) => {
                let mut m = write(m);
                for (k, v) in batch.ops {
                    match v {
                        Some(v) => m.insert(k, v),
                        None => m.remove(&k),
                    };
                }
                Ok(())
            }
        }
    }

    pub(super) fn clear(&self) -> Result<(), sled::Error> {
        match self {
            Tree::Sled(t) => t.clear(),
            Tree::Memory(m) => {
                write(m).clear();
                Ok(())
            }
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        match self {
            Tree::Sled(t) => t.is_empty(),
            Tree::Memory(m) => read(m).is_empty(),
        }
    }

    /// The pairs whose keys are in `range`, in key order. In memory they are gathered first:
    /// the index's ranges are read whole.
    pub(super) fn range<K: AsRef<[u8]>, R: RangeBounds<K>>(&self, range: R) -> Iter {
        match self {
            Tree::Sled(t) => Iter::Sled(Box::new(t.range(range))),
            Tree::Memory(m) => {
                let from = owned(range.start_bound().map(AsRef::as_ref));
                let to = owned(range.end_bound().map(AsRef::as_ref));
                let empty = match (&from, &to) {
                    (Bound::Included(a) | Bound::Excluded(a), Bound::Included(b)) => a > b,
                    (Bound::Included(a), Bound::Excluded(b)) => a > b,
                    (Bound::Excluded(a), Bound::Excluded(b)) => a >= b,
                    _ => false,
                };
                if empty {
                    // BTreeMap::range panics on a reversed range; sled yields nothing.
                    return Iter::Memory(Vec::new().into_iter());
                }
                let out: Vec<_> = read(m).range((from, to)).map(pair).collect();
                Iter::Memory(out.into_iter())
            }
        }
    }

    /// The pairs whose keys begin with `prefix`, in key order.
    pub(super) fn scan_prefix(&self, prefix: impl AsRef<[u8]>) -> Iter {
        match self {
            Tree::Sled(t) => Iter::Sled(Box::new(t.scan_prefix(prefix))),
            Tree::Memory(m) => {
                let p = prefix.as_ref();
                let out: Vec<_> = read(m)
                    .range::<[u8], _>((Bound::Included(p), Bound::Unbounded))
                    .take_while(|(k, _)| k.starts_with(p))
                    .map(pair)
                    .collect();
                Iter::Memory(out.into_iter())
            }
        }
    }

    /// Every pair, in key order.
    pub(super) fn iter(&self) -> Iter {
        match self {
            Tree::Sled(t) => Iter::Sled(Box::new(t.iter())),
            Tree::Memory(m) => {
                let out: Vec<_> = read(m).iter().map(pair).collect();
                Iter::Memory(out.into_iter())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every query, on a sled tree and a map given the same changes, answers alike,
    /// reversed and empty ranges included.
    #[test]
    fn a_map_answers_as_sled_does() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = sled::Config::new()
            .path(dir.path())
            .temporary(true)
            .open()
            .expect("sled");
        let trees = [Tree::Sled(db.open_tree("t").expect("tree")), Tree::memory()];
        for t in &trees {
            for k in [&b"b"[..], b"a", b"ab", b"abc", b"b\x00", b"c", b""] {
                t.insert(k, k.repeat(2)).expect("insert");
            }
            let mut b = Batch::default();
            b.insert(b"d", b"dd");
            b.remove(b"b");
            t.apply_batch(b).expect("batch");
        }
        let answers = |t: &Tree| {
            let all = |i: Iter| i.collect::<Result<Vec<_>, _>>().expect("read");
            (
                all(t.iter()),
                all(t.range(&b"a"[..]..&b"b\x00"[..])),
                t.range(&b"ab"[..]..=&b"d"[..])
                    .rev()
                    .collect::<Result<Vec<_>, _>>()
                    .expect("read back"),
                all(t.range(&b"c"[..]..&b"a"[..])),
                all(t.scan_prefix(b"ab")),
                all(t.scan_prefix(b"")),
                (
                    t.get(b"b\x00").expect("get"),
                    t.contains_key(b"b").expect("has"),
                ),
                t.is_empty(),
            )
        };
        assert_eq!(answers(&trees[0]), answers(&trees[1]));
        assert_eq!(trees[1].iter().count(), 7);
        for t in &trees {
            t.clear().expect("clear");
            assert!(t.is_empty());
        }
    }
}
