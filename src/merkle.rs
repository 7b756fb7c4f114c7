//! RFC 6962 Merkle trees (being written).
