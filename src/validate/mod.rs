//! Checks that need no IO: is what a citizen sent usable for the request?
//!
//! `photo` judges one photo of a document the moment it arrives. Everything is pure (bytes in,
//! verdict out), so it is fast to test and can be replayed from the journal.

pub mod photo;

pub use photo::{
    AcceptedPhoto, BackgroundRule, CheckedPhoto, Colour, EarlierPhoto, FileKind, MinResolution,
    PhotoPolicy, PhotoToCheck, Resolution, Thresholds, check_photo, codes, looks_like_of,
    perceptual_hash_distance, sniff,
};
