//! Journal decoding as a store opens it: scan the framed records, find the whole writes (a
//! torn batch is cut back), look for a good record after damage, and decode every record
//! (the charter first, then entries, notes and batch markers). Never a panic, and what
//! whole_writes keeps is a prefix of what scanned.
#![no_main]

use hotline::bundle::{self, NoteRecord, RecordKind};
use hotline::{Charter, SignedEntry};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(scan) = bundle::scan(data) else {
        return;
    };
    assert!(scan.valid_len <= data.len());
    if scan.stop.is_some() {
        let _ = bundle::next_good_record(data, scan.valid_len.saturating_add(1));
    }
    let kept = match bundle::whole_writes(&scan.records) {
        Ok(kept) => kept,
        Err(_) => return,
    };
    assert!(kept <= scan.records.len());
    for r in scan.records.iter().take(kept) {
        assert!(r.end() <= data.len());
        match r.kind {
            RecordKind::Charter => {
                let _ = Charter::decode(r.payload);
            }
            RecordKind::Entry => {
                if let Ok(s) = SignedEntry::decode(r.payload) {
                    let _ = s.id();
                }
            }
            RecordKind::Note => {
                let _ = NoteRecord::decode(r.payload);
            }
            RecordKind::Batch => {
                let _ = bundle::batch_count(r);
            }
            _ => {}
        }
    }
    // Resuming a scan at a record boundary gives the same records from there.
    if let Some(r) = scan.records.get(1) {
        let again = bundle::scan_from(data, r.offset, r.index);
        assert_eq!(again.records.first().map(|x| x.offset), Some(r.offset));
    }
});
