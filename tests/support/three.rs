//! The example channel with a third writer, gamma, for the tests of a party added by a
//! charter amendment: each party signs with every other feed seen in full.
#![allow(dead_code, clippy::unwrap_used)]

use hotline::entry::{Body, SignedEntry, View};
use hotline::example::{self, Writer, test_key};

/// The example channel, and gamma's writer for once it is added.
pub struct Sim {
    pub ex: example::Example,
    pub gamma: Writer,
    /// Every entry of the example channel, then every entry signed here, in order.
    pub entries: Vec<SignedEntry>,
}

impl Sim {
    pub fn new() -> Sim {
        let ex = example::build().unwrap();
        let entries = ex.entries.iter().map(|(_, e)| e.clone()).collect();
        let gamma = Writer::new(test_key("gamma"), ex.charter.id().unwrap());
        Sim { ex, gamma, entries }
    }

    /// Every feed but `me`'s, as `me` has seen it (all of it).
    pub fn views(&self, me: &str) -> Vec<View> {
        let mut v = Vec::new();
        if me != "alpha" {
            v.extend(self.ex.alpha.seen());
        }
        if me != "beta" {
            v.extend(self.ex.beta.seen());
        }
        if me != "gamma" {
            v.extend(self.gamma.seen());
        }
        v
    }

    /// `who` ("alpha", "beta" or "gamma") signs `body` at `t`.
    pub fn sign(&mut self, who: &str, t: u64, body: Body) -> SignedEntry {
        let views = self.views(who);
        let w = match who {
            "alpha" => &mut self.ex.alpha,
            "beta" => &mut self.ex.beta,
            _ => &mut self.gamma,
        };
        let e = w.append(t, views, body).unwrap();
        self.entries.push(e.clone());
        e
    }
}
