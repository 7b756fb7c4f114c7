//! Bundle reading and verification: never a panic. A bundle that reads is verified with its
//! own charter, entries and note records (what `hotline verify BUNDLE` does). When the
//! report is clean, every entry's signature verifies under `ed25519_dalek`'s `verify_strict`
//! on its own, and every note record states what its signed note states.
#![no_main]

use ed25519_dalek::{Signature, VerifyingKey};
use hotline::verify::{self, Options};
use hotline::{SignedEntry, bundle, witness};
use libfuzzer_sys::fuzz_target;

fn strict(e: &SignedEntry) -> bool {
    let Ok(entry) = e.entry.encode() else {
        return false;
    };
    let mut msg = b"hotline/v2/entry-signature\0".to_vec();
    msg.extend(entry);
    VerifyingKey::from_bytes(&e.entry.header.key.0).is_ok_and(|k| {
        k.verify_strict(&msg, &Signature::from_bytes(&e.signature))
            .is_ok()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(b) = bundle::read(data) else {
        return;
    };
    let report = verify::verify_with_notes(&b.charter, &b.entries, &b.notes, Options::default());
    if !report.ok {
        return;
    }
    for e in &b.entries {
        let signed = SignedEntry::decode(e).expect("a clean report with an undecodable entry");
        assert!(
            strict(&signed),
            "a clean report with an entry verify_strict refuses"
        );
    }
    for n in &b.notes {
        // Key histories as the charter alone gives them: a note by a rotated key does not
        // check here, which is no contradiction.
        if let Ok(c) = witness::check_note(&b.charter, &n.record.note) {
            let cp = &c.checkpoint;
            assert_eq!(
                (n.record.origin.as_str(), n.record.size, &n.record.root),
                (cp.origin(), cp.size(), cp.root()),
                "a clean report with a note record that disagrees with its note"
            );
        }
    }
});
