// Command verify checks hotline's checkpoints, cosignatures and proofs with Go's reference
// implementation of signed notes and transparency logs, golang.org/x/mod/sumdb/note and
// golang.org/x/mod/sumdb/tlog. It is driven by tests/go_interop.rs; see README.md.
//
// Usage:
//
//	verify check REQUEST.json   verify; print "ok ..." lines, or "FAIL: ..." and exit 1
//	verify sign REQUEST.json    sign a text with note.NewSigner; print {"note", "vkey"} as JSON
//
// Exit codes: 0 everything verified, 1 something did not verify, 2 usage or I/O error.
//
// What is the reference and what is not: note.Open, note.NewVerifier, note.NewSigner,
// note.Sign, note.NewEd25519VerifierKey, tlog.RecordHash, tlog.CheckRecord, tlog.CheckTree,
// tlog.StoredHashes, tlog.TreeHash, tlog.ProveRecord and tlog.ProveTree come from x/mod.
// x/mod has no cosignature/v1, tlog-checkpoint body or tlog-proof parser, so those are
// written here from the C2SP specs (c2sp.org/tlog-cosignature, c2sp.org/tlog-checkpoint,
// c2sp.org/tlog-proof), independently of hotline's Rust code.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// checkRequest is what the Rust test asks to be verified. Every field is required except
// Feed.
type checkRequest struct {
	// Note is a checkpoint note signed by the feed's owner and cosigned by the cosigner.
	Note string `json:"note"`
	// OwnerVkey is the owner's verifier key string (name+keyid+base64(0x01 || key)).
	OwnerVkey string `json:"owner_vkey"`
	// OwnerKey is the owner's raw Ed25519 public key, hex.
	OwnerKey string `json:"owner_key_hex"`
	// CosignerName is the cosigner's key name.
	CosignerName string `json:"cosigner_name"`
	// CosignerKey is the cosigner's raw Ed25519 public key, hex.
	CosignerKey string `json:"cosigner_key_hex"`
	// CosignerVkey is the cosigner's verifier key string (name+keyid+base64(0x04 || key)).
	CosignerVkey string `json:"cosigner_vkey"`
	// Proof is a c2sp.org/tlog-proof@v1 file.
	Proof string `json:"proof"`
	// Leaf is the record the proof must prove, hex.
	Leaf string `json:"leaf_hex"`
	// LeafHash is hotline's RFC 6962 leaf hash of Leaf, base64.
	LeafHash string `json:"leaf_hash_b64"`
	// Feed, if present, is the whole feed and hotline's proofs over it.
	Feed *feedRequest `json:"feed"`
}

// feedRequest holds every record of the feed the checkpoint is of, with hotline's proofs.
type feedRequest struct {
	// Leaves are the records, hex, in order.
	Leaves []string `json:"leaves_hex"`
	// Inclusion[i] is hotline's inclusion proof for record i in the whole feed, base64 hashes.
	Inclusion [][]string `json:"inclusion"`
	// Consistency[m-1] is hotline's consistency proof from size m to the whole feed.
	Consistency [][]string `json:"consistency"`
}

type signRequest struct {
	PrivateKey string `json:"private_key"`
	Text       string `json:"text"`
}

type signResponse struct {
	Note string `json:"note"`
	Vkey string `json:"vkey"`
}

// failure is a verification failure (exit 1), as opposed to a usage or I/O error (exit 2).
type failure struct{ msg string }

func (f failure) Error() string { return f.msg }

func fail(format string, args ...interface{}) error {
	return failure{fmt.Sprintf(format, args...)}
}

func main() {
	if len(os.Args) != 3 || (os.Args[1] != "check" && os.Args[1] != "sign") {
		fmt.Fprintln(os.Stderr, "usage: verify check|sign REQUEST.json")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(2)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if os.Args[1] == "check" {
		var req checkRequest
		if err = dec.Decode(&req); err == nil {
			err = check(&req)
		}
	} else {
		var req signRequest
		if err = dec.Decode(&req); err == nil {
			err = sign(&req)
		}
	}
	var f failure
	if errors.As(err, &f) {
		fmt.Fprintln(os.Stderr, "FAIL:", f.msg)
		os.Exit(1)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(2)
	}
}

func ok(format string, args ...interface{}) {
	fmt.Printf("ok "+format+"\n", args...)
}

func check(req *checkRequest) error {
	for name, v := range map[string]string{
		"note": req.Note, "owner_vkey": req.OwnerVkey, "owner_key_hex": req.OwnerKey,
		"cosigner_name": req.CosignerName, "cosigner_key_hex": req.CosignerKey,
		"cosigner_vkey": req.CosignerVkey, "proof": req.Proof, "leaf_hex": req.Leaf,
		"leaf_hash_b64": req.LeafHash,
	} {
		if v == "" {
			return fmt.Errorf("request: %s is missing", name)
		}
	}
	ownerKey, err := publicKey(req.OwnerKey)
	if err != nil {
		return fmt.Errorf("owner_key_hex: %v", err)
	}
	cosignerKey, err := publicKey(req.CosignerKey)
	if err != nil {
		return fmt.Errorf("cosigner_key_hex: %v", err)
	}
	leaf, err := hex.DecodeString(req.Leaf)
	if err != nil {
		return fmt.Errorf("leaf_hex: %v", err)
	}

	// Key strings: the owner's is formed by the reference; the cosigner's (type 0x04, which
	// x/mod does not know) is checked against the spec.
	ownerName, _, _ := strings.Cut(req.OwnerVkey, "+")
	goVkey, err := note.NewEd25519VerifierKey(ownerName, ownerKey)
	if err != nil {
		return fail("owner verifier key: note.NewEd25519VerifierKey: %v", err)
	}
	if goVkey != req.OwnerVkey {
		return fail("owner verifier key: hotline's %q, note.NewEd25519VerifierKey's %q", req.OwnerVkey, goVkey)
	}
	ok("owner verifier key %s is byte-identical to note.NewEd25519VerifierKey's", goVkey)
	if err := checkCosignerVkey(req.CosignerVkey, req.CosignerName, cosignerKey); err != nil {
		return err
	}
	ok("cosigner verifier key %s matches c2sp.org/tlog-cosignature (type 0x04)", req.CosignerVkey)

	verifier, err := note.NewVerifier(req.OwnerVkey)
	if err != nil {
		return fail("owner verifier key: note.NewVerifier: %v", err)
	}
	size, root, err := checkNote("checkpoint note", req.Note, verifier, req.CosignerName, cosignerKey)
	if err != nil {
		return err
	}

	// The offline proof: parsed here, its checkpoint checked like the note above, its
	// inclusion proof by tlog.CheckRecord.
	proof, err := parseProof(req.Proof)
	if err != nil {
		return err
	}
	ok("proof parses as c2sp.org/tlog-proof@v1: index %d, %d hashes", proof.index, len(proof.hashes))
	pSize, pRoot, err := checkNote("proof's checkpoint", proof.checkpoint, verifier, req.CosignerName, cosignerKey)
	if err != nil {
		return err
	}
	if !proof.hasExtra || !bytes.Equal(proof.extra, leaf) {
		return fail("proof: the extra data is not the expected record")
	}
	ok("proof's extra data is the expected record (%d bytes)", len(leaf))
	recordHash := tlog.RecordHash(leaf)
	if recordHash.String() != req.LeafHash {
		return fail("leaf hash: hotline's %s, tlog.RecordHash's %s", req.LeafHash, recordHash)
	}
	ok("leaf hash %s is byte-identical to tlog.RecordHash's", recordHash)
	if proof.index >= pSize {
		return fail("proof: index %d is not below the checkpoint's size %d", proof.index, pSize)
	}
	if err := tlog.CheckRecord(proof.hashes, pSize, pRoot, proof.index, tlog.RecordHash(proof.extra)); err != nil {
		return fail("proof: tlog.CheckRecord(index %d, size %d): %v", proof.index, pSize, err)
	}
	ok("inclusion of record %d in the tree of size %d verifies under tlog.CheckRecord", proof.index, pSize)

	if req.Feed != nil {
		return checkFeed(req.Feed, size, root)
	}
	return nil
}

// checkNote opens a checkpoint note with the reference verifier, checks that the reference
// re-encodes it byte for byte, parses its body and verifies the cosignature. It returns the
// checkpoint's size and root.
func checkNote(what, text string, verifier note.Verifier, cosignerName string, cosignerKey ed25519.PublicKey) (int64, tlog.Hash, error) {
	n, err := note.Open([]byte(text), note.VerifierList(verifier))
	if err != nil {
		return 0, tlog.Hash{}, fail("%s: note.Open: %v", what, err)
	}
	ok("%s opens under note.Open, signed by %s", what, verifier.Name())
	again, err := note.Sign(n)
	if err != nil {
		return 0, tlog.Hash{}, fail("%s: note.Sign (re-encoding): %v", what, err)
	}
	if string(again) != text {
		return 0, tlog.Hash{}, fail("%s: note.Sign re-encodes it differently:\n%q\n%q", what, text, again)
	}
	ok("%s re-encodes byte for byte under note.Sign", what)
	origin, size, root, err := parseCheckpoint(n.Text)
	if err != nil {
		return 0, tlog.Hash{}, fail("%s: %v", what, err)
	}
	if origin != verifier.Name() {
		return 0, tlog.Hash{}, fail("%s: origin %q is not the signer's key name %q", what, origin, verifier.Name())
	}
	ok("%s body parses as c2sp.org/tlog-checkpoint: origin %s size %d root %s", what, origin, size, root)
	t, err := checkCosignature(n, cosignerName, cosignerKey)
	if err != nil {
		return 0, tlog.Hash{}, fail("%s: %v", what, err)
	}
	ok("%s cosignature/v1 by %s verifies, time %d", what, cosignerName, t)
	return size, root, nil
}

// parseCheckpoint parses a checkpoint body per c2sp.org/tlog-checkpoint: origin, decimal
// size without leading zeros, base64 root hash, then optional non-empty extension lines.
func parseCheckpoint(text string) (origin string, size int64, root tlog.Hash, err error) {
	if !strings.HasSuffix(text, "\n") {
		return "", 0, root, errors.New("checkpoint body does not end in a newline")
	}
	body := strings.TrimSuffix(text, "\n")
	lines := strings.Split(body, "\n")
	if len(lines) < 3 {
		return "", 0, root, fmt.Errorf("checkpoint body has %d lines, want at least 3", len(lines))
	}
	origin = lines[0]
	if origin == "" {
		return "", 0, root, errors.New("checkpoint origin is empty")
	}
	size, err = strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return "", 0, root, fmt.Errorf("checkpoint size %q is not a canonical decimal", lines[1])
	}
	root, err = tlog.ParseHash(lines[2])
	if err != nil || root.String() != lines[2] {
		return "", 0, root, fmt.Errorf("checkpoint root %q is not the base64 of 32 bytes", lines[2])
	}
	for i, ext := range lines[3:] {
		if ext == "" {
			return "", 0, root, fmt.Errorf("checkpoint extension line %d is empty", i+4)
		}
	}
	return origin, size, root, nil
}

// cosignerKeyID is SHA-256(name || "\n" || 0x04 || key)[:4], per c2sp.org/tlog-cosignature.
func cosignerKeyID(name string, key ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n', 0x04})
	h.Write(key)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

func checkCosignerVkey(vkey, name string, key ed25519.PublicKey) error {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		return fail("cosigner verifier key %q is not name+keyid+key", vkey)
	}
	if parts[0] != name {
		return fail("cosigner verifier key names %q, want %q", parts[0], name)
	}
	if want := fmt.Sprintf("%08x", cosignerKeyID(name, key)); parts[1] != want {
		return fail("cosigner verifier key id %s, want %s", parts[1], want)
	}
	if want := base64.StdEncoding.EncodeToString(append([]byte{0x04}, key...)); parts[2] != want {
		return fail("cosigner verifier key material %s, want %s", parts[2], want)
	}
	return nil
}

// checkCosignature finds the signature lines under the cosigner's name (note.Open leaves
// them unverified: x/mod knows no type 0x04) and verifies each as a cosignature/v1. At least
// one is required. It returns the timestamp of the first.
func checkCosignature(n *note.Note, name string, key ed25519.PublicKey) (uint64, error) {
	id := cosignerKeyID(name, key)
	var times []uint64
	for _, sig := range n.UnverifiedSigs {
		if sig.Name != name {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(sig.Base64)
		if err != nil {
			return 0, fmt.Errorf("cosignature by %s: base64: %v", name, err)
		}
		if len(raw) != 4+8+ed25519.SignatureSize {
			return 0, fmt.Errorf("cosignature by %s: %d bytes, want 76 (key id, timestamp, signature)", name, len(raw))
		}
		if got := binary.BigEndian.Uint32(raw[:4]); got != id {
			return 0, fmt.Errorf("cosignature by %s: key id %08x, want %08x", name, got, id)
		}
		t := binary.BigEndian.Uint64(raw[4:12])
		if t > 1<<63-1 {
			return 0, fmt.Errorf("cosignature by %s: timestamp %d exceeds 2^63-1", name, t)
		}
		msg := "cosignature/v1\ntime " + strconv.FormatUint(t, 10) + "\n" + n.Text
		if !ed25519.Verify(key, []byte(msg), raw[12:]) {
			return 0, fmt.Errorf("cosignature by %s (time %d) does not verify", name, t)
		}
		times = append(times, t)
	}
	if len(times) == 0 {
		return 0, fmt.Errorf("no cosignature/v1 line by %s", name)
	}
	return times[0], nil
}

type tlogProof struct {
	hasExtra   bool
	extra      []byte
	index      int64
	hashes     tlog.RecordProof
	checkpoint string
}

// parseProof parses a c2sp.org/tlog-proof@v1 file: header, optional extra line, index line,
// zero or more base64 hashes, an empty line, and the checkpoint note verbatim.
func parseProof(text string) (*tlogProof, error) {
	head, cp, found := strings.Cut(text, "\n\n")
	if !found {
		return nil, fail("proof: no empty line before the checkpoint")
	}
	lines := strings.Split(head, "\n")
	if lines[0] != "c2sp.org/tlog-proof@v1" {
		return nil, fail("proof: first line %q is not c2sp.org/tlog-proof@v1", lines[0])
	}
	lines = lines[1:]
	p := &tlogProof{checkpoint: cp}
	if len(lines) > 0 && strings.HasPrefix(lines[0], "extra ") {
		extra, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(lines[0], "extra "))
		if err != nil {
			return nil, fail("proof: extra: %v", err)
		}
		p.hasExtra, p.extra, lines = true, extra, lines[1:]
	}
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "index ") {
		return nil, fail("proof: no index line")
	}
	idx := strings.TrimPrefix(lines[0], "index ")
	index, err := strconv.ParseInt(idx, 10, 64)
	if err != nil || index < 0 || strconv.FormatInt(index, 10) != idx {
		return nil, fail("proof: index %q is not a canonical decimal", idx)
	}
	p.index = index
	for _, l := range lines[1:] {
		h, err := tlog.ParseHash(l)
		if err != nil || h.String() != l {
			return nil, fail("proof: %q is not the base64 of a 32-byte hash", l)
		}
		p.hashes = append(p.hashes, h)
	}
	return p, nil
}

// checkFeed recomputes the tree of the whole feed with tlog, compares its root with the
// checkpoint's, and checks every inclusion and consistency proof hotline made, both with
// tlog's verifiers and against tlog's own proofs, byte for byte.
func checkFeed(feed *feedRequest, size int64, root tlog.Hash) error {
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			if x < 0 || x >= int64(len(stored)) {
				return nil, fmt.Errorf("no stored hash %d", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	records := make([][]byte, len(feed.Leaves))
	for i, l := range feed.Leaves {
		rec, err := hex.DecodeString(l)
		if err != nil {
			return fmt.Errorf("feed leaf %d: %v", i, err)
		}
		records[i] = rec
		hs, err := tlog.StoredHashes(int64(i), rec, reader)
		if err != nil {
			return fmt.Errorf("tlog.StoredHashes(%d): %v", i, err)
		}
		stored = append(stored, hs...)
	}
	n := int64(len(records))
	if n != size {
		return fail("feed: %d records, but the checkpoint's size is %d", n, size)
	}
	if n == 0 {
		return fail("feed: empty")
	}
	roots := make([]tlog.Hash, n+1)
	for m := int64(1); m <= n; m++ {
		h, err := tlog.TreeHash(m, reader)
		if err != nil {
			return fmt.Errorf("tlog.TreeHash(%d): %v", m, err)
		}
		roots[m] = h
	}
	if roots[n] != root {
		return fail("feed: tlog.TreeHash gives root %s, the checkpoint says %s", roots[n], root)
	}
	ok("checkpoint root is byte-identical to tlog.TreeHash over the %d records", n)

	if int64(len(feed.Inclusion)) != n {
		return fail("feed: %d inclusion proofs for %d records", len(feed.Inclusion), n)
	}
	for i, b64s := range feed.Inclusion {
		p, err := parseHashes(b64s)
		if err != nil {
			return fail("feed: inclusion proof %d: %v", i, err)
		}
		if err := tlog.CheckRecord(p, n, roots[n], int64(i), tlog.RecordHash(records[i])); err != nil {
			return fail("feed: inclusion proof %d: tlog.CheckRecord: %v", i, err)
		}
		want, err := tlog.ProveRecord(n, int64(i), reader)
		if err != nil {
			return fmt.Errorf("tlog.ProveRecord(%d, %d): %v", n, i, err)
		}
		if !sameHashes(p, want) {
			return fail("feed: inclusion proof %d differs from tlog.ProveRecord's", i)
		}
	}
	ok("%d inclusion proofs verify under tlog.CheckRecord and equal tlog.ProveRecord's", n)

	if int64(len(feed.Consistency)) != n {
		return fail("feed: %d consistency proofs, want one from each size 1..%d", len(feed.Consistency), n)
	}
	for i, b64s := range feed.Consistency {
		m := int64(i) + 1
		p, err := parseHashes(b64s)
		if err != nil {
			return fail("feed: consistency proof from %d: %v", m, err)
		}
		if err := tlog.CheckTree(p, n, roots[n], m, roots[m]); err != nil {
			return fail("feed: consistency proof from %d to %d: tlog.CheckTree: %v", m, n, err)
		}
		want, err := tlog.ProveTree(n, m, reader)
		if err != nil {
			return fmt.Errorf("tlog.ProveTree(%d, %d): %v", n, m, err)
		}
		if !sameHashes(p, want) {
			return fail("feed: consistency proof from %d differs from tlog.ProveTree's", m)
		}
	}
	ok("%d consistency proofs verify under tlog.CheckTree and equal tlog.ProveTree's", n)
	return nil
}

func parseHashes(b64s []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, 0, len(b64s))
	for _, s := range b64s {
		h, err := tlog.ParseHash(s)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

func sameHashes(a, b []tlog.Hash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func publicKey(h string) (ed25519.PublicKey, error) {
	k, err := hex.DecodeString(h)
	if err != nil {
		return nil, err
	}
	if len(k) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%d bytes, want %d", len(k), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(k), nil
}

// sign signs req.Text with the reference signer and prints the note and the verifier key
// that belongs to the private key, formed by the reference.
func sign(req *signRequest) error {
	signer, err := note.NewSigner(req.PrivateKey)
	if err != nil {
		return fail("note.NewSigner: %v", err)
	}
	msg, err := note.Sign(&note.Note{Text: req.Text}, signer)
	if err != nil {
		return fail("note.Sign: %v", err)
	}
	// x/mod derives no verifier key from a private key; the seed is the private key
	// string's last field, after its type byte 0x01.
	parts := strings.SplitN(req.PrivateKey, "+", 5)
	if len(parts) != 5 {
		return fail("private key has %d fields, want 5", len(parts))
	}
	key, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(key) != 1+ed25519.SeedSize || key[0] != 0x01 {
		return fail("private key material is not 0x01 followed by a 32-byte seed")
	}
	pub := ed25519.NewKeyFromSeed(key[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(parts[2], pub)
	if err != nil {
		return fail("note.NewEd25519VerifierKey: %v", err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return fail("note.NewVerifier: %v", err)
	}
	if _, err := note.Open(msg, note.VerifierList(verifier)); err != nil {
		return fail("note.Open of the note just signed: %v", err)
	}
	out, err := json.Marshal(signResponse{Note: string(msg), Vkey: vkey})
	if err != nil {
		return err
	}
	fmt.Println(string(out))
	return nil
}
