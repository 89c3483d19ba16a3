//! Generates the labelled photo fixtures in `fixtures/photos/` (see the README there); the
//! generator itself is `loket_testkit::photo_fixtures`, which the photo benchmark also uses.
//!
//! ```text
//! cargo run --release --example make_photo_fixtures                  # writes fixtures/photos/
//! cargo run --release --example make_photo_fixtures -- OUT_DIR       # writes elsewhere
//! cargo run --release --example make_photo_fixtures -- --calibrate   # prints distributions
//! ```

fn main() {
    loket_testkit::photo_fixtures::run();
}
