//! The fixture generator: everything under `fixtures/channel/` and `keys/` is written by this
//! code from fixed seeds. `tests/vectors.rs` fails if regenerating would change a byte; run
//! `HOTLINE_BLESS=1 cargo test --test vectors` to rewrite them after a deliberate change.

#![allow(dead_code)]

use std::collections::BTreeMap;

use hotline::encoding::{self, tag};
use hotline::entry::{
    AckState, Amend, Body, Close, Commitment, Definition, Entry, EntryId, FeedView, Notice, Ratify,
    Receipt, Response, Revoke, Rotate, Seq, SignedEntry, Stage, Timestamp, View,
};
use hotline::example::{self, T0, Writer, test_key};
use serde::{Deserialize, Serialize};

/// One finding as a fixture states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
pub struct Expected {
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub party: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub seq: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub index: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Expect {
    /// The report's `ok`.
    pub ok: bool,
    /// Exactly these findings, in this order.
    pub findings: Vec<Expected>,
}

/// A set of entries to verify against a charter, with the verdict it must get.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Case {
    pub name: String,
    pub description: String,
    pub expect: Expect,
    /// The verifier's clock (Unix seconds), if the case needs one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub now: Option<u64>,
    /// The charter's canonical bytes, hex.
    pub charter: String,
    /// Encoded signed entries, hex, in the order given to the verifier.
    pub entries: Vec<String>,
}

/// A known-answer vector for one entry of the valid channel.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EntryVector {
    pub label: String,
    pub author: String,
    pub kind: String,
    pub seq: u64,
    /// The unsigned entry's canonical bytes, hex.
    pub entry: String,
    /// The exact message given to Ed25519: "hotline/v2/entry-signature\0" ‖ entry, hex.
    pub signing_message: String,
    /// SHA-256("hotline/v2/entry-id\0" ‖ entry), hex.
    pub id: String,
    /// The 64-byte signature, hex.
    pub signature: String,
    /// The signed entry (entry ‖ signature), hex: the Merkle leaf data.
    pub signed: String,
    /// SHA-256(0x00 ‖ signed), hex.
    pub leaf_hash: String,
}

/// A feed's size and RFC 6962 root (hex).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Feed {
    pub size: u64,
    pub root: String,
}

impl From<FeedView> for Feed {
    fn from(v: FeedView) -> Feed {
        Feed {
            size: v.size,
            root: hex::encode(v.root),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChannelVectors {
    pub description: String,
    pub charter: String,
    pub channel_id: String,
    pub parties: BTreeMap<String, String>,
    pub entries: Vec<EntryVector>,
    /// Each party's feed: its size and RFC 6962 root after all entries.
    pub feeds: BTreeMap<String, Feed>,
}

fn h(b: &[u8]) -> String {
    hex::encode(b)
}

fn enc(e: &SignedEntry) -> Vec<u8> {
    e.encode().expect("encodes")
}

fn valid_case(charter_hex: &str, entries: &[Vec<u8>]) -> Case {
    Case {
        name: "valid".into(),
        description: "The complete example channel: every entry kind, both parties, no defect."
            .into(),
        expect: Expect {
            ok: true,
            findings: vec![],
        },
        now: None,
        charter: charter_hex.into(),
        entries: entries.iter().map(|b| h(b)).collect(),
    }
}

fn finding(kind: &str, party: &str, seq: u64) -> Expected {
    Expected {
        kind: kind.into(),
        party: Some(party.into()),
        seq: Some(seq),
        index: None,
    }
}

/// A `malformed` finding at input position `index`: the entry did not decode, so only its
/// position is known.
fn malformed(index: usize) -> Expected {
    Expected {
        kind: "malformed".into(),
        party: None,
        seq: None,
        index: Some(index),
    }
}

/// Re-sign a modified copy of `e` with `key`.
fn resign(e: &SignedEntry, key: &hotline::SecretKey, f: impl FnOnce(&mut Entry)) -> SignedEntry {
    let mut entry = e.entry.clone();
    f(&mut entry);
    entry.sign(key).expect("signs")
}

/// `S + L`: a second encoding of the same Ed25519 signature that `verify_strict` refuses.
pub fn malleate(sig: &[u8; 64]) -> [u8; 64] {
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut out = *sig;
    let mut carry = 0u16;
    for i in 0..32 {
        let v = u16::from(sig[32 + i]) + u16::from(L[i]) + carry;
        out[32 + i] = (v & 0xff) as u8;
        carry = v >> 8;
    }
    out
}

/// A valid Ed25519 signature of `entry` by `name`'s test key, made with a nonce other than
/// the deterministic one.
fn second_signature(entry: &Entry, name: &str) -> [u8; 64] {
    use ed25519_dalek::hazmat::{ExpandedSecretKey, raw_sign};
    let seed = hotline::encoding::tagged_hash(b"hotline public test key\0", name.as_bytes());
    let mut esk = ExpandedSecretKey::from(&seed);
    esk.hash_prefix = [0x5a; 32];
    let vk = ed25519_dalek::VerifyingKey::from(&esk);
    let msg = encoding::tagged_message(tag::ENTRY_SIGNATURE, &entry.encode().expect("encodes"));
    raw_sign::<sha2::Sha512>(&esk, &msg, &vk).to_bytes()
}

/// Every fixture file, by path relative to the package root.
pub fn generate() -> BTreeMap<String, String> {
    let example::Example {
        charter,
        entries: labelled,
        alpha,
        beta,
    } = example::build().expect("example builds");
    let charter_bytes = charter.encode().expect("charter encodes");
    let charter_hex = h(&charter_bytes);
    let channel = charter.id().expect("id");
    let entries: Vec<Vec<u8>> = labelled.iter().map(|(_, e)| enc(e)).collect();
    let last = labelled.last().expect("entries").1.clone(); // alpha-6
    let last_ix = entries.len() - 1;
    let mut files = BTreeMap::new();

    // Known-answer vectors for the valid channel.
    let mut vectors = ChannelVectors {
        description: "The example channel's entries with the bytes each hash and signature is computed over. See docs/FORMAT.md.".into(),
        charter: charter_hex.clone(),
        channel_id: channel.to_string(),
        parties: charter
            .parties
            .iter()
            .map(|p| (p.name.clone(), p.key.to_string()))
            .collect(),
        entries: vec![],
        feeds: BTreeMap::new(),
    };
    for (label, e) in &labelled {
        let entry = e.entry.encode().expect("encodes");
        let signed = enc(e);
        vectors.entries.push(EntryVector {
            label: label.clone(),
            author: charter.label(&e.header().author),
            kind: e.entry.body().expect("body").kind().to_string(),
            seq: e.header().seq.0,
            signing_message: h(&encoding::tagged_message(tag::ENTRY_SIGNATURE, &entry)),
            entry: h(&entry),
            id: e.id().expect("id").to_string(),
            signature: h(&e.signature),
            leaf_hash: h(&hotline::merkle::leaf_hash(&signed)),
            signed: h(&signed),
        });
    }
    vectors.feeds.insert("alpha".into(), alpha.view().into());
    vectors.feeds.insert("beta".into(), beta.view().into());
    files.insert(
        "fixtures/channel/vectors.json".into(),
        serde_json::to_string_pretty(&vectors).expect("json") + "\n",
    );

    let mut cases = vec![valid_case(&charter_hex, &entries)];
    let mut case = |name: &str,
                    description: &str,
                    entries: Vec<Vec<u8>>,
                    findings: Vec<Expected>,
                    now: Option<u64>| {
        let ok = findings.iter().all(|f| {
            matches!(
                f.kind.as_str(),
                "time-regression"
                    | "answer-before-sent"
                    | "future-time"
                    | "unknown-kind"
                    | "time-before-view"
                    | "withheld"
                    | "after-close"
                    | "compromised"
                    | "revoked-key-relied"
            )
        });
        cases.push(Case {
            name: name.into(),
            description: description.into(),
            expect: Expect { ok, findings },
            now,
            charter: charter_hex.clone(),
            entries: entries.iter().map(|b| h(b)).collect(),
        });
    };
    let with_last = |replacement: Vec<u8>| {
        let mut v = entries.clone();
        v[last_ix] = replacement;
        v
    };
    let alpha_key = test_key("alpha");
    let beta_key = test_key("beta");

    // One defect per case, always in entries nobody else refers to, so each yields exactly
    // one finding.
    let mut tampered = enc(&last);
    let text_at = tampered.len() - 64 - 20;
    tampered[text_at] ^= 0x01;
    case(
        "tampered-byte",
        "One bit of the text of alpha's last entry is flipped after signing.",
        with_last(tampered),
        vec![finding("bad-signature", "alpha", 6)],
        None,
    );
    case(
        "wrong-key",
        "Alpha's last entry (author: alpha) is signed with beta's key.",
        with_last(enc(&resign(&last, &beta_key, |_| {}))),
        vec![finding("bad-signature", "alpha", 6)],
        None,
    );
    let mut malleated = last.clone();
    malleated.signature = malleate(&last.signature);
    case(
        "malleated-signature",
        "Alpha's last signature with S replaced by S + L: the same signature to a lax verifier, refused by verify_strict.",
        with_last(enc(&malleated)),
        vec![finding("bad-signature", "alpha", 6)],
        None,
    );
    case(
        "broken-link",
        "Alpha's last entry, validly signed, names a prev that is not the id of its seq 5.",
        with_last(enc(&resign(&last, &alpha_key, |e| {
            e.header.prev = EntryId([0x42; 32])
        }))),
        vec![finding("broken-link", "alpha", 6)],
        None,
    );
    case(
        "gap",
        "Alpha's seq 6 is missing; its next entry, seq 7, is present.",
        with_last(enc(&resign(&last, &alpha_key, |e| {
            e.header.seq = hotline::Seq(7)
        }))),
        vec![finding("gap", "alpha", 7)],
        None,
    );
    let fork_b = resign(&last, &alpha_key, |e| {
        e.body = Body::Definition(Definition {
            term: "major incident".into(),
            text: "Any incident at all.".into(),
            supersedes: None,
        })
        .encode()
        .expect("encodes")
    });
    let mut forked = entries.clone();
    forked.push(enc(&fork_b));
    case(
        "fork",
        "Alpha signed two different entries at seq 6.",
        forked,
        vec![finding("fork", "alpha", 6)],
        None,
    );
    case(
        "cross-channel-replay",
        "Alpha's last entry, validly signed by alpha, but for another channel: replayed here.",
        with_last(enc(&resign(&last, &alpha_key, |e| {
            e.header.channel = example::other_channel_id()
        }))),
        vec![finding("wrong-channel", "alpha", 6)],
        None,
    );
    // The same content under a second valid signature (another nonce): a different leaf.
    let mut resigned = last.clone();
    resigned.signature = second_signature(&last.entry, "alpha");
    assert_ne!(resigned.signature, last.signature);
    let mut double = entries.clone();
    double.push(enc(&resigned));
    case(
        "double-signature",
        "Alpha's last entry appears twice, the same content under two different valid signatures (a second nonce): two different leaves at one place in its feed.",
        double,
        vec![finding("double-signature", "alpha", 6)],
        None,
    );
    let mallory = test_key("mallory");
    let mallory_entry = Writer::new(mallory, channel)
        .append(
            T0,
            vec![],
            Body::Acceptance(hotline::entry::Acceptance { charter: channel }),
        )
        .expect("signs");
    let mut with_mallory = entries.clone();
    with_mallory.push(enc(&mallory_entry));
    case(
        "not-a-party",
        "A validly signed acceptance by a key the charter does not list.",
        with_mallory,
        vec![Expected {
            kind: "not-a-party".into(),
            party: None,
            seq: Some(0),
            index: None,
        }],
        None,
    );
    let mut trailing = enc(&last);
    trailing.push(0);
    case(
        "trailing-bytes",
        "Alpha's last entry with one zero byte appended.",
        with_last(trailing),
        vec![malformed(last_ix)],
        None,
    );
    let mut oversize = enc(&last);
    // The body's length field: a u64 after the 145 fixed header bytes, the views (a u64 count
    // and 72 bytes each) and the u16 kind.
    let len_at = 145 + 8 + 72 * last.header().views.len() + 2;
    oversize[len_at..len_at + 8].copy_from_slice(&(1u64 << 40).to_be_bytes());
    case(
        "oversize-length",
        "The body length field of alpha's last entry claims 2^40 bytes.",
        with_last(oversize),
        vec![malformed(last_ix)],
        None,
    );
    case(
        "unknown-version",
        "Alpha's last entry, validly signed, with format version byte 1 (a version this one no longer reads).",
        with_last(enc(&resign(&last, &alpha_key, |e| e.header.version = 1))),
        vec![malformed(last_ix)],
        None,
    );
    let def_id = labelled[2].1.id().expect("id");
    case(
        "non-canonical-encoding",
        "Alpha's last entry, validly signed, is a commitment whose `cites` set lists one id twice: a second byte form of the same meaning.",
        with_last(enc(&resign(&last, &alpha_key, |e| {
            e.kind = 4;
            e.body = Body::Commitment(Commitment {
                title: "Cite twice".into(),
                text: "Same text.".into(),
                cites: vec![def_id, def_id],
                supersedes: None,
            })
            .encode()
            .expect("encodes")
        }))),
        vec![finding("invalid-body", "alpha", 6)],
        None,
    );
    case(
        "time-regression",
        "Alpha's last entry, validly signed, claims a time before its seq 5 (and so before beta's entries inside its view).",
        with_last(enc(&resign(&last, &alpha_key, |e| {
            e.header.time = Timestamp(T0)
        }))),
        vec![
            finding("time-regression", "alpha", 6),
            finding("time-before-view", "alpha", 6),
        ],
        None,
    );
    case(
        "unknown-kind",
        "Alpha's last entry has body kind 99, unknown to this version: reported, and its signature and links still checked.",
        with_last(enc(&resign(&last, &alpha_key, |e| {
            e.kind = 99;
            e.body = b"from the future".to_vec();
        }))),
        vec![finding("unknown-kind", "alpha", 6)],
        None,
    );
    case(
        "future-time",
        "Alpha's last entry claims a time 1000 hours after the verifier's clock.",
        with_last(enc(&resign(&last, &alpha_key, |e| {
            e.header.time = Timestamp(T0 + 1096 * 3600)
        }))),
        vec![finding("future-time", "alpha", 6)],
        Some(T0 + 96 * 3600),
    );

    // Beta's seq 5, after alpha's seq 6, with views of alpha's feed made to order.
    let beta_w = beta;
    let beta_next = |time: u64, views: Vec<View>, body: Body| {
        let mut w = Writer::new(test_key("beta"), channel);
        w.head = beta_w.head;
        enc(&w.append(time, views, body).expect("signs"))
    };
    let last_ref = example::entry_ref(&last).expect("ref");
    let alpha_view = |size: usize, root: Option<[u8; 32]>| View {
        party: alpha_key.party(),
        size: size as u64,
        root: root.unwrap_or_else(|| hotline::merkle::root(&alpha.leaves[..size])),
    };
    let whole = alpha.leaves.len(); // 7
    let with_extra = |extra: Vec<u8>| {
        let mut v = entries.clone();
        v.push(extra);
        v
    };
    let later = T0 + 97 * 3600;
    let note = |text: &str| {
        Body::Definition(Definition {
            term: "beta's note".into(),
            text: text.into(),
            supersedes: None,
        })
    };
    case(
        "receipt",
        "Beta's receipt for alpha's whole feed: its view of alpha's 7 entries is the evidence. No defect.",
        with_extra(beta_next(
            later,
            vec![alpha_view(whole, None)],
            Body::Receipt(Receipt {
                feeds: vec![alpha_key.party()],
            }),
        )),
        vec![],
        None,
    );
    case(
        "receipt-without-view",
        "Beta's receipt names alpha's feed, but its header carries no view of it.",
        with_extra(beta_next(
            later,
            vec![],
            Body::Receipt(Receipt {
                feeds: vec![alpha_key.party()],
            }),
        )),
        // Dropping the view of alpha also shrinks it, from beta's seq 4's 6 entries.
        vec![
            finding("invalid-body", "beta", 5),
            finding("view-shrinks", "beta", 5),
        ],
        None,
    );
    case(
        "view-contradicts-feed",
        "Beta's seq 5 views alpha's feed at size 7 with a root that is not the root of alpha's 7 signed entries.",
        with_extra(beta_next(
            later,
            vec![alpha_view(whole, Some([0x11; 32]))],
            note("seen"),
        )),
        vec![finding("view-contradicts-feed", "beta", 5)],
        None,
    );
    case(
        "ack-contradicts-feed",
        "Beta acknowledges alpha's seq 6 with a view of only alpha's first 6 entries, which cannot include it.",
        with_extra(beta_next(
            later,
            vec![alpha_view(whole - 1, None)],
            example::ack(last_ref, AckState::Received, ""),
        )),
        vec![finding("ack-contradicts-feed", "beta", 5)],
        None,
    );
    case(
        "view-shrinks",
        "Beta's seq 5 views alpha's feed at size 3, after its seq 4 viewed it at size 6.",
        with_extra(beta_next(later, vec![alpha_view(3, None)], note("shrunk"))),
        vec![finding("view-shrinks", "beta", 5)],
        None,
    );
    case(
        "invalid-view",
        "Beta's seq 5 carries a view of mallory's feed, a key the charter does not list.",
        with_extra(beta_next(
            later,
            vec![
                alpha_view(whole, None),
                View {
                    party: test_key("mallory").party(),
                    size: 1,
                    root: [0x22; 32],
                },
            ],
            note("mallory"),
        )),
        vec![finding("invalid-view", "beta", 5)],
        None,
    );
    case(
        "time-before-view",
        "Beta's seq 5 claims T0+80h, but its view covers alpha's seq 6, claimed at T0+96h: one of the two mis-stated its time.",
        with_extra(beta_next(
            T0 + 80 * 3600,
            vec![alpha_view(whole, None)],
            note("early"),
        )),
        vec![finding("time-before-view", "beta", 5)],
        None,
    );
    case(
        "withheld",
        "Beta's seq 5 views alpha's feed at size 9, but only 7 alpha entries are presented: two withheld or not received yet.",
        with_extra(beta_next(
            later,
            vec![alpha_view(whole + 2, Some([0x33; 32]))],
            note("ahead"),
        )),
        vec![Expected {
            kind: "withheld".into(),
            party: Some("alpha".into()),
            seq: None,
            index: None,
        }],
        None,
    );
    {
        // The bundle leaves out alpha's seq 6, which beta's signed ack names.
        let mut v = entries.clone();
        v.remove(last_ix);
        v.push(beta_next(
            later,
            vec![alpha_view(whole, None)],
            example::ack(last_ref, AckState::Received, ""),
        ));
        case(
            "withheld-acknowledged",
            "Beta's signed ack names alpha's seq 6 and views 7 alpha entries, but the bundle leaves alpha's seq 6 out.",
            v,
            vec![
                finding("withheld", "beta", 5),
                Expected {
                    kind: "withheld".into(),
                    party: Some("alpha".into()),
                    seq: None,
                    index: None,
                },
            ],
            None,
        );
    }
    {
        // Alpha's seq 6 replaced by another, validly signed entry; beta's ack of the original.
        let mut v = with_last(enc(&resign(&last, &alpha_key, |e| {
            e.body = note("rewritten").encode().expect("encodes")
        })));
        v.push(beta_next(
            later,
            vec![alpha_view(whole, None)],
            example::ack(last_ref, AckState::Received, ""),
        ));
        case(
            "rewritten-history",
            "Alpha's seq 6 is replaced by another entry alpha validly signed; beta's ack of the original, with its view of alpha's original 7 entries, contradicts it. The findings name beta's signature and alpha's entries without deciding which lied.",
            v,
            vec![
                finding("view-contradicts-feed", "beta", 5),
                finding("view-contradicts-feed", "beta", 5),
            ],
            None,
        );
    }
    case(
        "unknown-reference",
        "Beta responds to an entry id that no entry has.",
        with_extra(beta_next(
            later,
            vec![alpha_view(whole, None)],
            Body::Response(Response {
                to: EntryId([0x24; 32]),
                text: "What entry?".into(),
            }),
        )),
        vec![finding("unknown-reference", "beta", 5)],
        None,
    );
    // More single defects in beta's seq 5, and one with two, to pin the order of findings.
    let beta_notice = |severity: &str| {
        Body::Notice(hotline::entry::Notice {
            incident: "BETA-2026-0001".into(),
            stage: hotline::entry::Stage::Initial,
            severity: severity.into(),
            category: "outage".into(),
            summary: "Service down".into(),
            detail: String::new(),
            detected_at: None,
            indicators: vec![],
            requested_action: String::new(),
            handling: String::new(),
            ack_by: None,
            respond_by: None,
            refs: vec![],
        })
    };
    let own_response = example::entry_ref(&labelled[7].1).expect("ref");
    case(
        "ack-of-own-entry",
        "Beta acknowledges its own response (its seq 3).",
        with_extra(beta_next(
            later,
            vec![alpha_view(whole, None)],
            example::ack(own_response, AckState::Received, ""),
        )),
        vec![finding("ack-contradicts-feed", "beta", 5)],
        None,
    );
    case(
        "ack-names-wrong-seq",
        "Beta acknowledges alpha's seq 6 by its id, but names it as alpha's seq 5.",
        with_extra(beta_next(
            later,
            vec![alpha_view(whole, None)],
            example::ack(
                hotline::entry::EntryRef {
                    seq: hotline::Seq(5),
                    ..last_ref
                },
                AckState::Received,
                "",
            ),
        )),
        vec![finding("ack-contradicts-feed", "beta", 5)],
        None,
    );
    case(
        "unknown-severity",
        "Beta's notice names a severity the charter's policy does not list.",
        with_extra(beta_next(
            later,
            vec![alpha_view(whole, None)],
            beta_notice("apocalyptic"),
        )),
        vec![finding("unknown-severity", "beta", 5)],
        None,
    );
    case(
        "wrong-reference-kind",
        "Beta's commitment cites alpha's notice, not a definition.",
        with_extra(beta_next(
            later,
            vec![alpha_view(whole, None)],
            Body::Commitment(Commitment {
                title: "Notify within a day".into(),
                text: "Beta will notify within a day.".into(),
                cites: vec![labelled[5].1.id().expect("id")],
                supersedes: None,
            }),
        )),
        vec![finding("wrong-reference-kind", "beta", 5)],
        None,
    );
    case(
        "placement",
        "Beta's seq 5 is a second acceptance of the charter, which may only stand at seq 0.",
        with_extra(beta_next(
            later,
            vec![alpha_view(whole, None)],
            Body::Acceptance(hotline::entry::Acceptance { charter: channel }),
        )),
        vec![finding("placement", "beta", 5)],
        None,
    );
    {
        // An ack's state is a u32 after the 72-byte EntryRef; 9 is no state.
        let valid = beta_next(
            later,
            vec![alpha_view(whole, None)],
            example::ack(last_ref, AckState::Received, ""),
        );
        let signed = SignedEntry::decode(&valid).expect("decodes");
        let bad = resign(&signed, &beta_key, |e| {
            if let Some(state) = e.body.get_mut(72..76) {
                state.copy_from_slice(&9u32.to_be_bytes());
            }
        });
        case(
            "invalid-ack-state",
            "Beta's ack, validly signed, has state 9, which is no ack state.",
            with_extra(enc(&bad)),
            vec![finding("invalid-body", "beta", 5)],
            None,
        );
    }
    case(
        "two-defects",
        "Beta's seq 5 is a notice of a severity not in the policy, with a view of mallory's feed: two findings on one entry, in the order docs/FORMAT.md section 7 gives (the view, then the body).",
        with_extra(beta_next(
            later,
            vec![
                alpha_view(whole, None),
                View {
                    party: test_key("mallory").party(),
                    size: 1,
                    root: [0x22; 32],
                },
            ],
            beta_notice("apocalyptic"),
        )),
        vec![
            finding("invalid-view", "beta", 5),
            finding("unknown-severity", "beta", 5),
        ],
        None,
    );
    case(
        "answer-before-sent",
        "Beta acknowledges alpha's seq 6 at a claimed time 23 hours before alpha claims to have sent it, with a view that covers it.",
        with_extra(beta_next(
            T0 + 73 * 3600,
            vec![alpha_view(whole, None)],
            example::ack(last_ref, AckState::Received, ""),
        )),
        vec![
            finding("time-before-view", "beta", 5),
            finding("answer-before-sent", "beta", 5),
        ],
        None,
    );

    // The semantics of supersedes, and the names people cite (docs/FORMAT.md section 5). Each
    // defect is found once: a content rule on the entry alone (invalid-body), or a reference
    // rule across feeds (bad-supersedes).
    let revised = |term: &str| {
        Body::Definition(Definition {
            term: term.into(),
            text: "Revised.".into(),
            supersedes: Some(def_id),
        })
    };
    case(
        "supersedes-own-definition",
        "Alpha's last entry supersedes alpha's own definition of the same term (its seq 1). No defect.",
        with_last(enc(&resign(&last, &alpha_key, |e| {
            e.body = revised("cyber-enabled theft of intellectual property")
                .encode()
                .expect("encodes")
        }))),
        vec![],
        None,
    );
    case(
        "supersedes-other-author",
        "Beta's seq 5 is a definition of the same term that supersedes alpha's definition (alpha's seq 1): a party supersedes only its own entries.",
        with_extra(beta_next(
            later,
            vec![alpha_view(whole, None)],
            revised("cyber-enabled theft of intellectual property"),
        )),
        vec![finding("bad-supersedes", "beta", 5)],
        None,
    );
    case(
        "supersedes-other-term",
        "Alpha's last entry, a definition of \"major incident\", supersedes alpha's definition of another term (its seq 1).",
        with_last(enc(&resign(&last, &alpha_key, |e| {
            e.body = revised("major incident").encode().expect("encodes")
        }))),
        vec![finding("bad-supersedes", "alpha", 6)],
        None,
    );
    let name_case = |body: Body| {
        with_last(enc(&resign(&last, &alpha_key, |e| {
            e.kind = body.kind().code();
            e.body = body.encode().expect("encodes");
        })))
    };
    case(
        "non-nfc-term",
        "Alpha's last entry defines a term in NFD (`e` then U+0301 COMBINING ACUTE ACCENT), not NFC.",
        name_case(Body::Definition(Definition {
            term: "de\u{301}ni de service".into(),
            text: "An attack that makes a service unavailable.".into(),
            supersedes: None,
        })),
        vec![finding("invalid-body", "alpha", 6)],
        None,
    );
    case(
        "default-ignorable-title",
        "Alpha's last entry is a commitment whose title holds U+202E RIGHT-TO-LEFT OVERRIDE, so that it shows as \"No attacks on hospitals\".",
        name_case(Body::Commitment(Commitment {
            title: "No attacks on \u{202e}slatipsoh".into(),
            text: "Neither side will attack hospitals.".into(),
            cites: vec![def_id],
            supersedes: None,
        })),
        vec![finding("invalid-body", "alpha", 6)],
        None,
    );
    case(
        "mixed-script-incident",
        "Alpha's last entry is a notice whose incident id starts with U+0410 CYRILLIC CAPITAL LETTER A, not a Latin A: it looks like alpha's own ALPHA-… ids and is not.",
        name_case(Body::Notice(Notice {
            incident: "\u{410}LPHA-2026-0001".into(),
            stage: Stage::Final,
            severity: "high".into(),
            category: "exfiltration".into(),
            summary: "Closed".into(),
            detail: String::new(),
            detected_at: None,
            indicators: vec![],
            requested_action: String::new(),
            handling: "TLP:AMBER".into(),
            ack_by: None,
            respond_by: None,
            refs: vec![],
        })),
        vec![finding("invalid-body", "alpha", 6)],
        None,
    );

    // Charter amendments and the close (docs/FORMAT.md section 11), on a fresh copy of the
    // example channel: alpha proposes, beta ratifies, gamma joins once the amendment is in
    // force.
    {
        let ex = example::build().expect("example builds");
        let mut alpha = ex.alpha;
        let mut beta = ex.beta;
        let mut gamma = Writer::new(test_key("gamma"), channel);
        let notice = |incident: &str| {
            Body::Notice(Notice {
                incident: incident.into(),
                stage: Stage::Initial,
                severity: "high".into(),
                category: "intrusion".into(),
                summary: "Intrusion traced to your network".into(),
                detail: String::new(),
                detected_at: None,
                indicators: vec![],
                requested_action: String::new(),
                handling: String::new(),
                ack_by: None,
                respond_by: None,
                refs: vec![],
            })
        };
        let t = T0 + 200 * 3600;
        let mut three = charter.clone();
        three.name = "alpha-beta-gamma cyber hotline".into();
        three
            .parties
            .push(example::test_party("gamma", "point-of-contact"));
        for sev in &mut three.policy.severities {
            if sev.name == "high" {
                sev.ack_within = 12 * 3600;
            }
        }
        let amend = |c: hotline::Charter| {
            Body::Amend(Box::new(Amend {
                charter: c,
                amends: None,
            }))
        };
        let ratify = |e: &SignedEntry| {
            Body::Ratify(Ratify {
                proposal: example::entry_ref(e).expect("ref"),
            })
        };
        let proposal = alpha
            .append(t, beta.seen(), amend(three.clone()))
            .expect("signs");
        let ratified = beta
            .append(t + 3600, alpha.seen(), ratify(&proposal))
            .expect("signs");
        let both = |a: &Writer, b: &Writer| [a.seen(), b.seen()].concat();
        let joined = gamma
            .append(
                t + 2 * 3600,
                both(&alpha, &beta),
                Body::Acceptance(hotline::entry::Acceptance { charter: channel }),
            )
            .expect("signs");
        let n = alpha
            .append(t + 3 * 3600, both(&beta, &gamma), notice("ALPHA-2026-0020"))
            .expect("signs");
        let acked = gamma
            .append(
                t + 4 * 3600,
                both(&alpha, &beta),
                example::ack(example::entry_ref(&n).expect("ref"), AckState::Received, ""),
            )
            .expect("signs");
        let plus = |extra: &[&SignedEntry]| {
            let mut v = entries.clone();
            v.extend(extra.iter().map(|e| enc(e)));
            v
        };
        case(
            "amendment-in-force",
            "Alpha's seq 7 proposes a charter adding gamma and raising the high acknowledgement window to 12 hours; beta's seq 5 ratifies it, so it is in force; gamma's seq 0 accepts the channel, alpha's seq 8 is a notice governed by the amendment and gamma's seq 1 acknowledges it. No defect.",
            plus(&[&proposal, &ratified, &joined, &n, &acked]),
            vec![],
            None,
        );
        case(
            "amendment-not-in-force",
            "Alpha's seq 7 proposes a charter adding gamma, but beta has not ratified it: gamma's acceptance (its seq 0) is not a party's.",
            plus(&[&proposal, &joined]),
            vec![finding("not-a-party", "gamma", 0)],
            None,
        );

        let ex = example::build().expect("example builds");
        let (mut alpha, mut beta) = (ex.alpha, ex.beta);
        let mut rekeyed = charter.clone();
        if let Some(p) = rekeyed.parties.get_mut(1) {
            p.key = test_key("mallory").party();
        }
        let bad = alpha.append(t, beta.seen(), amend(rekeyed)).expect("signs");
        let bad_ratified = beta
            .append(t + 3600, alpha.seen(), ratify(&bad))
            .expect("signs");
        case(
            "amendment-changes-key",
            "Alpha's seq 7 proposes a charter that lists beta with mallory's key, and beta's seq 5 ratifies it: a party's key changes only by rotation, so the amendment is bad and not in force.",
            plus(&[&bad, &bad_ratified]),
            vec![finding("bad-amendment", "alpha", 7)],
            None,
        );

        let ex = example::build().expect("example builds");
        let (alpha, mut beta) = (ex.alpha, ex.beta);
        let last_notice = &labelled
            .iter()
            .find(|(l, _)| l == "alpha-5-notice-update")
            .expect("labelled")
            .1;
        let wrong = beta
            .append(t, alpha.seen(), ratify(last_notice))
            .expect("signs");
        case(
            "ratify-not-a-proposal",
            "Beta's seq 5 ratifies alpha's seq 5, a notice, not an amendment or a close.",
            plus(&[&wrong]),
            vec![finding("bad-amendment", "beta", 5)],
            None,
        );

        let ex = example::build().expect("example builds");
        let (mut alpha, mut beta) = (ex.alpha, ex.beta);
        let close = alpha
            .append(
                t + 3600,
                beta.seen(),
                Body::Close(Close {
                    successor: Some(example::other_channel_id()),
                    reason: "replaced by a three-party channel".into(),
                }),
            )
            .expect("signs");
        let close_ratified = beta
            .append(t + 2 * 3600, alpha.seen(), ratify(&close))
            .expect("signs");
        let after = alpha
            .append(t + 3 * 3600, beta.seen(), notice("ALPHA-2026-0021"))
            .expect("signs");
        case(
            "notice-after-close",
            "Alpha's seq 7 closes the channel naming a successor, beta's seq 5 ratifies it, and alpha's seq 8 is a notice signed after its author had seen the close in force: a warning, and the audit holds it void.",
            plus(&[&close, &close_ratified, &after]),
            vec![finding("after-close", "alpha", 8)],
            None,
        );

        // Key state: rotation to the pre-committed key, and revocation of a stolen one.
        let k = |n: u32| example::test_key_at("alpha", n);
        let rotate = |n: u32| {
            Body::Rotate(Rotate {
                key: k(n).party(),
                next: k(n + 1).party().digest(),
            })
        };
        let ex = example::build().expect("example builds");
        let (mut alpha, beta) = (ex.alpha, ex.beta);
        let rotated = alpha.append(t, beta.seen(), rotate(1)).expect("signs");
        alpha.key = k(1);
        let after = alpha
            .append(t + 3600, beta.seen(), notice("ALPHA-2026-0030"))
            .expect("signs");
        case(
            "rotation",
            "Alpha's seq 7 rotates to its pre-committed next key (test key alpha/1, committing to alpha/2), and its seq 8, a notice, is signed by that key. No defect.",
            plus(&[&rotated, &after]),
            vec![],
            None,
        );
        let mut old = alpha.with_key(k(0));
        let stale = old
            .append(t + 2 * 3600, beta.seen(), notice("ALPHA-2026-0031"))
            .expect("signs");
        case(
            "old-key-after-rotation",
            "Alpha's seq 9 is signed by alpha's first key, which alpha's seq 7 rotated out: the entry is not alpha's.",
            plus(&[&rotated, &after, &stale]),
            vec![finding("wrong-key", "alpha", 9)],
            None,
        );
        let ex = example::build().expect("example builds");
        let (mut alpha, beta) = (ex.alpha, ex.beta);
        let uncommitted = alpha.append(t, beta.seen(), rotate(2)).expect("signs");
        case(
            "rotation-to-uncommitted-key",
            "Alpha's seq 7 rotates to test key alpha/2, but the charter pre-committed alpha/1.",
            plus(&[&uncommitted]),
            vec![finding("wrong-key", "alpha", 7)],
            None,
        );

        // A thief copies alpha's key and store and signs alpha's seq 7; alpha, with its
        // pre-committed next key, revokes the first key from seq 7 and signs on.
        let ex = example::build().expect("example builds");
        let (mut alpha, beta) = (ex.alpha, ex.beta);
        let mut thief = alpha.with_key(k(0));
        let fake = thief
            .append(t, beta.seen(), notice("ALPHA-2026-0040"))
            .expect("signs");
        alpha.key = k(1);
        let revoke = alpha
            .append(
                t + 3600,
                beta.seen(),
                Body::Revoke(Revoke {
                    from: Seq(7),
                    next: k(2).party().digest(),
                    reason: "key copied".into(),
                }),
            )
            .expect("signs");
        let on = alpha
            .append(t + 2 * 3600, beta.seen(), notice("ALPHA-2026-0041"))
            .expect("signs");
        case(
            "revocation-voids-stolen-key",
            "A thief holding alpha's first key signs a notice as alpha's seq 7; alpha's own seq 7 revokes that key from seq 7, signed by alpha's pre-committed next key, and alpha's seq 8 follows. The thief's entry is attributed to the stolen key (a warning), no fork is held against alpha, and the report is ok.",
            plus(&[&fake, &revoke, &on]),
            vec![finding("compromised", "alpha", 7)],
            None,
        );
        let mut beta_relies = beta;
        let relied = beta_relies
            .append(
                t + 1800,
                thief.seen(),
                example::ack(
                    example::entry_ref(&fake).expect("ref"),
                    AckState::Received,
                    "",
                ),
            )
            .expect("signs");
        case(
            "revocation-after-reliance",
            "As revocation-voids-stolen-key, but beta's seq 5 acknowledged the thief's seq 7 before beta saw the revocation: the thief's entry stands as alpha's (beta relied on it), so alpha's feed is forked at seq 7.",
            plus(&[&fake, &relied, &revoke, &on]),
            vec![
                finding("revoked-key-relied", "alpha", 7),
                finding("fork", "alpha", 7),
            ],
            None,
        );
        let forged_revoke = {
            let ex = example::build().expect("example builds");
            let (mut alpha, beta) = (ex.alpha, ex.beta);
            alpha
                .append(
                    t,
                    beta.seen(),
                    Body::Revoke(Revoke {
                        from: Seq(7),
                        next: k(2).party().digest(),
                        reason: "a thief tries to lock alpha out".into(),
                    }),
                )
                .expect("signs")
        };
        case(
            "revocation-by-stolen-key",
            "Alpha's seq 7 is a revocation signed by alpha's first key itself, not by its pre-committed next key: not alpha's.",
            plus(&[&forged_revoke]),
            vec![finding("wrong-key", "alpha", 7)],
            None,
        );
    }

    for c in cases {
        files.insert(
            format!("fixtures/channel/{}.json", c.name),
            serde_json::to_string_pretty(&c).expect("json") + "\n",
        );
    }

    // Public test keys.
    for name in ["alpha", "beta", "mallory"] {
        let k = test_key(name);
        let warning = "# PUBLIC TEST KEY from a fixed seed (tests/support/fixtures.rs). Never use it for anything real.\n";
        files.insert(
            format!("keys/{name}.key"),
            format!("{warning}{}", k.to_file_text().as_str()),
        );
        // Its pre-committed next key (`example::test_key_at(name, 1)`), as keygen writes it.
        let next = example::test_key_at(name, 1);
        files.insert(
            format!("keys/{name}.next.key"),
            format!("{warning}{}", next.to_file_text().as_str()),
        );
        let mut public = k.public();
        public.next = Some(next.party().digest());
        files.insert(
            format!("keys/{name}.pub"),
            format!("{warning}{}", public.to_file_text()),
        );
    }
    files
}

/// The binary fixtures: `fixtures/bundle/example.bundle`, the example channel's charter and
/// entries as `hotline export` frames them, for integrators (the crate's quick start reads
/// it, with `keys/alpha.pub` and `keys/beta.pub`) and for other implementations' readers.
pub fn generate_binary() -> BTreeMap<String, Vec<u8>> {
    let example::Example {
        charter, entries, ..
    } = example::build().expect("example builds");
    let entries: Vec<Vec<u8>> = entries.iter().map(|(_, e)| enc(e)).collect();
    let mut files = BTreeMap::new();
    files.insert(
        "fixtures/bundle/example.bundle".into(),
        hotline::bundle::write(&charter, &entries).expect("bundle"),
    );
    files.insert("fixtures/bundle/example.tlog-proof".into(), notice_proof());
    files
}

/// `fixtures/bundle/example.tlog-proof`: a c2sp.org/tlog-proof@v1 that alpha's first notice
/// is in alpha's feed, in a checkpoint of the whole feed that beta cosigned at T0 + 500000
/// (Ed25519 signatures are deterministic, so the file is too).
fn notice_proof() -> Vec<u8> {
    use hotline::witness::{Held, cosign, sign_checkpoint};
    let ex = example::build().expect("example builds");
    let alpha: Vec<&SignedEntry> = ex
        .entries
        .iter()
        .filter(|(l, _)| l.starts_with("alpha"))
        .map(|(_, e)| e)
        .collect();
    let bytes: Vec<Vec<u8>> = alpha.iter().map(|e| enc(e)).collect();
    let leaves: Vec<[u8; 32]> = bytes
        .iter()
        .map(|b| hotline::merkle::leaf_hash(b))
        .collect();
    let root = hotline::merkle::root(&leaves);
    let size = leaves.len() as u64;
    let index = alpha
        .iter()
        .position(|e| matches!(e.entry.body(), Ok(hotline::Body::Notice(_))))
        .expect("alpha sends a notice");
    let note = sign_checkpoint(&ex.charter, &test_key("alpha"), size, root).expect("checkpoint");
    let held = move |_: &hotline::witness::CheckedNote| Held {
        size,
        root_at_checkpoint: Some(root),
        last_cosigned: None,
    };
    let note = cosign(
        &ex.charter,
        &test_key("beta"),
        &note,
        &held,
        hotline::Timestamp(example::T0 + 500_000),
    )
    .expect("cosignature");
    hotline::proof::OfflineProof {
        entry: bytes[index].clone(),
        index: index as u64,
        path: hotline::merkle::inclusion_proof(&leaves, index as u64).expect("path"),
        note,
    }
    .encode()
}
