//! Known-answer tests for `hotline::checkpoint`: the public C2SP and Go vectors in
//! `fixtures/signed-note/` (see its README for sources and licences), negative cases derived
//! from them, and hotline's own checkpoint vector, which a generator below rewrites.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hotline::checkpoint::{
    self, Checkpoint, Cosigner, KeyStringError, KeyType, MAX_SIGNATURES, Note, NoteError, NoteSig,
    SignatureFault, Signer, Verifier, cosigned_message, open, open_checkpoint, verify_cosignature,
};
use hotline::{ChannelId, SecretKey, merkle};
use sha2::{Digest, Sha256};

/// A predicate on the error a case must give.
type Expect = fn(&NoteError) -> bool;

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/signed-note")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A one-line fixture without its newline.
fn line(name: &str) -> String {
    let text = fixture(name);
    let one = text.strip_suffix('\n').unwrap();
    assert!(!one.contains('\n'), "{name} has more than one line");
    one.to_owned()
}

fn verifier(name: &str) -> Verifier {
    Verifier::parse(&line(name)).unwrap()
}

/// The note with signature line `index` replaced by `f(sig)`.
fn with_sig(note: &str, index: usize, f: impl Fn(&NoteSig) -> NoteSig) -> String {
    let parsed = Note::parse(note.as_bytes()).unwrap();
    let mut out = format!("{}\n", parsed.text());
    for (i, sig) in parsed.signatures().iter().enumerate() {
        let sig = if i == index { f(sig) } else { sig.clone() };
        out.push_str(&format!("{sig}\n"));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// (a) c2sp.org/signed-note

#[test]
fn c2sp_signed_note_example_verifies() {
    let vkey = line("c2sp-signed-note.vkey");
    let v = Verifier::parse(&vkey).unwrap();
    assert_eq!(
        (v.name(), v.key_id(), v.key_type()),
        ("example.com/foo", 0x530d903a, KeyType::Ed25519)
    );
    assert_eq!(
        checkpoint::key_id("example.com/foo", 0x01, &v.key().0),
        0x530d903a
    );
    assert_eq!(v.to_string(), vkey);

    let note = fixture("c2sp-signed-note.note");
    let opened = open(note.as_bytes(), std::slice::from_ref(&v)).unwrap();
    assert_eq!(opened.text(), "This is an example message.\n");
    assert_eq!(opened.verified().len(), 1);
    assert_eq!(opened.verified()[0].sig().name(), "example.com/foo");
    assert_eq!(opened.verified()[0].sig().key_id(), 0x530d903a);
    assert!(opened.unverified().is_empty());
    assert_eq!(Note::parse(note.as_bytes()).unwrap().to_string(), note);
}

#[test]
fn c2sp_signed_note_text_ends_at_the_last_blank_line() {
    // The spec's opening example: no key is published, so it can only be parsed.
    let note = fixture("c2sp-signed-note-quasimodo.note");
    let parsed = Note::parse(note.as_bytes()).unwrap();
    assert_eq!(
        parsed.text(),
        "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n"
    );
    assert_eq!(parsed.signatures()[0].name(), "quasimodo.example/salvatore");
    assert_eq!(parsed.signatures()[0].signature().len(), 64);
    assert_eq!(parsed.to_string(), note);
    assert!(matches!(
        open(note.as_bytes(), &[]),
        Err(NoteError::NoVerifiedSignature { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// (b) golang.org/x/mod/sumdb/note

#[test]
fn go_peter_neumann_signature_is_reproduced() {
    let skey = line("go-peterneumann.skey");
    let signer = Signer::from_private_key(&skey).unwrap();
    assert_eq!(
        (signer.name(), signer.key_id()),
        ("PeterNeumann", 0xc74f20a3)
    );
    assert_eq!(signer.verifier().to_string(), line("go-peterneumann.vkey"));
    assert_eq!(*signer.to_private_key(), skey);

    let text = fixture("go-peterneumann.text");
    let note = checkpoint::sign(&text, &[&signer]).unwrap();
    assert_eq!(note.to_string(), fixture("go-peterneumann.note"));
    assert_eq!(
        note.signatures()[0].to_string(),
        "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
    );
    let opened = open(&note.encode(), &[verifier("go-peterneumann.vkey")]).unwrap();
    assert_eq!(opened.text(), text);
}

#[test]
fn go_open_cases() {
    let peter = verifier("go-peterneumann.vkey");
    let enoch = verifier("go-enochroot.vkey");
    let both = fixture("go-peterneumann-enochroot.note");
    let parsed = Note::parse(both.as_bytes()).unwrap();
    let (peter_sig, enoch_sig) = (&parsed.signatures()[0], &parsed.signatures()[1]);
    assert_eq!(
        (peter_sig.key_id(), enoch_sig.key_id()),
        (0xc74f20a3, 0xaf0cfe78)
    );

    // One verified, one not.
    let n = open(both.as_bytes(), std::slice::from_ref(&peter)).unwrap();
    assert_eq!(n.verified().len(), 1);
    assert_eq!(n.verified()[0].sig(), peter_sig);
    assert_eq!(n.unverified(), std::slice::from_ref(enoch_sig));
    // Both verified.
    let n = open(both.as_bytes(), &[peter.clone(), enoch.clone()]).unwrap();
    let names: Vec<_> = n.verified().iter().map(|v| v.sig().name()).collect();
    assert_eq!(names, ["PeterNeumann", "EnochRoot"]);
    assert!(n.unverified().is_empty());
    // Neither: the error carries the note.
    match open(both.as_bytes(), &[]) {
        Err(NoteError::NoVerifiedSignature { note }) => assert_eq!(*note, parsed),
        other => panic!("{other:?}"),
    }
    // A duplicated verifier is an error only when a signature needs it.
    let text = fixture("go-peterneumann.text");
    let peter_line = format!("{peter_sig}\n");
    let enoch_line = format!("{enoch_sig}\n");
    let enoch_only = format!("{text}\n{enoch_line}");
    assert!(matches!(
        open(
            enoch_only.as_bytes(),
            &[enoch.clone(), peter.clone(), enoch.clone()]
        ),
        Err(NoteError::AmbiguousVerifier {
            key_id: 0xaf0cfe78,
            ..
        })
    ));
    let peter_only = format!("{text}\n{peter_line}");
    assert!(
        open(
            peter_only.as_bytes(),
            &[enoch.clone(), peter.clone(), enoch.clone()]
        )
        .is_ok()
    );
    // Four base64 digits inserted: a known key's signature of the wrong length.
    let abcd = |l: &str| format!("{}ABCD{}", &l[..60], &l[60..]);
    let bad = format!("{text}\n{}", abcd(&peter_line));
    assert!(matches!(
        open(bad.as_bytes(), std::slice::from_ref(&peter)),
        Err(NoteError::InvalidSignature {
            key_id: 0xc74f20a3,
            fault: SignatureFault::WrongLength {
                expected: 64,
                found: 67
            },
            ..
        })
    ));
    // Duplicated verified and unverified signatures.
    let msg = format!(
        "{text}\n{peter_line}{peter_line}{enoch_line}{enoch_line}{}",
        abcd(&enoch_line)
    );
    let n = open(msg.as_bytes(), std::slice::from_ref(&peter)).unwrap();
    assert_eq!(n.verified().len(), 1);
    assert_eq!(n.unverified().len(), 2);
    assert_eq!(&n.unverified()[0], enoch_sig);
    assert_eq!(n.unverified()[1].to_string(), abcd(&enoch_line).trim_end());
    // Go's malformed messages.
    let cases: Vec<(String, Expect)> = vec![
        (text.clone(), |e| *e == NoteError::NoSignatureBlock),
        (format!("{text}\n"), |e| *e == NoteError::NoSignatureBlock),
        (format!("{text}\n{}", peter_line.trim_end()), |e| {
            *e == NoteError::MissingFinalNewline
        }),
        (format!("\x01{text}\n{peter_line}"), |e| {
            *e == NoteError::ControlCharacter { offset: 0, byte: 1 }
        }),
        (
            format!(
                "{text}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
            ),
            |e| matches!(e, NoteError::BadSignatureLine { line: 4, .. }),
        ),
        (format!("{text}\n{peter_line}Unexpected line.\n"), |e| {
            matches!(e, NoteError::BadSignatureLine { line: 5, .. })
        }),
    ];
    for (msg, want) in cases {
        let err = open(msg.as_bytes(), std::slice::from_ref(&peter)).unwrap_err();
        assert!(want(&err), "{msg:?}: {err:?}");
    }
    let mut not_utf8 = vec![0xff];
    not_utf8.extend_from_slice(peter_only.as_bytes());
    assert_eq!(
        open(&not_utf8, &[peter]),
        Err(NoteError::NotUtf8 { offset: 0 })
    );
}

#[test]
fn go_key_manglings_are_rejected() {
    // Go's TestNewVerifier and TestNewSigner: every proper substring and every one-byte
    // increment of a valid key string must be refused.
    let vkey = line("go-peterneumann.vkey");
    let skey = line("go-peterneumann.skey");
    assert!(Verifier::parse(&vkey).is_ok() && Signer::from_private_key(&skey).is_ok());
    for (key, ok) in [
        (
            &vkey,
            (|s: &str| Verifier::parse(s).is_ok()) as fn(&str) -> bool,
        ),
        (&skey, |s: &str| Signer::from_private_key(s).is_ok()),
    ] {
        let b = key.as_bytes();
        for i in 0..=b.len() {
            for j in i + 1..=b.len() {
                if (i, j) != (0, b.len()) {
                    let sub = std::str::from_utf8(&b[i..j]).unwrap();
                    assert!(!ok(sub), "accepted substring {sub:?}");
                }
            }
        }
        for i in 0..b.len() {
            let mut m = b.to_vec();
            m[i] += 1;
            let m = String::from_utf8(m).unwrap();
            assert!(!ok(&m), "accepted {m:?}");
        }
    }
    // Go's extra cases: a 36-byte key and an unknown algorithm, each with its id adjusted.
    // The first also has non-zero trailing bits in its last base64 digit ("EY=="), which Go's
    // lenient decoder accepts and hotline refuses before it gets to the length.
    assert!(matches!(
        Verifier::parse(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        ),
        Err(KeyStringError::Malformed { .. })
    ));
    assert!(matches!(
        Verifier::parse(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEQ=="
        ),
        Err(KeyStringError::WrongKeyLength { found: 36, .. })
    ));
    assert!(matches!(
        Verifier::parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        Err(KeyStringError::UnsupportedType { found: 0x65, .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// (c) c2sp.org/tlog-checkpoint and c2sp.org/tlog-cosignature

#[test]
fn c2sp_cosigned_checkpoint_example() {
    // The specs publish no keys for it: the checks are the framing, the checkpoint body and
    // the signed message, which must equal the spec's example byte for byte.
    let note = fixture("c2sp-tlog-cosignature.note");
    let parsed = Note::parse(note.as_bytes()).unwrap();
    assert_eq!(parsed.to_string(), note);
    let cp = Checkpoint::parse(parsed.text()).unwrap();
    assert_eq!(cp.origin(), "example.com/behind-the-sofa");
    assert_eq!(cp.size(), 20852163);
    assert_eq!(
        BASE64.encode(cp.root()),
        "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
    );
    assert_eq!(cp.body(), parsed.text());

    let [log, witness] = parsed.signatures() else {
        panic!("two signatures expected")
    };
    assert_eq!(
        (log.name(), log.key_id()),
        ("example.com/behind-the-sofa", 0x033de0ae)
    );
    assert_eq!(log.signature().len(), 64);
    assert_eq!(
        (witness.name(), witness.key_id()),
        ("witness.example.com/w1", 0x8d66cf3f)
    );
    assert_eq!(witness.signature().len(), 8 + 64);
    let timestamp = u64::from_be_bytes(witness.signature()[..8].try_into().unwrap());
    assert_eq!(timestamp, 1679315147);
    assert_eq!(
        cosigned_message(parsed.text(), timestamp),
        fixture("c2sp-tlog-cosignature.message").into_bytes()
    );
    // A key of ours under the witness's name has another id, so it is not consulted.
    let ours = Cosigner::new(
        "witness.example.com/w1",
        &SecretKey::from_seed("w", &[3; 32]),
    )
    .unwrap();
    assert!(matches!(
        open(note.as_bytes(), &[ours.verifier()]),
        Err(NoteError::NoVerifiedSignature { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// (d) negative cases

#[test]
fn tampering_is_rejected() {
    let v = verifier("c2sp-signed-note.vkey");
    let note = fixture("c2sp-signed-note.note");
    let known = [v.clone()];
    assert!(open(note.as_bytes(), &known).is_ok());

    let flipped_text = note.replacen("message", "messagf", 1);
    assert!(matches!(
        open(flipped_text.as_bytes(), &known),
        Err(NoteError::InvalidSignature {
            fault: SignatureFault::BadSignature,
            ..
        })
    ));
    for byte in [0, 31, 32, 63] {
        let flipped_sig = with_sig(&note, 0, |s| {
            let mut sig = s.signature().to_vec();
            sig[byte] ^= 0x01;
            NoteSig::new(s.name(), s.key_id(), sig).unwrap()
        });
        assert!(
            matches!(
                open(flipped_sig.as_bytes(), &known),
                Err(NoteError::InvalidSignature {
                    fault: SignatureFault::BadSignature,
                    ..
                })
            ),
            "signature byte {byte}"
        );
    }
    // S + L: the same signature with a non-canonical scalar, refused by verify_strict.
    let malleated = with_sig(&note, 0, |s| {
        NoteSig::new(s.name(), s.key_id(), add_l(s.signature())).unwrap()
    });
    assert!(matches!(
        open(malleated.as_bytes(), &known),
        Err(NoteError::InvalidSignature {
            fault: SignatureFault::BadSignature,
            ..
        })
    ));
    // A wrong key id makes the line an unknown key's: ignored, so nothing verifies.
    let wrong_id = with_sig(&note, 0, |s| {
        NoteSig::new(s.name(), s.key_id() ^ 1, s.signature().to_vec()).unwrap()
    });
    match open(wrong_id.as_bytes(), &known) {
        Err(NoteError::NoVerifiedSignature { note }) => {
            assert_eq!(note.signatures()[0].key_id(), 0x530d903b);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        Verifier::parse(&line("c2sp-signed-note.vkey").replace("530d903a", "530d903b")),
        Err(KeyStringError::KeyIdMismatch {
            stated: 0x530d903b,
            computed: 0x530d903a,
            ..
        })
    ));
    let no_final_newline = note.strip_suffix('\n').unwrap();
    assert_eq!(
        open(no_final_newline.as_bytes(), &known),
        Err(NoteError::MissingFinalNewline)
    );
    let with_nul = note.replacen("an example", "an\0example", 1);
    assert_eq!(
        open(with_nul.as_bytes(), &known),
        Err(NoteError::ControlCharacter {
            offset: 10,
            byte: 0
        })
    );
}

#[test]
fn signature_count_limit() {
    let peter = verifier("go-peterneumann.vkey");
    let note = fixture("go-peterneumann.note");
    let (text, sig_line) = note.split_once("\n\n").unwrap();
    let many = |n: usize| format!("{text}\n\n{}", sig_line.repeat(n));
    assert!(
        open(
            many(MAX_SIGNATURES).as_bytes(),
            std::slice::from_ref(&peter)
        )
        .is_ok()
    );
    for known in [vec![peter.clone()], vec![]] {
        assert_eq!(
            open(many(MAX_SIGNATURES + 1).as_bytes(), &known),
            Err(NoteError::TooManySignatures { limit: 100 })
        );
    }
}

/// `S + L` in the second half of an Ed25519 signature (little-endian).
fn add_l(sig: &[u8]) -> Vec<u8> {
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut out = sig.to_vec();
    let mut carry = 0u16;
    for i in 0..32 {
        let v = u16::from(sig[32 + i]) + u16::from(L[i]) + carry;
        out[32 + i] = (v & 0xff) as u8;
        carry = v >> 8;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// (e) hotline's own vector: a feed checkpoint signed by its owner and cosigned by two parties

const ALPHA_SEED: [u8; 32] = [0xa1; 32];
const BETA_SEED: [u8; 32] = [0xb2; 32];
const GAMMA_SEED: [u8; 32] = [0xc3; 32];
const TIMES: [u64; 2] = [1_767_225_600, 1_767_225_660];

fn channel() -> ChannelId {
    ChannelId(Sha256::digest(b"hotline checkpoint test vector channel").into())
}

struct Parties {
    log: Signer,
    cosigners: [Cosigner; 2],
}

fn parties() -> Parties {
    let key = |name, seed: &[u8; 32]| SecretKey::from_seed(name, seed);
    let name = |party| checkpoint::origin(&channel(), party);
    Parties {
        log: Signer::new(&name("alpha"), &key("alpha", &ALPHA_SEED)).unwrap(),
        cosigners: [
            Cosigner::new(&name("beta"), &key("beta", &BETA_SEED)).unwrap(),
            Cosigner::new(&name("gamma"), &key("gamma", &GAMMA_SEED)).unwrap(),
        ],
    }
}

/// The vector's checkpoint: alpha's feed of five leaves `entry 0` … `entry 4`.
fn vector_checkpoint() -> Checkpoint {
    let leaves: Vec<_> = (0..5)
        .map(|i| merkle::leaf_hash(format!("entry {i}").as_bytes()))
        .collect();
    Checkpoint::new(
        &checkpoint::origin(&channel(), "alpha"),
        5,
        merkle::root(&leaves),
        vec![],
    )
    .unwrap()
}

/// The generator: `hotline-checkpoint.note` and `hotline-checkpoint.vkeys`.
fn generate() -> [(&'static str, String); 2] {
    let p = parties();
    let body = vector_checkpoint().body();
    let mut note = checkpoint::sign(&body, &[&p.log]).unwrap();
    for (c, t) in p.cosigners.iter().zip(TIMES) {
        note.add_signature(c.cosign(&body, t).unwrap()).unwrap();
    }
    let vkeys = format!(
        "{}\n{}\n{}\n",
        p.log.verifier(),
        p.cosigners[0].verifier(),
        p.cosigners[1].verifier()
    );
    [
        ("hotline-checkpoint.note", note.to_string()),
        ("hotline-checkpoint.vkeys", vkeys),
    ]
}

#[test]
fn hotline_vector_matches_the_generator() {
    let bless = std::env::var_os("HOTLINE_BLESS").is_some();
    for (name, text) in generate() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/signed-note")
            .join(name);
        if bless {
            std::fs::write(&path, &text).unwrap();
        }
        assert_eq!(
            std::fs::read_to_string(&path).unwrap_or_default(),
            text,
            "{name} differs from what the generator writes; run HOTLINE_BLESS=1 cargo test --test checkpoint_kat if the change is deliberate"
        );
    }
}

#[test]
fn hotline_vector_round_trips() {
    // Keys from their strings, the note from its bytes: what another implementation would do.
    let vkeys: Vec<Verifier> = fixture("hotline-checkpoint.vkeys")
        .lines()
        .map(|l| Verifier::parse(l).unwrap())
        .collect();
    let [log, beta, gamma] = &vkeys[..] else {
        panic!("three keys expected")
    };
    assert_eq!(log.key_type(), KeyType::Ed25519);
    assert_eq!(
        (beta.key_type(), gamma.key_type()),
        (KeyType::CosignatureV1, KeyType::CosignatureV1)
    );
    let note = fixture("hotline-checkpoint.note");

    let (cp, opened) =
        open_checkpoint(note.as_bytes(), log, &[beta.clone(), gamma.clone()]).unwrap();
    assert_eq!(cp, vector_checkpoint());
    assert!(cp.origin().starts_with("hotline/") && cp.origin().ends_with("/alpha"));
    assert_eq!(opened.verified_by(log).unwrap().timestamp(), None);
    assert_eq!(
        opened.verified_by(beta).unwrap().timestamp(),
        Some(TIMES[0])
    );
    assert_eq!(
        opened.verified_by(gamma).unwrap().timestamp(),
        Some(TIMES[1])
    );
    let parsed = Note::parse(note.as_bytes()).unwrap();
    assert_eq!(parsed.to_string(), note);
    for (sig, (v, t)) in parsed.signatures()[1..]
        .iter()
        .zip([(beta, TIMES[0]), (gamma, TIMES[1])])
    {
        assert_eq!(verify_cosignature(parsed.text(), sig, v), Ok(t));
    }
    // Only the log key known: the cosignatures are kept, unverified.
    let (_, alone) = open_checkpoint(note.as_bytes(), log, &[]).unwrap();
    assert_eq!(alone.unverified().len(), 2);
    // Private key strings survive a round trip.
    let p = parties();
    assert_eq!(
        Signer::from_private_key(&p.log.to_private_key())
            .unwrap()
            .verifier(),
        *log
    );
    let c = Cosigner::from_private_key(&p.cosigners[0].to_private_key()).unwrap();
    assert_eq!(c.verifier(), *beta);
}

#[test]
fn hotline_vector_tampering_is_rejected() {
    let vkeys: Vec<Verifier> = fixture("hotline-checkpoint.vkeys")
        .lines()
        .map(|l| Verifier::parse(l).unwrap())
        .collect();
    let (log, cosigners) = (&vkeys[0], &vkeys[1..]);
    let note = fixture("hotline-checkpoint.note");

    // A cosignature whose timestamp was changed.
    let later = with_sig(&note, 1, |s| {
        let mut sig = s.signature().to_vec();
        sig[7] = sig[7].wrapping_add(1);
        NoteSig::new(s.name(), s.key_id(), sig).unwrap()
    });
    assert!(matches!(
        open_checkpoint(later.as_bytes(), log, cosigners),
        Err(NoteError::InvalidSignature {
            fault: SignatureFault::BadSignature,
            ..
        })
    ));
    let sig = &Note::parse(later.as_bytes()).unwrap().signatures()[1].clone();
    assert!(verify_cosignature(&vector_checkpoint().body(), sig, &vkeys[1]).is_err());

    // A cosignature carried over to a checkpoint of another size.
    let cp = vector_checkpoint();
    let other = Checkpoint::new(cp.origin(), 6, *cp.root(), vec![])
        .unwrap()
        .body();
    let moved = note.replacen(&cp.body(), &other, 1);
    assert!(matches!(
        open_checkpoint(moved.as_bytes(), log, cosigners),
        Err(NoteError::InvalidSignature { .. })
    ));

    // Cosigned but not signed by the log.
    let parsed = Note::parse(note.as_bytes()).unwrap();
    let cosigned_only = format!("{}\n{}\n", parsed.text(), parsed.signatures()[1]);
    assert!(matches!(
        open_checkpoint(cosigned_only.as_bytes(), log, cosigners),
        Err(NoteError::NotSignedByLog { .. })
    ));

    // A note that is signed by the log key but is not a checkpoint.
    let p = parties();
    let not_cp = checkpoint::sign("hello\n", &[&p.log]).unwrap().to_string();
    assert!(matches!(
        open_checkpoint(not_cp.as_bytes(), log, cosigners),
        Err(NoteError::NotACheckpoint(_))
    ));
}
