//! The rules for the names people cite: a definition's `term`, a commitment's `title` and a
//! notice's `incident`. Two parties read these off a screen, repeat them to each other and
//! decide by them which entry is meant, so one name must have one encoding and must look like
//! what it is. A name is valid when:
//!
//! 1. it is in Unicode Normalization Form C (UAX #15), so that the same letters are the same
//!    bytes (`é` is U+00E9, never `e` followed by U+0301);
//! 2. it holds no default-ignorable code point (the `Default_Ignorable_Code_Point` property
//!    of UAX #44: zero-width characters, bidirectional controls such as U+202E, variation
//!    selectors, tags), no control character (general category `Cc`), and no U+2028 or U+2029:
//!    none of these shows as itself, so two names could look alike and differ;
//! 3. every code point has a script (no unassigned or private-use code point), and its scripts
//!    are those of UTS #39's "moderately restrictive" level (section 5.2): one script, after
//!    augmentation (Han with Bopomofo, Japanese, Korean count as one); or Latin with Han and
//!    Bopomofo, Hiragana and Katakana, or Hangul; or Latin with one other script that UAX #31
//!    recommends, except Cyrillic and Greek, whose letters pass for Latin ones. UTS #39 applies
//!    the levels to identifiers; these names may also hold spaces and punctuation (script
//!    `Common`), which take any script.
//!
//! The tables are those of the pinned `unicode-normalization`, `unicode-script` and
//! `unicode-security` crates, all of Unicode [`UNICODE_VERSION`]. Positions in errors count
//! code points from 0.

use std::fmt::Write as _;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc, is_nfc_quick};
use unicode_script::Script;
use unicode_security::mixed_script::AugmentedScriptSet;

/// The Unicode version of the tables the rules use (FORMAT.md names it; a unit test checks it).
#[cfg_attr(not(test), allow(dead_code))]
pub const UNICODE_VERSION: (u64, u64, u64) = unicode_security::UNICODE_VERSION;

/// `Default_Ignorable_Code_Point`, from `DerivedCoreProperties.txt`. `unicode-security` holds
/// the same table but does not export it; a test checks the two agree.
const DEFAULT_IGNORABLE: [(char, char); 17] = [
    ('\u{00ad}', '\u{00ad}'),
    ('\u{034f}', '\u{034f}'),
    ('\u{061c}', '\u{061c}'),
    ('\u{115f}', '\u{1160}'),
    ('\u{17b4}', '\u{17b5}'),
    ('\u{180b}', '\u{180f}'),
    ('\u{200b}', '\u{200f}'),
    ('\u{202a}', '\u{202e}'),
    ('\u{2060}', '\u{206f}'),
    ('\u{3164}', '\u{3164}'),
    ('\u{fe00}', '\u{fe0f}'),
    ('\u{feff}', '\u{feff}'),
    ('\u{ffa0}', '\u{ffa0}'),
    ('\u{fff0}', '\u{fff8}'),
    ('\u{1bca0}', '\u{1bca3}'),
    ('\u{1d173}', '\u{1d17a}'),
    ('\u{e0000}', '\u{e0fff}'),
];

/// Why a name breaks a rule. Each names the first offending code point and its position.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Not in NFC: `code_point` is the first that normalisation changes or composes away.
    #[error(
        "is not in Unicode Normalization Form C: {} at position {at} changes under NFC",
        u_plus(*.code_point)
    )]
    NotNfc {
        /// Position, in code points from 0.
        at: usize,
        /// The code point.
        code_point: char,
    },
    /// A default-ignorable code point: it does not show as itself.
    #[error(
        "holds {} at position {at}, a default-ignorable code point (invisible: zero-width, a direction control, a variation selector or a tag)",
        u_plus(*.code_point)
    )]
    Invisible {
        /// Position, in code points from 0.
        at: usize,
        /// The code point.
        code_point: char,
    },
    /// A control character or a line or paragraph separator.
    #[error(
        "holds {} at position {at}, a control character or line break",
        u_plus(*.code_point)
    )]
    Control {
        /// Position, in code points from 0.
        at: usize,
        /// The code point.
        code_point: char,
    },
    /// A code point with no script: unassigned, private use or a noncharacter.
    #[error(
        "holds {} at position {at}, which has no script (unassigned, private use or a noncharacter)",
        u_plus(*.code_point)
    )]
    NoScript {
        /// Position, in code points from 0.
        at: usize,
        /// The code point.
        code_point: char,
    },
    /// Not ASCII, but its UTS #39 skeleton is: a look-alike of an ASCII name.
    #[error("{0}")]
    LooksLikeAscii(LooksLikeAscii),
    /// Scripts mixed beyond UTS #39's moderately restrictive level.
    #[error(
        "mixes scripts: {} at position {at} is {script}, after text in {before}; a name is in one script, or Latin with Han, Japanese or Korean, or Latin with one other script but Cyrillic or Greek",
        u_plus(*.code_point)
    )]
    MixedScript {
        /// Position, in code points from 0.
        at: usize,
        /// The code point from which the name no longer meets the level.
        code_point: char,
        /// Its script(s).
        script: String,
        /// The scripts of the text before it.
        before: String,
    },
}

/// A name that is not ASCII but looks exactly like an ASCII name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "looks exactly like an ASCII name but is not one: {} at position {at} is a look-alike (its UTS #39 skeleton is the ASCII {skeleton:?})",
    u_plus(*.code_point)
)]
pub struct LooksLikeAscii {
    /// Its UTS #39 skeleton, all ASCII (a form for comparison, not for display: `0` and `O`
    /// share one).
    pub skeleton: String,
    /// Position of the first non-ASCII code point, in code points from 0.
    pub at: usize,
    /// That code point.
    pub code_point: char,
}

fn u_plus(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// `s` in NFC. What a user types is normalised with this before it is signed.
#[cfg(feature = "cli")]
pub fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// Whether two names are the same name: equal after NFC.
pub fn same_name(a: &str, b: &str) -> bool {
    a.nfc().eq(b.nfc())
}

/// Check a name against the rules of this module.
///
/// # Errors
///
/// The first rule broken, in the order of the module's list, at the first offending code point.
pub fn check_name(s: &str) -> Result<(), NameError> {
    if let Some((at, code_point)) = first_not_nfc(s) {
        return Err(NameError::NotNfc { at, code_point });
    }
    for (at, code_point) in s.chars().enumerate() {
        if is_default_ignorable(code_point) {
            return Err(NameError::Invisible { at, code_point });
        }
        if code_point.is_control() || matches!(code_point, '\u{2028}' | '\u{2029}') {
            return Err(NameError::Control { at, code_point });
        }
    }
    check_scripts(s)?;
    looks_like_ascii(s)
}

/// A name that is not ASCII must not look exactly like one that is: its UTS #39 skeleton (the
/// string of prototypes its characters are confusable with) must not be all ASCII. This
/// refuses a Cyrillic `АВС`, a fullwidth `ＡLPHA`, a mathematical bold `𝐀LPHA`, a no-break
/// space or a U+2010 hyphen where people read a space or `-`, and keeps every name whose
/// letters are not all look-alikes of ASCII ones (`Café`, `東京`).
fn looks_like_ascii(s: &str) -> Result<(), NameError> {
    if s.is_ascii() {
        return Ok(());
    }
    let skeleton: String = unicode_security::confusable_detection::skeleton(s).collect();
    if !skeleton.is_ascii() {
        return Ok(());
    }
    let (at, code_point) = s
        .chars()
        .enumerate()
        .find(|(_, c)| !c.is_ascii())
        .unwrap_or((0, ' '));
    Err(NameError::LooksLikeAscii(LooksLikeAscii {
        skeleton,
        at,
        code_point,
    }))
}

/// Whether `c` has the `Default_Ignorable_Code_Point` property.
pub fn is_default_ignorable(c: char) -> bool {
    DEFAULT_IGNORABLE
        .iter()
        .any(|&(lo, hi)| (lo..=hi).contains(&c))
}

/// The first code point that NFC changes: from the first position where `s` and its NFC
/// differ, the first code point whose NFC quick check is not "yes" (for `e` U+0301, the
/// U+0301 that composes with the `e`).
fn first_not_nfc(s: &str) -> Option<(usize, char)> {
    if is_nfc(s) {
        return None;
    }
    let mut normal = s.nfc();
    let from = s
        .chars()
        .position(|c| normal.next() != Some(c))
        .unwrap_or(0);
    s.chars()
        .enumerate()
        .skip(from)
        .find(|(_, c)| is_nfc_quick(std::iter::once(*c)) != IsNormalized::Yes)
        .or_else(|| s.chars().enumerate().nth(from))
}

/// UTS #39 section 5.2, moderately restrictive, on the scripts alone. Both sets only shrink
/// as code points are added, so the first code point after which the level fails is where
/// the mixing starts.
fn check_scripts(s: &str) -> Result<(), NameError> {
    let mut all = AugmentedScriptSet::default();
    // The scripts shared by every code point that cannot be Latin.
    let mut not_latin = AugmentedScriptSet::default();
    for (at, code_point) in s.chars().enumerate() {
        let set = AugmentedScriptSet::for_char(code_point);
        if set.is_empty() {
            return Err(NameError::NoScript { at, code_point });
        }
        let before = all;
        all.intersect_with(set);
        if !set.base.contains_script(Script::Latin) {
            not_latin.intersect_with(set);
        }
        let moderate = !all.is_empty()
            || not_latin.hanb
            || not_latin.jpan
            || not_latin.kore
            || not_latin
                .base
                .iter()
                .any(|s| s.is_recommended() && !matches!(s, Script::Cyrillic | Script::Greek));
        if !moderate {
            let mut script = String::new();
            for (i, sc) in set.base.iter().enumerate() {
                let _ = write!(
                    script,
                    "{}{}",
                    if i == 0 { "" } else { " or " },
                    sc.full_name()
                );
            }
            return Err(NameError::MixedScript {
                at,
                code_point,
                script,
                before: before.to_string(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_security::GeneralSecurityProfile;
    use unicode_security::general_security_profile::IdentifierType;

    #[test]
    fn names_people_write_pass() {
        for ok in [
            "major incident",
            "cyber-enabled theft of intellectual property",
            "ALPHA-2026-0001",
            "déni de service",
            "Störung (kritisch), Stufe 2",
            "атака на инфраструктуру",
            "κρίσιμο συμβάν",
            "重大インシデント",
            "JPCERT 重大インシデント",
            "중대 사고 KR-7",
            "حادثة كبرى ACME-1",
            "e\u{0301}".nfc().collect::<String>().as_str(),
        ] {
            assert_eq!(check_name(ok), Ok(()), "{ok:?}");
        }
    }

    #[test]
    fn look_alikes_of_ascii_names_are_refused() {
        for (bad, at) in [
            ("\u{410}\u{412}\u{421}-2026", 0), // Cyrillic А В С
            ("\u{FF21}LPHA-2026-0001", 0),     // fullwidth Ａ
            ("\u{1D400}LPHA", 0),              // mathematical bold 𝐀
            ("major\u{A0}incident", 5),        // no-break space
            ("ALPHA\u{2010}2026", 5),          // U+2010 HYPHEN
        ] {
            match check_name(bad) {
                Err(NameError::LooksLikeAscii(l)) => {
                    assert!(l.skeleton.is_ascii(), "{bad:?}");
                    assert_eq!(l.at, at, "{bad:?}");
                    assert!(!l.code_point.is_ascii());
                }
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        // Letters that are not look-alikes of ASCII ones keep a name legitimate.
        for ok in ["Café", "naïve", "Straße", "東京 2026"] {
            assert_eq!(check_name(ok), Ok(()), "{ok:?}");
        }
    }

    #[test]
    fn first_offending_code_point_is_named() {
        assert_eq!(
            check_name("cafe\u{0301}"),
            Err(NameError::NotNfc {
                at: 4,
                code_point: '\u{0301}'
            })
        );
        // A singleton: U+212B ANGSTROM SIGN is U+00C5 in NFC.
        assert_eq!(
            check_name("1 \u{212b}"),
            Err(NameError::NotNfc {
                at: 2,
                code_point: '\u{212b}'
            })
        );
        assert_eq!(
            check_name("major\u{200d}incident"),
            Err(NameError::Invisible {
                at: 5,
                code_point: '\u{200d}'
            })
        );
        assert_eq!(
            check_name("line\nbreak"),
            Err(NameError::Control {
                at: 4,
                code_point: '\n'
            })
        );
        assert_eq!(
            check_name("x\u{e000}"),
            Err(NameError::NoScript {
                at: 1,
                code_point: '\u{e000}'
            })
        );
        // Cyrillic А (U+0410) for Latin A: the mixing shows at the first Latin letter after it.
        let e = check_name("\u{0410}LPHA-1").unwrap_err();
        assert!(
            matches!(&e, NameError::MixedScript { at: 1, code_point: 'L', script, before }
                if script == "Latin" && before == "Cyrillic"),
            "{e:?}"
        );
        assert!(e.to_string().contains("U+004C at position 1"), "{e}");
        assert!(matches!(
            check_name("paypal \u{03bf}k"),
            Err(NameError::MixedScript { at: 7, .. })
        ));
    }

    #[test]
    fn same_name_is_equality_after_nfc() {
        assert!(same_name("déni", "de\u{0301}ni"));
        assert!(!same_name("déni", "Déni"));
        assert!(!same_name("déni", "déni "));
    }

    #[test]
    fn default_ignorable_table_matches_unicode_security() {
        // unicode-security's identifier types label these Default_Ignorable; its own
        // default-ignorable table (private) is what `skeleton` drops.
        for c in (0..=0x10_ffffu32).filter_map(char::from_u32) {
            if c.identifier_type() == Some(IdentifierType::Default_Ignorable) {
                assert!(is_default_ignorable(c), "{}", u_plus(c));
            }
            let mut one = [0u8; 4];
            let dropped = unicode_security::skeleton(c.encode_utf8(&mut one))
                .next()
                .is_none();
            assert_eq!(dropped, is_default_ignorable(c), "{}", u_plus(c));
        }
    }

    #[test]
    fn tables_are_of_one_unicode_version() {
        let (a, b, c) = unicode_normalization::UNICODE_VERSION;
        let normalization = (u64::from(a), u64::from(b), u64::from(c));
        assert_eq!(normalization, UNICODE_VERSION);
        assert_eq!(unicode_script::UNICODE_VERSION, UNICODE_VERSION);
        // docs/FORMAT.md section 5 states the version: change it there with the crates.
        assert_eq!(UNICODE_VERSION, (18, 0, 0));
    }
}
